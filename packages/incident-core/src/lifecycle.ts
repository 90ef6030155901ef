import type {
  Classification,
  EmergencyLevel,
  IncidentEventKind,
  IncidentSnapshot,
  IncidentStatus,
  Post,
} from '@huiying/contracts';
import { graverLevel, incidentKindOf } from './correlation';

export interface IncidentChange {
  snapshot: IncidentSnapshot;
  events: IncidentEventKind[];
}

/** Words that mark a drill (演练) in the first post: the incident is a drill from the start. */
const DRILL_MARK = /演练|演习/;

function titleOf(post: Pick<Post, 'title' | 'text'>): string {
  const basis = (post.title ?? post.text).replace(/\s+/g, ' ').trim();
  return basis.length > 60 ? `${basis.slice(0, 60)}…` : basis;
}

export function openIncident(id: string, post: Post, classification: Classification, now: Date): IncidentChange {
  const kind = incidentKindOf(classification) ?? 'opinion';
  const at = now.toISOString();
  return {
    snapshot: {
      id,
      kind,
      status: 'detected',
      title: titleOf(post),
      category: classification.emergency.category,
      subtype: classification.emergency.subtype,
      level: classification.emergency.level,
      levelConfirmed: false,
      levelConfidence: classification.emergency.score,
      importantOpinion: false,
      t0: post.publishedAt,
      departments: classification.departments,
      counties: classification.counties,
      postCount: 1,
      drill: DRILL_MARK.test(`${post.title ?? ''}${post.text}`),
      openedAt: at,
      updatedAt: at,
    },
    events: ['opened'],
  };
}

/**
 * A post joins: counts, places and departments grow; an earlier post moves t0 back (unless a
 * person set it); a graver proposed level raises the level while no person confirmed one.
 */
export function joinIncident(current: IncidentSnapshot, post: Post, classification: Classification, now: Date, t0SetByPerson = false): IncidentChange {
  const events: IncidentEventKind[] = ['updated'];
  const next: IncidentSnapshot = {
    ...current,
    postCount: current.postCount + 1,
    counties: union(current.counties, classification.counties),
    departments: union(current.departments, classification.departments),
    updatedAt: now.toISOString(),
  };
  if (!t0SetByPerson && Date.parse(post.publishedAt) < Date.parse(current.t0)) {
    next.t0 = post.publishedAt;
    events.push('t0_corrected');
  }
  if (!current.levelConfirmed) {
    const proposed = graverLevel(current.level, classification.emergency.level);
    if (proposed !== current.level) {
      next.level = proposed;
      next.levelConfidence = classification.emergency.score;
      events.push('level_changed');
    } else if (proposed === classification.emergency.level) {
      next.levelConfidence = Math.max(current.levelConfidence, classification.emergency.score);
    }
  }
  if (!next.category && classification.emergency.category) next.category = classification.emergency.category;
  if (!next.subtype && classification.emergency.subtype) next.subtype = classification.emergency.subtype;
  return { snapshot: next, events };
}

export class IncidentTransitionError extends Error {
  constructor(readonly incidentId: string, readonly from: IncidentStatus, readonly action: string) {
    super(`incident ${incidentId} is ${from}: cannot ${action}`);
    this.name = 'IncidentTransitionError';
  }
}

const OPEN: ReadonlySet<IncidentStatus> = new Set(['detected', 'confirmed', 'responding']);

export function isOpen(status: IncidentStatus): boolean {
  return OPEN.has(status);
}

/** A duty officer confirms, optionally setting the level at the same time. */
export function confirmIncident(current: IncidentSnapshot, level: EmergencyLevel | null, now: Date): IncidentChange {
  if (current.status !== 'detected') throw new IncidentTransitionError(current.id, current.status, 'confirm');
  const events: IncidentEventKind[] = ['confirmed'];
  const next: IncidentSnapshot = { ...current, status: 'confirmed', levelConfirmed: true, updatedAt: now.toISOString() };
  if (level && level !== current.level) {
    next.level = level;
    events.push('level_changed');
  }
  return { snapshot: next, events };
}

export function setLevel(current: IncidentSnapshot, level: EmergencyLevel | null, now: Date): IncidentChange {
  if (!isOpen(current.status)) throw new IncidentTransitionError(current.id, current.status, 'set the level');
  return {
    snapshot: { ...current, level, levelConfirmed: true, levelConfidence: 1, updatedAt: now.toISOString() },
    events: level === current.level ? ['updated'] : ['level_changed'],
  };
}

export function dismissIncident(current: IncidentSnapshot, now: Date): IncidentChange {
  if (!isOpen(current.status)) throw new IncidentTransitionError(current.id, current.status, 'dismiss');
  return { snapshot: { ...current, status: 'dismissed', updatedAt: now.toISOString() }, events: ['dismissed'] };
}

export function resolveIncident(current: IncidentSnapshot, now: Date): IncidentChange {
  if (!isOpen(current.status)) throw new IncidentTransitionError(current.id, current.status, 'resolve');
  return { snapshot: { ...current, status: 'resolved', updatedAt: now.toISOString() }, events: ['resolved'] };
}

/** `a` itself when `b` adds nothing (most joins): snapshots are never changed in place. */
function union(a: readonly string[], b: readonly string[]): string[] {
  if (b.every((x) => a.includes(x))) return a as string[];
  return [...new Set([...a, ...b])];
}
