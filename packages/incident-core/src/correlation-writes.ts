import { randomUUID } from 'node:crypto';
import { IncidentEventMessage, type Classification, type IncidentEvent, type IncidentSnapshot, type Post } from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';

type StoredPost = { post: Post; classification: Classification; traceId: string };
type SchemeMatch = { schemeId: string; department: string; matchedTerms: string[] };

/** An incident as a correlation batch writes it: the snapshot and the sets it matches on. */
export interface IncidentWrite {
  snapshot: IncidentSnapshot;
  keyTerms: Iterable<string>;
  fingerprints: Iterable<string>;
  lastPostAt: string;
  traceId: string;
  /** updated_at as read; the update applies only if the row still has it. */
  loadedUpdatedAt: string;
  /**
   * Array columns the batch left as read (most joins add no place, term or department): not sent,
   * not rebuilt. The guard on updated_at makes "as read" the row's value.
   */
  unchanged?: { keyTerms: boolean; fingerprints: boolean; counties: boolean; departments: boolean };
}

/**
 * Writes what a batch changed in incidents it read, but only where the row is as it was read:
 * `updated_at` unchanged (to the millisecond, as the reader saw it), still open, not merged.
 * Returns the ids it did not write (a duty officer's edit, merge or close came between): the
 * caller decides again. Only the columns a post can change are written; the rest are as read.
 */
export async function updateJoinedIncidents(tx: Queryable, list: readonly IncidentWrite[]): Promise<string[]> {
  if (list.length === 0) return [];
  const records = list.map(({ snapshot: s, keyTerms, fingerprints, lastPostAt, loadedUpdatedAt, unchanged: same }) => ({
    id: s.id, category: s.category, subtype: s.subtype, level: s.level, level_confidence: s.levelConfidence, t0: s.t0,
    departments: same?.departments ? null : s.departments, counties: same?.counties ? null : s.counties,
    key_terms: same?.keyTerms ? null : [...keyTerms], text_fingerprints: same?.fingerprints ? null : [...fingerprints],
    post_count: s.postCount, updated_at: s.updatedAt, last_post_at: lastPostAt, loaded_updated_at: loadedUpdatedAt,
  }));
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE incidents i SET category = r.category, subtype = r.subtype, level = r.level, level_confidence = r.level_confidence,
            t0 = r.t0, departments = COALESCE(r.departments, i.departments), counties = COALESCE(r.counties, i.counties),
            key_terms = COALESCE(r.key_terms, i.key_terms), text_fingerprints = COALESCE(r.text_fingerprints, i.text_fingerprints),
            post_count = r.post_count, updated_at = r.updated_at,
            last_post_at = GREATEST(i.last_post_at, r.last_post_at)
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, category text, subtype text, level text, level_confidence real,
            t0 timestamptz, departments text[], counties text[], key_terms text[], text_fingerprints text[],
            post_count integer, updated_at timestamptz, last_post_at timestamptz, loaded_updated_at timestamptz)
      WHERE i.id = r.id AND date_trunc('milliseconds', i.updated_at) = r.loaded_updated_at
        AND i.merged_into IS NULL AND i.status IN ('detected', 'confirmed', 'responding')
      RETURNING i.id`,
    [JSON.stringify(records)],
  );
  const written = new Set(rows.map((r) => r.id));
  return list.filter((w) => !written.has(w.snapshot.id)).map((w) => w.snapshot.id);
}

/** Incidents a batch opened. An id that exists (the same first post, split out and back) is overwritten, as before. */
export async function insertOpenedIncidents(tx: Queryable, list: ReadonlyArray<Omit<IncidentWrite, 'loadedUpdatedAt'>>): Promise<void> {
  if (list.length === 0) return;
  const records = list.map(({ snapshot: s, keyTerms, fingerprints, lastPostAt, traceId }) => ({
    id: s.id, kind: s.kind, status: s.status, title: s.title, category: s.category, subtype: s.subtype, level: s.level,
    level_confirmed: s.levelConfirmed, level_confidence: s.levelConfidence, important_opinion: s.importantOpinion,
    t0: s.t0, departments: s.departments, counties: s.counties, key_terms: [...keyTerms],
    text_fingerprints: [...fingerprints], post_count: s.postCount, drill: s.drill, opened_at: s.openedAt,
    updated_at: s.updatedAt, last_post_at: lastPostAt, trace_id: traceId,
  }));
  await tx.query(
    `INSERT INTO incidents (id, kind, status, title, category, subtype, level, level_confirmed, level_confidence,
                            important_opinion, t0, departments, counties, key_terms, text_fingerprints, post_count, drill,
                            opened_at, updated_at, last_post_at, trace_id)
     SELECT id, kind, status, title, category, subtype, level, level_confirmed, level_confidence, important_opinion, t0,
            departments, counties, key_terms, text_fingerprints, post_count, drill, opened_at, updated_at, last_post_at, trace_id
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, kind text, status text, title text, category text, subtype text,
            level text, level_confirmed boolean, level_confidence real, important_opinion boolean, t0 timestamptz,
            departments text[], counties text[], key_terms text[], text_fingerprints text[], post_count integer,
            drill boolean, opened_at timestamptz, updated_at timestamptz, last_post_at timestamptz, trace_id text)
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, title = EXCLUDED.title, category = EXCLUDED.category,
       subtype = EXCLUDED.subtype, level = EXCLUDED.level, level_confirmed = EXCLUDED.level_confirmed,
       level_confidence = EXCLUDED.level_confidence, important_opinion = EXCLUDED.important_opinion, t0 = EXCLUDED.t0,
       departments = EXCLUDED.departments, counties = EXCLUDED.counties, key_terms = EXCLUDED.key_terms,
       text_fingerprints = EXCLUDED.text_fingerprints, post_count = EXCLUDED.post_count, drill = EXCLUDED.drill,
       updated_at = EXCLUDED.updated_at, last_post_at = GREATEST(incidents.last_post_at, EXCLUDED.last_post_at)`,
    [JSON.stringify(records)],
  );
}

export async function upsertPosts(tx: Queryable, items: readonly StoredPost[]): Promise<void> {
  // One row per post id: ON CONFLICT cannot touch a row twice in one statement; the last verdict wins.
  const byId = new Map<string, StoredPost>();
  for (const item of items) byId.set(item.post.id, item);
  const records = [...byId.values()].map(({ post, classification, traceId }) => ({
    id: post.id, source_id: post.sourceId, source_kind: post.sourceKind, native_id: post.nativeId ?? null,
    url: post.url ?? null, author: post.author ?? null, title: post.title ?? null, text: post.text,
    published_at: post.publishedAt, collected_at: post.collectedAt, engagement: post.engagement ?? {},
    ...(post.raw !== undefined && { raw: post.raw }), trace_id: traceId, classification,
    classifier_version: classification.version,
  }));
  await tx.query(
    `INSERT INTO posts (id, source_id, source_kind, native_id, url, author, title, text, published_at, collected_at,
                        engagement, raw, trace_id, classification, classifier_version, classified_at)
     SELECT id, source_id, source_kind, native_id, url, author, title, text, published_at, collected_at,
            engagement, raw, trace_id, classification, classifier_version, now()
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, source_id text, source_kind text, native_id text, url text,
            author text, title text, text text, published_at timestamptz, collected_at timestamptz, engagement jsonb,
            raw jsonb, trace_id text, classification jsonb, classifier_version text)
     ON CONFLICT (id) DO UPDATE SET classification = EXCLUDED.classification,
       classifier_version = EXCLUDED.classifier_version, classified_at = now(),
       engagement = COALESCE(EXCLUDED.engagement, posts.engagement)`,
    [JSON.stringify(records)],
  );
}

export async function insertSchemeMatches(tx: Queryable, matches: ReadonlyArray<{ match: SchemeMatch; post: Post }>, at: string): Promise<void> {
  if (matches.length === 0) return;
  await tx.query(
    `INSERT INTO watch_scheme_matches (scheme_id, post_id, department, matched_terms, published_at, matched_at)
     SELECT scheme_id, post_id, department, matched_terms, published_at, $2::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS r(scheme_id text, post_id text, department text, matched_terms text[], published_at timestamptz)
     ON CONFLICT (scheme_id, post_id) DO NOTHING`,
    [
      JSON.stringify(matches.map(({ match, post }) => ({
        scheme_id: match.schemeId, post_id: post.id, department: match.department, matched_terms: match.matchedTerms, published_at: post.publishedAt,
      }))),
      at,
    ],
  );
}

/** The posts a batch linked, and one history row each, in one statement. */
export async function insertLinksAndHistory(
  tx: Queryable,
  history: ReadonlyArray<{ incident_id: string; post_id: string; action: string; reason: string; detail: unknown }>,
  at: string,
  actor: string,
): Promise<void> {
  if (history.length === 0) return;
  await tx.query(
    `WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(incident_id text, post_id text, action text, reason text, detail jsonb)),
          linked AS (INSERT INTO incident_posts (incident_id, post_id, joined_at) SELECT incident_id, post_id, $2::timestamptz FROM r)
     INSERT INTO incident_history (incident_id, at, actor, action, reason, detail)
     SELECT incident_id, $2::timestamptz, $3, action, reason, detail FROM r`,
    [JSON.stringify(history), at, actor],
  );
}

/**
 * Outbox rows for many incident events in one statement: at thousands of posts a second, one
 * INSERT per event (what `enqueueEvent` does) costs more than the correlation itself. Same rows,
 * same validation as `enqueueEvent` (edits carry a person's reason).
 */
export async function enqueueIncidentEvents(tx: Queryable, events: ReadonlyArray<{ event: IncidentEvent; traceId: string }>, occurredAt: Date): Promise<void> {
  const parsed = events.map(({ event, traceId }) => {
    const result = IncidentEventMessage.payload.safeParse(event);
    if (!result.success) throw new Error(`outbox: ${IncidentEventMessage.type} payload is invalid: ${result.error.message}`);
    return { event: result.data, traceId };
  });
  await enqueueBuiltIncidentEvents(tx, parsed, occurredAt);
}

/**
 * `enqueueIncidentEvents` without the schema pass (a third of its CPU in bench:incidents), for
 * the events correlation builds field by field from typed snapshots of posts validated when
 * consumed; the worker's integration test holds every one it wrote against the schema.
 */
export async function enqueueBuiltIncidentEvents(tx: Queryable, events: ReadonlyArray<{ event: IncidentEvent; traceId: string }>, occurredAt: Date): Promise<void> {
  if (events.length === 0) return;
  const records = events.map(({ event, traceId }) => ({ id: randomUUID(), key: event.incident.id, trace_id: traceId, payload: event }));
  await tx.query(
    `INSERT INTO outbox (id, topic, type, key, trace_id, payload, occurred_at)
     SELECT id, $2, $3, key, trace_id, payload, $4::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, key text, trace_id text, payload jsonb)`,
    [JSON.stringify(records), IncidentEventMessage.topic, IncidentEventMessage.type, occurredAt.toISOString()],
  );
}
