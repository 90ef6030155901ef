import { toCsv } from '@huiying/access';
import type { Db } from '@huiying/store';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorize } from '../access/authentication';
import { ErrorResponse, ReportQuery, SlaReport } from '../http-schemas';
import { loadSlaReport } from '../reports/sla-report.query';
import { slaReportRows } from '../reports/sla-report';

export interface ReportRoutesOptions {
  db: Db;
  now: () => Date;
  /**
   * How long a computed report is reused. Default 15 s: a month's report reads thousands of
   * clocks, and leaders reloading it at once must not each pay for that; 15 s stale is harmless.
   */
  cacheMs?: number;
}

/** `/api/reports/sla` and its CSV export, for leaders (report.read) per department and month. */
export const reportRoutes: FastifyPluginAsyncZod<ReportRoutesOptions> = async (app, options) => {
  const cacheMs = options.cacheMs ?? 15_000;
  const cache = new Map<string, { at: number; report: Promise<SlaReport> }>();

  /** One computation per key at a time (single flight), reused for `cacheMs`. */
  function report(month: string, department: string | null): Promise<SlaReport> {
    const key = `${month}|${department ?? ''}`;
    const now = options.now();
    const hit = cache.get(key);
    if (hit && now.getTime() - hit.at < cacheMs) return hit.report;
    const fresh = loadSlaReport(options.db, month, department, now);
    cache.set(key, { at: now.getTime(), report: fresh });
    fresh.catch(() => cache.delete(key));
    if (cache.size > 500) cache.delete(cache.keys().next().value!);
    return fresh;
  }

  app.get(
    '/api/reports/sla',
    { schema: { tags: ['reports'], querystring: ReportQuery, response: { 200: SlaReport, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } } },
    async (request) => {
      const department = request.query.department ?? null;
      authorize(request, 'report.read', { kind: 'report', department });
      return report(request.query.month, department);
    },
  );

  app.get(
    '/api/reports/sla.csv',
    { schema: { tags: ['reports'], querystring: ReportQuery, produces: ['text/csv'] } },
    async (request, reply) => {
      const department = request.query.department ?? null;
      authorize(request, 'report.read', { kind: 'report', department });
      const r = await report(request.query.month, department);
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
