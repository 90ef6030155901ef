import {
  IncidentEventMessage,
  type Classification,
  type IncidentEventKind,
  type IncidentSnapshot,
  type Post,
} from '@huiying/contracts';
import { enqueueEvent, type Queryable } from '@huiying/outbox';
import type { IncidentChange } from './lifecycle';
import { defaultCorrelationPolicy, type CorrelationPolicy, type OpenIncident } from './correlation';
import { candidateProbe, DEFAULT_CANDIDATE_LIMIT, findCandidateIds, loadIncidentRows, openIncidentOf } from './correlation-candidates';

/** Both database adapters may hand timestamps back as Date or string: one shape for the rest. */
export function toIso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export interface IncidentRow {
  id: string;
  kind: IncidentSnapshot['kind'];
  status: IncidentSnapshot['status'];
  title: string;
  category: IncidentSnapshot['category'];
  subtype: string | null;
  level: IncidentSnapshot['level'];
  level_confirmed: boolean;
  level_confidence: number;
  important_opinion: boolean;
  t0: unknown;
  departments: string[];
  counties: string[];
  key_terms: string[];
  post_count: number;
  drill: boolean;
  opened_at: unknown;
  updated_at: unknown;
}

export const INCIDENT_COLUMNS = `id, kind, status, title, category, subtype, level, level_confirmed, level_confidence,
  important_opinion, t0, departments, counties, key_terms, post_count, drill, opened_at, updated_at`;

export function snapshotOf(row: IncidentRow): IncidentSnapshot {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    title: row.title,
    category: row.category,
    subtype: row.subtype,
    level: row.level,
    levelConfirmed: row.level_confirmed,
    levelConfidence: Number(row.level_confidence),
    importantOpinion: row.important_opinion,
    t0: toIso(row.t0),
    departments: row.departments,
    counties: row.counties,
    postCount: Number(row.post_count),
    drill: row.drill,
    openedAt: toIso(row.opened_at),
    updatedAt: toIso(row.updated_at),
  };
}

export async function findIncident(db: Queryable, id: string, forUpdate = false): Promise<(IncidentSnapshot & { keyTerms: string[] }) | null> {
  const { rows } = await db.query<IncidentRow>(
    `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const row = rows[0];
  return row ? { ...snapshotOf(row), keyTerms: row.key_terms } : null;
}

/**
 * Open incidents a post could join, with what correlation needs (fingerprints included). One
 * post at a time; the incidents service correlates batches with `correlatePostsInTx`, which uses
 * the same query.
 */
export async function findCorrelationCandidates(
  db: Queryable,
  post: Pick<Post, 'publishedAt' | 'text'>,
  classification: Classification,
  policy: CorrelationPolicy = defaultCorrelationPolicy,
): Promise<OpenIncident[]> {
  const probe = candidateProbe(0, post, classification, policy);
  if (!probe) return [];
  const ids = (await findCandidateIds(db, [probe], DEFAULT_CANDIDATE_LIMIT)).get(0) ?? [];
  const rows = await loadIncidentRows(db, ids);
  return rows.map(openIncidentOf);
}

export async function upsertPost(db: Queryable, post: Post, classification: Classification, traceId: string): Promise<void> {
  await db.query(
    `INSERT INTO posts (id, source_id, source_kind, native_id, url, author, title, text, published_at, collected_at,
                        engagement, raw, trace_id, classification, classifier_version, classified_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15, now())
     ON CONFLICT (id) DO UPDATE SET classification = EXCLUDED.classification,
       classifier_version = EXCLUDED.classifier_version, classified_at = now(),
       engagement = COALESCE(EXCLUDED.engagement, posts.engagement)`,
    [
      post.id, post.sourceId, post.sourceKind, post.nativeId ?? null, post.url ?? null, post.author ?? null,
      post.title ?? null, post.text, post.publishedAt, post.collectedAt,
      JSON.stringify(post.engagement ?? {}), post.raw === undefined ? null : JSON.stringify(post.raw),
      traceId, JSON.stringify(classification), classification.version,
    ],
  );
}

export async function incidentOfPost(db: Queryable, postId: string): Promise<string | null> {
  const { rows } = await db.query<{ incident_id: string }>(`SELECT incident_id FROM incident_posts WHERE post_id = $1`, [postId]);
  return rows[0]?.incident_id ?? null;
}

/**
 * Writes a change: the incident row, the post link, one history row, and one outbox event per
 * kind of change, all in the caller's transaction.
 */
export async function saveIncidentChange(
  tx: Queryable,
  change: IncidentChange,
  context: { actor: string; reason?: string; postId?: string; postAt?: string; keyTerms?: string[]; traceId: string },
): Promise<void> {
  const s = change.snapshot;
  await tx.query(
    `INSERT INTO incidents (id, kind, status, title, category, subtype, level, level_confirmed, level_confidence,
                            important_opinion, t0, departments, counties, key_terms, post_count, drill, opened_at,
                            updated_at, last_post_at, trace_id, t0_set_by_person)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, title = EXCLUDED.title, category = EXCLUDED.category,
       subtype = EXCLUDED.subtype, level = EXCLUDED.level, level_confirmed = EXCLUDED.level_confirmed,
       level_confidence = EXCLUDED.level_confidence, important_opinion = EXCLUDED.important_opinion, t0 = EXCLUDED.t0,
       departments = EXCLUDED.departments, counties = EXCLUDED.counties,
       key_terms = COALESCE((SELECT array_agg(DISTINCT t) FROM unnest(incidents.key_terms || EXCLUDED.key_terms) AS t), '{}'),
       post_count = EXCLUDED.post_count, drill = EXCLUDED.drill, updated_at = EXCLUDED.updated_at,
       last_post_at = GREATEST(incidents.last_post_at, EXCLUDED.last_post_at),
       t0_set_by_person = incidents.t0_set_by_person OR EXCLUDED.t0_set_by_person`,
    [
      s.id, s.kind, s.status, s.title, s.category, s.subtype, s.level, s.levelConfirmed, s.levelConfidence,
      s.importantOpinion, s.t0, s.departments, s.counties, context.keyTerms ?? [], s.postCount, s.drill, s.openedAt,
      s.updatedAt, context.postAt ?? s.t0, context.traceId,
      // A person's t0 correction stays put when posts join later (see joinIncident).
      change.events.includes('t0_corrected') && !context.actor.startsWith('system:'),
    ],
  );
  if (context.postId) {
    await tx.query(`INSERT INTO incident_posts (incident_id, post_id, joined_at) VALUES ($1, $2, $3)`, [s.id, context.postId, s.updatedAt]);
  }
  await tx.query(
    `INSERT INTO incident_history (incident_id, at, actor, action, reason, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.id, s.updatedAt, context.actor, change.events.join(','), context.reason ?? null, JSON.stringify({ postId: context.postId ?? null, level: s.level, status: s.status, t0: s.t0 })],
  );
  for (const kind of change.events) {
    await enqueueIncidentEvent(tx, kind, s, context);
  }
}

async function enqueueIncidentEvent(
  tx: Queryable,
  kind: IncidentEventKind,
  snapshot: IncidentSnapshot,
  context: { actor: string; reason?: string; postId?: string; traceId: string },
): Promise<void> {
  await enqueueEvent(tx, {
    def: IncidentEventMessage,
    payload: {
      kind,
      incident: snapshot,
      actor: context.actor,
      ...(context.reason !== undefined && { reason: context.reason }),
      ...(context.postId !== undefined && { postId: context.postId }),
    },
    key: snapshot.id,
    traceId: context.traceId,
    occurredAt: new Date(snapshot.updatedAt),
  });
}
