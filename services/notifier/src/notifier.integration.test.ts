import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyWebhookSignature } from '@huiying/alerting';
import { ClockEventMessage, type ClockEvent, type ClockSnapshot } from '@huiying/contracts';
import { createOutboxRelay } from '@huiying/outbox';
import { insertClock, redisOptionsFromUrl } from '@huiying/sla-timer';
import { createMetricsRegistry } from '@huiying/telemetry';
import IORedis from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startLoopbackServer, type LoopbackServer } from '../../../packages/alerting/src/testing/loopback-server';
import { dingtalkReceiver, feishuReceiver, wecomReceiver, type RobotBehaviour } from '../../../packages/alerting/src/testing/robot-receivers';
import { TEST_REDIS_URL, eventually, isolatedDatabase, isolatedTopics, isolationName, testLogger } from '../../embedded/src/testing/real-services';
import { incidentOf, saveIncident, wipeRedisPrefix } from '../../sla-timer/src/testing/clock-fixtures';
import { acknowledgeAlert } from './acknowledge';
import { createNotifier } from './notifier';
import { roundJobId } from './notify-jobs';

const WEBHOOK_SECRET = 'whsec-notifier-test-0123';
const WECOM_KEY = 'wecom-live-key';
const DRILL_KEY = 'wecom-drill-key';
const DING_TOKEN = 'ding-token';
const DING_SECRET = 'SECding-secret';
const FEISHU_TOKEN = 'feishu-token';
const FEISHU_SECRET = 'feishu-secret';

/**
 * The notifier on real Kafka, PostgreSQL and Redis, sending to real receivers on loopback: an
 * HTTP server per robot format, the signed webhook, an SMS gateway and an SMTP server.
 */
describe('the notifier: escalation, channels, retries, bundling, drills', () => {
  const name = isolationName('notifier');
  const dir = mkdtempSync(path.join(tmpdir(), 'huiying-alerting-'));
  const wecomBehaviour: RobotBehaviour = {};
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let relay: ReturnType<typeof createOutboxRelay>;
  let notifier: ReturnType<typeof createNotifier>;
  let redis: IORedis;
  const servers: Record<string, LoopbackServer> = {};
  const mails: ParsedMail[] = [];
  let smtp: SMTPServer;
  /** The notifier's clock runs `offsetMs` ahead, to let a test step past repeat intervals. */
  let offsetMs = 0;

  function people(withLeaderContacts = true) {
    return [
      { id: 'zhang', name: '张伟', contacts: { wecom: { userId: 'zhangwei' }, dingtalk: { mobile: '13800000001' }, feishu: { userId: 'ou_zhang' }, email: 'zhang@news.example.gov.cn', sms: '13800000001', webhook: { recipientId: 'u-zhang' } } },
      { id: 'wang', name: '王强', title: '新闻办主任', contacts: { sms: '13800000003' } },
      { id: 'zhao', name: '赵敏', title: '分管副市长', contacts: withLeaderContacts ? { email: 'zhao@example.gov.cn' } : {} },
    ];
  }
  function writeRoster(withWang = true, withLeaderContacts = true) {
    const all = people(withLeaderContacts).filter((p) => withWang || p.id !== 'wang');
    const shift = (role: string, personIds: string[]) => ({ kind: 'weekly', role, personIds, days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' });
    writeFileSync(path.join(dir, 'roster.json'), JSON.stringify({
      version: 1,
      timeZone: 'Asia/Shanghai',
      people: all,
      shifts: [shift('duty_officer', ['zhang']), ...(withWang ? [shift('news_office_director', ['wang'])] : []), shift('leader', ['zhao'])],
    }));
  }

  beforeAll(async () => {
    servers.webhook = await startLoopbackServer((req) => {
      const check = verifyWebhookSignature({
        secrets: [WEBHOOK_SECRET], timestampHeader: String(req.headers['x-huiying-timestamp']), signatureHeader: String(req.headers['x-huiying-signature']),
        rawBody: req.rawBody, nowMs: Date.now(),
      });
      return check.ok ? { status: 204 } : { status: 401, text: check.reason };
    });
    servers.wecom = await startLoopbackServer(wecomReceiver(WECOM_KEY, wecomBehaviour));
    servers.drill = await startLoopbackServer(wecomReceiver(DRILL_KEY));
    servers.dingtalk = await startLoopbackServer(dingtalkReceiver(DING_TOKEN, DING_SECRET, { perMinute: 1000 }));
    servers.feishu = await startLoopbackServer(feishuReceiver(FEISHU_TOKEN, FEISHU_SECRET, { perMinute: 1000 }));
    servers.sms = await startLoopbackServer((req) => (req.headers.authorization === 'Bearer sms-secret' ? { status: 200, json: { code: 0 } } : { status: 401, json: { code: 401 } }));
    smtp = new SMTPServer({
      logger: false, authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => (mails.push(mail), callback()), (error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const smtpPort = (smtp.server.address() as AddressInfo).port;

    writeRoster();
    writeFileSync(path.join(dir, 'chains.json'), JSON.stringify({ version: 1 }));
    writeFileSync(path.join(dir, 'channels.json'), JSON.stringify({
      version: 1,
      channels: [
        { id: 'webhook-city', kind: 'webhook', url: `${servers.webhook.baseUrl}/alerts`, secret: 'env:TEST_WEBHOOK_SECRET' },
        { id: 'wecom-duty', kind: 'wecom', baseUrl: servers.wecom.baseUrl, key: WECOM_KEY },
        { id: 'dingtalk-duty', kind: 'dingtalk', baseUrl: servers.dingtalk.baseUrl, accessToken: DING_TOKEN, secret: DING_SECRET },
        { id: 'feishu-duty', kind: 'feishu', baseUrl: servers.feishu.baseUrl, hookToken: FEISHU_TOKEN, secret: FEISHU_SECRET },
        { id: 'mail', kind: 'email', host: '127.0.0.1', port: smtpPort, tls: 'none-internal-relay', from: 'huiying@news.example.gov.cn' },
        { id: 'sms', kind: 'sms', url: `${servers.sms.baseUrl}/send`, format: 'json', headers: { authorization: 'Bearer ${secret}' }, body: { to: '${phones}', text: '${title}' }, secret: 'sms-secret', success: { field: 'code', equals: [0] } },
        { id: 'wecom-drill', kind: 'wecom', audience: 'drill', baseUrl: servers.drill.baseUrl, key: DRILL_KEY },
      ],
    }));
    process.env.TEST_WEBHOOK_SECRET = WEBHOOK_SECRET;

    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('notifier-test');
    relay = createOutboxRelay({ db: database.db, bus, logger: testLogger() });
    relay.start();
    redis = new IORedis(redisOptionsFromUrl(TEST_REDIS_URL));
    notifier = createNotifier({
      bus, db: database.db, relay, logger: testLogger(), registry: createMetricsRegistry('notifier-test', false),
      redis: redisOptionsFromUrl(TEST_REDIS_URL), queueName: 'notify', prefix: name, group: `${name}-notifier`,
      configDir: dir,
      escalation: { repeatEveryMinutes: 1, escalateAfterMinutes: 1 },
      bundleWindowMs: 3_000, maxAttempts: 4, retryBaseMs: 200,
      now: () => new Date(Date.now() + offsetMs),
    });
    await notifier.start();
  }, 60_000);

  afterAll(async () => {
    await notifier?.stop();
    await relay?.stop();
    if (redis) {
      await wipeRedisPrefix(redis, name);
      redis.disconnect();
    }
    await bus?.close();
    await topics?.drop();
    await database?.drop();
    for (const s of Object.values(servers)) await s.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const db = () => database.db;
  let seq = 0;
  async function clockOf(drill = false): Promise<ClockSnapshot> {
    const incident = incidentOf({ drill });
    await saveIncident(db(), incident);
    const now = new Date().toISOString();
    const clock: ClockSnapshot = {
      id: `clk-${name}-${++seq}`, incidentId: incident.id, stage: 'statement', status: 'breached', t0: now, dueAt: now, startedAt: now,
      metAt: null, breachedAt: now, drill,
    };
    await insertClock(db(), { clock: { ...clock, status: 'running', pauses: [], acknowledgedAt: null }, provisional: false, startedLateMs: 0 });
    await db().query(`UPDATE clocks SET status = 'breached', breached_at = $2 WHERE id = $1`, [clock.id, now]);
    return clock;
  }
  async function publish(clock: ClockSnapshot, event: Partial<ClockEvent> & Pick<ClockEvent, 'kind'>): Promise<string> {
    const envelope = await bus.publish(ClockEventMessage, { clock, departments: ['市应急局'], incidentTitle: '文县碧口镇山体滑坡', ...event }, { key: clock.incidentId });
    return envelope.id;
  }
  const deliveriesOf = async (alertId: string) =>
    (await db().query<{ id: string; channel_id: string; status: string; attempts: number; notice: { escalation?: { step: number; round: number }; bundle?: { count: number } }; recipients: Array<{ id: string }> }>(
      'SELECT id, channel_id, status, attempts, notice, recipients FROM alert_deliveries WHERE alert_id = $1 ORDER BY id', [alertId])).rows;

  it('sends a breach to the duty officer on every live channel, each attempt stored with its outcome, and feeds the console', async () => {
    const clock = await clockOf();
    const alertId = await publish(clock, { kind: 'breached' });
    const deliveries = await eventually(async () => {
      const rows = await deliveriesOf(alertId);
      return rows.length === 6 && rows.every((r) => r.status === 'delivered') ? rows : undefined;
    }, 'six delivered messages', 30_000, 200);
    expect(deliveries.map((d) => d.channel_id).sort()).toEqual(['dingtalk-duty', 'feishu-duty', 'mail', 'sms', 'webhook-city', 'wecom-duty']);
    expect(deliveries.every((d) => d.recipients.map((r) => r.id).join() === 'zhang')).toBe(true);
    const attempts = await db().query('SELECT status, outcome FROM alert_delivery_attempts WHERE delivery_id = ANY($1)', [deliveries.map((d) => d.id)]);
    expect(attempts.rows.map((r) => r.status)).toEqual(Array(6).fill('delivered'));
    expect(servers.webhook!.received.some((r) => r.rawBody.includes(alertId))).toBe(true);
    expect(mails.some((m) => m.subject?.includes('文县碧口镇山体滑坡'))).toBe(true);
    // The console's live feed is the AlertRecordedMessage in the outbox.
    const feed = await db().query(`SELECT 1 FROM outbox WHERE id = $1`, [`alert-${alertId}`]);
    expect(feed.rows).toHaveLength(1);
  });

  it('retries a busy channel with backoff and stores every attempt', async () => {
    wecomBehaviour.busyNext = 2;
    const clock = await clockOf();
    const alertId = await publish(clock, { kind: 'breached' });
    const wecom = await eventually(async () => (await deliveriesOf(alertId)).find((d) => d.channel_id === 'wecom-duty' && d.status === 'delivered'), 'wecom delivered after retries', 30_000, 100);
    expect(wecom.attempts).toBe(3);
    const attempts = await db().query<{ status: string }>('SELECT status FROM alert_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt', [wecom.id]);
    expect(attempts.rows.map((r) => r.status)).toEqual(['retryable', 'retryable', 'delivered']);
  });

  it('repeats an unacknowledged alert every N minutes and escalates after M, from the chain frozen at its start; acknowledgment stops it', async () => {
    const clock = await clockOf();
    const alertId = await publish(clock, { kind: 'breached' });
    await eventually(async () => ((await deliveriesOf(alertId)).length === 6 ? true : undefined), 'the first round', 30_000, 100);
    const { rows } = await db().query<{ created_at: Date }>('SELECT created_at FROM alerts WHERE id = $1', [alertId]);
    const startMs = new Date(rows[0]!.created_at).getTime();

    // The director leaves the roster after the alert started: the running escalation keeps him.
    writeRoster(false);
    await eventually(async () => (notifier.readiness().some((p) => p.kind === 'roster_gap') ? true : undefined), 'the reloaded roster', 15_000, 200);

    const nextJob = await eventually(() => notifier.queue.getJob(roundJobId(alertId, startMs + 60_000)), 'the next round, a minute later');
    offsetMs = 61_000;
    await nextJob.promote();
    const second = await eventually(async () => {
      const r = (await deliveriesOf(alertId)).filter((d) => d.notice.escalation && (d.notice.escalation.step > 0 || d.notice.escalation.round > 0));
      return r.length >= 2 ? r : undefined;
    }, 'the repeat and the escalation', 30_000, 100);
    // The duty officer is reminded (round 1); the director joins (step 1) by SMS.
    expect(second.find((d) => d.recipients[0]!.id === 'wang')).toMatchObject({ channel_id: 'sms', notice: { escalation: { step: 1, round: 0 } } });
    expect(second.some((d) => d.recipients[0]!.id === 'zhang' && d.notice.escalation!.round === 1)).toBe(true);

    const ack = await acknowledgeAlert(db(), alertId, 'zhang');
    expect(ack).toMatchObject({ newly: true, acknowledgedBy: 'zhang' });
    const count = (await deliveriesOf(alertId)).length;
    const third = await eventually(() => notifier.queue.getJob(roundJobId(alertId, startMs + 120_000)), 'the round after that');
    offsetMs = 121_000;
    await third.promote();
    await eventually(async () => ((await notifier.queue.getJob(third.id!)) ? undefined : true), 'the round to run', 15_000, 100);
    expect((await deliveriesOf(alertId)).length).toBe(count);
    expect(await acknowledgeAlert(db(), alertId, 'li')).toMatchObject({ newly: false, acknowledgedBy: 'zhang' });
    offsetMs = 0;
    writeRoster(true);
  }, 60_000);

  it('bundles alerts with the same key within the window into one message with a count', async () => {
    const clock = await clockOf();
    const ids: string[] = [];
    for (const warning of ['50%', '80%', '30m-before']) ids.push(await publish(clock, { kind: 'warning', warning }));
    const summary = await eventually(async () => {
      const all = (await Promise.all(ids.map(deliveriesOf))).flat();
      return all.find((d) => d.notice.bundle !== undefined && d.channel_id === 'wecom-duty');
    }, 'the bundle summary', 30_000, 200);
    expect(summary.notice.bundle!.count).toBe(3);
    // Only the first was sent on its own; the other two were folded.
    const own = await Promise.all(ids.map(async (id) => (await deliveriesOf(id)).filter((d) => d.notice.bundle === undefined).length));
    expect(own.filter((n) => n > 0)).toHaveLength(1);
    const states = await db().query<{ delivery_state: string }>('SELECT delivery_state FROM alerts WHERE id = ANY($1) ORDER BY created_at', [ids]);
    expect(states.rows.map((r) => r.delivery_state).filter((s) => s === 'folded')).toHaveLength(2);
  });

  it('sends a drill only to drill channels, marked 演练', async () => {
    const clock = await clockOf(true);
    const alertId = await publish(clock, { kind: 'breached' });
    const rows = await eventually(async () => {
      const r = await deliveriesOf(alertId);
      return r.length > 0 && r.every((d) => d.status === 'delivered') ? r : undefined;
    }, 'the drill delivery', 30_000, 200);
    expect(rows.map((d) => d.channel_id)).toEqual(['wecom-drill']);
    const sent = servers.drill!.received.map((r) => JSON.parse(r.rawBody).text.content as string);
    expect(sent.some((t) => t.includes('【演练】'))).toBe(true);
  });

  it('reports anyone in a chain with no working channel at start and on change', async () => {
    expect(notifier.readiness().filter((p) => p.kind === 'no_working_channel')).toEqual([]);
    writeRoster(true, false);
    const problem = await eventually(async () => notifier.readiness().find((p) => p.kind === 'no_working_channel'), 'the readiness problem', 15_000, 200);
    expect(problem).toMatchObject({ personId: 'zhao', step: '分管领导' });
    await expect(notifier.readinessCheck.check()).rejects.toThrow(/赵敏/);
    writeRoster(true, true);
  });
});
