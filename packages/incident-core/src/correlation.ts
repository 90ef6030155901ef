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
  const kind = incidentKindOf(classification);
  const postAt = Date.parse(post.publishedAt);
  const subtype = classification.emergency.subtype;
  // The post's side is computed once; per candidate only lookups, since the repository hands
  // over up to 500 candidates for every flagged post.
  const terms = new Set(classification.keyTerms);
  const localities = new Set([...terms].filter((t) => policy.localityPattern.test(t)));
  const counties = new Set(classification.counties);
  // Canonical UTC instants (what the repository hands back) compare as strings, which spares a
  // Date.parse per candidate: half the cost of a decision with 500 candidates.
  const earliest = new Date(postAt - policy.windowMs).toISOString();
  const latest = new Date(postAt + policy.windowMs).toISOString();
  const withinWindow = (at: string): boolean =>
    isCanonicalInstant(at) ? at >= earliest && at <= latest : Math.abs(postAt - Date.parse(at)) <= policy.windowMs;
  const fingerprint = known ? known.fingerprint : post.text !== undefined ? repostFingerprint(post.text, policy.fingerprintMinChars) : null;
  // The reason is worded for the winner only: a post may be compared with hundreds of incidents.
  let best: { incident: OpenIncident; score: number; signal: Signal; sharedLocalities: string[]; overlap: number } | undefined;
  for (const incident of open) {
    if (incident.kind !== kind) continue;
    if (kind === 'emergency' && subtype && incident.subtype && subtype !== incident.subtype) continue;
    if (!withinWindow(incident.lastPostAt)) continue;

    let sharedTerms = 0;
    const sharedLocalities: string[] = localities.size > 0 ? [] : NONE;
    for (const t of incident.keyTerms) {
      if (!terms.has(t)) continue;
      sharedTerms++;
      if (localities.size > 0 && localities.has(t)) sharedLocalities.push(t);
    }
    if (localities.size > 0 && sharedLocalities.length === 0 && incident.keyTerms.some((t) => policy.localityPattern.test(t))) continue;
    let sharesCounty = false;
    for (const c of incident.counties) if (counties.has(c)) sharesCounty = true;
    if (counties.size > 0 && incident.counties.length > 0 && !sharesCounty) continue;

    // Key terms of an incident are distinct (the repository keeps them as a set).
    const union = terms.size + incident.keyTerms.length - sharedTerms;
    const overlap = terms.size === 0 || incident.keyTerms.length === 0 ? 0 : sharedTerms / union;
    let signal: Signal;
    if (fingerprint !== null && incident.fingerprints?.includes(fingerprint)) signal = 'fingerprint';
    else if (sharedLocalities.length > 0) signal = 'locality';
    else if (sharesCounty) signal = 'county';
    else if (overlap >= policy.minTermOverlap) signal = 'terms';
    else continue;
    const score = SIGNAL_SCORE[signal] + overlap;
    if (!best || score > best.score) best = { incident, score, signal, sharedLocalities, overlap };
  }
  if (best) {
    const { incident, signal, overlap } = best;
    const because =
      signal === 'fingerprint' ? 'near-duplicate text of a post in it'
      : signal === 'locality' ? `same locality (${best.sharedLocalities.join('、')}) within the window`
      : signal === 'county' ? `same county (${[...new Set(incident.counties.filter((c) => counties.has(c)))].join('、')}) within the window`
      : `key terms overlap ${overlap.toFixed(2)}`;
    return { action: 'join', incidentId: incident.id, because };
  }
  return { action: 'open', incidentId: incidentIdFor(post.id), because: 'no open incident about the same event' };
}

/** Shared by every candidate of a post naming no locality: never written to. */
const NONE: string[] = [];

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
