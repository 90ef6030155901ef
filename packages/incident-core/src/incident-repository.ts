import {
  IncidentEventMessage,
  type Classification,
  type IncidentEventKind,
  type IncidentSnapshot,
  type Post,
} from '@huiying/contracts';
import { enqueueEvent, type Queryable } from '@huiying/outbox';
import type { IncidentChange } from './lifecycle';
import type { OpenIncident } from './correlation';

/** Both database adapters may hand timestamps back as Date or string: one shape for the rest. */
export function toIso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

interface IncidentRow {
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

const INCIDENT_COLUMNS = `id, kind, status, title, category, subtype, level, level_confirmed, level_confidence,
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

/** Open incidents of a kind whose newest post falls in the window, for correlation. */
export async function findCorrelationCandidates(db: Queryable, kind: string, since: Date): Promise<OpenIncident[]> {
  const { rows } = await db.query<{ id: string; kind: OpenIncident['kind']; subtype: string | null; category: string | null; counties: string[]; key_terms: string[]; last_post_at: unknown }>(
    `SELECT id, kind, subtype, category, counties, key_terms, last_post_at FROM incidents
      WHERE kind = $1 AND status IN ('detected', 'confirmed', 'responding') AND merged_into IS NULL
        AND last_post_at >= $2
      ORDER BY last_post_at DESC LIMIT 500`,
    [kind, since.toISOString()],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, subtype: r.subtype, category: r.category, counties: r.counties, keyTerms: r.key_terms, lastPostAt: toIso(r.last_post_at) }));
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
                            updated_at, last_post_at, trace_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, title = EXCLUDED.title, category = EXCLUDED.category,
       subtype = EXCLUDED.subtype, level = EXCLUDED.level, level_confirmed = EXCLUDED.level_confirmed,
       level_confidence = EXCLUDED.level_confidence, important_opinion = EXCLUDED.important_opinion, t0 = EXCLUDED.t0,
       departments = EXCLUDED.departments, counties = EXCLUDED.counties,
       key_terms = (SELECT array_agg(DISTINCT t) FROM unnest(incidents.key_terms || EXCLUDED.key_terms) AS t),
       post_count = EXCLUDED.post_count, drill = EXCLUDED.drill, updated_at = EXCLUDED.updated_at,
       last_post_at = GREATEST(incidents.last_post_at, EXCLUDED.last_post_at)`,
    [
      s.id, s.kind, s.status, s.title, s.category, s.subtype, s.level, s.levelConfirmed, s.levelConfidence,
      s.importantOpinion, s.t0, s.departments, s.counties, context.keyTerms ?? [], s.postCount, s.drill, s.openedAt,
      s.updatedAt, context.postAt ?? s.t0, context.traceId,
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
