// The wired path for `npm run bench:timers`: the real clock timer (due set + poller, BullMQ
// fallback, PostgreSQL exactly-once record) on the machine's PostgreSQL and Redis, with breaches
// falling due at a steady rate. Lateness is what `clock_steps` recorded, so it includes the
// PostgreSQL transaction that fires the step and writes its outbox event.
import { createMemoryBus } from '@huiying/bus';
import { createOutboxRelay } from '@huiying/outbox';
import { createLogger } from '@huiying/telemetry';
import { isolatedDatabase } from '../../../embedded/src/testing/real-services';
import { applyIncidentState } from '../clock-lifecycle';
import { createClockTimer } from '../clock-timer';
import { redisOptionsFromUrl } from '../redis-check';
import { MINUTE, incidentOf, saveIncident, testPolicy } from '../testing/clock-fixtures';

export interface WiredFigures {
  clocks: number;
  fired: number;
  lost: number;
  duplicates: number;
  /** Steps fired by the due-set poller; the rest by the BullMQ fallback or the reconciler. */
  firedByPoller: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

export interface WiredOptions {
  redisUrl: string;
  prefix: string;
  /** Breaches per second. */
  rate: number;
  seconds: number;
  log: (msg: string) => void;
}

export async function wiredTimer(options: WiredOptions): Promise<WiredFigures> {
  const schema = `bench_${options.prefix.replace(/[^a-z0-9]/g, '_')}`;
  const database = await isolatedDatabase(schema);
  const logger = createLogger('bench', 'warn');
  const bus = createMemoryBus({ service: 'bench', logger });
  const relay = createOutboxRelay({ db: database.db, bus, logger });
  // Only the breach: one step per clock, so the figure is per fired step.
  const policy = testPolicy({ stages: { response: { warnings: [] } }, escalation: { everyMinutes: 60, maxSteps: 1 } });
  const timer = createClockTimer({
    bus, db: database.db, relay, logger, policy,
    redis: redisOptionsFromUrl(options.redisUrl), queueName: 'bench-wired', prefix: options.prefix, group: `${schema}-timer`,
  });
  try {
    const total = options.rate * options.seconds;
    const startMs = Date.now() + 8_000 + total * 5;
    options.log(`wired timer: opening ${total} response clocks, breaches from ${new Date(startMs).toISOString()} over ${options.seconds} s`);
    await timer.start();
    for (let i = 0; i < total; i++) {
      const breachMs = startMs + Math.floor((i * 1000) / options.rate);
      const incident = incidentOf({ level: 'IV', importantOpinion: true, t0: new Date(breachMs - 20 * MINUTE).toISOString() });
      await saveIncident(database.db, incident);
      const changed = await database.db.transaction((tx) => applyIncidentState(tx, incident.id, policy, new Date(), 'bench', incident));
      for (const id of changed) await timer.wake(id);
    }
    // Announce the starts now, so their events do not compete with the breaches in the window.
    await relay.flush();
    if (Date.now() > startMs) options.log('wired timer: opening the clocks overran the lead time; figures include it');
    const endMs = startMs + options.seconds * 1000 + 5_000;
    let fired = 0;
    while (Date.now() < endMs && fired < total) {
      await new Promise((r) => setTimeout(r, 250));
      const { rows } = await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM clock_steps WHERE step = 'breach'`);
      fired = rows[0]?.n ?? 0;
    }
    const { rows } = await database.db.query<{ lateness_ms: string; fired_by: string }>(
      `SELECT lateness_ms::text, fired_by FROM clock_steps WHERE step = 'breach'`,
    );
    const { rows: announced } = await database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE payload->>'kind' = 'breached'`,
    );
    const lateness = rows.map((r) => Number(r.lateness_ms)).sort((a, b) => a - b);
    const q = (p: number) => (lateness.length === 0 ? NaN : lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))]!);
    return {
      clocks: total,
      fired: rows.length,
      lost: total - rows.length,
      duplicates: (announced[0]?.n ?? 0) - rows.length,
      firedByPoller: rows.filter((r) => r.fired_by === 'fast-loop').length,
      latenessP50Ms: q(0.5),
      latenessP99Ms: q(0.99),
      latenessMaxMs: lateness[lateness.length - 1] ?? NaN,
    };
  } finally {
    await timer.stop();
    await relay.stop();
    await bus.close();
    await database.drop();
  }
}
