// npm run bench:incident-events -w @huiying/sla-timer — how fast the clock timer works off a
// backlog of incident events on the real Kafka, PostgreSQL and Redis, as the whole-pipeline bench
// leaves it: per incident one `opened`, then one `updated` per batch of joined posts, most of them
// changing nothing a clock reads, a few raising the proposed level. Two timers in the same run,
// each on its own schema and topics: the former way (every event in its own transaction) as the
// baseline, then runs of a partition in one transaction, passing over what changes no clock.
// Last line: JSON figures.
import { randomUUID } from 'node:crypto';
import { IncidentEventMessage, type IncidentEvent, type IncidentSnapshot } from '@huiying/contracts';
import { createOutboxRelay } from '@huiying/outbox';
import { createLogger } from '@huiying/telemetry';
import IORedis from 'ioredis';
import { isolatedDatabase, isolatedTopics } from '../../../embedded/src/testing/real-services';
import { createClockTimer } from '../clock-timer';
import { redisOptionsFromUrl } from '../redis-check';
import { incidentOf, saveIncident, testPolicy, wipeRedisPrefix } from '../testing/clock-fixtures';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 3_000);
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 100);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 180_000);
const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);

/** The events in publishing order, and each incident's final state (what PostgreSQL holds). */
function backlog(): { events: IncidentEvent[]; finals: IncidentSnapshot[] } {
  const t0 = new Date(Date.now() - 60_000).toISOString();
  const incidents = Array.from({ length: INCIDENTS }, () =>
    incidentOf({ t0, status: 'detected', level: 'III', levelConfirmed: false, levelConfidence: 0.6 }),
  );
  const events: IncidentEvent[] = incidents.map((incident) => ({ kind: 'opened', incident, actor: 'system:incidents', postId: 'p0', postIds: ['p0'] }));
  for (let i = events.length; i < EVENTS; i += 1) {
    const index = i % INCIDENTS;
    const current = incidents[index]!;
    const posts = current.postCount + 1;
    // One join in 25 raises the proposal to a confident II: the clocks start (provisional).
    const graver = posts % 25 === 0 && current.level === 'III';
    const next: IncidentSnapshot = { ...current, postCount: posts, counties: [...current.counties, `县${posts % 7}`].slice(-3), ...(graver && { level: 'II', levelConfidence: 0.9 }) };
    incidents[index] = next;
    events.push({ kind: graver ? 'level_changed' : 'updated', incident: next, actor: 'system:incidents', postId: `p${posts}`, postIds: [`p${posts}`] });
  }
  return { events, finals: incidents };
}

async function measure(label: string, runs: boolean): Promise<{ eventsPerSec: number; seconds: number; clocks: number }> {
  const name = `bench_ie_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const database = await isolatedDatabase(name);
  const topics = await isolatedTopics(`${name}.`);
  const logger = createLogger('bench', 'warn');
  const bus = topics.bus('bench-incident-events');
  const relay = createOutboxRelay({ db: database.db, bus, logger });
  relay.start();
  const redis = new IORedis(redisOptionsFromUrl(REDIS_URL));
  const { events, finals } = backlog();
  for (const incident of finals) await saveIncident(database.db, incident);
  for (let i = 0; i < events.length; i += 500) {
    await bus.publishBatch(IncidentEventMessage, events.slice(i, i + 500).map((payload) => ({ payload, options: { key: payload.incident.id } })));
  }
  log(`${label}: ${events.length} incident events of ${INCIDENTS} incidents published`);
  let handled = 0;
  let done: () => void = () => undefined;
  const allHandled = new Promise<void>((resolve) => (done = resolve));
  const timer = createClockTimer({
    bus, db: database.db, relay, logger, policy: testPolicy(),
    redis: redisOptionsFromUrl(REDIS_URL), queueName: 'bench-incident-events', prefix: name, group: `${name}-timer`,
    reconcileEveryMs: 3_600_000,
    incidentEventRuns: runs,
    onIncidentEventsHandled: (count) => {
      handled += count;
      if (handled >= events.length) done();
    },
  });
  const startedMs = Date.now();
  await timer.start();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, TIMEOUT_MS).unref());
  await Promise.race([allHandled, timeout]);
  const seconds = (Date.now() - startedMs) / 1000;
  const { rows } = await database.db.query<{ n: string }>(`SELECT count(*) AS n FROM clocks WHERE status = 'running'`);
  await timer.stop();
  await relay.stop();
  await wipeRedisPrefix(redis, name);
  redis.disconnect();
  await bus.close();
  await topics.drop();
  await database.drop();
  const figures = { eventsPerSec: Math.round(handled / seconds), seconds: Math.round(seconds * 10) / 10, clocks: Number(rows[0]?.n ?? 0) };
  log(`${label}: ${handled}/${events.length} handled in ${figures.seconds} s, ${figures.clocks} running clocks`);
  return figures;
}

async function main() {
  const baseline = await measure('one transaction per event (baseline)', false);
  const runs = await measure('runs, passing over what changes no clock', true);
  // Both must end with the same clocks: every incident raised to II has its two emergency clocks.
  const expectedClocks = baseline.clocks;
  process.stdout.write(
    `${JSON.stringify({ events: EVENTS, incidents: INCIDENTS, baselineEventsPerSec: baseline.eventsPerSec, eventsPerSec: runs.eventsPerSec, speedup: Math.round((runs.eventsPerSec / baseline.eventsPerSec) * 10) / 10, clocksBaseline: expectedClocks, clocks: runs.clocks })}\n`,
  );
  process.exit(runs.clocks === expectedClocks ? 0 : 1);
}

main().catch((error) => {
  log(`bench failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
