import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryBus, type MemoryBus } from '@huiying/bus';
import { ClockEventMessage, IncidentEventMessage, type IncidentSnapshot } from '@huiying/contracts';
import { createLogger } from '@huiying/telemetry';
import { seedIncident, startApiFixture, type ApiFixture } from './testing/api-fixture';

/** `/api/events` fed from the bus, each event filtered by what the signed-in user may read. */
describe('live feed', () => {
  let f: ApiFixture;
  let bus: MemoryBus;
  let base: string;

  beforeAll(async () => {
    bus = createMemoryBus({ service: 'api-test', logger: createLogger('test', 'silent') });
    f = await startApiFixture({ bus });
    await f.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await f?.close();
    await bus?.close();
  });

  function stream(cookie: string) {
    const received: string[] = [];
    let response: IncomingMessage | undefined;
    const opened = new Promise<IncomingMessage>((resolve, reject) => {
      get(`${base}/api/events`, { headers: { cookie } }, (res) => {
        response = res;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => received.push(chunk));
        resolve(res);
      }).on('error', reject);
    });
    return { opened, text: () => received.join(''), close: () => response?.destroy() };
  }

  const until = async (probe: () => boolean, what: string) => {
    const deadline = Date.now() + 5_000;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const incidentEvent = (incident: IncidentSnapshot) =>
    bus.publish(IncidentEventMessage, { kind: 'confirmed', incident, actor: 'u-duty' }, { key: incident.id });

  it('streams incident and clock events to those who may read them', async () => {
    const duty = stream((await f.as('duty')).cookie);
    const finance = stream((await f.as('financeLeader')).cookie);
    const [dutyRes] = await Promise.all([duty.opened, finance.opened]);
    expect(dutyRes.statusCode).toBe(200);
    expect(dutyRes.headers['content-type']).toMatch(/^text\/event-stream/);

    const safety = await seedIncident(f.db, { departments: ['市安监局'] });
    const money = await seedIncident(f.db, { departments: ['市财政局'] });
    await incidentEvent(safety);
    await incidentEvent(money);
    await bus.publish(
      ClockEventMessage,
      {
        kind: 'breached',
        clock: { id: 'clk-1', incidentId: money.id, stage: 'statement', status: 'breached', t0: money.t0, dueAt: money.t0, startedAt: money.t0, metAt: null, breachedAt: money.t0, drill: false },
        departments: ['市财政局'],
        incidentTitle: money.title,
      },
      { key: money.id },
    );
    await until(() => duty.text().includes('clk-1') && finance.text().includes('clk-1'), 'the clock event on both streams');
    expect(duty.text()).toContain(`event: incident\ndata: {"id":"${safety.id}"`);
    expect(duty.text()).toContain(`event: incident\ndata: {"id":"${money.id}"`);
    expect(finance.text()).toContain(`"id":"${money.id}"`);
    // A leader of 市财政局 never hears of 市安监局's incident.
    expect(finance.text()).not.toContain(safety.id);
    expect(finance.text()).toContain('event: clock\n');
    duty.close();
    finance.close();
  });

  it('answers 401 without a session', async () => {
    const anonymous = stream('');
    expect((await anonymous.opened).statusCode).toBe(401);
    anonymous.close();
  });
});
