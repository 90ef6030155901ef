import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClockEventMessage, type ClockSnapshot } from '@huiying/contracts';
import { insertClock } from '@huiying/sla-timer';
import { startLoopbackServer, type LoopbackServer } from '../../../packages/alerting/src/testing/loopback-server';
import { dingtalkReceiver, wecomReceiver } from '../../../packages/alerting/src/testing/robot-receivers';
import { eventually, isolationName } from '../../embedded/src/testing/real-services';
import { incidentOf, saveIncident } from '../../sla-timer/src/testing/clock-fixtures';
import { startTestNotifier } from './testing/notifier-harness';

const WECOM_KEY = 'wecom-burst-key';
const DING_TOKEN = 'ding-burst-token';
const DING_SECRET = 'SECding-burst';
// The robots' per-minute limits, shrunk to seconds so the test takes seconds.
const LIMIT = { max: 3, windowMs: 2_000 };
const BURST = 8;

/**
 * A burst of alerts to rate-limited robots (WeCom and DingTalk, loopback receivers that refuse
 * past their limit as the platforms do) is spread out over the windows: every message arrives,
 * none is refused, none needs a retry.
 */
describe('robot rate limits on real Kafka, PostgreSQL and Redis', () => {
  const name = isolationName('ratelimit');
  const dir = mkdtempSync(path.join(tmpdir(), 'huiying-ratelimit-'));
  const arrivals: Record<string, Array<{ atMs: number; errcode: unknown }>> = { wecom: [], dingtalk: [] };
  const servers: LoopbackServer[] = [];
  let harness: Awaited<ReturnType<typeof startTestNotifier>> | undefined;
  let bus: Awaited<ReturnType<typeof startTestNotifier>>['bus'];

  /** The receiver, noting when each message arrived and what it answered. */
  function recording(kind: string, handler: ReturnType<typeof wecomReceiver>): ReturnType<typeof wecomReceiver> {
    return (req) => {
      const answer = handler(req);
      if (answer !== 'stall') arrivals[kind]!.push({ atMs: Date.now(), errcode: (answer.json as { errcode?: unknown } | undefined)?.errcode });
      return answer;
    };
  }

  beforeAll(async () => {
    const robot = { perMinute: LIMIT.max, windowMs: LIMIT.windowMs };
    const wecom = await startLoopbackServer(recording('wecom', wecomReceiver(WECOM_KEY, robot)));
    const dingtalk = await startLoopbackServer(recording('dingtalk', dingtalkReceiver(DING_TOKEN, DING_SECRET, robot)));
    servers.push(wecom, dingtalk);
    writeFileSync(path.join(dir, 'roster.json'), JSON.stringify({
      version: 1,
      timeZone: 'Asia/Shanghai',
      people: [{ id: 'zhang', name: '张伟', contacts: { wecom: { userId: 'zhangwei' }, dingtalk: { mobile: '13800000001' } } }],
      shifts: [{ kind: 'weekly', role: 'duty_officer', personIds: ['zhang'], days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }],
    }));
    writeFileSync(path.join(dir, 'chains.json'), JSON.stringify({ version: 1 }));
    writeFileSync(path.join(dir, 'channels.json'), JSON.stringify({
      version: 1,
      channels: [
        { id: 'wecom-duty', kind: 'wecom', baseUrl: wecom.baseUrl, key: WECOM_KEY, rateLimits: [LIMIT] },
        { id: 'dingtalk-duty', kind: 'dingtalk', baseUrl: dingtalk.baseUrl, accessToken: DING_TOKEN, secret: DING_SECRET, rateLimits: [LIMIT] },
      ],
    }));
    harness = await startTestNotifier(name, dir, { escalation: { repeatEveryMinutes: 60, escalateAfterMinutes: 60 }, bundleWindowMs: 1_000 });
    bus = harness.bus;
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spreads a burst to one robot over its windows instead of having it refused', async () => {
    const db = harness!.db;
    // Breaches of different clocks: different bundling keys, so each is its own message.
    for (let i = 0; i < BURST; i++) {
      const incident = incidentOf();
      await saveIncident(db, incident);
      const now = new Date().toISOString();
      const clock: ClockSnapshot = {
        id: `clk-${name}-${i}`, incidentId: incident.id, stage: 'statement', status: 'breached', t0: now, dueAt: now, startedAt: now, metAt: null, breachedAt: now, drill: false,
      };
      await insertClock(db, { clock: { ...clock, status: 'running', pauses: [], acknowledgedAt: null }, provisional: false, startedLateMs: 0 });
      await bus.publish(ClockEventMessage, { kind: 'breached', clock, departments: ['市应急局'], incidentTitle: `文县山体滑坡 ${i}` }, { key: incident.id });
    }
    const rows = await eventually(async () => {
      const { rows } = await db.query<{ channel_id: string; status: string; attempts: number }>('SELECT channel_id, status, attempts FROM alert_deliveries');
      return rows.length === 2 * BURST && rows.every((r) => r.status === 'delivered') ? rows : undefined;
    }, `${2 * BURST} delivered messages`, 60_000, 250);

    // Each message sent once, on its first attempt: nothing was refused and retried.
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    const attempts = await db.query<{ status: string }>('SELECT status FROM alert_delivery_attempts');
    expect(attempts.rows.map((r) => r.status)).toEqual(Array(2 * BURST).fill('delivered'));
    for (const kind of ['wecom', 'dingtalk']) {
      const seen = arrivals[kind]!;
      expect(seen.map((a) => a.errcode)).toEqual(Array(BURST).fill(0));
      // Never more than the limit within one window: the (max+1)-th arrival after any message
      // comes at least a window later.
      const at = seen.map((a) => a.atMs).sort((a, b) => a - b);
      for (let i = LIMIT.max; i < at.length; i++) expect(at[i]! - at[i - LIMIT.max]!).toBeGreaterThanOrEqual(LIMIT.windowMs);
    }
  }, 90_000);
});
