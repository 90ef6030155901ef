import { randomUUID } from 'node:crypto';
import { IncidentEventMessage, type Classification, type IncidentEvent, type IncidentEventKind, type IncidentSnapshot, type Post } from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';
import { correlate, incidentKindOf, repostFingerprint, type CorrelationPolicy, type OpenIncident } from './correlation';
import {
  candidateProbe,
  DEFAULT_CANDIDATE_LIMIT,
  findCandidateIds,
  loadIncidentRows,
  type CandidateProbe,
} from './correlation-candidates';
import { cachedIncidentOf, incidentLookupKeys, probeLookupKeys, recordCorrelationChange, type CachedIncident, type CorrelationCache } from './correlation-cache';
import { toIso } from './incident-repository';
import { joinIncident, openIncident } from './lifecycle';

/**
 * Correlation is serialised across instances by one transaction-scoped advisory lock, so two
 * instances can never both decide "no open incident yet" for the same event. Merges and splits
 * take it too, so a batch never joins a post to an incident being absorbed. A number no other
 * part of the product uses.
 */
export const CORRELATION_LOCK = 7_420_001;

/** A classified post as it arrived, with the message that carried it. */
export interface ClassifiedPost {
  messageId: string;
  traceId: string;
  post: Post;
  classification: Classification;
}

/** A watch scheme that matched a post: where it routes the post, and why. */
export interface RoutedMatch {
  schemeId: string;
  department: string;
  matchedTerms: string[];
}

export type CorrelationOutcome =
  | { outcome: 'duplicate' }
  | { outcome: 'stored' }
  | { outcome: 'already-linked'; incidentId: string }
  | { outcome: 'opened' | 'joined'; incidentId: string; because: string };

export interface CorrelatePostsOptions {
  policy: CorrelationPolicy;
  now: Date;
  /** The consumer name under which message ids are remembered (redeliveries change nothing). */
  consumer: string;
  /** Who the history says acted: `system:incidents`. */
  actor: string;
  /** Watch-scheme routing of a post (the compiled schemes); the matched departments join the incident. */
  route?: (post: Post, classification: Classification) => RoutedMatch[];
  candidateLimit?: number;
  /** This instance's open incidents between batches (see correlation-cache.ts); without it every batch queries candidates. */
  cache?: CorrelationCache;
}

/** An incident changed while the batch was deciding (a duty officer's edit): redo the batch. */
export class CorrelationConflictError extends Error {
  constructor(readonly incidentIds: string[]) {
    super(`incidents changed during correlation: ${incidentIds.slice(0, 5).join(', ')}; retry`);
    this.name = 'CorrelationConflictError';
  }
}

/** One incident as the batch sees it: loaded under the lock, changed in memory, written once. */
interface Working {
  snapshot: IncidentSnapshot;
  open: OpenIncident;
  /** updated_at as loaded; null for an incident this batch opened. */
  loadedUpdatedAt: string | null;
  t0SetByPerson: boolean;
  keyTerms: Set<string>;
  fingerprints: Set<string>;
  events: IncidentEventKind[];
  postIds: string[];
  because: string;
  traceId: string;
}

/**
 * Stores a batch of classified posts and puts each flagged one in exactly one incident, in the
 * caller's transaction: a few statements per batch instead of a dozen per post. The posts are
 * decided in order, each seeing what the earlier ones of the batch did, so the result is the
 * one a post-by-post run would give.
 *
 * Nothing is cached between batches: every batch reads the open incidents it needs after taking
 * the correlation lock, so several instances (or the API's edits) can never leave one deciding
 * on a stale picture. An incident a duty officer edited between the read and the write is
 * detected (its `updated_at` moved) and the batch fails with `CorrelationConflictError`.
 */
export async function correlatePostsInTx(tx: Queryable, items: readonly ClassifiedPost[], options: CorrelatePostsOptions): Promise<CorrelationOutcome[]> {
  const outcomes: CorrelationOutcome[] = items.map(() => ({ outcome: 'duplicate' }));
  if (items.length === 0) return outcomes;
  const { policy, now } = options;
  const at = now.toISOString();
  if (items.some((i) => incidentKindOf(i.classification))) await tx.query('SELECT pg_advisory_xact_lock($1)', [CORRELATION_LOCK]);

  // Redeliveries: a message id seen before (or twice in this batch) changes nothing.
  const { rows: marked } = await tx.query<{ message_id: string }>(
    `INSERT INTO processed_messages (consumer, message_id) SELECT $1, unnest($2::text[])
     ON CONFLICT (consumer, message_id) DO NOTHING RETURNING message_id`,
    [options.consumer, items.map((i) => i.messageId)],
  );
  const fresh = new Set(marked.map((r) => r.message_id));
  const todo: number[] = [];
  items.forEach((item, index) => {
    if (fresh.delete(item.messageId)) todo.push(index);
  });
  if (todo.length === 0) return outcomes;

  await upsertPosts(tx, todo.map((i) => items[i]!));

  // Routing: schemes' departments are added to the post's own before it joins an incident.
  const classifications = new Map<number, Classification>();
  const matches: Array<{ match: RoutedMatch; post: Post }> = [];
  for (const index of todo) {
    const { post, classification } = items[index]!;
    const routed = options.route?.(post, classification) ?? [];
    for (const match of routed) matches.push({ match, post });
    classifications.set(index, routed.length === 0 ? classification : {
      ...classification,
      departments: union(classification.departments, routed.map((m) => m.department)),
    });
  }
  await insertSchemeMatches(tx, matches, at);

  const flagged = todo.filter((i) => incidentKindOf(items[i]!.classification));
  const flaggedSet = new Set(flagged);
  for (const i of todo) if (!flaggedSet.has(i)) outcomes[i] = { outcome: 'stored' };
  if (flagged.length === 0) return outcomes;

  const { rows: links } = await tx.query<{ post_id: string; incident_id: string }>(
    `SELECT post_id, incident_id FROM incident_posts WHERE post_id = ANY($1)`,
    [flagged.map((i) => items[i]!.post.id)],
  );
  const linked = new Map(links.map((r) => [r.post_id, r.incident_id]));

  const probes = new Map<number, CandidateProbe>();
  for (const index of flagged) {
    if (linked.has(items[index]!.post.id)) continue;
    const probe = candidateProbe(index, items[index]!.post, items[index]!.classification, policy);
    if (probe) probes.set(index, probe);
  }
  const cache = options.cache;
  let candidatesOf: (index: number) => CachedIncident[];
  if (cache) {
    const earliest = [...probes.values()].reduce((min, p) => (p.since < min ? p.since : min), '9999');
    await cache.sync(tx, earliest === '9999' ? at : earliest);
    candidatesOf = (index) => {
      const probe = probes.get(index);
      return probe ? cache.candidates(probe) : [];
    };
  } else {
    const ids = await findCandidateIds(tx, [...probes.values()], options.candidateLimit ?? DEFAULT_CANDIDATE_LIMIT);
    const loaded = new Map((await loadIncidentRows(tx, [...new Set([...ids.values()].flat())])).map((r) => [r.id, cachedIncidentOf(r)]));
    candidatesOf = (index) => (ids.get(index) ?? []).map((id) => loaded.get(id)!).filter(Boolean);
  }

  // Decided in memory; redone with fresh rows when a duty officer edited a chosen incident meanwhile.
  let decided = decideBatch(items, flagged, classifications, linked, candidatesOf, probes, options);
  for (let attempt = 1; ; attempt++) {
    const conflicts = await changedSinceRead(tx, [...decided.touched].filter((w) => w.loadedUpdatedAt !== null));
    if (conflicts.length === 0) break;
    if (!cache || attempt >= 3) throw new CorrelationConflictError(conflicts);
    await cache.reload(tx, conflicts);
    decided = decideBatch(items, flagged, classifications, linked, candidatesOf, probes, options);
  }
  const { touched, history } = decided;
  decided.outcomes.forEach((o, i) => {
    if (o) outcomes[i] = o;
  });
  if (touched.size === 0) return outcomes;

  await writeIncidents(tx, [...touched]);
  await tx.query(
    `INSERT INTO incident_posts (incident_id, post_id, joined_at)
     SELECT incident_id, post_id, $2::timestamptz FROM jsonb_to_recordset($1::jsonb) AS r(incident_id text, post_id text)`,
    [JSON.stringify(history.map((h) => ({ incident_id: h.incident_id, post_id: h.post_id }))), at],
  );
  await tx.query(
    `INSERT INTO incident_history (incident_id, at, actor, action, reason, detail)
     SELECT incident_id, $2::timestamptz, $3, action, reason, detail
       FROM jsonb_to_recordset($1::jsonb) AS r(incident_id text, action text, reason text, detail jsonb)`,
    [JSON.stringify(history), at, options.actor],
  );
  await enqueueIncidentEvents(tx, [...touched].map((w) => eventsOf(w, options.actor)).flat(), now);
  const epoch = await recordCorrelationChange(tx, [...touched].map((w) => w.snapshot.id));
  cache?.stage([...touched].map((w) => ({
    snapshot: w.snapshot,
    open: w.open,
    updatedAt: w.snapshot.updatedAt,
    t0SetByPerson: w.t0SetByPerson,
    keyTerms: w.keyTerms,
    fingerprints: w.fingerprints,
  })), epoch);
  return outcomes;
}

type History = { incident_id: string; action: string; reason: string; detail: unknown; post_id: string };

/**
 * The decisions of a batch, post by post in order, each seeing what the earlier ones did. Pure
 * but for reading the candidates: copies what it changes, so it can be redone.
 */
function decideBatch(
  items: readonly ClassifiedPost[],
  flagged: readonly number[],
  classifications: ReadonlyMap<number, Classification>,
  linkedBefore: ReadonlyMap<string, string>,
  candidatesOf: (index: number) => CachedIncident[],
  probes: ReadonlyMap<number, CandidateProbe>,
  options: CorrelatePostsOptions,
): { touched: Set<Working>; history: History[]; outcomes: Map<number, CorrelationOutcome> } {
  const { policy, now } = options;
  const linked = new Map(linkedBefore);
  const working = new Map<string, Working>();
  /** Incidents this batch opened or joined: candidates of every later post, whatever the lookup said. */
  const touched = new Set<Working>();
  const history: History[] = [];
  const outcomes = new Map<number, CorrelationOutcome>();
  // The incidents this batch touched, by the same lookup keys as the cache: a post compares
  // itself with those it could join, not with every incident the batch touched.
  const touchedIndex = new Map<string, Set<Working>>();
  const indexTouched = (w: Working) => {
    for (const key of incidentLookupKeys(w.snapshot.kind, w.open.subtype, w.open.counties, w.fingerprints, w.keyTerms, policy.localityPattern)) {
      let set = touchedIndex.get(key);
      if (!set) touchedIndex.set(key, (set = new Set()));
      set.add(w);
    }
  };
  for (const index of flagged) {
    const { post, traceId } = items[index]!;
    const classification = classifications.get(index)!;
    const already = linked.get(post.id);
    if (already) {
      outcomes.set(index, { outcome: 'already-linked', incidentId: already });
      continue;
    }
    const found = candidatesOf(index);
    const candidates: OpenIncident[] = [];
    const byId = new Map<string, CachedIncident>();
    for (const c of found) {
      if (working.has(c.snapshot.id)) continue;
      candidates.push(c.open);
      byId.set(c.snapshot.id, c);
    }
    const probe = probes.get(index);
    if (probe) {
      const near = new Set<Working>();
      for (const key of probeLookupKeys(probe, policy.localityPattern)) for (const w of touchedIndex.get(key) ?? []) near.add(w);
      for (const w of near) candidates.push(w.open);
    }
    const decision = correlate(post, classification, candidates, policy);
    const fingerprint = repostFingerprint(post.text, policy.fingerprintMinChars);
    let w: Working | undefined;
    let kinds: IncidentEventKind[];
    if (decision.action === 'join') {
      w = working.get(decision.incidentId);
      const cached = byId.get(decision.incidentId);
      if (!w && cached) {
        w = {
          snapshot: cached.snapshot,
          open: { ...cached.open },
          loadedUpdatedAt: cached.updatedAt,
          t0SetByPerson: cached.t0SetByPerson,
          keyTerms: new Set(cached.keyTerms),
          fingerprints: new Set(cached.fingerprints),
          events: [],
          postIds: [],
          because: '',
          traceId: '',
        };
        working.set(decision.incidentId, w);
      }
    }
    if (w) {
      const change = joinIncident(w.snapshot, post, classification, now, w.t0SetByPerson);
      w.snapshot = change.snapshot;
      kinds = change.events;
      for (const t of classification.keyTerms) w.keyTerms.add(t);
      if (Date.parse(post.publishedAt) > Date.parse(w.open.lastPostAt)) w.open.lastPostAt = new Date(post.publishedAt).toISOString();
    } else {
      const change = openIncident(decision.incidentId, post, classification, now);
      kinds = change.events;
      w = {
        snapshot: change.snapshot,
        open: {
          id: decision.incidentId,
          kind: change.snapshot.kind,
          subtype: change.snapshot.subtype,
          category: change.snapshot.category,
          counties: [],
          keyTerms: [],
          lastPostAt: new Date(post.publishedAt).toISOString(),
        },
        loadedUpdatedAt: null,
        t0SetByPerson: false,
        keyTerms: new Set(classification.keyTerms),
        fingerprints: new Set(),
        events: [],
        postIds: [],
        because: '',
        traceId,
      };
      working.set(decision.incidentId, w);
    }
    if (fingerprint) w.fingerprints.add(fingerprint);
    // The matching view follows the snapshot: places, terms and fingerprints only grow.
    w.open.counties = w.snapshot.counties;
    w.open.subtype = w.snapshot.subtype;
    w.open.category = w.snapshot.category;
    w.open.keyTerms = [...w.keyTerms];
    w.open.fingerprints = [...w.fingerprints];
    for (const k of kinds) if (!w.events.includes(k)) w.events.push(k);
    w.postIds.push(post.id);
    w.because = decision.because;
    w.traceId ||= traceId;
    touched.add(w);
    indexTouched(w);
    linked.set(post.id, w.snapshot.id);
    outcomes.set(index, { outcome: decision.action === 'join' ? 'joined' : 'opened', incidentId: w.snapshot.id, because: decision.because });
    history.push({
      incident_id: w.snapshot.id,
      action: kinds.join(','),
      reason: decision.because,
      post_id: post.id,
      detail: { postId: post.id, level: w.snapshot.level, status: w.snapshot.status, t0: w.snapshot.t0, traceId },
    });
  }
  return { touched, history, outcomes };
}

/**
 * One event per kind per incident for the whole batch, carrying the final snapshot: consumers
 * (the SLA timer, the console) act on the state, and no one could observe the states between.
 * An incident opened in the batch says only `opened`: its snapshot already has the rest.
 */
function eventsOf(w: Working, actor: string): Array<{ event: IncidentEvent; traceId: string }> {
  const kinds: IncidentEventKind[] = w.loadedUpdatedAt === null ? ['opened'] : w.events.filter((k) => k !== 'opened');
  const last = w.postIds[w.postIds.length - 1]!;
  return kinds.map((kind) => ({
    traceId: w.traceId,
    event: { kind, incident: w.snapshot, actor, reason: w.because, postId: last, postIds: [...w.postIds] },
  }));
}

/** Incidents among these whose row moved since it was read (edited, merged, closed): locks the rest. */
async function changedSinceRead(tx: Queryable, joined: readonly Working[]): Promise<string[]> {
  if (joined.length === 0) return [];
  const current = await tx.query<{ id: string; updated_at: unknown; status: string; merged_into: string | null }>(
    `SELECT id, updated_at, status, merged_into FROM incidents WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
    [joined.map((w) => w.snapshot.id)],
  );
  const byId = new Map(current.rows.map((r) => [r.id, r]));
  return joined
    .filter((w) => {
      const row = byId.get(w.snapshot.id);
      return !row || toIso(row.updated_at) !== w.loadedUpdatedAt || row.merged_into !== null || !['detected', 'confirmed', 'responding'].includes(row.status);
    })
    .map((w) => w.snapshot.id);
}

async function writeIncidents(tx: Queryable, list: readonly Working[]): Promise<void> {
  const records = list.map((w) => {
    const s = w.snapshot;
    return {
      id: s.id, kind: s.kind, status: s.status, title: s.title, category: s.category, subtype: s.subtype, level: s.level,
      level_confirmed: s.levelConfirmed, level_confidence: s.levelConfidence, important_opinion: s.importantOpinion,
      t0: s.t0, departments: s.departments, counties: s.counties, key_terms: [...w.keyTerms],
      text_fingerprints: [...w.fingerprints], post_count: s.postCount, drill: s.drill, opened_at: s.openedAt,
      updated_at: s.updatedAt, last_post_at: w.open.lastPostAt, trace_id: w.traceId,
    };
  });
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

async function upsertPosts(tx: Queryable, items: readonly ClassifiedPost[]): Promise<void> {
  // One row per post id: ON CONFLICT cannot touch a row twice in one statement; the last verdict wins.
  const byId = new Map<string, ClassifiedPost>();
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

async function insertSchemeMatches(tx: Queryable, matches: ReadonlyArray<{ match: RoutedMatch; post: Post }>, at: string): Promise<void> {
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

/**
 * Outbox rows for many incident events in one statement: at thousands of posts a second, one
 * INSERT per event (what `enqueueEvent` does) costs more than the correlation itself. Same rows,
 * same validation as `enqueueEvent`.
 */
export async function enqueueIncidentEvents(tx: Queryable, events: ReadonlyArray<{ event: IncidentEvent; traceId: string }>, occurredAt: Date): Promise<void> {
  if (events.length === 0) return;
  const records = events.map(({ event, traceId }) => {
    const parsed = IncidentEventMessage.payload.safeParse(event);
    if (!parsed.success) throw new Error(`outbox: ${IncidentEventMessage.type} payload is invalid: ${parsed.error.message}`);
    return { id: randomUUID(), key: event.incident.id, trace_id: traceId, payload: parsed.data };
  });
  await tx.query(
    `INSERT INTO outbox (id, topic, type, key, trace_id, payload, occurred_at)
     SELECT id, $2, $3, key, trace_id, payload, $4::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, key text, trace_id text, payload jsonb)`,
    [JSON.stringify(records), IncidentEventMessage.topic, IncidentEventMessage.type, occurredAt.toISOString()],
  );
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
