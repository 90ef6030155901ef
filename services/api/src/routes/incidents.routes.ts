import { toIso, findIncident } from '@huiying/incident-core';
import type { Db } from '@huiying/store';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

export interface IncidentRoutesOptions {
  db: Db;
}

const IncidentParams = z.object({ id: z.string().min(1).max(100) });
const ListQuery = z.object({
  status: z.enum(['open', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const nullableIso = (v: unknown) => (v === null || v === undefined ? null : toIso(v));

/** Incidents as duty officers read them: the list ordered by the nearest deadline, and one whole. */
export async function incidentRoutes(app: FastifyInstance, options: IncidentRoutesOptions): Promise<void> {
  const { db } = options;

  app.get('/api/incidents', async (request, reply) => {
    const query = ListQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'bad_query', problems: query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT i.id, i.kind, i.status, i.title, i.category, i.subtype, i.level, i.level_confirmed, i.t0, i.departments,
              i.counties, i.post_count, i.drill, i.opened_at, i.updated_at,
              (SELECT min(c.due_at) FROM clocks c WHERE c.incident_id = i.id AND c.status IN ('running', 'breached')) AS next_due_at
         FROM incidents i
        WHERE ($1 = 'all' OR i.status IN ('detected', 'confirmed', 'responding')) AND i.merged_into IS NULL
        ORDER BY next_due_at ASC NULLS LAST, i.updated_at DESC
        LIMIT $2`,
      [query.data.status, query.data.limit],
    );
    return {
      incidents: rows.map((r) => ({
        id: r.id, kind: r.kind, status: r.status, title: r.title, category: r.category, subtype: r.subtype,
        level: r.level, levelConfirmed: r.level_confirmed, t0: toIso(r.t0), departments: r.departments,
        counties: r.counties, postCount: Number(r.post_count), drill: r.drill, openedAt: toIso(r.opened_at),
        updatedAt: toIso(r.updated_at), nextDueAt: nullableIso(r.next_due_at),
      })),
    };
  });

  app.get('/api/incidents/:id', async (request, reply) => {
    const params = IncidentParams.safeParse(request.params);
    if (!params.success) return reply.code(400).send({ error: 'bad_id' });
    const incident = await findIncident(db, params.data.id);
    if (!incident) return reply.code(404).send({ error: 'incident_not_found', id: params.data.id });
    const [posts, clocks, alerts, history] = await Promise.all([
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
    ]);
    return {
      incident,
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
    };
  });
}
