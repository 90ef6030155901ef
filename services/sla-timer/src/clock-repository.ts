import { ClockEventMessage, type ClockEventKind, type ClockSnapshot } from '@huiying/contracts';
import type { ClockPause, TrackedClock } from '@huiying/deadlines';
import { toIso } from '@huiying/incident-core';
import { enqueueEvents, type OutboxEntry, type Queryable } from '@huiying/outbox';

interface ClockRow {
  id: string;
  incident_id: string | null;
  disclosure_request_id: string | null;
  stage: ClockSnapshot['stage'];
  status: ClockSnapshot['status'];
  t0: unknown;
  due_at: unknown;
  started_at: unknown;
  met_at: unknown;
  breached_at: unknown;
  acknowledged_at: unknown;
  drill: boolean;
}

interface PauseRow {
  clock_id: string;
  from_at: unknown;
  to_at: unknown;
  reason: string;
  signed_off_by: string;
  signed_off_at: unknown;
}

const nullableIso = (v: unknown) => (v === null || v === undefined ? null : toIso(v));

const COLUMNS =
  'id, incident_id, disclosure_request_id, stage, status, t0, due_at, started_at, met_at, breached_at, acknowledged_at, drill';

/** The contract's view of a clock (what events carry). */
export function snapshotOf(clock: TrackedClock): ClockSnapshot {
  const { pauses: _pauses, acknowledgedAt: _ack, ...snapshot } = clock;
  return snapshot;
}

function trackedOf(row: ClockRow, pauses: ClockPause[]): TrackedClock {
  return {
    id: row.id,
    // A disclosure clock has no incident: its request id stands in (see ClockSnapshot).
    incidentId: row.incident_id ?? (row.disclosure_request_id as string),
    ...(row.disclosure_request_id !== null && { disclosureRequestId: row.disclosure_request_id }),
    stage: row.stage,
    status: row.status,
    t0: toIso(row.t0),
    dueAt: toIso(row.due_at),
    startedAt: toIso(row.started_at),
    metAt: nullableIso(row.met_at),
    breachedAt: nullableIso(row.breached_at),
    drill: row.drill,
    pauses,
    acknowledgedAt: nullableIso(row.acknowledged_at),
  };
}

async function withPauses(db: Queryable, rows: ClockRow[]): Promise<TrackedClock[]> {
  if (rows.length === 0) return [];
  const { rows: pauses } = await db.query<PauseRow>(
    `SELECT clock_id, from_at, to_at, reason, signed_off_by, signed_off_at FROM clock_pauses
      WHERE clock_id = ANY($1) ORDER BY from_at, id`,
    [rows.map((r) => r.id)],
  );
  const byClock = new Map<string, ClockPause[]>();
  for (const p of pauses) {
    const list = byClock.get(p.clock_id) ?? [];
    list.push({ from: toIso(p.from_at), to: nullableIso(p.to_at), reason: p.reason, signedOffBy: p.signed_off_by, signedOffAt: toIso(p.signed_off_at) });
    byClock.set(p.clock_id, list);
  }
  return rows.map((r) => trackedOf(r, byClock.get(r.id) ?? []));
}

export async function clocksOfIncident(db: Queryable, incidentId: string): Promise<TrackedClock[]> {
  const { rows } = await db.query<ClockRow>(`SELECT ${COLUMNS} FROM clocks WHERE incident_id = $1 ORDER BY started_at, id`, [incidentId]);
  return withPauses(db, rows);
}

export async function findClock(db: Queryable, id: string, forUpdate = false): Promise<TrackedClock | null> {
  const { rows } = await db.query<ClockRow>(`SELECT ${COLUMNS} FROM clocks WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return (await withPauses(db, rows))[0] ?? null;
}

/** A clock as the firing path needs it: its state, the steps it fired, and its owner for events. */
export interface ClockForFiring {
  clock: TrackedClock;
  firedSteps: string[];
  owner: ClockOwner;
  /** The row version it was read at (`xmin`): `firePreloadedClocks` fires only that version. */
  version: string;
}

/**
 * Locks the owners of the clocks (in one sorted order, so two batches never wait on each other
 * in a cycle; `lockOwner` takes the same locks one at a time) and loads the clocks, locked, with
 * their pauses, fired steps and owners: two statements whatever the number of clocks.
 */
export async function lockAndLoadClocks(tx: Queryable, ids: readonly string[]): Promise<Map<string, ClockForFiring>> {
  await tx.query(
    `SELECT count(pg_advisory_xact_lock(hashtext('clocks:' || owner)))
       FROM (SELECT DISTINCT COALESCE(incident_id, disclosure_request_id) AS owner FROM clocks WHERE id = ANY($1) ORDER BY 1) AS o`,
    [ids],
  );
  return loadClocksForFiring(tx, ids, true);
}

/**
 * The clocks as `lockAndLoadClocks` loads them, in one statement; without `forUpdate`, no lock at
 * all: the poller reads clocks a moment before their steps are due and fires them with
 * `firePreloadedClocks`, which checks the version under the locks.
 */
export async function loadClocksForFiring(q: Queryable, ids: readonly string[], forUpdate = false): Promise<Map<string, ClockForFiring>> {
  const { rows } = await q.query<ClockRow & { pauses: PauseRow[]; fired: string[]; title: string | null; departments: string[] | null; version: string }>(
    `SELECT ${COLUMNS.split(', ').map((c) => `c.${c}`).join(', ')}, c.xmin::text AS version,
            COALESCE((SELECT json_agg(json_build_object('clock_id', p.clock_id, 'from_at', p.from_at, 'to_at', p.to_at, 'reason', p.reason,
                                                        'signed_off_by', p.signed_off_by, 'signed_off_at', p.signed_off_at) ORDER BY p.from_at, p.id)
                        FROM clock_pauses p WHERE p.clock_id = c.id), '[]') AS pauses,
            ARRAY(SELECT s.step FROM clock_steps s WHERE s.clock_id = c.id) AS fired,
            CASE WHEN c.disclosure_request_id IS NULL THEN i.title ELSE '依申请公开：' || d.subject END AS title,
            CASE WHEN c.disclosure_request_id IS NULL THEN i.departments ELSE ARRAY[d.department] END AS departments
       FROM clocks c
       LEFT JOIN incidents i ON i.id = c.incident_id
       LEFT JOIN disclosure_requests d ON d.id = c.disclosure_request_id
      WHERE c.id = ANY($1) ORDER BY c.id${forUpdate ? ' FOR UPDATE OF c' : ''}`,
    [ids],
  );
  const loaded = new Map<string, ClockForFiring>();
  for (const row of rows) {
    const pauses = row.pauses.map((p) => ({ from: toIso(p.from_at), to: nullableIso(p.to_at), reason: p.reason, signedOffBy: p.signed_off_by, signedOffAt: toIso(p.signed_off_at) }));
    const clock = trackedOf(row, pauses);
    // As `ownerOf`: an owner row gone missing still names the clock's owner id.
    loaded.set(row.id, { clock, firedSteps: row.fired, owner: { title: row.title ?? clock.incidentId, departments: row.departments ?? [] }, version: row.version });
  }
  return loaded;
}

/** Clocks that can still fire a step: the reconciler's work list. */
export async function pendingClockIds(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM clocks WHERE status IN ('running', 'paused', 'breached') ORDER BY due_at, id`,
  );
  return rows.map((r) => r.id);
}

export async function firedStepsOf(db: Queryable, clockId: string): Promise<string[]> {
  const { rows } = await db.query<{ step: string }>('SELECT step FROM clock_steps WHERE clock_id = $1', [clockId]);
  return rows.map((r) => r.step);
}

export interface NewClock {
  clock: TrackedClock;
  provisional: boolean;
  startedLateMs: number;
}

export async function insertClock(db: Queryable, { clock, provisional, startedLateMs }: NewClock): Promise<void> {
  await db.query(
    `INSERT INTO clocks (id, incident_id, disclosure_request_id, stage, status, t0, due_at, started_at, drill,
                         provisional, started_late_ms, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $8)`,
    [
      clock.id,
      clock.disclosureRequestId === undefined ? clock.incidentId : null,
      clock.disclosureRequestId ?? null,
      clock.stage,
      clock.status,
      clock.t0,
      clock.dueAt,
      clock.startedAt,
      clock.drill,
      provisional,
      startedLateMs,
    ],
  );
}

/** Writes the clock's state columns; `extra` sets the columns only some transitions touch. */
export async function updateClock(
  db: Queryable,
  clock: TrackedClock,
  at: Date,
  extra: { cancelReason?: string; marginMs?: number; metBy?: string; acknowledgedBy?: string } = {},
): Promise<void> {
  await db.query(
    `UPDATE clocks SET status = $2, t0 = $3, due_at = $4, met_at = $5, breached_at = $6,
       cancelled_at = CASE WHEN $2 = 'cancelled' THEN $7::timestamptz ELSE cancelled_at END,
       cancel_reason = COALESCE($8, cancel_reason), margin_ms = COALESCE($9, margin_ms),
       met_by = COALESCE($10, met_by), acknowledged_at = $11, acknowledged_by = COALESCE($12, acknowledged_by),
       updated_at = $7
     WHERE id = $1`,
    [
      clock.id,
      clock.status,
      clock.t0,
      clock.dueAt,
      clock.metAt,
      clock.breachedAt,
      at.toISOString(),
      extra.cancelReason ?? null,
      extra.marginMs ?? null,
      extra.metBy ?? null,
      clock.acknowledgedAt,
      extra.acknowledgedBy ?? null,
    ],
  );
}

export interface ClockEventDetail {
  warning?: string;
  escalationStep?: number;
  reason?: string;
  traceId: string;
  at: Date;
  /** Deterministic outbox id: a step's event is the same event however often it is recorded. */
  eventId?: string;
  /** Extra facts for the history row (margin, actor, superseded step…). */
  history?: Record<string, unknown>;
}

/** The owner of a clock as events name it: the incident, or the disclosure request. */
export interface ClockOwner {
  title: string;
  departments: string[];
}

/** Records a clock event: a history row and an outbox event, in the caller's transaction. */
export async function recordClockEvent(
  tx: Queryable,
  kind: ClockEventKind,
  clock: TrackedClock,
  owner: ClockOwner,
  detail: ClockEventDetail,
  publish = true,
): Promise<void> {
  await recordClockEvents(tx, [{ kind, clock, owner, detail, publish }]);
}

export interface ClockEventRecord {
  kind: ClockEventKind;
  clock: TrackedClock;
  owner: ClockOwner;
  detail: ClockEventDetail;
  /** False: history only (a stale step is recorded, not announced). */
  publish: boolean;
}

/** The history row's detail of a clock event. */
export function historyDetail(clock: TrackedClock, detail: ClockEventDetail): Record<string, unknown> {
  return {
    warning: detail.warning ?? null,
    escalationStep: detail.escalationStep ?? null,
    reason: detail.reason ?? null,
    t0: clock.t0,
    dueAt: clock.dueAt,
    ...detail.history,
  };
}

/** The outbox entry announcing a clock event. */
export function clockEventEntry({ kind, clock, owner, detail }: ClockEventRecord): OutboxEntry<unknown> {
  return {
    def: ClockEventMessage,
    payload: {
      kind,
      clock: snapshotOf(clock),
      ...(detail.warning !== undefined && { warning: detail.warning }),
      ...(detail.escalationStep !== undefined && { escalationStep: detail.escalationStep }),
      ...(detail.reason !== undefined && { reason: detail.reason }),
      departments: owner.departments,
      incidentTitle: owner.title,
    },
    key: clock.incidentId,
    traceId: detail.traceId,
    occurredAt: detail.at,
    ...(detail.eventId !== undefined && { id: detail.eventId }),
  };
}

/** `recordClockEvent` for many events, in order: one statement for the history, one for the outbox. */
export async function recordClockEvents(tx: Queryable, events: readonly ClockEventRecord[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO clock_history (clock_id, at, event, detail)
     SELECT clock_id, at, event, detail::jsonb FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[])
       WITH ORDINALITY AS h(clock_id, at, event, detail, n) ORDER BY n`,
    [
      events.map((e) => e.clock.id),
      events.map((e) => e.detail.at.toISOString()),
      events.map((e) => e.kind),
      events.map(({ clock, detail }) => JSON.stringify(historyDetail(clock, detail))),
    ],
  );
  await enqueueEvents(tx, events.filter((e) => e.publish).map(clockEventEntry));
}

/** Whose clock it is, for the event: the incident's title and departments, or the request's. */
export async function ownerOf(tx: Queryable, clock: TrackedClock): Promise<ClockOwner> {
  if (clock.disclosureRequestId !== undefined) {
    const { rows } = await tx.query<{ subject: string; department: string }>(
      'SELECT subject, department FROM disclosure_requests WHERE id = $1',
      [clock.disclosureRequestId],
    );
    const r = rows[0];
    return { title: r ? `依申请公开：${r.subject}` : clock.incidentId, departments: r ? [r.department] : [] };
  }
  const { rows } = await tx.query<{ title: string; departments: string[] }>('SELECT title, departments FROM incidents WHERE id = $1', [clock.incidentId]);
  const r = rows[0];
  return { title: r?.title ?? clock.incidentId, departments: r?.departments ?? [] };
}

/** Serialises every change to one owner's clocks (incident events, statements, steps). */
export async function lockOwner(tx: Queryable, ownerId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`clocks:${ownerId}`]);
}

/**
 * `lockOwner` for many owners at once, in one sorted order (as `lockAndLoadClocks` takes them),
 * so a run of incident events and a batch of firing clocks never wait on each other in a cycle.
 */
export async function lockOwners(tx: Queryable, ownerIds: readonly string[]): Promise<void> {
  await tx.query(
    `SELECT count(pg_advisory_xact_lock(hashtext('clocks:' || owner)))
       FROM (SELECT DISTINCT unnest($1::text[]) AS owner ORDER BY 1) AS o`,
    [ownerIds],
  );
}

/** `markProcessed` for many messages in one statement: the ids not seen before. */
export async function markAllProcessed(tx: Queryable, consumer: string, messageIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ message_id: string }>(
    `INSERT INTO processed_messages (consumer, message_id) SELECT $1, unnest($2::text[])
     ON CONFLICT (consumer, message_id) DO NOTHING RETURNING message_id`,
    [consumer, messageIds],
  );
  return new Set(rows.map((r) => r.message_id));
}
