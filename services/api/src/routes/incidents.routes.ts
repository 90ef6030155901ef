import { can } from '@huiying/access';
import { findIncident, toIso } from '@huiying/incident-core';
import type { Db } from '@huiying/store';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorize, mayRead, signedIn } from '../access/authentication';
import { ApiError } from '../errors';
import { PreparedJson, sendPrepared } from '../prepared-json';
import { ReadCache } from '../read-cache';
import type { z } from 'zod';
import { DepartmentsResponse, ErrorResponse, IncidentDetailResponse, IncidentIdParams, IncidentListQuery, IncidentListResponse, IncidentSummary, StatementListResponse } from '../http-schemas';

export interface IncidentRoutesOptions {
  db: Db;
  /** Cache of the open-incident list, cleared on every change (see ReadCache). */
  listCache?: IncidentListCache;
}

export const nullableIso = (v: unknown) => (v === null || v === undefined ? null : toIso(v));

export type IncidentSummaryBody = z.infer<typeof IncidentSummary>;
/** A list as read, with its response body encoded once: every reader of the same scope gets the same bytes. */
export interface CachedIncidentList {
  summaries: IncidentSummaryBody[];
  body: PreparedJson;
  /**
   * Whether a principal may read every summary, by what the policy looks at (active, roles,
   * departments): worked out once per fill and kind of reader, not a hundred policy decisions per request.
   */
  readableByAll?: Map<string, boolean>;
}
export type IncidentListCache = ReadCache<CachedIncidentList>;

/** What the route's response schema would produce, checked and encoded by the same zod schema. */
const encodeList = (incidents: IncidentSummaryBody[]) => PreparedJson.of(JSON.stringify(IncidentListResponse.encode({ incidents })));

/** The store's adapters already return this exact shape; only anything else is re-parsed. */
const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const iso = (v: unknown) => (typeof v === 'string' && CANONICAL_ISO.test(v) ? v : toIso(v));

function toSummary(r: Record<string, unknown>): IncidentSummaryBody {
  return {
    id: String(r.id), kind: r.kind as never, status: r.status as never, title: String(r.title),
    category: (r.category as string | null) ?? null, subtype: (r.subtype as string | null) ?? null,
    level: (r.level as never) ?? null, levelConfirmed: r.level_confirmed === true, t0: iso(r.t0),
    departments: r.departments as string[], counties: r.counties as string[], postCount: Number(r.post_count),
    drill: r.drill === true, openedAt: iso(r.opened_at), updatedAt: iso(r.updated_at),
    nextDueAt: r.next_due_at === null || r.next_due_at === undefined ? null : iso(r.next_due_at),
  };
}

/**
 * The departments a principal's incident list is limited to, or null for all: duty officers and
 * admins see every incident, the department-scoped roles only their departments' ones.
 */
export function readScope(principal: Parameters<typeof can>[0]): string[] | null {
  return can(principal, 'incident.read', { kind: 'incident', departments: [] }) ? null : [...principal.departments];
}

/** Incidents as duty officers read them: the list ordered by the nearest deadline, and one whole. */
export const incidentRoutes: FastifyPluginAsyncZod<IncidentRoutesOptions> = async (app, options) => {
  const { db } = options;
  const listCache = options.listCache ?? new ReadCache<CachedIncidentList>(0);

  app.get(
    '/api/incidents',
    { schema: { tags: ['incidents'], querystring: IncidentListQuery, response: { 200: IncidentListResponse, 401: ErrorResponse } } },
    async (request, reply) => {
      const principal = signedIn(request);
      const scope = readScope(principal);
      // The partial index incidents_open_by_updated is used only with the status list spelled out.
      const key = `${request.query.status}|${request.query.limit}|${scope?.join(',') ?? '*'}`;
      const cached = listCache.get(key, async () => {
        const { rows } = await db.query<Record<string, unknown>>(
          `SELECT i.id, i.kind, i.status, i.title, i.category, i.subtype, i.level, i.level_confirmed, i.t0, i.departments,
                  i.counties, i.post_count, i.drill, i.opened_at, i.updated_at,
                  (SELECT min(c.due_at) FROM clocks c WHERE c.incident_id = i.id AND c.status IN ('running', 'breached')) AS next_due_at
             FROM incidents i
            WHERE ${request.query.status === 'open' ? `i.status IN ('detected', 'confirmed', 'responding')` : 'true'}
              AND i.merged_into IS NULL
              AND ($2::text[] IS NULL OR i.departments && $2::text[])
            ORDER BY next_due_at ASC NULLS LAST, i.updated_at DESC
            LIMIT $1`,
          [request.query.limit, scope],
        );
        const list = rows.map(toSummary);
        const body = encodeList(list);
        // Compressed (on zlib's threads) before the entry is served: otherwise the first reader
        // after every refill waited for it, about once a second under load.
        await body.gzipped();
        return { summaries: list, body, readableByAll: new Map() };
      });
      // Mapped and encoded once per cache fill, not once per request (zod's serialiser took about
      // half a millisecond of the event loop for a hundred incidents): summaries and body are shared, never changed.
      const list = await cached;
      const { summaries, body } = list;
      // The SQL already limits a scoped reader to their departments, so every summary is readable
      // but in a case the policy and the query disagree: then only what may be read is encoded.
      const policyKey = `${principal.active}|${principal.roles.join(',')}|${principal.departments.join(',')}`;
      let readsAll = list.readableByAll?.get(policyKey);
      if (readsAll === undefined) {
        readsAll = summaries.every((s) => mayRead(principal, s.departments));
        if (list.readableByAll && list.readableByAll.size < 256) list.readableByAll.set(policyKey, readsAll);
      }
      if (!readsAll) return { incidents: summaries.filter((s) => mayRead(principal, s.departments)) };
      return sendPrepared(request, reply, body);
    },
  );

  app.get(
    '/api/incidents/:id',
    { schema: { tags: ['incidents'], params: IncidentIdParams, response: { 200: IncidentDetailResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse } } },
    async (request) => {
      signedIn(request);
      const incident = await findIncident(db, request.params.id);
      if (!incident) throw new ApiError('incident_not_found', { id: request.params.id });
      authorize(request, 'incident.read', { kind: 'incident', departments: incident.departments });
      const { keyTerms: _keyTerms, ...snapshot } = incident;
      const [posts, clocks, alerts, history, clockHistory] = await Promise.all([
        db.query<Record<string, unknown>>(
          `SELECT p.id, p.source_id, p.url, p.author, p.title, p.text, p.published_at, p.engagement, p.classification
             FROM incident_posts ip JOIN posts p ON p.id = ip.post_id
            WHERE ip.incident_id = $1 ORDER BY p.published_at LIMIT 500`,
          [incident.id],
        ),
        db.query<Record<string, unknown>>(
          `SELECT id, stage, status, t0, due_at, started_at, met_at, breached_at, cancelled_at, cancel_reason, drill
             FROM clocks WHERE incident_id = $1 ORDER BY due_at`,
          [incident.id],
        ),
        db.query<Record<string, unknown>>(
          `SELECT id, key, clock_id, severity, title, body, drill, count, created_at, last_at, acknowledged_at, acknowledged_by
             FROM alerts WHERE incident_id = $1 ORDER BY created_at`,
          [incident.id],
        ),
        db.query<Record<string, unknown>>(
          `SELECT at, actor, action, reason FROM incident_history WHERE incident_id = $1 ORDER BY id`,
          [incident.id],
        ),
        db.query<Record<string, unknown>>(
          `SELECT h.clock_id, h.at, h.event, h.detail FROM clock_history h JOIN clocks c ON c.id = h.clock_id
            WHERE c.incident_id = $1 ORDER BY h.at, h.id LIMIT 1000`,
          [incident.id],
        ),
      ]);
      return {
        incident: snapshot,
        posts: posts.rows.map((p) => ({
          id: p.id, sourceId: p.source_id, url: p.url, author: p.author, title: p.title, text: p.text,
          publishedAt: toIso(p.published_at), engagement: p.engagement, classification: p.classification,
        })),
        clocks: clocks.rows.map((c) => ({
          id: c.id, stage: c.stage, status: c.status, t0: toIso(c.t0), dueAt: toIso(c.due_at), startedAt: toIso(c.started_at),
          metAt: nullableIso(c.met_at), breachedAt: nullableIso(c.breached_at), cancelledAt: nullableIso(c.cancelled_at),
          cancelReason: c.cancel_reason, drill: c.drill,
        })),
        alerts: alerts.rows.map((a) => ({
          id: a.id, key: a.key, clockId: a.clock_id, severity: a.severity, title: a.title, body: a.body, drill: a.drill,
          count: Number(a.count), createdAt: toIso(a.created_at), lastAt: toIso(a.last_at),
          acknowledgedAt: nullableIso(a.acknowledged_at), acknowledgedBy: a.acknowledged_by,
        })),
        history: history.rows.map((h) => ({ at: toIso(h.at), actor: h.actor, action: h.action, reason: h.reason })),
        clockHistory: clockHistory.rows.map((h) => {
          const detail = (typeof h.detail === 'string' ? JSON.parse(h.detail) : h.detail) as Record<string, unknown> | null;
          return {
            clockId: h.clock_id, at: toIso(h.at), kind: h.event,
            actor: typeof detail?.actor === 'string' ? detail.actor : null,
            reason: typeof detail?.reason === 'string' ? detail.reason : null,
          };
        }),
      };
    },
  );

  app.get(
    '/api/incidents/:id/statements',
    { schema: { tags: ['incidents'], params: IncidentIdParams, response: { 200: StatementListResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse } } },
    async (request) => {
      signedIn(request);
      const incident = await findIncident(db, request.params.id);
      if (!incident) throw new ApiError('incident_not_found', { id: request.params.id });
      authorize(request, 'incident.read', { kind: 'incident', departments: incident.departments });
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT id, kind, title, department, version, published_at, supersedes, superseded_by
           FROM statements WHERE incident_id = $1 ORDER BY published_at`,
        [incident.id],
      );
      return {
        statements: rows.map((s) => ({
          id: String(s.id), kind: String(s.kind), title: String(s.title), department: String(s.department),
          status: s.superseded_by ? 'superseded' : 'published', version: Number(s.version),
          publishedAt: nullableIso(s.published_at), supersedes: (s.supersedes as string | null) ?? null, url: null,
        })),
      };
    },
  );

  app.get(
    '/api/departments',
    { schema: { tags: ['incidents'], response: { 200: DepartmentsResponse, 401: ErrorResponse } } },
    async (request) => {
      signedIn(request);
      // The departments people work in and those open incidents name: what an assignment can pick.
      const { rows } = await db.query<{ department: string }>(
        `SELECT DISTINCT d AS department FROM (
           SELECT unnest(departments) AS d FROM users WHERE active
           UNION SELECT unnest(departments) FROM incidents WHERE status IN ('detected', 'confirmed', 'responding')
         ) all_departments WHERE d <> '*' ORDER BY 1`,
      );
      return { departments: rows.map((r) => r.department) };
    },
  );
};

