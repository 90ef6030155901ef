import { gunzipSync } from 'node:zlib';
import { computeInProcess, ReportWorker } from './reports/report-worker';
import { seedIncident, startApiFixture, TEST_DATABASE_URL, type ApiFixture } from './testing/api-fixture';

/** The leadership report read from PostgreSQL: clocks, pauses, statements, breaches, CSV. */
describe('SLA report on PostgreSQL', () => {
  let f: ApiFixture;
  // 2026-04-10 10:00 Beijing.
  const t0 = Date.parse('2026-04-10T02:00:00.000Z');
  const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();

  beforeAll(async () => {
    f = await startApiFixture({ reportCacheMs: 0 });
    const met = await seedIncident(f.db, { t0: at(0), openedAt: at(5), updatedAt: at(5), title: '礼县煤矿透水' });
    const late = await seedIncident(f.db, { t0: at(0), openedAt: at(5), updatedAt: at(5), title: '=cmd|calc!A1 网传化工厂爆炸' });
    const drill = await seedIncident(f.db, { t0: at(0), openedAt: at(5), updatedAt: at(5), drill: true, title: '应急演练' });
    // Opened on 1 May 00:30 Beijing: the May report's, not April's.
    await seedIncident(f.db, { t0: '2026-04-30T16:30:00.000Z', openedAt: '2026-04-30T16:30:00.000Z', updatedAt: '2026-04-30T16:30:00.000Z' });
    const clock = (id: string, incidentId: string, stage: string, status: string, due: number, extra: { met?: number; breached?: number; drill?: boolean } = {}) =>
      f.db.query(
        `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, met_at, breached_at, drill, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8, $9, $5)`,
        [id, incidentId, stage, status, at(0), at(due), extra.met === undefined ? null : at(extra.met), extra.breached === undefined ? null : at(extra.breached), extra.drill ?? false],
      );
    await clock('c-met', met.id, 'statement', 'met', 300, { met: 200 });
    await clock('c-late', late.id, 'statement', 'met', 300, { met: 420, breached: 300 });
    await clock('c-drill', drill.id, 'statement', 'breached', 300, { breached: 300, drill: true });
    await f.db.query(`INSERT INTO clock_history (clock_id, at, event, detail) VALUES ('c-late', $1, 'breached', '{}'), ('c-late', $2, 'met', '{}')`, [at(300), at(420)]);
    await f.db.query(
      `INSERT INTO clock_pauses (clock_id, from_at, to_at, reason, signed_off_by, signed_off_at) VALUES ('c-met', $1, $2, '夜间道路中断，等待现场核实', 'u-leader', $1)`,
      [at(30), at(90)],
    );
    await f.db.query(
      `INSERT INTO drafts (id, kind, department, incident_id, author_id, status, current_version, created_at, updated_at)
       VALUES ('d1', 'situation_report', '市安监局', $1, 'u-s', 'published', 1, $2, $2)`,
      [met.id, at(150)],
    );
    await f.db.query(
      `INSERT INTO statements (id, draft_id, version, kind, department, incident_id, title, body, published_at, published_by)
       VALUES ('s1', 'd1', 1, 'situation_report', '市安监局', $1, '情况通报', '……', $2, 'u-s')`,
      [met.id, at(180)],
    );
  });
  afterAll(() => f?.close());

  it('reports the month per department with breaches, drills and pauses apart', async () => {
    const response = await f.app.inject({ url: '/api/reports/sla?month=2026-04', headers: await f.as('cityLeader') });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.departments).toEqual([
      expect.objectContaining({ department: '市安监局', incidents: 2, clocks: { started: 2, met: 1, breached: 1, running: 0, cancelled: 0 }, onTimeRate: 0.5 }),
    ]);
    expect(report.totals.firstStatement).toEqual({ count: 2, medianMinutes: 180, p90Minutes: 420 });
    expect(report.breaches).toEqual([
      expect.objectContaining({ clockId: 'c-late', overdueMinutes: 120, metAt: at(420), timeline: expect.arrayContaining([expect.objectContaining({ kind: 'clock.breached', at: at(300) })]) }),
    ]);
    expect(report.drills).toEqual({ incidents: 1, clocks: { started: 1, met: 0, breached: 1 } });
    expect(report.paused).toEqual([expect.objectContaining({ clockId: 'c-met', pausedMinutes: 60, reason: '夜间道路中断，等待现场核实', approvedBy: 'u-leader' })]);
    const may = (await f.app.inject({ url: '/api/reports/sla?month=2026-05', headers: await f.as('cityLeader') })).json();
    expect(may.totals.incidents).toBe(1);
  });

  it('sends the same report gzipped to a browser that takes it', async () => {
    const headers = await f.as('cityLeader');
    const plain = await f.app.inject({ url: '/api/reports/sla?month=2026-04', headers });
    const zipped = await f.app.inject({ url: '/api/reports/sla?month=2026-04', headers: { ...headers, 'accept-encoding': 'gzip, deflate, br' } });
    expect([zipped.statusCode, zipped.headers['content-encoding'], zipped.headers.vary]).toEqual([200, 'gzip', 'accept-encoding']);
    expect(plain.headers['content-encoding']).toBeUndefined();
    // The cache is off here: each request computes anew, at its own instant.
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8'))).toEqual({ ...plain.json(), generatedAt: expect.any(String) });
  });

  it('exports CSV with a BOM, CRLF lines and formula cells neutralised', async () => {
    const response = await f.app.inject({ url: '/api/reports/sla.csv?month=2026-04&department=%E5%B8%82%E5%AE%89%E7%9B%91%E5%B1%80', headers: await f.as('leader') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="sla-2026-04.csv"');
    expect(response.body.startsWith('\uFEFF类别,单位')).toBe(true);
    expect(response.body).toContain('\r\n');
    expect(response.body).toContain(",'=cmd|calc!A1 网传化工厂爆炸,");
    expect(response.body).not.toMatch(/,=cmd/);
  });

  it('computes on its worker thread the very bytes the event loop would', async () => {
    const worker = new ReportWorker({ url: TEST_DATABASE_URL, schema: f.schema });
    try {
      const now = new Date('2026-05-02T00:00:00.000Z');
      for (const department of [null, '市安监局']) {
        const [threaded, inPlace] = await Promise.all([worker.compute('2026-04', department, now), computeInProcess(f.db)('2026-04', department, now)]);
        expect(threaded.body.body.toString('utf8')).toBe(inPlace.body.body.toString('utf8'));
        expect(gunzipSync((await threaded.body.gzipped())).toString('utf8')).toBe(inPlace.body.body.toString('utf8'));
        expect(threaded.report()).toEqual(inPlace.report());
      }
      await expect(worker.compute('2026-4', null, now)).rejects.toThrow(/not a month: 2026-4/);
    } finally {
      await worker.close();
    }
  });

  it('refuses a malformed month', async () => {
    const response = await f.app.inject({ url: '/api/reports/sla?month=2026-13', headers: await f.as('cityLeader') });
    expect([response.statusCode, response.json().error]).toEqual([400, 'bad_request']);
  });
});

/** A leader reloading the report after it aged gets the last one at once, never a wait for its successor. */
describe('SLA report cache', () => {
  let f: ApiFixture;
  const june = (day: number) => `2026-06-${String(day).padStart(2, '0')}T02:00:00.000Z`;
  const incidentsIn = async () =>
    (await f.app.inject({ url: '/api/reports/sla?month=2026-06', headers: await f.as('cityLeader') })).json().totals.incidents as number;

  beforeAll(async () => {
    f = await startApiFixture({ reportCacheMs: 50 });
    await seedIncident(f.db, { t0: june(1), openedAt: june(1), updatedAt: june(1) });
  });
  afterAll(() => f?.close());

  it('serves the previous report while the next is computed, then the new one', async () => {
    expect(await incidentsIn()).toBe(1);
    await seedIncident(f.db, { t0: june(2), openedAt: june(2), updatedAt: june(2) });
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Aged: this reload starts the refresh but is answered with the report it already had.
    expect(await incidentsIn()).toBe(1);
    let seen = 1;
    for (let attempt = 0; attempt < 100 && seen !== 2; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      seen = await incidentsIn();
    }
    expect(seen).toBe(2);
  });
});
