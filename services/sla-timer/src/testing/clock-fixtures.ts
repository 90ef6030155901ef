// Builders for the timer's integration tests: incidents written as the incident service would,
// and their events published on the real bus.
import { randomUUID } from 'node:crypto';
import type { Bus } from '@huiying/bus';
import { ClockEventMessage, IncidentEventMessage, StatementEventMessage, type IncidentEventKind, type IncidentSnapshot } from '@huiying/contracts';
import { parseClockPolicy, type ClockPolicyInput } from '@huiying/deadlines';
import type { Db } from '@huiying/store';

export const SECOND = 1_000;
export const MINUTE = 60_000;

/** Short clocks for tests: 10-minute statement, 60-minute press conference, 1-minute escalation. */
export function testPolicy(overrides: ClockPolicyInput = {}) {
  return parseClockPolicy({
    emergency: { statementMinutes: 10, pressConferenceMinutes: 60, continuedReleaseEveryMinutes: 30 },
    importantOpinion: { responseMinutes: 20 },
    warnings: ['50%', '80%', '30m-before', 'due'],
    escalation: { everyMinutes: 1, maxSteps: 2 },
    provisionalStart: { enabled: true, minConfidence: 0.8 },
    ...overrides,
  });
}

export function incidentOf(overrides: Partial<IncidentSnapshot> = {}): IncidentSnapshot {
  const now = new Date().toISOString();
  return {
    id: `inc-${randomUUID().slice(0, 8)}`,
    kind: 'emergency',
    status: 'confirmed',
    title: '文县碧口镇山体滑坡',
    category: 'natural_disaster',
    subtype: 'landslide',
    level: 'II',
    levelConfirmed: true,
    levelConfidence: 0.9,
    importantOpinion: false,
    t0: now,
    departments: ['文县政府'],
    counties: ['文县'],
    postCount: 1,
    drill: false,
    openedAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** Writes the incident as stored state (the timer decides on what is stored, not on the event). */
export async function saveIncident(db: Db, incident: IncidentSnapshot, mergedInto: string | null = null): Promise<void> {
  await db.query(
    `INSERT INTO incidents (id, kind, status, title, category, subtype, level, level_confirmed, level_confidence,
                           important_opinion, t0, departments, counties, post_count, drill, opened_at, updated_at, trace_id, merged_into)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,'test',$18)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, level = EXCLUDED.level, level_confirmed = EXCLUDED.level_confirmed,
       level_confidence = EXCLUDED.level_confidence, important_opinion = EXCLUDED.important_opinion, t0 = EXCLUDED.t0,
       updated_at = EXCLUDED.updated_at, merged_into = EXCLUDED.merged_into`,
    [incident.id, incident.kind, incident.status, incident.title, incident.category, incident.subtype, incident.level, incident.levelConfirmed,
      incident.levelConfidence, incident.importantOpinion, incident.t0, incident.departments, incident.counties, incident.postCount,
      incident.drill, incident.openedAt, incident.updatedAt, mergedInto],
  );
}

/** Stores the incident and publishes its event; returns the envelope id. */
export async function announce(bus: Bus, db: Db, incident: IncidentSnapshot, kind: IncidentEventKind, mergedInto: string | null = null): Promise<string> {
  await saveIncident(db, incident, mergedInto);
  const envelope = await bus.publish(IncidentEventMessage, { kind, incident, actor: 'user:duty-1', ...(mergedInto !== null && { mergedInto }) }, { key: incident.id });
  return envelope.id;
}

export async function publishStatement(bus: Bus, incidentId: string, kind: 'statement_published' | 'press_conference_held', at: Date): Promise<void> {
  await bus.publish(
    StatementEventMessage,
    { kind, incidentId, statementId: `st-${randomUUID().slice(0, 8)}`, at: at.toISOString(), actor: 'user:spokesperson' },
    { key: incidentId },
  );
}

export interface ClockRowView {
  id: string;
  stage: string;
  status: string;
  t0: string;
  due_at: string;
  provisional: boolean;
  started_late_ms: string;
  cancel_reason: string | null;
  met_at: string | null;
  margin_ms: string | null;
  acknowledged_at: string | null;
}

export async function clocksOf(db: Db, ownerId: string): Promise<ClockRowView[]> {
  const { rows } = await db.query<ClockRowView>(
    `SELECT id, stage, status, t0, due_at, provisional, started_late_ms::text, cancel_reason, met_at, margin_ms::text, acknowledged_at
       FROM clocks WHERE incident_id = $1 OR disclosure_request_id = $1 ORDER BY started_at, stage`,
    [ownerId],
  );
  return rows;
}

export async function firedSteps(db: Db, clockId: string): Promise<string[]> {
  const { rows } = await db.query<{ step: string }>(
    `SELECT step FROM clock_steps WHERE clock_id = $1
      ORDER BY due_at, CASE kind WHEN 'warning' THEN 0 WHEN 'breach' THEN 1 ELSE 2 END, step`,
    [clockId],
  );
  return rows.map((r) => r.step);
}

/** How many clock events of each kind the outbox holds for the clock (what was announced). */
export async function announced(db: Db, clockId: string): Promise<string[]> {
  const { rows } = await db.query<{ kind: string; warning: string | null; step: string | null }>(
    `SELECT payload->>'kind' AS kind, payload->>'warning' AS warning, payload->>'escalationStep' AS step
       FROM outbox WHERE type = $1 AND payload->'clock'->>'id' = $2 ORDER BY seq`,
    [ClockEventTypeName, clockId],
  );
  return rows.map((r) => [r.kind, r.warning ?? r.step].filter(Boolean).join(':'));
}

const ClockEventTypeName = ClockEventMessage.type;

/** Deletes every Redis key under the prefix (never FLUSHALL: the Redis is shared). */
export async function wipeRedisPrefix(redis: import('ioredis').default, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
