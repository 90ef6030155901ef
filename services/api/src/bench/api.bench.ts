/**
 * `npm run bench:api`: 100,000 incidents (with their clocks) in a fresh PostgreSQL schema, the
 * API listening on loopback, and a load generator in its own process (paced-load.ts: HTTP over
 * keep-alive TCP, requests arriving at random at 500/s on average, or one every 2 ms with
 * BENCH_ARRIVALS=even; latency from when each was due) driving the
 * duty officer's incident list and the leadership report, after the same load on /healthz as a
 * baseline of the machine. BENCH_CLIENT=autocannon drives the same requests with autocannon's
 * `overallRate` instead (a burst at the start of every second; see paced-load.ts), for comparison.
 * Last line: {"rps","p99Ms","incidents","baselineRps","baselineP99Ms"}. On stderr, for each phase:
 * the event loop's utilisation and delay (p99, max), garbage-collection pauses, the server's CPU
 * per request, each route's time inside the server, and the client's own CPU per request, to tell
 * a held event loop from a slow machine (the baseline's p99 is the machine's share).
 * Target: p99 ≤ 50 ms at 500 requests/s on the 2-core box.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { issueApiKey, PostgresApiKeyStore } from '@huiying/access';
import { migrate, openDatabase } from '@huiying/store';
import { createLogger, createMetricsRegistry } from '@huiying/telemetry';
import autocannon from 'autocannon';
import { buildApiApp } from '../api-app';
import type { PacedRequest, PacedResult, PacedRun } from './paced-load';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 100_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENT = process.env.BENCH_CLIENT ?? 'paced';
const ARRIVALS = process.env.BENCH_ARRIVALS === 'even' ? 'even' : 'random';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DEPARTMENTS = ['市安监局', '市财政局', '市卫生计生委', '市教育局', '市建设局', '市环保局', '市水务局', '武都区政府', '文县政府', '市金融办'];

async function main(): Promise<void> {
  const schema = `bench_api_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const db = await openDatabase({ url: DATABASE_URL, schema, maxConnections: 10 });
  const log = (msg: string) => process.stderr.write(`${msg}\n`);
  try {
    await migrate(db);
    const loadStarted = performance.now();
    // One incident every 6 minutes back from now (about 14 months); 1 in 100 still open.
    await db.query(
      `INSERT INTO incidents (id, kind, status, title, category, subtype, level, level_confirmed, level_confidence, t0, departments,
                              counties, key_terms, post_count, drill, opened_at, updated_at, trace_id, last_post_at)
       SELECT 'b-' || g, 'emergency', CASE WHEN g % 100 = 0 THEN 'confirmed' ELSE 'resolved' END, '山体滑坡 第' || g || '号',
              'natural_disaster', 'landslide', (ARRAY['I','II','III','IV'])[1 + g % 4], true, 0.9,
              now() - g * interval '6 minutes', ARRAY[($1::text[])[1 + g % 10]], ARRAY['文县'], ARRAY['滑坡'], 1 + g % 7, g % 50 = 0,
              now() - g * interval '6 minutes', now() - g * interval '6 minutes' + interval '1 hour', 'bench', now() - g * interval '6 minutes'
         FROM generate_series(1, $2::int) AS g`,
      [DEPARTMENTS, INCIDENTS],
    );
    // A 5-hour statement clock each (met, late, or running while open); a 24-hour press conference for I and II.
    await db.query(
      `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, met_at, breached_at, drill, updated_at)
       SELECT 'st-' || i.id, i.id, 'statement',
              CASE WHEN i.status = 'confirmed' THEN 'running' WHEN n % 9 = 0 THEN 'breached' ELSE 'met' END,
              i.t0, i.t0 + interval '5 hours', i.t0,
              CASE WHEN i.status = 'confirmed' OR n % 9 = 0 THEN NULL ELSE i.t0 + (n % 280) * interval '1 minute' END,
              CASE WHEN n % 9 = 0 AND i.status <> 'confirmed' THEN i.t0 + interval '5 hours' END, i.drill, i.updated_at
         FROM (SELECT *, substr(id, 3)::int AS n FROM incidents) i`,
    );
    await db.query(
      `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, met_at, drill, updated_at)
       SELECT 'pc-' || id, id, 'press_conference', CASE WHEN status = 'confirmed' THEN 'running' ELSE 'met' END, t0, t0 + interval '24 hours', t0,
              CASE WHEN status = 'confirmed' THEN NULL ELSE t0 + interval '20 hours' END, drill, updated_at
         FROM incidents WHERE level IN ('I', 'II')`,
    );
    await db.query(`ANALYZE`);
    log(`loaded ${INCIDENTS} incidents in ${Math.round(performance.now() - loadStarted)} ms`);

    const app = await buildApiApp({
      db,
      logger: createLogger('bench', 'error'),
      registry: createMetricsRegistry('bench', false),
      checks: [],
      consoleDir: null,
      // The bench is one client: the per-user limit would otherwise be what it measures.
      requestsPerMinute: 1_000_000,
      reportDatabase: { url: DATABASE_URL, schema },
    });
    // Per route, from the request's first hook to its response: what the server itself adds (the
    // client's latency also holds the time a request waited to be read while the event loop was busy).
    const serverMs = new Map<string, number[]>();
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'other';
      const list = serverMs.get(route) ?? [];
      list.push(reply.elapsedTime);
      serverMs.set(route, list);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const store = new PostgresApiKeyStore(db);
    const duty = issueApiKey('bench-duty', { id: 'bench-duty', roles: ['duty_officer'], departments: [], active: true }, new Date());
    const leader = issueApiKey('bench-leader', { id: 'bench-leader', roles: ['leader'], departments: ['*'], active: true }, new Date());
    await store.create(duty.stored);
    await store.create(leader.stored);
    const lastMonth = new Date(Date.now() + 8 * 3600_000 - 31 * 86400_000).toISOString().slice(0, 7);

    // As a browser asks: every browser takes gzip, and the API sends the report and the list compressed then.
    const browser = { 'accept-encoding': 'gzip, deflate, br' };
    const all = [
      { method: 'GET' as const, path: '/api/incidents?status=open&limit=100', headers: { ...browser, authorization: `Bearer ${duty.key}` } },
      { method: 'GET' as const, path: '/api/incidents?status=open&limit=100', headers: { ...browser, authorization: `Bearer ${duty.key}` } },
      { method: 'GET' as const, path: `/api/reports/sla?month=${lastMonth}`, headers: { ...browser, authorization: `Bearer ${leader.key}` } },
      { method: 'GET' as const, path: `/api/reports/sla?month=${lastMonth}&department=${encodeURIComponent('市安监局')}`, headers: { ...browser, authorization: `Bearer ${leader.key}` } },
    ];
    // BENCH_ONLY=list|report measures one kind alone, to see which one costs what.
    const only = process.env.BENCH_ONLY;
    const requests = all.filter((r) => !only || r.path.includes(only === 'list' ? '/api/incidents' : '/api/reports'));
    // Warm-up: compile the queries, fill the pool, compute the report once.
    await autocannon({ url: `http://127.0.0.1:${port}`, connections: 4, amount: 400, requests });
    const client = CLIENT === 'autocannon' ? undefined : await startPacedClient();
    // Two seconds of the measured mix, not measured: the client's JIT and connections, and the
    // caches as they are under steady traffic (the list's entry is not served once 10 s stale,
    // so after the baseline's 20 s the first readers would otherwise wait for a fresh read).
    const warm = () => client?.run({ port, requests: [...requests, { method: 'GET', path: '/healthz', headers: browser }], rate: RATE, seconds: 2, connections: 32 });
    await warm();
    type Outcome = { total: number; errors: number; p50: number; p99: number; max: number; rps: number; note: string };
    const driveOnly = async (paths: PacedRequest[]): Promise<Outcome> => {
      if (client) {
        const r = await client.run({ port, requests: paths, rate: RATE, seconds: SECONDS, connections: 32, arrivals: ARRIVALS });
        const note = `p90 ${r.latency.p90} ms; client: send lag p99 ${r.sendLagP99Ms} ms, ${r.clientCpuUsPerRequest} µs CPU/request (${r.clientKernelUsPerRequest} in the kernel), ${r.bytesPerResponse} B/response`;
        return { total: r.ok, errors: r.errors + r.non2xx, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, rps: r.rps, note };
      }
      // autocannon on its own thread: on the server's event loop it would delay the very responses it times.
      const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections: 32, overallRate: RATE, duration: SECONDS, requests: paths, workers: 1 });
      return { total: r.requests.total, errors: r.errors + r.non2xx + r.timeouts, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, rps: Math.round(r.requests.average), note: 'autocannon' };
    };
    // Besides the latencies: how busy the event loop was, how long it was held at a time, the
    // collector's pauses, the CPU this process (the server) spent per request, and per route.
    const drive = async (paths: PacedRequest[], label: string) => {
      serverMs.clear();
      const delay = monitorEventLoopDelay({ resolution: 5 });
      const elu = performance.eventLoopUtilization();
      const gcPauses: number[] = [];
      const gc = new PerformanceObserver((list) => list.getEntries().forEach((e) => gcPauses.push(e.duration)));
      gc.observe({ entryTypes: ['gc'] });
      const cpu = process.cpuUsage();
      delay.enable();
      const result = await driveOnly(paths);
      delay.disable();
      gc.disconnect();
      const cpuUs = process.cpuUsage(cpu);
      const pct = (list: number[], p: number) => list.sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor((p / 100) * list.length))] ?? 0;
      const routes = [...serverMs].map(([route, list]) => `${route} n=${list.length} p50 ${pct(list, 50).toFixed(1)} p99 ${pct(list, 99).toFixed(1)} max ${pct(list, 100).toFixed(1)} ms`);
      const served = [...serverMs.values()].reduce((n, list) => n + list.length, 0);
      const gcNote = `gc ${gcPauses.length} pauses, ${Math.round(gcPauses.reduce((a, b) => a + b, 0))} ms, max ${pct(gcPauses, 100).toFixed(1)} ms`;
      log(`${label}: event loop ${Math.round(performance.eventLoopUtilization(elu).utilization * 100)}% busy, delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms; ${gcNote}; server ${Math.round((cpuUs.user + cpuUs.system) / Math.max(1, served))} µs CPU/request (${Math.round(cpuUs.system / Math.max(1, served))} in the kernel); in the server: ${routes.join('; ')}`);
      log(`${label} at the client: ${result.total} answered, ${result.rps}/s; latency p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms; ${result.note}`);
      return result;
    };
    // The same load on /healthz first: what the shared 2-core machine and fastify cost by themselves.
    const baseline = await drive([{ method: 'GET', path: '/healthz', headers: browser }], 'baseline /healthz');
    await warm();
    const result = await drive(requests, 'list + report');
    client?.close();
    await app.close();
    if (result.errors > 0) throw new Error(`${result.errors} requests failed`);
    process.stdout.write(`${JSON.stringify({ rps: result.rps, p99Ms: result.p99, incidents: INCIDENTS, baselineRps: baseline.rps, baselineP99Ms: baseline.p99 })}\n`);
  } finally {
    if (process.env.BENCH_KEEP_SCHEMA) log(`kept schema ${schema}`);
    else await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  }
}

/** The load generator in a process of its own: its CPU and garbage collection are not the server's event loop's. */
async function startPacedClient() {
  const child = fork(join(__dirname, 'paced-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'spawn');
  return {
    run: async (run: PacedRun): Promise<PacedResult> => {
      child.send(run);
      const exited = once(child, 'exit').then(([code]) => ({ error: `exited (${String(code)})` }));
      const answered = once(child, 'message').then(([reply]) => reply as { result?: PacedResult; error?: string });
      const reply = await Promise.race([answered, exited]);
      if (!('result' in reply) || !reply.result) throw new Error(`load generator: ${reply.error}`);
      return reply.result;
    },
    close: () => child.send('exit'),
  };
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
