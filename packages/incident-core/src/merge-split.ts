import type { Classification, EmergencyLevel, IncidentEvent, IncidentEventKind, IncidentSnapshot, IncidentStatus, Post } from '@huiying/contracts';
import { graverLevel, incidentIdFor, incidentKindOf } from './correlation';
import { isOpen, type IncidentChange } from './lifecycle';

/**
 * A duty officer merges two incidents that are one event, or splits posts out of one that is
 * two. Pure: the caller loads the snapshots (and, to split, the posts), saves the changes, moves
 * the post links and publishes the events. Every edit carries who did it and why.
 */
export interface IncidentEdit {
  /** The duty officer's user id. */
  actor: string;
  reason: string;
  now: Date;
}

export class IncidentEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncidentEditError';
  }
}

function checkEdit(edit: IncidentEdit): void {
  if (!edit.actor.trim()) throw new IncidentEditError('an edit needs an actor');
  if (!edit.reason.trim()) throw new IncidentEditError('an edit needs a reason');
}

function eventsFor(change: IncidentChange, edit: IncidentEdit, extra: Partial<IncidentEvent> = {}): IncidentEvent[] {
  return change.events.map((kind) => ({ kind, incident: change.snapshot, actor: edit.actor, reason: edit.reason, ...extra }));
}

const STATUS_RANK: Record<IncidentStatus, number> = { detected: 0, confirmed: 1, responding: 2, resolved: 3, dismissed: 3 };

export interface MergeResult {
  survivor: IncidentChange;
  /** The absorbed incident: unchanged but for `updatedAt`; the `merged` event and `mergedInto` retire it. */
  absorbed: IncidentChange & { mergedInto: string };
  /** In order: the absorbed one's `merged`, then the survivor's events. */
  events: IncidentEvent[];
}

/**
 * Merges `absorbed` into `survivor`. The survivor keeps the earliest t0 (unless a person set its
 * t0: pass `survivorT0SetByPerson`), the union of counties and departments, the sum of posts,
 * the further status, and the graver level unless a person confirmed one: the survivor's
 * confirmed level wins, else the absorbed one's confirmed level, else the graver proposal.
 * It stays a drill only if both were drills: a real event must not hide behind a drill flag.
 * The clocks follow the survivor; the SLA service stops the absorbed one's on `merged`.
 */
export function mergeIncidents(
  survivor: IncidentSnapshot,
  absorbed: IncidentSnapshot,
  edit: IncidentEdit,
  options: { survivorT0SetByPerson?: boolean } = {},
): MergeResult {
  checkEdit(edit);
  if (survivor.id === absorbed.id) throw new IncidentEditError(`cannot merge incident ${survivor.id} into itself`);
  for (const s of [survivor, absorbed]) {
    if (!isOpen(s.status)) throw new IncidentEditError(`incident ${s.id} is ${s.status}: only open incidents merge`);
  }
  const at = edit.now.toISOString();
  const events: IncidentEventKind[] = ['updated'];
  const next: IncidentSnapshot = {
    ...survivor,
    status: STATUS_RANK[absorbed.status] > STATUS_RANK[survivor.status] ? absorbed.status : survivor.status,
    category: survivor.category ?? absorbed.category,
    subtype: survivor.subtype ?? absorbed.subtype,
    importantOpinion: survivor.importantOpinion || absorbed.importantOpinion,
    departments: union(survivor.departments, absorbed.departments),
    counties: union(survivor.counties, absorbed.counties),
    postCount: survivor.postCount + absorbed.postCount,
    drill: survivor.drill && absorbed.drill,
    updatedAt: at,
  };
  if (!options.survivorT0SetByPerson && Date.parse(absorbed.t0) < Date.parse(survivor.t0)) {
    next.t0 = absorbed.t0;
    events.push('t0_corrected');
  }
  const level = mergedLevel(survivor, absorbed);
  next.level = level.level;
  next.levelConfirmed = level.confirmed;
  next.levelConfidence = level.confidence;
  if (level.level !== survivor.level) events.push('level_changed');

  const survivorChange: IncidentChange = { snapshot: next, events };
  const absorbedChange = { snapshot: { ...absorbed, updatedAt: at }, events: ['merged'] as IncidentEventKind[], mergedInto: survivor.id };
  return {
    survivor: survivorChange,
    absorbed: absorbedChange,
    events: [...eventsFor(absorbedChange, edit, { mergedInto: survivor.id }), ...eventsFor(survivorChange, edit)],
  };
}

function mergedLevel(survivor: IncidentSnapshot, absorbed: IncidentSnapshot): { level: EmergencyLevel | null; confirmed: boolean; confidence: number } {
  if (survivor.levelConfirmed) return { level: survivor.level, confirmed: true, confidence: survivor.levelConfidence };
  if (absorbed.levelConfirmed) return { level: absorbed.level, confirmed: true, confidence: absorbed.levelConfidence };
  const level = graverLevel(survivor.level, absorbed.level);
  const confidence = level === survivor.level && level === absorbed.level
    ? Math.max(survivor.levelConfidence, absorbed.levelConfidence)
    : level === survivor.level ? survivor.levelConfidence : absorbed.levelConfidence;
  return { level, confirmed: false, confidence };
}

/** A post of the incident being split, as stored with it. */
export interface IncidentPost {
  post: Pick<Post, 'id' | 'publishedAt' | 'text'> & Partial<Pick<Post, 'title'>>;
  classification: Classification;
}

export interface SplitResult {
  /** The incident the posts leave: posts, places, t0 and an unconfirmed level recomputed from the posts that stay. */
  source: IncidentChange;
  /** The new incident of the split posts, `detected`, t0 from its earliest post. */
  split: IncidentChange;
  /** Post ids that move to the new incident, and those that stay. */
  movedPostIds: string[];
  keptPostIds: string[];
  events: IncidentEvent[];
}

/**
 * Splits `postIds` out of `source` into a new incident. `posts` are all of the source's posts.
 * The new id derives from the source and the moved posts, so redoing the same split gives the
 * same id (and never the source's own id, even when its first post moves).
 */
export function splitIncident(
  source: IncidentSnapshot,
  posts: readonly IncidentPost[],
  postIds: readonly string[],
  edit: IncidentEdit,
  options: { sourceT0SetByPerson?: boolean; newIncidentId?: string } = {},
): SplitResult {
  checkEdit(edit);
  if (!isOpen(source.status)) throw new IncidentEditError(`incident ${source.id} is ${source.status}: only open incidents split`);
  const wanted = new Set(postIds);
  const known = new Set(posts.map((p) => p.post.id));
  const unknown = [...wanted].filter((id) => !known.has(id));
  if (unknown.length > 0) throw new IncidentEditError(`posts ${unknown.join(', ')} are not in incident ${source.id}`);
  const moved = posts.filter((p) => wanted.has(p.post.id));
  const kept = posts.filter((p) => !wanted.has(p.post.id));
  if (moved.length === 0) throw new IncidentEditError('a split needs at least one post to move');
  if (kept.length === 0) throw new IncidentEditError(`a split must leave incident ${source.id} at least one post`);

  const at = edit.now.toISOString();
  const sourceEvents: IncidentEventKind[] = ['updated'];
  const stay = summarise(kept);
  const nextSource: IncidentSnapshot = {
    ...source,
    postCount: kept.length,
    counties: stay.counties,
    departments: stay.departments,
    updatedAt: at,
  };
  if (!options.sourceT0SetByPerson && stay.t0 !== Date.parse(source.t0)) {
    nextSource.t0 = new Date(stay.t0).toISOString();
    sourceEvents.push('t0_corrected');
  }
  if (!source.levelConfirmed && stay.level !== source.level) {
    nextSource.level = stay.level;
    nextSource.levelConfidence = stay.levelConfidence;
    sourceEvents.push('level_changed');
  }

  const go = summarise(moved);
  const first = go.first;
  const id = options.newIncidentId ?? incidentIdFor(`split:${source.id}:${moved.map((p) => p.post.id).sort().join(',')}`);
  const splitSnapshot: IncidentSnapshot = {
    id,
    kind: incidentKindOf(first.classification) ?? source.kind,
    status: 'detected',
    title: titleOf(first.post),
    category: go.category,
    subtype: go.subtype,
    level: go.level,
    levelConfirmed: false,
    levelConfidence: go.levelConfidence,
    importantOpinion: false,
    t0: new Date(go.t0).toISOString(),
    departments: go.departments,
    counties: go.counties,
    postCount: moved.length,
    drill: DRILL_MARK.test(`${first.post.title ?? ''}${first.post.text}`),
    openedAt: at,
    updatedAt: at,
  };
  const sourceChange: IncidentChange = { snapshot: nextSource, events: sourceEvents };
  const splitChange: IncidentChange = { snapshot: splitSnapshot, events: ['opened'] };
  return {
    source: sourceChange,
    split: splitChange,
    movedPostIds: moved.map((p) => p.post.id),
    keptPostIds: kept.map((p) => p.post.id),
    events: [...eventsFor(sourceChange, edit), ...eventsFor(splitChange, edit)],
  };
}

// Same rule as `openIncident`: a drill mark in the first post makes the incident a drill.
const DRILL_MARK = /演练|演习/;

function titleOf(post: IncidentPost['post']): string {
  const basis = (post.title ?? post.text).replace(/\s+/g, ' ').trim();
  return basis.length > 60 ? `${basis.slice(0, 60)}…` : basis;
}

function summarise(posts: readonly IncidentPost[]) {
  const ordered = [...posts].sort((a, b) => Date.parse(a.post.publishedAt) - Date.parse(b.post.publishedAt));
  const first = ordered[0]!;
  let level: EmergencyLevel | null = null;
  let levelConfidence = 0;
  for (const { classification } of ordered) {
    const proposed = graverLevel(level, classification.emergency.level);
    if (proposed !== level) levelConfidence = classification.emergency.score;
    else if (proposed !== null && proposed === classification.emergency.level) levelConfidence = Math.max(levelConfidence, classification.emergency.score);
    level = proposed;
  }
  const withSubtype = ordered.find((p) => p.classification.emergency.subtype);
  return {
    first,
    t0: Date.parse(first.post.publishedAt),
    level,
    levelConfidence,
    category: ordered.find((p) => p.classification.emergency.category)?.classification.emergency.category ?? null,
    subtype: withSubtype?.classification.emergency.subtype ?? null,
    counties: union(...ordered.map((p) => p.classification.counties)),
    departments: union(...ordered.map((p) => p.classification.departments)),
  };
}

function union(...lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())];
}
