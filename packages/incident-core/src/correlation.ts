import { createHash } from 'node:crypto';
import type { Classification, EmergencyLevel, IncidentKind, Post } from '@huiying/contracts';

/** What correlation needs to know of an open incident. */
export interface OpenIncident {
  id: string;
  kind: IncidentKind;
  subtype: string | null;
  category: string | null;
  counties: string[];
  keyTerms: string[];
  /** publishedAt of the newest post in it. */
  lastPostAt: string;
  /**
   * `repostFingerprint` of its posts' texts (distinct ones). Optional: without it the
   * near-duplicate signal is off and correlation rests on places and key terms alone.
   */
  fingerprints?: string[];
}

/**
 * An `OpenIncident` with every field present, in one order. `correlate` reads these fields for
 * hundreds of candidates per post: objects built in different places (rows, copies, incidents a
 * batch opened) had different hidden classes, and the optimised loop kept being thrown away.
 */
export function openIncidentView(o: OpenIncident): OpenIncident {
  return {
    id: o.id,
    kind: o.kind,
    subtype: o.subtype,
    category: o.category,
    counties: o.counties,
    keyTerms: o.keyTerms,
    lastPostAt: o.lastPostAt,
    fingerprints: o.fingerprints ?? [],
  };
}

export interface CorrelationPolicy {
  /** A post joins only an incident whose newest post is at most this old. Default 6 h. */
  windowMs: number;
  /** Share of key terms two texts must have in common (Jaccard) with no county in common. */
  minTermOverlap: number;
  /**
   * Key terms that name a place finer than a county (town, township, village). Two posts naming
   * different ones are about different events even in the same county and of the same subtype.
   * Default: Chinese place-name endings, so no city's gazetteer is built in.
   */
  localityPattern: RegExp;
  /**
   * Fewest letters and digits a copied text needs for a repost fingerprint: shorter ones
   * (现场视频，太吓人了) are too generic to say two posts are one event. Default 16.
   */
  fingerprintMinChars: number;
  /**
   * Most repost fingerprints an incident keeps (default 64): see `addFingerprint`. Every distinct
   * post text has one, so without a bound a big event's set grew with every post, in the memory
   * of each instance (the correlation cache indexes every one) and in the row rewritten on every
   * join.
   */
  maxFingerprints: number;
}

export const defaultCorrelationPolicy: CorrelationPolicy = {
  windowMs: 6 * 60 * 60 * 1000,
  minTermOverlap: 0.35,
  localityPattern: /(镇|乡|村|街道|社区)$/,
  fingerprintMinChars: 16,
  maxFingerprints: 64,
};

/**
 * Adds a post's fingerprint to an incident's set, keeping at most `max`: the first quarter (the
 * opening reports, the texts most copied) and the newest after them, so the oldest of the middle
 * goes first. A copy of a post that fell out can still join by its place or terms; only a
 * place-less copy of an old post from the middle of a big event is missed. True when the set changed.
 */
export function addFingerprint(set: Set<string>, fingerprint: string, max: number = defaultCorrelationPolicy.maxFingerprints): boolean {
  if (set.has(fingerprint)) return false;
  set.add(fingerprint);
  if (set.size > max) {
    const first = Math.floor(max / 4);
    let i = 0;
    for (const f of set) {
      if (i++ < first) continue;
      set.delete(f);
      break;
    }
  }
  return true;
}

/** The same bound over a list in post order (merges, splits, rows written before the bound). */
export function boundedFingerprints(list: Iterable<string>, max: number = defaultCorrelationPolicy.maxFingerprints): string[] {
  const distinct = [...new Set(list)];
  if (distinct.length <= max) return distinct;
  const first = Math.floor(max / 4);
  return [...distinct.slice(0, first), ...distinct.slice(distinct.length - (max - first))];
}

/** A post worth an incident: an emergency or a rumour flag. */
export function incidentKindOf(classification: Classification): IncidentKind | null {
  if (classification.emergency.flagged) return 'emergency';
  if (classification.rumor.flagged) return 'rumor';
  return null;
}

export type CorrelationDecision =
  | { action: 'join'; incidentId: string; because: string }
  | { action: 'open'; incidentId: string; because: string };

/**
 * Same event or a new one. A post joins the open incident of the same kind and subtype whose
 * newest post is within the window and that is about the same event, by the strongest signal:
 *
 * 1. near-duplicate text: the post's repost fingerprint is one of the incident's (a repost or a
 *    copy under a comment, even one whose place sat in a title it did not copy);
 * 2. the same locality (town, village) among the key terms;
 * 3. the same county;
 * 4. enough key terms in common (Jaccard ≥ minTermOverlap).
 *
 * A place conflict vetoes all four: when both name localities and share none, or both name
 * counties and share none, they are different events, however alike the wording (official
 * templates make unrelated posts alike). The best-scoring incident wins. Otherwise the post opens
 * an incident whose id derives from the post, so redoing the same decision yields the same id.
 */
export function correlate(
  post: Pick<Post, 'id' | 'publishedAt'> & Partial<Pick<Post, 'text'>>,
  classification: Classification,
  open: ReadonlyArray<OpenIncident>,
  policy: CorrelationPolicy = defaultCorrelationPolicy,
  /** The post's `repostFingerprint`, when the caller already has it (it hashes the text). */
  known?: { fingerprint: string | null },
): CorrelationDecision {
  return correlateAmong(post, classification, open, itself, policy, known).decision;
}

const itself = (incident: OpenIncident): OpenIncident => incident;

/** What `correlateAmong` knows of the candidates beyond their fields. */
export interface PackedCandidates {
  /** What the packed data is in. */
  vocabulary: MatchVocabulary;
  /** `packMatch` of each candidate, at the same index, or undefined: that one is read from its fields. */
  packed: ReadonlyArray<readonly number[] | undefined>;
}

/**
 * `correlate` over candidates of any shape (`openOf` gives each one's fields), with the winner.
 * With packed data (see `packMatch`), a candidate's fields are read only if it wins: the
 * correlation cache hands over a hundred incidents for a post naming only a county, and with
 * 10,000 open incidents their objects and strings are rarely in the CPU cache.
 */
export function correlateAmong<T>(
  post: Pick<Post, 'id' | 'publishedAt'> & Partial<Pick<Post, 'text'>>,
  classification: Classification,
  candidates: ReadonlyArray<T>,
  openOf: (candidate: T) => OpenIncident,
  policy: CorrelationPolicy = defaultCorrelationPolicy,
  known?: { fingerprint: string | null; packed?: PackedCandidates | undefined },
): { decision: CorrelationDecision; /** The index of the candidate joined, -1 when none. */ winner: number } {
  const kind = incidentKindOf(classification);
  const postAt = Date.parse(post.publishedAt);
  const subtype = classification.emergency.subtype;
  // The post's side is computed once; per candidate only lookups, since the repository hands
  // over up to 500 candidates for every flagged post.
  const terms = new Set(classification.keyTerms);
  const localities = new Set<string>();
  for (const t of terms) if (policy.localityPattern.test(t)) localities.add(t);
  const counties = new Set(classification.counties);
  // Canonical UTC instants (what the repository hands back) compare as strings, which spares a
  // Date.parse per candidate: half the cost of a decision with 500 candidates.
  const earliest = new Date(postAt - policy.windowMs).toISOString();
  const latest = new Date(postAt + policy.windowMs).toISOString();
  const fingerprint = known ? known.fingerprint : post.text !== undefined ? repostFingerprint(post.text, policy.fingerprintMinChars) : null;
  const subtypeMatters = kind === 'emergency' && !!subtype;

  // The post's side in the vocabulary's numbers, for candidates with packed match data. Terms the
  // vocabulary does not know are in no packed incident: they only count in the union.
  const vocabulary = known?.packed?.vocabulary;
  const packedList = known?.packed?.packed;
  const packed = vocabulary !== undefined && vocabulary.localityPattern === policy.localityPattern && isCanonicalInstant(earliest) && isCanonicalInstant(latest);
  const earliestMs = Date.parse(earliest);
  const latestMs = Date.parse(latest);
  let kindId = -1;
  let subtypeId = 0;
  const termIds: number[] = [];
  const termIsLocality: boolean[] = [];
  const countyIds: number[] = [];
  let fpHigh = -1;
  let fpLow = -1;
  if (packed) {
    if (kind) kindId = vocabulary.find(kind);
    if (subtype) subtypeId = vocabulary.find(subtype);
    for (const t of terms) {
      const id = vocabulary.find(t);
      if (id < 0) continue;
      termIds.push(id);
      termIsLocality.push(localities.has(t));
    }
    for (const c of counties) {
      const id = vocabulary.find(c);
      if (id >= 0) countyIds.push(id);
    }
    if (fingerprint !== null && fingerprint.length === 16) {
      fpHigh = hexHalf(fingerprint, 0);
      fpLow = fpHigh >= 0 ? hexHalf(fingerprint, 8) : -1;
      if (fpLow < 0) fpHigh = -1;
    }
  }

  // The reason is worded for the winner only: a post may be compared with hundreds of incidents.
  let best = -1;
  let bestScore = 0;
  let bestSignal: Signal = 'terms';
  let bestOverlap = 0;
  for (let k = 0; k < candidates.length; k++) {
    let sharedTerms = 0;
    let sharedLocalities = 0;
    let incidentTerms: number;
    let sharesCounty = false;
    let incidentCounties: number;
    let copied = false;
    const m = packed ? packedList![k] : undefined;
    if (m !== undefined && m[0] === vocabulary!.serial + 0.5) {
      // Packed: the same tests on numbers in one array (see `packMatch` for the layout), without
      // visiting the incident's strings: with 10,000 open incidents those are rarely in the CPU cache.
      if (m[2] !== kindId) continue;
      if (subtypeMatters && m[3] !== 0 && m[3] !== subtypeId) continue;
      const at = m[1]!;
      if (at < earliestMs || at > latestMs) continue;
      let i = 5;
      incidentTerms = m[i++]!;
      for (const end = i + incidentTerms; i < end; i++) {
        const id = m[i];
        for (let j = 0; j < termIds.length; j++) {
          if (termIds[j] !== id) continue;
          sharedTerms++;
          if (termIsLocality[j]) sharedLocalities++;
          break;
        }
      }
      if (localities.size > 0 && sharedLocalities === 0 && m[4] === 1) continue;
      incidentCounties = m[i++]!;
      for (const end = i + incidentCounties; i < end; i++) if (countyIds.includes(m[i]!)) sharesCounty = true;
      if (fpHigh >= 0) {
        const fps = m[i++]!;
        for (const end = i + 2 * fps; i < end; i += 2) {
          if (m[i] === fpHigh && m[i + 1] === fpLow) {
            copied = true;
            break;
          }
        }
      }
    } else {
      const incident = openOf(candidates[k]!);
      if (incident.kind !== kind) continue;
      if (subtypeMatters && incident.subtype && subtype !== incident.subtype) continue;
      const at = incident.lastPostAt;
      if (isCanonicalInstant(at) ? at < earliest || at > latest : !(Math.abs(postAt - Date.parse(at)) <= policy.windowMs)) continue;
      incidentTerms = incident.keyTerms.length;
      for (const t of incident.keyTerms) {
        if (!terms.has(t)) continue;
        sharedTerms++;
        if (localities.has(t)) sharedLocalities++;
      }
      if (localities.size > 0 && sharedLocalities === 0 && incident.keyTerms.some((t) => policy.localityPattern.test(t))) continue;
      incidentCounties = incident.counties.length;
      for (const c of incident.counties) if (counties.has(c)) sharesCounty = true;
      copied = fingerprint !== null && incident.fingerprints !== undefined && incident.fingerprints.includes(fingerprint);
    }
    if (counties.size > 0 && incidentCounties > 0 && !sharesCounty) continue;

    // Key terms of an incident are distinct (the repository keeps them as a set).
    const union = terms.size + incidentTerms - sharedTerms;
    const overlap = terms.size === 0 || incidentTerms === 0 ? 0 : sharedTerms / union;
    let signal: Signal;
    if (copied) signal = 'fingerprint';
    else if (sharedLocalities > 0) signal = 'locality';
    else if (sharesCounty) signal = 'county';
    else if (overlap >= policy.minTermOverlap) signal = 'terms';
    else continue;
    const score = SIGNAL_SCORE[signal] + overlap;
    if (best < 0 || score > bestScore) {
      best = k;
      bestScore = score;
      bestSignal = signal;
      bestOverlap = overlap;
    }
  }
  if (best >= 0) {
    const incident = openOf(candidates[best]!);
    const because =
      bestSignal === 'fingerprint' ? 'near-duplicate text of a post in it'
      : bestSignal === 'locality' ? `same locality (${incident.keyTerms.filter((t) => terms.has(t) && localities.has(t)).join('、')}) within the window`
      : bestSignal === 'county' ? `same county (${[...new Set(incident.counties.filter((c) => counties.has(c)))].join('、')}) within the window`
      : `key terms overlap ${bestOverlap.toFixed(2)}`;
    return { decision: { action: 'join', incidentId: incident.id, because }, winner: best };
  }
  return { decision: { action: 'open', incidentId: incidentIdFor(post.id), because: 'no open incident about the same event' }, winner: -1 };
}

let vocabularies = 0;

/**
 * Numbers for the strings correlation compares (kinds, subtypes, counties, key terms) of the
 * incidents one correlation cache holds: a term only ever named by posts gets none, so it grows
 * with the open incidents' words, and the cache starts a new one whenever it re-reads them all.
 */
export class MatchVocabulary {
  /** Told apart from every other vocabulary: packed data made with another one is not used. */
  readonly serial = ++vocabularies;
  private readonly ids = new Map<string, number>();
  readonly localityPattern: RegExp;
  constructor(localityPattern: RegExp) {
    // A global or sticky pattern tests differently each time: such a vocabulary packs nothing.
    this.localityPattern = localityPattern.global || localityPattern.sticky ? /(?!)/ : localityPattern;
  }
  get size(): number {
    return this.ids.size;
  }
  private readonly locality: boolean[] = [false];
  idOf(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      this.ids.set(word, (id = this.ids.size + 1));
      this.locality.push(this.localityPattern.test(word));
    }
    return id;
  }
  /** Whether the word of this number names a locality (the pattern is tested once per word). */
  isLocality(id: number): boolean {
    return this.locality[id] === true;
  }
  /** The word's number, or -1 when no packed incident has it. */
  find(word: string): number {
    return this.ids.get(word) ?? -1;
  }
}

/**
 * What `correlate` tests of an incident, as numbers in one array: [vocabulary serial + 0.5 (so
 * the array holds doubles from the start), newest post (ms), kind, subtype (0 = none), names a
 * locality (0/1), key term count, key terms…, county count, counties…, fingerprint count, each
 * fingerprint as two 32-bit halves…]. Undefined when the incident does not fit (a newest post
 * that is not a canonical instant, a fingerprint that is not 16 lower-case hex digits):
 * `correlateAmong` then reads its fields.
 */
export function packMatch(incident: OpenIncident, vocabulary: MatchVocabulary): number[] | undefined {
  if (!isCanonicalInstant(incident.lastPostAt)) return undefined;
  const fingerprints = incident.fingerprints ?? [];
  // A plain array of doubles rather than a typed array, whose elements of this size would live
  // in a separate allocation: one place less in memory to visit per candidate.
  const m: number[] = [vocabulary.serial + 0.5, Date.parse(incident.lastPostAt), vocabulary.idOf(incident.kind), incident.subtype ? vocabulary.idOf(incident.subtype) : 0,
    0, incident.keyTerms.length];
  for (const t of incident.keyTerms) {
    const id = vocabulary.idOf(t);
    if (vocabulary.isLocality(id)) m[4] = 1;
    m.push(id);
  }
  m.push(incident.counties.length);
  for (const c of incident.counties) m.push(vocabulary.idOf(c));
  m.push(fingerprints.length);
  for (const f of fingerprints) {
    const high = f.length === 16 ? hexHalf(f, 0) : -1;
    const low = high >= 0 ? hexHalf(f, 8) : -1;
    if (low < 0) return undefined;
    m.push(high, low);
  }
  return m;
}

/** Eight lower-case hex digits of `s` from `from` as a number, or -1 (without a slice per half). */
function hexHalf(s: string, from: number): number {
  let value = 0;
  for (let i = from; i < from + 8; i++) {
    const c = s.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

type Signal = 'fingerprint' | 'locality' | 'county' | 'terms';
const SIGNAL_SCORE: Record<Signal, number> = { fingerprint: 4, locality: 3, county: 1, terms: 0 };

/**
 * Hot: once per candidate. `toISOString` form (2025-07-01T02:00:00.000Z), told by its layout:
 * cheaper than a regular expression, and only timestamps reach it.
 */
function isCanonicalInstant(at: string): boolean {
  return (
    at.length === 24 && at[4] === '-' && at[7] === '-' && at[10] === 'T' && at[13] === ':' && at[16] === ':' && at[19] === '.' && at[23] === 'Z'
  );
}

/**
 * Markers a repost puts before the text it copies: a `//@name:` chain (the copied text is
 * after the last one), 转发 / 转 / 扩散 with their brackets, possibly after a short comment.
 */
const REPOST_CHAIN = /\/\/@[^:：]{1,40}[:：]/g;
const REPOST_LEAD = /^.{0,20}?(转发微博|转发|【?转】|扩散[！!])/u;
const LEADING_NOISE = /^[^\p{L}\p{N}]+/u;

/**
 * The fingerprint of the text a post copies, or null when it is too short to tell copies apart.
 * Reposts prepend (转发：…, comment//@user:…), so the copied text is what is left after the
 * last `//@name:` and after leading 转发 markers (with a comment of up to 20 characters before
 * them); the fingerprint hashes its letters and digits, NFKC and lower-case, with punctuation,
 * brackets, spaces, URLs and @mentions removed. A copy under a new comment, with other
 * punctuation or full-width digits gets the same fingerprint; an edited copy does not.
 */
export function repostFingerprint(text: string, minChars: number = defaultCorrelationPolicy.fingerprintMinChars): string | null {
  let body = text.normalize('NFKC');
  let chainEnd = -1;
  for (const m of body.matchAll(REPOST_CHAIN)) chainEnd = m.index + m[0].length;
  if (chainEnd >= 0 && chainEnd < body.length) body = body.slice(chainEnd);
  // A repost of a repost stacks markers (转发微博 转发：…): strip until none leads.
  for (let stripped = body.replace(LEADING_NOISE, ''); ; ) {
    const next = stripped.replace(REPOST_LEAD, '').replace(LEADING_NOISE, '');
    if (next === stripped || next === '') break;
    stripped = next;
    body = next;
  }
  const letters = body
    .replace(/https?:\/\/\S+/g, '')
    .replace(/@[^\s:：]{1,30}/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
  if (Array.from(letters).length < minChars) return null;
  return createHash('sha256').update(letters).digest('hex').slice(0, 16);
}

export function incidentIdFor(firstPostId: string): string {
  return `inc-${createHash('sha256').update(firstPostId).digest('hex').slice(0, 20)}`;
}

const LEVEL_RANK: Record<EmergencyLevel, number> = { I: 4, II: 3, III: 2, IV: 1 };

/** The graver of two levels (I is the gravest); null counts as none. */
export function graverLevel(a: EmergencyLevel | null, b: EmergencyLevel | null): EmergencyLevel | null {
  if (!a) return b;
  if (!b) return a;
  return LEVEL_RANK[a] >= LEVEL_RANK[b] ? a : b;
}

export function isMajor(level: EmergencyLevel | null): boolean {
  return level === 'I' || level === 'II';
}
