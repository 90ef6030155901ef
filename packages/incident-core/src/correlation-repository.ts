import type { Classification, IncidentEvent, IncidentEventKind, IncidentSnapshot, Post } from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';
import { addFingerprint, boundedFingerprints, correlateAmong, incidentKindOf, openIncidentView, repostFingerprint, type CorrelationPolicy, type OpenIncident } from './correlation';
import {
  candidateProbe,
  DEFAULT_CANDIDATE_LIMIT,
  findCandidateIds,
  loadIncidentRows,
  type CandidateProbe,
} from './correlation-candidates';
import {
  cachedIncidentOf,
  fingerprintLookupKeys,
  incidentLookupKeys,
  probeLookupKeys,
  recordCorrelationChange,
  type CachedIncident,
  type CorrelationCache,
} from './correlation-cache';
import {
  enqueueBuiltIncidentEvents,
  insertLinksAndHistory,
  insertOpenedIncidents,
  insertSchemeMatches,
  updateJoinedIncidents,
  upsertPosts,
} from './correlation-writes';
import { joinIncident, openIncident } from './lifecycle';

export { enqueueIncidentEvents } from './correlation-writes';

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
  /** For a joined incident: what it was as read, to write only the arrays that changed. */
  loaded?: { snapshot: IncidentSnapshot; subtype: string | null; keyTerms: number; fingerprintsChanged: boolean };
}

/**
 * Stores a batch of classified posts and puts each flagged one in exactly one incident, in the
 * caller's transaction: a few statements per batch instead of a dozen per post. The posts are
 * decided in order, each seeing what the earlier ones of the batch did, so the result is the
 * one a post-by-post run would give.
 *
 * The open incidents come from the cache (brought up to date under the correlation lock, see
 * correlation-cache.ts) or, without one, are read after taking the lock, so several instances
 * (or the API's edits) can never leave one deciding on a stale picture. An incident a duty
 * officer edited between the read and the write is detected (its `updated_at` moved, so the
 * guarded update skips it): with a cache the batch re-reads it and decides again, without one it
 * fails with `CorrelationConflictError`.
 *
 * Statements that nothing in between waits for are sent without waiting: the connection runs
 * them in order while the next one is built, and the decisions are made while the server stores
 * the posts.
 */
export async function correlatePostsInTx(tx: Queryable, items: readonly ClassifiedPost[], options: CorrelatePostsOptions): Promise<CorrelationOutcome[]> {
  const sent = new InFlight(tx);
  try {
    return await correlateBatch(sent, items, options);
  } catch (error) {
    // Let what was sent finish (failing, once the transaction aborted) before the caller rolls back.
    await Promise.allSettled(sent.pending);
    throw error;
  }
}

async function correlateBatch(sent: InFlight, items: readonly ClassifiedPost[], options: CorrelatePostsOptions): Promise<CorrelationOutcome[]> {
  const outcomes: CorrelationOutcome[] = items.map(() => ({ outcome: 'duplicate' }));
  if (items.length === 0) return outcomes;
  const { policy, now } = options;
  const at = now.toISOString();
  const incidentPosts = items.flatMap((item, index) => (incidentKindOf(item.classification) ? [index] : []));
  if (incidentPosts.length > 0) void sent.query('SELECT pg_advisory_xact_lock($1)', [CORRELATION_LOCK]);

  // Redeliveries: a message id seen before (or twice in this batch) changes nothing.
  const marking = sent.query<{ message_id: string }>(
    `INSERT INTO processed_messages (consumer, message_id) SELECT $1, unnest($2::text[])
     ON CONFLICT (consumer, message_id) DO NOTHING RETURNING message_id`,
    [options.consumer, items.map((i) => i.messageId)],
  );

  // What deciding needs is worked out, and read, for every flagged post while the server takes
  // the lock and marks the messages (a redelivered one only costs its share of the work).
  const fingerprints = new Map<number, { fingerprint: string | null }>();
  const probes = new Map<number, CandidateProbe>();
  for (const index of incidentPosts) {
    const known = { fingerprint: repostFingerprint(items[index]!.post.text, policy.fingerprintMinChars) };
    fingerprints.set(index, known);
    const probe = candidateProbe(index, items[index]!.post, items[index]!.classification, policy, known);
    if (probe) probes.set(index, probe);
  }
  const probeKeys = new Map([...probes].map(([index, probe]) => [index, probeLookupKeys(probe, policy.localityPattern)]));
  const links = incidentPosts.length === 0 ? undefined : sent.query<{ post_id: string; incident_id: string }>(
    `SELECT post_id, incident_id FROM incident_posts WHERE post_id = ANY($1)`,
    [incidentPosts.map((i) => items[i]!.post.id)],
  );
  const cache = options.cache;
  /** A post's candidates, their `packMatch` data pushed onto `packed` at the same positions. */
  let candidatesOf: ((index: number, packed: Array<readonly number[] | undefined>) => CachedIncident[]) | undefined;
  const reading = incidentPosts.length === 0 ? undefined : sent.add((async () => {
    if (cache) {
      const earliest = [...probes.values()].reduce((min, p) => (p.since < min ? p.since : min), '9999');
      await cache.sync(sent, earliest === '9999' ? at : earliest);
      candidatesOf = (index, packed) => {
        const probe = probes.get(index);
        return probe ? cache.candidates(probe, probeKeys.get(index), packed) : [];
      };
    } else {
      const ids = await findCandidateIds(sent, [...probes.values()], options.candidateLimit ?? DEFAULT_CANDIDATE_LIMIT);
      const loaded = new Map((await loadIncidentRows(sent, [...new Set([...ids.values()].flat())])).map((r) => [r.id, cachedIncidentOf(r)]));
      candidatesOf = (index, packed) => {
        const found = (ids.get(index) ?? []).map((id) => loaded.get(id)!).filter(Boolean);
        for (const _ of found) packed.push(undefined);
        return found;
      };
    }
  })());

  const { rows: marked } = await marking;
  const fresh = new Set(marked.map((r) => r.message_id));
  const todo: number[] = [];
  items.forEach((item, index) => {
    if (fresh.delete(item.messageId)) todo.push(index);
  });
  if (todo.length === 0) return sent.settled(outcomes);

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

  const flagged = todo.filter((i) => fingerprints.has(i));
  const flaggedSet = new Set(flagged);
  for (const i of todo) if (!flaggedSet.has(i)) outcomes[i] = { outcome: 'stored' };

  // The posts are stored behind the reads, while the batch decides.
  sent.add(upsertPosts(sent, todo.map((i) => items[i]!)));
  sent.add(insertSchemeMatches(sent, matches, at));
  if (flagged.length === 0) return sent.settled(outcomes);

  const linked = new Map((await links!).rows.map((r) => [r.post_id, r.incident_id]));
  await reading;
  const decide = () => decideBatch(items, flagged, classifications, fingerprints, linked, candidatesOf!, probeKeys, options, cache);

  // Decided in memory, written at once: the guarded update of the incidents it joined, then the
  // links, history, events and change log behind it without waiting for its answer. When a duty
  // officer edited a chosen incident meanwhile, the update skips it: everything after the
  // savepoint is rolled back, and the batch is decided again on fresh rows.
  let decided = decide();
  let epoch = -1;
  for (let attempt = 1; decided.touched.size > 0; attempt++) {
    const list = [...decided.touched];
    const joined = list.filter((w) => w.loadedUpdatedAt !== null);
    const retryable = cache !== undefined && attempt < 3 && joined.length > 0;
    if (retryable) void sent.query('SAVEPOINT correlation_write');
    const guarded = updateJoinedIncidents(sent, joined.map((w) => writeOf(w, w.loadedUpdatedAt!)));
    const writes: Array<Promise<unknown>> = [
      guarded,
      insertOpenedIncidents(sent, list.filter((w) => w.loadedUpdatedAt === null).map((w) => writeOf(w, ''))),
      insertLinksAndHistory(sent, decided.history, at, options.actor),
      enqueueBuiltIncidentEvents(sent, list.map((w) => eventsOf(w, options.actor)).flat(), now),
    ];
    const logged = recordCorrelationChange(sent, list.map((w) => w.snapshot.id));
    for (const w of writes) sent.add(w);
    sent.add(logged);
    const conflicts = await guarded;
    if (conflicts.length === 0) {
      epoch = await logged;
      break;
    }
    if (!retryable) throw new CorrelationConflictError(conflicts);
    await Promise.all(writes);
    await logged;
    await sent.query('ROLLBACK TO SAVEPOINT correlation_write');
    await cache.reload(sent, conflicts);
    decided = decide();
  }
  const { touched } = decided;
  decided.outcomes.forEach((o, i) => {
    if (o) outcomes[i] = o;
  });
  if (touched.size === 0) return sent.settled(outcomes);
  await sent.settled();
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

function writeOf(w: Working, loadedUpdatedAt: string) {
  const loaded = w.loaded;
  return {
    snapshot: w.snapshot, keyTerms: w.keyTerms, fingerprints: w.fingerprints, lastPostAt: w.open.lastPostAt, traceId: w.traceId, loadedUpdatedAt,
    // Places and departments only grow, by a new array (see lifecycle's union): the same array is the same value.
    ...(loaded && {
      unchanged: {
        keyTerms: w.keyTerms.size === loaded.keyTerms,
        fingerprints: !loaded.fingerprintsChanged,
        counties: w.snapshot.counties === loaded.snapshot.counties,
        departments: w.snapshot.departments === loaded.snapshot.departments,
      },
    }),
  };
}

/**
 * The transaction's statements, sent one after the other in call order (a connection runs one
 * at a time, and pg 9 refuses a query while another runs), without the caller waiting for each:
 * it builds the next one, or decides, meanwhile. Every statement gets a handler at once, so a
 * failure is not reported as unhandled while an earlier one is awaited; `settled` waits for all
 * and throws the first failure.
 */
class InFlight implements Queryable {
  private last: Promise<unknown> = Promise.resolve();
  readonly pending: Array<Promise<unknown>> = [];
  constructor(private readonly tx: Queryable) {}
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }> {
    const run = () => this.tx.query<T>(sql, params);
    const result = this.last.then(run, run);
    this.last = result;
    return this.add(result);
  }
  add<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => undefined);
    this.pending.push(promise);
    return promise;
  }
  async settled(): Promise<void>;
  async settled<T>(value: T): Promise<T>;
  async settled<T>(value?: T): Promise<T | undefined> {
    // allSettled first: nothing may still run on the connection when the caller commits or rolls back.
    const results = await Promise.allSettled(this.pending);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return value;
  }
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
  fingerprints: ReadonlyMap<number, { fingerprint: string | null }>,
  linkedBefore: ReadonlyMap<string, string>,
  candidatesOf: (index: number, packed: Array<readonly number[] | undefined>) => CachedIncident[],
  probeKeys: ReadonlyMap<number, readonly string[]>,
  options: CorrelatePostsOptions,
  cache?: CorrelationCache,
): { touched: Set<Working>; history: History[]; outcomes: Map<number, CorrelationOutcome> } {
  const { policy, now } = options;
  const linked = new Map(linkedBefore);
  const working = new Map<string, Working>();
  /** The cached entries of incidents in `working` (and their packed data), and the ids this batch opened. */
  const shadowed = new Set<CachedIncident>();
  const shadowedPacked = new Set<readonly number[]>();
  const shadow = (entry: CachedIncident, packed: readonly number[] | undefined) => {
    shadowed.add(entry);
    if (packed) shadowedPacked.add(packed);
  };
  const opened = new Set<string>();
  /** Incidents this batch opened or joined: candidates of every later post, whatever the lookup said. */
  const touched = new Set<Working>();
  const history: History[] = [];
  const outcomes = new Map<number, CorrelationOutcome>();
  // The incidents this batch touched, by the same lookup keys as the cache: a post compares
  // itself with those it could join, not with every incident the batch touched.
  const touchedIndex = new Map<string, Working[]>();
  /** Per incident, what its keys in the index were computed from. */
  const indexedShape = new Map<Working, { subtype: string | null; counties: readonly string[]; terms: number }>();
  // Lists, not sets: an incident listed twice under a key (indexed again after its places grew)
  // is found once all the same (`near` below is a set), at its first place, as a set would keep it.
  const addToIndex = (w: Working, keys: Iterable<string>) => {
    for (const key of keys) {
      const list = touchedIndex.get(key);
      if (!list) touchedIndex.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  };
  const indexTouched = (w: Working, newFingerprint: string | null) => {
    const done = indexedShape.get(w);
    const shape: { subtype: string | null; counties: readonly string[]; terms: number } = { subtype: w.open.subtype, counties: w.open.counties, terms: w.keyTerms.size };
    const same = (s: typeof shape) => s.subtype === shape.subtype && s.counties === shape.counties && s.terms === shape.terms;
    indexedShape.set(w, shape);
    // Places and terms unchanged (counties is the same array when a join added none): only the
    // post's fingerprint can have added keys. The index may keep a key whose fingerprint the
    // bound dropped: it only finds a candidate more, which `correlate` judges.
    if (done && same(done)) {
      if (newFingerprint !== null) addToIndex(w, fingerprintLookupKeys(w.snapshot.kind, w.open.subtype, newFingerprint));
      return;
    }
    // Joined as the cache has it: its keys there (strings the index already hashed), and the new fingerprint's.
    const cachedKeys = !done && w.loaded ? cache?.lookupKeysOf(w.snapshot.id) : undefined;
    if (cachedKeys && w.loaded && same({ subtype: w.loaded.subtype, counties: w.loaded.snapshot.counties, terms: w.loaded.keyTerms })) {
      addToIndex(w, cachedKeys);
      if (newFingerprint !== null) addToIndex(w, fingerprintLookupKeys(w.snapshot.kind, w.open.subtype, newFingerprint));
      return;
    }
    addToIndex(w, incidentLookupKeys(w.snapshot.kind, w.open.subtype, w.open.counties, w.fingerprints, w.keyTerms, policy.localityPattern));
  };
  for (const index of flagged) {
    const { post, traceId } = items[index]!;
    const classification = classifications.get(index)!;
    const already = linked.get(post.id);
    if (already) {
      outcomes.set(index, { outcome: 'already-linked', incidentId: already });
      continue;
    }
    const packedFound: Array<readonly number[] | undefined> = [];
    const found = candidatesOf(index, packedFound);
    // The cached ones first, but not those this batch changed (their working copies come next):
    // told by their packed data or entry, since reading each one's id would cost a visit to
    // memory per candidate (see packMatch).
    const candidates: Array<{ open: OpenIncident }> = [];
    const packed: Array<readonly number[] | undefined> = [];
    for (let k = 0; k < found.length; k++) {
      const c = found[k]!;
      const m = packedFound[k];
      if (m !== undefined ? shadowedPacked.has(m) : shadowed.has(c)) continue;
      if (!cache && opened.size > 0 && opened.has(c.snapshot.id)) continue;
      candidates.push(c);
      packed.push(m);
    }
    const cachedCount = candidates.length;
    const keys = probeKeys.get(index);
    if (keys) {
      const near = new Set<Working>();
      for (const key of keys) for (const w of touchedIndex.get(key) ?? []) near.add(w);
      for (const w of near) {
        candidates.push(w);
        packed.push(undefined);
      }
    }
    const known = fingerprints.get(index)!;
    const { decision, winner } = correlateAmong(post, classification, candidates, openOf, policy, {
      fingerprint: known.fingerprint,
      packed: cache && { vocabulary: cache.vocabulary, packed },
    });
    const fingerprint = known.fingerprint;
    let w: Working | undefined;
    let kinds: IncidentEventKind[];
    if (decision.action === 'join') {
      w = working.get(decision.incidentId);
      const cached = w || winner >= cachedCount ? undefined : (candidates[winner] as CachedIncident);
      if (!w && cached) {
        w = {
          snapshot: cached.snapshot,
          open: openIncidentView(cached.open),
          loadedUpdatedAt: cached.updatedAt,
          t0SetByPerson: cached.t0SetByPerson,
          keyTerms: new Set(cached.keyTerms),
          // A row written before the bound is brought within it by its next join.
          fingerprints: new Set(cached.fingerprints.size > policy.maxFingerprints ? boundedFingerprints(cached.fingerprints, policy.maxFingerprints) : cached.fingerprints),
          events: [],
          postIds: [],
          because: '',
          traceId: '',
          loaded: { snapshot: cached.snapshot, subtype: cached.open.subtype, keyTerms: cached.keyTerms.size, fingerprintsChanged: cached.fingerprints.size > policy.maxFingerprints },
        };
        working.set(decision.incidentId, w);
        shadow(cached, packed[winner]);
      }
    }
    let termsBefore = -1;
    if (w) {
      const change = joinIncident(w.snapshot, post, classification, now, w.t0SetByPerson);
      w.snapshot = change.snapshot;
      kinds = change.events;
      termsBefore = w.keyTerms.size;
      for (const t of classification.keyTerms) w.keyTerms.add(t);
      if (Date.parse(post.publishedAt) > Date.parse(w.open.lastPostAt)) w.open.lastPostAt = new Date(post.publishedAt).toISOString();
    } else {
      const change = openIncident(decision.incidentId, post, classification, now);
      kinds = change.events;
      w = {
        snapshot: change.snapshot,
        open: openIncidentView({
          id: decision.incidentId,
          kind: change.snapshot.kind,
          subtype: change.snapshot.subtype,
          category: change.snapshot.category,
          counties: [],
          keyTerms: [],
          lastPostAt: new Date(post.publishedAt).toISOString(),
        }),
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
      opened.add(decision.incidentId);
      // The same id cached (the same first post, split out and back): the new one replaces it.
      const slot = cache?.slotOf(decision.incidentId);
      if (slot) shadow(slot.entry, slot.packed);
    }
    const fingerprintAdded = fingerprint !== null && addFingerprint(w.fingerprints, fingerprint, policy.maxFingerprints);
    if (fingerprintAdded && w.loaded) w.loaded.fingerprintsChanged = true;
    // The matching view follows the snapshot: places and terms only grow, fingerprints within the bound.
    w.open.counties = w.snapshot.counties;
    w.open.subtype = w.snapshot.subtype;
    w.open.category = w.snapshot.category;
    if (w.keyTerms.size !== termsBefore) w.open.keyTerms = [...w.keyTerms];
    if (fingerprintAdded || w.open.fingerprints?.length !== w.fingerprints.size) w.open.fingerprints = [...w.fingerprints];
    for (const k of kinds) if (!w.events.includes(k)) w.events.push(k);
    w.postIds.push(post.id);
    w.because = decision.because;
    w.traceId ||= traceId;
    touched.add(w);
    indexTouched(w, fingerprintAdded ? fingerprint : null);
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

const openOf = (candidate: { open: OpenIncident }): OpenIncident => candidate.open;

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

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
