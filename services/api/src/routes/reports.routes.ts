import { toCsv } from '@huiying/access';
import type { Db } from '@huiying/store';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorize } from '../access/authentication';
import { ErrorResponse, ReportQuery, SlaReport } from '../http-schemas';
import { sendPrepared } from '../prepared-json';
import { computeInProcess, ReportWorker, type PreparedReport, type ReportDatabase } from '../reports/report-worker';
import { slaReportRows } from '../reports/sla-report';

export interface ReportRoutesOptions {
  db: Db;
  now: () => Date;
  /**
   * How long a computed report is reused. Default 15 s: a month's report reads thousands of
   * clocks, and leaders reloading it at once must not each pay for that; 15 s stale is harmless.
   */
  cacheMs?: number;
  /**
   * The same database as `db`, for a worker thread that computes the reports on its own
   * connections, off the event loop. Without it (or on PGlite) they are computed in place.
   */
  reportDatabase?: ReportDatabase;
}

interface Computed {
  at: number;
  prepared: Promise<PreparedReport>;
  /** The report is there (served while a successor is computed). */
  settled?: boolean;
  /** A successor is being computed. */
  refreshing: boolean;
}

/** `/api/reports/sla` and its CSV export, for leaders (report.read) per department and month. */
export const reportRoutes: FastifyPluginAsyncZod<ReportRoutesOptions> = async (app, options) => {
  const cacheMs = options.cacheMs ?? 15_000;
  const cache = new Map<string, Computed>();
  let compute = computeInProcess(options.db);
  if (options.reportDatabase && options.db.kind === 'postgres') {
    const worker = new ReportWorker(options.reportDatabase);
    compute = worker.compute;
    app.addHook('onClose', () => worker.close());
  }

  /**
   * One computation per key at a time (single flight), reused for `cacheMs`. Once that is over,
   * the last report is still served while its successor is computed (a month takes about a second
   * at 100,000 incidents): a reload never waits for it, and staleness stays bounded by one computation.
   * With `reportDatabase` the computation runs on a worker thread at a lower CPU priority, so it
   * may take longer on a busy machine, but the requests meanwhile never wait behind it.
   */
  function computed(month: string, department: string | null): Computed {
    const key = `${month}|${department ?? ''}`;
    const now = options.now();
    const hit = cache.get(key);
    if (hit && (now.getTime() - hit.at < cacheMs || hit.refreshing)) return hit;
    // Encoded and compressed once per computation, not per request: the whole city's month is some 200 KB of JSON.
    const fresh: Computed = { at: now.getTime(), prepared: compute(month, department, now), refreshing: false };
    fresh.prepared.catch(() => undefined);
    // With the cache off (0) nothing stale is ever served.
    if (hit?.settled && cacheMs > 0) {
      hit.refreshing = true;
      fresh.prepared.then(
        () => { fresh.settled = true; cache.set(key, fresh); },
        () => { hit.refreshing = false; },
      );
      return hit;
    }
    cache.set(key, fresh);
    fresh.prepared.then(() => { fresh.settled = true; }, () => cache.delete(key));
    if (cache.size > 500) cache.delete(cache.keys().next().value!);
    return fresh;
  }

  app.get(
    '/api/reports/sla',
    { schema: { tags: ['reports'], querystring: ReportQuery, response: { 200: SlaReport, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } } },
    async (request, reply) => {
      const department = request.query.department ?? null;
      authorize(request, 'report.read', { kind: 'report', department });
      // The encoded JSON with its content type is sent as is: the schema already checked it in encodeReport.
      return sendPrepared(request, reply, (await computed(request.query.month, department).prepared).body);
    },
  );

  app.get(
    '/api/reports/sla.csv',
    { schema: { tags: ['reports'], querystring: ReportQuery, produces: ['text/csv'] } },
    async (request, reply) => {
      const department = request.query.department ?? null;
      authorize(request, 'report.read', { kind: 'report', department });
      const r = (await computed(request.query.month, department).prepared).report();
      const { header, rows } = slaReportRows(r);
      // The file name is ASCII only: a department name in a header would need RFC 5987 encoding.
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sla-${r.month}.csv"`)
        .header('cache-control', 'no-store')
        .send(toCsv(header, rows));
    },
  );
};
