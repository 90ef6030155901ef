import type { IncidentSnapshot } from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';
import { defaultCorrelationPolicy, MatchVocabulary, packMatch, type OpenIncident } from './correlation';
import type { CandidateProbe } from './correlation-candidates';
import { openIncidentOf, type CorrelationRow } from './correlation-candidates';
import { INCIDENT_COLUMNS, snapshotOf, toIso } from './incident-repository';

/** One open incident as correlation keeps it: the snapshot and the sets it matches on. */
export interface CachedIncident {
  snapshot: IncidentSnapshot;
  open: OpenIncident;
  /** updated_at as read: the write checks it did not move (a duty officer's edit). */
  updatedAt: string;
  t0SetByPerson: boolean;
  keyTerms: Set<string>;
  fingerprints: Set<string>;
}

export function cachedIncidentOf(row: CorrelationRow): CachedIncident {
  return {
    snapshot: snapshotOf(row),
    open: openIncidentOf(row),
    updatedAt: toIso(row.updated_at),
    t0SetByPerson: row.t0_set_by_person,
    keyTerms: new Set(row.key_terms),
    fingerprints: new Set(row.text_fingerprints),
  };
}

/**
 * Lock holders (correlation batches, merges, splits, t0 corrections) bump the epoch and list the
 * incidents they changed, in their transaction. Serialised by the lock, epochs are in commit
 * order, so an instance holding the lock reads exactly what changed since its last batch.
 */
export async function recordCorrelationChange(tx: Queryable, incidentIds: readonly string[]): Promise<number> {
  const { rows } = await tx.query<{ epoch: unknown }>(
    `WITH bumped AS (UPDATE correlation_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch),
          logged AS (INSERT INTO correlation_changes (epoch, incident_id) SELECT bumped.epoch, unnest($1::text[]) FROM bumped)
     SELECT epoch FROM bumped`,
    [[...new Set(incidentIds)]],
  );
  return Number(rows[0]!.epoch);
}

/**
 * Keys an incident is found by, shaped by `correlate`'s vetoes so a post is compared with few
 * incidents: a post naming a locality (town, village) can only join an incident sharing it or
 * naming none (`l`, and `cn`: county of an incident without localities); a post naming a county
 * can only join one sharing it or naming none (`c`, `t`: terms of an incident without counties).
 * `*` keys serve posts without a subtype (and rumours), subtype keys the rest; `-` is an incident
 * without a subtype, which any subtype may join. A post naming no place looks its terms up among
 * all (`a`). Fingerprints (`f`) find copies whatever their places.
 */
export function incidentLookupKeys(
  kind: string,
  subtype: string | null,
  counties: readonly string[],
  fingerprints: Iterable<string>,
  keyTerms: Iterable<string>,
  localityPattern: RegExp = defaultCorrelationPolicy.localityPattern,
): string[] {
  const sub = subtype ?? '-';
  const keys: string[] = [];
  const add = (what: string) => keys.push(`${kind}|${sub}|${what}`, `${kind}|*|${what}`);
  const terms = [...keyTerms];
  const localities = terms.filter((t) => localityPattern.test(t));
  for (const c of counties) {
    add(`c|${c}`);
    if (localities.length === 0) add(`cn|${c}`);
  }
  for (const l of localities) add(`l|${l}`);
  for (const f of fingerprints) keys.push(...fingerprintLookupKeys(kind, subtype, f));
  for (const t of terms) {
    if (counties.length === 0) add(`t|${t}`);
    keys.push(`${kind}|*|a|${t}`);
  }
  return keys;
}

/** The keys one fingerprint adds to an incident's: all that changes when a post with new text joins. */
export function fingerprintLookupKeys(kind: string, subtype: string | null, fingerprint: string): [string, string] {
  return [`${kind}|${subtype ?? '-'}|f|${fingerprint}`, `${kind}|*|f|${fingerprint}`];
}

/**
 * Two states of one incident whose lookup keys differ at most by fingerprints: same kind, subtype,
 * counties and key terms. Lets the cache and a batch index only the new fingerprints of an
 * incident a post joined, instead of all its keys again.
 */
type LookupShape = Pick<CachedIncident, 'snapshot' | 'open' | 'keyTerms' | 'fingerprints'>;
export function sameLookupShape(a: LookupShape, b: LookupShape): boolean {
  if (a.snapshot.kind !== b.snapshot.kind || a.open.subtype !== b.open.subtype) return false;
  if (a.open.counties !== b.open.counties) {
    if (a.open.counties.length !== b.open.counties.length) return false;
    for (let i = 0; i < a.open.counties.length; i++) if (a.open.counties[i] !== b.open.counties[i]) return false;
  }
  if (a.keyTerms.size !== b.keyTerms.size) return false;
  for (const t of a.keyTerms) if (!b.keyTerms.has(t)) return false;
  return true;
}

/** The keys to look a post up by: every incident it could join has one of them. */
export function probeLookupKeys(probe: CandidateProbe, localityPattern: RegExp = defaultCorrelationPolicy.localityPattern): string[] {
  const keys: string[] = [];
  const localities = probe.terms.filter((t) => localityPattern.test(t));
  for (const sub of probe.subtype ? [probe.subtype, '-'] : ['*']) {
    const prefix = `${probe.kind}|${sub}|`;
    if (localities.length > 0) {
      for (const l of localities) keys.push(`${prefix}l|${l}`);
      for (const c of probe.counties) keys.push(`${prefix}cn|${c}`);
    } else {
      for (const c of probe.counties) keys.push(`${prefix}c|${c}`);
    }
    for (const f of probe.fps) keys.push(`${prefix}f|${f}`);
    if (probe.counties.length > 0) for (const t of probe.terms) keys.push(`${prefix}t|${t}`);
  }
  if (probe.counties.length === 0) for (const t of probe.terms) keys.push(`${probe.kind}|*|a|${t}`);
  return keys;
}

/** One incident the cache holds: its entry (replaced on every change) and the entry's `packMatch`. */
interface Slot {
  entry: CachedIncident;
  packed: readonly number[] | undefined;
}

export interface CorrelationCacheOptions {
  /** The correlation policy's locality pattern (its vetoes shape the lookup). */
  localityPattern?: RegExp;
  /** The cache covers at least this much before the earliest window a batch needs. Default 24 h. */
  marginMs?: number;
  /** A full re-read this often, which also drops incidents gone quiet. Default 10 min. */
  fullReloadMs?: number;
  /** Change-log rows older than this many epochs are pruned by the instance that notices. Default 100,000. */
  keepEpochs?: number;
  clock?: () => number;
}

/**
 * The open incidents of one instance of the incidents service, between batches, so a batch does
 * not read thousands of incidents again. Safe with several instances because it is only used
 * under the correlation lock and brought up to date first:
 *
 * - every change by a lock holder is in the change log (`recordCorrelationChange`) and re-read;
 * - changes made without the lock (the API's confirm, dismiss, level) do not touch what a post
 *   matches on except the status, and the batch re-checks `updated_at` and status of every
 *   incident it writes under FOR UPDATE: a mismatch re-reads those incidents and decides again;
 * - a batch that fails leaves the cache invalid (full re-read next time), since its staged
 *   changes never committed.
 *
 * It covers the open incidents whose newest post is after `coveredSince`; a late post whose
 * window starts earlier extends it first.
 *
 * Memory is bounded by what correlation needs, not by the posts seen: one entry per open incident
 * whose newest post is within the window plus `marginMs` (the full re-read every `fullReloadMs`
 * drops those gone quiet and those closed), each with its places, key terms (the
 * classifier's gazetteer and lexicon words, at most 12 a post) and at most the policy's
 * `maxFingerprints` (64) fingerprints, about 2 index keys each. Before that bound a big event
 * kept one fingerprint per distinct post and every join copied the whole set: in the pipeline's
 * overload phase the incidents service grew to 2 GB RSS.
 */
export function createCorrelationCache(options: CorrelationCacheOptions = {}) {
  const marginMs = options.marginMs ?? 24 * 3_600_000;
  const fullReloadMs = options.fullReloadMs ?? 10 * 60_000;
  const keepEpochs = options.keepEpochs ?? 100_000;
  const clock = options.clock ?? Date.now;
  /**
   * One slot per incident, kept while it stays cached (its entry is replaced in place): the index
   * holds slots, so finding candidates reads them directly instead of looking each id up again,
   * and a slot keeps its place in the order candidates are found in, as the id did.
   */
  const entries = new Map<string, Slot>();
  /** lookup key → slots of incidents; see keysOf. */
  const index = new Map<string, Set<Slot>>();
  const indexed = new Map<string, Set<string>>();
  let epoch = -1;
  let coveredSince = Infinity;
  let loadedAt = -Infinity;
  let staged: { entries: CachedIncident[]; epoch: number } | undefined;

  const localityPattern = options.localityPattern ?? defaultCorrelationPolicy.localityPattern;
  /** Numbers of the words of the cached incidents; a new one with every full re-read, so it does not grow for ever. */
  let vocabulary = new MatchVocabulary(localityPattern);
  const keysOf = (e: CachedIncident) => incidentLookupKeys(e.snapshot.kind, e.open.subtype, e.open.counties, e.fingerprints, e.keyTerms, localityPattern);

  function remove(id: string) {
    const slot = entries.get(id);
    if (slot) for (const key of indexed.get(id) ?? []) index.get(key)?.delete(slot);
    indexed.delete(id);
    entries.delete(id);
  }

  function put(e: CachedIncident) {
    const id = e.snapshot.id;
    if (!['detected', 'confirmed', 'responding'].includes(e.snapshot.status)) {
      remove(id);
      return;
    }
    // Entries are replaced, never changed (a batch changes copies), so the packed data stays true.
    const packed = packMatch(e.open, vocabulary);
    let slot = entries.get(id);
    const previous = slot?.entry;
    if (slot) {
      slot.entry = e;
      slot.packed = packed;
    } else entries.set(id, (slot = { entry: e, packed }));
    const before = indexed.get(id);
    const add = (key: string) => {
      let set = index.get(key);
      if (!set) index.set(key, (set = new Set()));
      set.add(slot);
    };
    // An incident's keys mostly stay as they were (places and terms only grow): touch only the
    // ones that changed, which also keeps its place in the order candidates are found in. A
    // post joining mostly changes only the fingerprints: then only theirs are looked at.
    if (before && previous && sameLookupShape(previous, e)) {
      const subtype = e.open.subtype;
      for (const f of previous.fingerprints) {
        if (e.fingerprints.has(f)) continue;
        for (const key of fingerprintLookupKeys(e.snapshot.kind, subtype, f)) {
          before.delete(key);
          index.get(key)?.delete(slot);
        }
      }
      for (const f of e.fingerprints) {
        if (previous.fingerprints.has(f)) continue;
        for (const key of fingerprintLookupKeys(e.snapshot.kind, subtype, f)) {
          if (before.has(key)) continue;
          before.add(key);
          add(key);
        }
      }
      return;
    }
    const keys = new Set(keysOf(e));
    indexed.set(id, keys);
    if (before) for (const key of before) if (!keys.has(key)) index.get(key)?.delete(slot);
    for (const key of keys) if (!before?.has(key)) add(key);
  }

  async function load(tx: Queryable, where: string, params: unknown[]) {
    const { rows } = await tx.query<CorrelationRow>(
      `SELECT ${INCIDENT_COLUMNS}, text_fingerprints, last_post_at, t0_set_by_person, merged_into FROM incidents
        WHERE status IN ('detected', 'confirmed', 'responding') AND merged_into IS NULL AND ${where}`,
      params,
    );
    for (const row of rows) put(cachedIncidentOf(row));
  }

  const cache = {
    get size() {
      return entries.size;
    },

    /** What the cached incidents' packed match data is in (pass it to `correlate`). */
    get vocabulary(): MatchVocabulary {
      return vocabulary;
    },

    /** Under the lock, before deciding: brings the cache up to the committed state. */
    async sync(tx: Queryable, earliestSince: string): Promise<void> {
      const { rows } = await tx.query<{ epoch: unknown }>(`SELECT epoch FROM correlation_epoch WHERE id = 1`);
      const current = Number(rows[0]!.epoch);
      const since = Date.parse(earliestSince) - marginMs;
      if (epoch < 0 || clock() - loadedAt > fullReloadMs) {
        cache.invalidate();
        await load(tx, 'last_post_at >= $1', [new Date(since).toISOString()]);
        coveredSince = since;
        loadedAt = clock();
      } else {
        if (current !== epoch) {
          const { rows: changed } = await tx.query<{ incident_id: string; oldest: unknown }>(
            `SELECT incident_id, (SELECT min(epoch) FROM correlation_changes) AS oldest
               FROM correlation_changes WHERE epoch > $1 GROUP BY incident_id`,
            [epoch],
          );
          const oldest = changed[0] ? Number(changed[0].oldest) : current;
          if (oldest > epoch + 1) {
            // The log was pruned past us: start over.
            epoch = -1;
            return cache.sync(tx, earliestSince);
          }
          await cache.reload(tx, changed.map((c) => c.incident_id));
        }
        if (since < coveredSince) {
          await load(tx, 'last_post_at >= $1 AND last_post_at < $2', [new Date(since).toISOString(), new Date(coveredSince).toISOString()]);
          coveredSince = since;
        }
      }
      epoch = current;
      if (current % 1000 === 0 && current > keepEpochs) {
        await tx.query(`DELETE FROM correlation_changes WHERE epoch < $1`, [current - keepEpochs]);
      }
    },

    /** Re-reads these incidents as committed (or drops them when no longer open). */
    async reload(tx: Queryable, ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      for (const id of ids) remove(id);
      await load(tx, 'id = ANY($1)', [ids]);
    },

    /** The cached entry of an incident and its `packMatch`, or undefined when not cached. */
    slotOf(id: string): Readonly<Slot> | undefined {
      return entries.get(id);
    },

    /** An incident's lookup keys as indexed (strings the index already holds), or undefined when not cached. */
    lookupKeysOf(id: string): ReadonlySet<string> | undefined {
      return indexed.get(id);
    },

    /**
     * The incidents a post could join, each once (a superset: `correlate` decides). With `packed`,
     * their `packMatch` data (in `vocabulary`) is pushed onto it at the same positions.
     */
    candidates(
      probe: CandidateProbe,
      keys: readonly string[] = probeLookupKeys(probe, localityPattern),
      packed?: Array<readonly number[] | undefined>,
    ): CachedIncident[] {
      const hits: Array<Set<Slot>> = [];
      for (const key of keys) {
        const ids = index.get(key);
        if (ids && ids.size > 0) hits.push(ids);
      }
      const result: CachedIncident[] = [];
      // Most posts hit one key (their locality, or their county): nothing to deduplicate then.
      if (hits.length === 1) {
        for (const slot of hits[0]!) {
          result.push(slot.entry);
          packed?.push(slot.packed);
        }
        return result;
      }
      const seen = new Set<Slot>();
      for (const slots of hits) {
        for (const slot of slots) {
          if (seen.has(slot)) continue;
          seen.add(slot);
          result.push(slot.entry);
          packed?.push(slot.packed);
        }
      }
      return result;
    },

    /** What a batch changed, applied only once its transaction committed (`commit`). */
    stage(changed: CachedIncident[], newEpoch: number): void {
      staged = { entries: changed, epoch: newEpoch };
    },

    commit(): void {
      if (!staged) return;
      for (const e of staged.entries) put(e);
      epoch = staged.epoch;
      staged = undefined;
    },

    /** Forget everything: the next batch reads the open incidents afresh. */
    invalidate(): void {
      staged = undefined;
      entries.clear();
      index.clear();
      indexed.clear();
      vocabulary = new MatchVocabulary(localityPattern);
      epoch = -1;
      coveredSince = Infinity;
    },
  };
  return cache;
}

export type CorrelationCache = ReturnType<typeof createCorrelationCache>;
