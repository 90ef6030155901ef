import { toIso } from '@huiying/incident-core';
import { acknowledgeAlert } from '@huiying/notifier';
import { acknowledgeClock } from '@huiying/sla-timer';
import type { Db } from '@huiying/store';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authorize, mayRead, signedIn } from '../access/authentication';
import { ApiError } from '../errors';
import { AlertListQuery, AlertListResponse, AlertResponse, ErrorResponse } from '../http-schemas';
import { nullableIso, readScope } from './incidents.routes';

export interface AlertRoutesOptions {
  db: Db;
  now: () => Date;
}

const ALERT_COLUMNS = `a.id, a.incident_id, i.title AS incident_title, i.departments, a.clock_id, a.severity, a.title, a.body,
  a.drill, a.count, a.created_at, a.last_at, a.acknowledged_at, COALESCE(u.display_name, a.acknowledged_by) AS acknowledged_by`;
const ALERT_FROM = `alerts a LEFT JOIN incidents i ON i.id = a.incident_id LEFT JOIN users u ON u.id = a.acknowledged_by`;

function alertOf(r: Record<string, unknown>) {
  return {
    id: String(r.id),
    incidentId: (r.incident_id as string | null) ?? null,
    incidentTitle: (r.incident_title as string | null) ?? null,
    clockId: (r.clock_id as string | null) ?? null,
    severity: r.severity as 'info' | 'warning' | 'critical',
    title: String(r.title),
    body: String(r.body),
    drill: r.drill === true,
    count: Number(r.count),
    createdAt: toIso(r.created_at),
    lastAt: toIso(r.last_at),
    acknowledgedAt: nullableIso(r.acknowledged_at),
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
  };
}

/** The duty officer's alert list and acknowledgement. */
export const alertRoutes: FastifyPluginAsyncZod<AlertRoutesOptions> = async (app, options) => {
  const { db } = options;

  app.get(
    '/api/alerts',
    { schema: { tags: ['duty'], querystring: AlertListQuery, response: { 200: AlertListResponse, 401: ErrorResponse } } },
    async (request) => {
      const principal = signedIn(request);
      const scope = readScope(principal);
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM}
          WHERE ($1 = 'all' OR a.acknowledged_at IS NULL)
            AND ($2::text[] IS NULL OR i.departments && $2::text[])
          ORDER BY a.last_at DESC LIMIT 200`,
        [request.query.status, scope],
      );
      return { alerts: rows.filter((r) => mayRead(principal, (r.departments as string[] | null) ?? [])).map(alertOf) };
    },
  );

  app.post(
    '/api/alerts/:id/acknowledge',
    {
      schema: {
        tags: ['duty'],
        params: z.object({ id: z.string().min(1).max(200) }),
        body: z.object({}).loose().optional(),
        response: { 200: AlertResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const principal = signedIn(request);
      const alertId = request.params.id;
      const found = await readAlert(alertId);
      if (!found) throw new ApiError('alert_not_found', { id: alertId });
      const departments = (found.departments as string[] | null) ?? [];
      const clockId = found.clock_id as string | null;
      // A breach escalates to the leaders: a leader acknowledges that alert (which also stops the
      // clock's escalation), never the duty officers' everyday ones.
      const breachedClock = clockId !== null && principal.roles.includes('leader') && mayRead(principal, departments) && (await isBreached(clockId));
      if (!breachedClock) authorize(request, 'alert.acknowledge', { kind: 'incident', departments });
      const at = options.now();
      // The first acknowledgement stands (and covers the alerts bundled into this one).
      await acknowledgeAlert(db, alertId, principal.id, at);
      if (breachedClock) await acknowledgeClock(db, { clockId, leaderId: principal.id, at });
      return { alert: alertOf((await readAlert(alertId))!) };
    },
  );

  async function isBreached(clockId: string): Promise<boolean> {
    const { rows } = await db.query<{ breached_at: unknown }>(`SELECT breached_at FROM clocks WHERE id = $1`, [clockId]);
    return rows[0] !== undefined && rows[0].breached_at !== null;
  }

  async function readAlert(id: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await db.query<Record<string, unknown>>(`SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM} WHERE a.id = $1`, [id]);
    return rows[0];
  }
};
