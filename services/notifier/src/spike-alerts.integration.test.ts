import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SpikeDetectedMessage, type SpikeDetected } from '@huiying/contracts';

import { startLoopbackServer, type LoopbackServer } from '../../../packages/alerting/src/testing/loopback-server';
import { wecomReceiver } from '../../../packages/alerting/src/testing/robot-receivers';
import { eventually, isolationName } from '../../embedded/src/testing/real-services';
import { incidentOf, saveIncident } from '../../sla-timer/src/testing/clock-fixtures';
import { startTestNotifier } from './testing/notifier-harness';

const WECOM_KEY = 'wecom-spike-key';
const DRILL_KEY = 'wecom-spike-drill-key';

/**
 * The incidents service's SpikeDetected on the spikes topic (real Kafka) reaches the duty officer
 * as an alert with its figures; a redelivered spike is one alert, and spikes of one subject within
 * the bundling window make one message with a count.
 */
describe('spike alerts on real Kafka, PostgreSQL and Redis', () => {
  const name = isolationName('spikealerts');
  const dir = mkdtempSync(path.join(tmpdir(), 'huiying-spikes-'));
  const servers: Record<string, LoopbackServer> = {};
  let harness: Awaited<ReturnType<typeof startTestNotifier>> | undefined;
  let bus: Awaited<ReturnType<typeof startTestNotifier>>['bus'];

  beforeAll(async () => {
    servers.live = await startLoopbackServer(wecomReceiver(WECOM_KEY, { perMinute: 1000 }));
    servers.drill = await startLoopbackServer(wecomReceiver(DRILL_KEY, { perMinute: 1000 }));
    writeFileSync(path.join(dir, 'roster.json'), JSON.stringify({
      version: 1,
      timeZone: 'Asia/Shanghai',
      people: [{ id: 'zhang', name: '张伟', contacts: { wecom: { userId: 'zhangwei' } } }],
      shifts: [{ kind: 'weekly', role: 'duty_officer', personIds: ['zhang'], days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }],
    }));
    writeFileSync(path.join(dir, 'chains.json'), JSON.stringify({ version: 1 }));
    writeFileSync(path.join(dir, 'channels.json'), JSON.stringify({
      version: 1,
      channels: [
        { id: 'wecom-duty', kind: 'wecom', baseUrl: servers.live.baseUrl, key: WECOM_KEY, rateLimits: [] },
        { id: 'wecom-drill', kind: 'wecom', audience: 'drill', baseUrl: servers.drill.baseUrl, key: DRILL_KEY, rateLimits: [] },
      ],
    }));
    harness = await startTestNotifier(name, dir, { escalation: { repeatEveryMinutes: 60, escalateAfterMinutes: 60 }, bundleWindowMs: 3_000 });
    bus = harness.bus;
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    for (const s of Object.values(servers)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const db = () => harness!.db;
  function spikeOf(subject: SpikeDetected['subject'], window = 'hour'): SpikeDetected {
    const now = Date.now();
    return {
      subject, window,
      windowStart: new Date(now - 3_600_000).toISOString(), windowEnd: new Date(now).toISOString(),
      current: 240, baselineMean: 12.5, baselineStddev: 4.2, ratio: 19.2, z: 54.2,
      because: '近一小时帖子数为基线的 19 倍', detectedAt: new Date(now).toISOString(),
    };
  }
  const sentTo = (server: string) => servers[server]!.received.map((r) => JSON.parse(r.rawBody).text.content as string);
  const alertsAbout = async (subjectId: string) =>
    (await db().query<{ id: string; incident_id: string | null; severity: string; body: string; delivery_state: string; count: number }>(
      `SELECT id, incident_id, severity, body, delivery_state, count FROM alerts WHERE key LIKE $1 ORDER BY created_at`, [`spike|%|${subjectId}|%`])).rows;

  it('alerts the duty officer on a spike of an incident, with its figures, once however often it is delivered', async () => {
    const incident = incidentOf({ title: '礼县暴雨内涝', departments: ['礼县政府'] });
    await saveIncident(db(), incident);
    const spike = spikeOf({ kind: 'incident', id: incident.id, title: incident.title, departments: incident.departments, drill: false });
    // The same event twice, as a redelivery after a rebalance would bring it.
    const envelope = await bus.publish(SpikeDetectedMessage, spike, { key: incident.id });
    await bus.publish(SpikeDetectedMessage, spike, { key: incident.id, id: envelope.id });

    const delivered = await eventually(async () => {
      const { rows } = await db().query<{ status: string; recipients: Array<{ id: string }> }>(
        `SELECT d.status, d.recipients FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.incident_id = $1`, [incident.id]);
      return rows.length > 0 && rows.every((r) => r.status === 'delivered') ? rows : undefined;
    }, 'the spike alert delivered', 30_000, 200);
    expect(delivered.map((d) => d.recipients.map((r) => r.id).join())).toEqual(['zhang']);
    const alerts = await alertsAbout(incident.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ incident_id: incident.id, severity: 'warning', count: 1 });
    const text = sentTo('live').find((t) => t.includes('礼县暴雨内涝'));
    expect(text).toContain('舆情激增');
    expect(text).toContain('240');
    expect(text).toContain('礼县政府');
  });

  it('bundles spikes of one subject within the window into one message with a count', async () => {
    const incident = incidentOf({ title: '徽县化工厂异味', departments: ['市环保局'] });
    await saveIncident(db(), incident);
    const subject = { kind: 'incident' as const, id: incident.id, title: incident.title, departments: incident.departments, drill: false };
    await bus.publish(SpikeDetectedMessage, spikeOf(subject, 'hour'), { key: incident.id });
    await bus.publish(SpikeDetectedMessage, spikeOf(subject, 'day'), { key: incident.id });
    const summary = await eventually(async () => {
      const { rows } = await db().query<{ notice: { bundle?: { count: number } } }>(
        `SELECT d.notice FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.incident_id = $1`, [incident.id]);
      return rows.find((r) => r.notice.bundle !== undefined);
    }, 'the bundle summary', 30_000, 200);
    expect(summary.notice.bundle!.count).toBe(2);
    const states = (await alertsAbout(incident.id)).map((a) => a.delivery_state).sort();
    expect(states).toEqual(['active', 'folded']);
  });

  it('alerts on a watch scheme spike, which has no incident; a drill only on drill channels', async () => {
    const scheme = { kind: 'watch_scheme' as const, id: `ws-${name}`, title: '地方政府债务', departments: ['市财政局'], drill: false };
    await bus.publish(SpikeDetectedMessage, spikeOf(scheme), { key: scheme.id });
    const drillIncident = incidentOf({ title: '演练：文县地震', drill: true });
    await saveIncident(db(), drillIncident);
    await bus.publish(SpikeDetectedMessage, spikeOf({ kind: 'incident', id: drillIncident.id, title: drillIncident.title, departments: ['文县政府'], drill: true }), { key: drillIncident.id });

    await eventually(async () => (sentTo('live').some((t) => t.includes('地方政府债务') && t.includes('监测方案')) ? true : undefined), 'the watch scheme alert sent', 30_000, 200);
    expect((await alertsAbout(scheme.id))[0]).toMatchObject({ incident_id: null, severity: 'warning' });
    await eventually(async () => (sentTo('drill').some((t) => t.includes('演练：文县地震')) ? true : undefined), 'the drill spike on the drill channel', 30_000, 200);
    expect(sentTo('drill').every((t) => t.includes('【演练】'))).toBe(true);
    expect(sentTo('live').some((t) => t.includes('演练：文县地震'))).toBe(false);
  });
});
