import { ClockEventMessage, type ClockEventKind, type ClockSnapshot, type ClockStage, type IncidentSnapshot } from '@huiying/contracts';
import { toIso } from '@huiying/incident-core';
import { enqueueEvent, type Queryable } from '@huiying/outbox';

interface ClockRow {
  id: string;
  incident_id: string;
  stage: ClockStage;
  status: ClockSnapshot['status'];
  t0: unknown;
  due_at: unknown;
  started_at: unknown;
  met_at: unknown;
  breached_at: unknown;
  drill: boolean;
}

const nullableIso = (v: unknown) => (v === null || v === undefined ? null : toIso(v));

export function clockOf(row: ClockRow): ClockSnapshot {
  return {
    id: row.id,
    incidentId: row.incident_id,
    stage: row.stage,
    status: row.status,
    t0: toIso(row.t0),
    dueAt: toIso(row.due_at),
    startedAt: toIso(row.started_at),
    metAt: nullableIso(row.met_at),
    breachedAt: nullableIso(row.breached_at),
    drill: row.drill,
  };
}

const COLUMNS = 'id, incident_id, stage, status, t0, due_at, started_at, met_at, breached_at, drill';

export async function clocksOfIncident(db: Queryable, incidentId: string): Promise<ClockSnapshot[]> {
  const { rows } = await db.query<ClockRow>(`SELECT ${COLUMNS} FROM clocks WHERE incident_id = $1 ORDER BY started_at, stage`, [incidentId]);
  return rows.map(clockOf);
}

export async function findClock(db: Queryable, id: string, forUpdate = false): Promise<ClockSnapshot | null> {
  const { rows } = await db.query<ClockRow>(`SELECT ${COLUMNS} FROM clocks WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? clockOf(rows[0]) : null;
}

/** Clocks that still have steps to fire: the reconciler's work list after a restart. */
export async function activeClocks(db: Queryable): Promise<ClockSnapshot[]> {
  const { rows } = await db.query<ClockRow>(`SELECT ${COLUMNS} FROM clocks WHERE status IN ('running', 'breached') ORDER BY due_at`);
  return rows.map(clockOf);
}

export async function insertClock(db: Queryable, clock: ClockSnapshot): Promise<void> {
  await db.query(
    `INSERT INTO clocks (id, incident_id, stage, status, t0, due_at, started_at, drill, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)`,
    [clock.id, clock.incidentId, clock.stage, clock.status, clock.t0, clock.dueAt, clock.startedAt, clock.drill],
  );
}

export async function updateClock(db: Queryable, clock: ClockSnapshot, extra: { cancelReason?: string } = {}): Promise<void> {
  await db.query(
    `UPDATE clocks SET status = $2, t0 = $3, due_at = $4, met_at = $5, breached_at = $6,
       cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END,
       cancel_reason = COALESCE($7, cancel_reason), updated_at = now()
     WHERE id = $1`,
    [clock.id, clock.status, clock.t0, clock.dueAt, clock.metAt, clock.breachedAt, extra.cancelReason ?? null],
  );
}

/** Records a clock event: a history row and an outbox event, in the caller's transaction. */
export async function recordClockEvent(
  tx: Queryable,
  kind: ClockEventKind,
  clock: ClockSnapshot,
  incident: Pick<IncidentSnapshot, 'title' | 'departments'>,
  detail: { warning?: string; escalationStep?: number; reason?: string; traceId: string; at: Date },
): Promise<void> {
  await tx.query(`INSERT INTO clock_history (clock_id, at, event, detail) VALUES ($1, $2, $3, $4)`, [
    clock.id,
    detail.at.toISOString(),
    kind,
    JSON.stringify({ warning: detail.warning ?? null, escalationStep: detail.escalationStep ?? null, reason: detail.reason ?? null, dueAt: clock.dueAt }),
  ]);
  await enqueueEvent(tx, {
    def: ClockEventMessage,
    payload: {
      kind,
      clock,
      ...(detail.warning !== undefined && { warning: detail.warning }),
      ...(detail.escalationStep !== undefined && { escalationStep: detail.escalationStep }),
      ...(detail.reason !== undefined && { reason: detail.reason }),
      departments: incident.departments,
      incidentTitle: incident.title,
    },
    key: clock.incidentId,
    traceId: detail.traceId,
    occurredAt: detail.at,
  });
}
