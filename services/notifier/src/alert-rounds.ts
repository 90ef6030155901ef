import {
  EscalationSnapshot,
  dueNotifications,
  planDeliveries,
  type AlertNotice,
  type BundleWindow,
  type EscalationPolicy,
  type Person,
} from '@huiying/alerting';
import { Alert } from '@huiying/contracts';
import { toIso } from '@huiying/incident-core';
import type { Queryable } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import type { AlertingSetup } from './alerting-config';
import { watchSchemeOfAlertKey } from './alert-rules';

interface AlertRow {
  id: string;
  key: string;
  incident_id: string | null;
  disclosure_request_id: string | null;
  clock_id: string | null;
  severity: Alert['severity'];
  title: string;
  body: string;
  drill: boolean;
  created_at: unknown;
  acknowledged_at: unknown;
  escalation: unknown;
  delivery_state: string;
  rounds_start_at: unknown;
  rounds_since: unknown;
}

export function alertOfRow(row: AlertRow): Alert {
  return Alert.parse({
    id: row.id,
    key: row.key,
    incidentId: row.incident_id ?? row.disclosure_request_id ?? watchSchemeOfAlertKey(row.key),
    clockId: row.clock_id,
    severity: row.severity,
    title: row.title,
    body: row.body,
    drill: row.drill,
    createdAt: toIso(row.created_at),
  });
}

export async function loadAlertRow(tx: Queryable, alertId: string, forUpdate = false): Promise<AlertRow | undefined> {
  const { rows } = await tx.query<AlertRow>(`SELECT * FROM alerts WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [alertId]);
  return rows[0];
}

export interface RoundOptions {
  setup: AlertingSetup;
  escalation: EscalationPolicy;
  linkBase?: string;
  logger: Logger;
}

/** Deliveries written in the transaction, to enqueue once it commits. */
export interface RoundResult {
  deliveryIds: string[];
  nextRoundAtMs: number | null;
}

const linkOf = (options: RoundOptions, alertId: string) => (options.linkBase ? `${options.linkBase}${alertId}` : undefined);

/** One message per usable channel for these recipients; recipients nobody can reach are logged loudly. */
async function insertDeliveries(
  tx: Queryable,
  alert: Alert,
  recipients: Person[],
  notice: AlertNotice,
  idBase: string,
  options: RoundOptions,
  nowMs: number,
): Promise<string[]> {
  const plan = planDeliveries(options.setup.channels, alert, recipients);
  if (plan.unreachable.length > 0) {
    options.logger.error(
      { alertId: alert.id, unreachable: plan.unreachable.map((p) => p.id), drill: alert.drill },
      'alert recipients with no usable channel: nobody will be told',
    );
  }
  const ids: string[] = [];
  for (const d of plan.deliveries) {
    const id = `${idBase}-${d.channel.id}`;
    const inserted = await tx.query(
      `INSERT INTO alert_deliveries (id, alert_id, channel_id, channel_kind, recipients, notice, drill, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) ON CONFLICT (id) DO NOTHING`,
      [id, alert.id, d.channel.id, d.channel.kind, JSON.stringify(d.recipients), JSON.stringify(notice), alert.drill, new Date(nowMs).toISOString()],
    );
    if (inserted.rowCount === 1) ids.push(id);
  }
  return ids;
}

/**
 * One evaluation of an alert's repeat and escalation schedule (`dueNotifications`): writes the
 * messages due since the previous evaluation and moves `rounds_since`, in one transaction, so a
 * repeated or late job neither loses nor doubles a round. Acknowledged, superseded and folded
 * alerts get nothing; an info alert goes out once, to the first step.
 */
export async function runAlertRound(db: Db, alertId: string, nowMs: number, options: RoundOptions): Promise<RoundResult> {
  return db.transaction(async (tx) => {
    const row = await loadAlertRow(tx, alertId, true);
    if (!row || row.delivery_state !== 'active' || row.acknowledged_at !== null) return { deliveryIds: [], nextRoundAtMs: null };
    const alert = alertOfRow(row);
    const snapshot = EscalationSnapshot.parse(row.escalation);
    const startedAtMs = Date.parse(toIso(row.rounds_start_at));
    const sinceMs = row.rounds_since === null ? null : Date.parse(toIso(row.rounds_since));
    const due = dueNotifications({ snapshot, policy: options.escalation, startedAtMs, nowMs, sinceMs, acknowledgedAtMs: null });
    const info = alert.severity === 'info';
    const groups = new Map<string, { step: number; stepLabel: string; round: number; people: Person[] }>();
    for (const n of due.notifications) {
      if (info && (n.step > 0 || n.round > 0)) continue;
      const k = `${n.step}-${n.round}`;
      const group = groups.get(k) ?? { step: n.step, stepLabel: n.stepLabel, round: n.round, people: [] };
      group.people.push(n.person);
      groups.set(k, group);
    }
    const deliveryIds: string[] = [];
    for (const g of groups.values()) {
      const link = linkOf(options, alert.id);
      const notice: AlertNotice = {
        alert,
        escalation: { step: g.step, stepLabel: g.stepLabel, round: g.round },
        ...(link !== undefined && { link }),
      };
      deliveryIds.push(...(await insertDeliveries(tx, alert, g.people, notice, `dlv-${alert.id}-s${g.step}-r${g.round}`, options, nowMs)));
    }
    const nextRoundAtMs = info ? null : due.nextDueAtMs;
    await tx.query(
      `UPDATE alerts SET rounds_since = $2, next_round_at = $3, delivery_state = CASE WHEN $3::timestamptz IS NULL THEN 'done' ELSE delivery_state END WHERE id = $1`,
      [alert.id, new Date(nowMs).toISOString(), nextRoundAtMs === null ? null : new Date(nextRoundAtMs).toISOString()],
    );
    return { deliveryIds, nextRoundAtMs };
  });
}

/**
 * A bundling window closed: when alerts were folded into it, one summary message (the latest
 * alert, with the count) goes to whoever the first alert currently reaches.
 */
export async function closeBundle(db: Db, key: string, openedAtMs: number, nowMs: number, options: RoundOptions, window?: BundleWindow): Promise<string[]> {
  return db.transaction(async (tx) => {
    let w = window;
    if (!w) {
      const { rows } = await tx.query<{ window: BundleWindow; summarised: boolean }>('SELECT "window", summarised FROM alert_bundles WHERE key = $1 FOR UPDATE', [key]);
      const row = rows[0];
      if (!row || row.summarised || row.window.openedAtMs !== openedAtMs) return [];
      await tx.query('UPDATE alert_bundles SET summarised = true WHERE key = $1', [key]);
      w = row.window;
    }
    if (w.count < 2) return [];
    const first = await loadAlertRow(tx, w.firstAlertId);
    const last = await loadAlertRow(tx, w.lastAlertId);
    if (!first || !last || first.acknowledged_at !== null) return [];
    const snapshot = EscalationSnapshot.parse(first.escalation);
    const startedAtMs = Date.parse(toIso(first.rounds_start_at));
    const reached = dueNotifications({ snapshot, policy: options.escalation, startedAtMs, nowMs, sinceMs: null, acknowledgedAtMs: null });
    const people = reached.notifications.map((n) => n.person);
    const lastAlert = alertOfRow(last);
    const link = linkOf(options, lastAlert.id);
    const notice: AlertNotice = {
      alert: lastAlert,
      bundle: { count: w.count, windowStartMs: w.openedAtMs, windowEndMs: w.closesAtMs },
      ...(link !== undefined && { link }),
    };
    return insertDeliveries(tx, lastAlert, people, notice, `dlv-${w.firstAlertId}-bundle-${w.openedAtMs}`, options, nowMs);
  });
}
