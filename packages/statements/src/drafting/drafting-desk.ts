import { can, type Principal } from '@huiying/access';
import { toIso } from '@huiying/incident-core';
import type { Queryable } from '@huiying/store';
import type { ClockStage, StatementKind, TemplateCatalog } from '../templates/template-catalog';
import { draftOf, stepOf, type DraftRecord, type SignOffStep } from './draft-store';

/**
 * A draft as the spokesperson's drafting desk shows it (services/console/API.md, `Draft`): names
 * instead of ids, the deadline it answers, and for each sign-off step whether the reader may act.
 */
export interface DeskDraft {
  id: string;
  incidentId: string | null;
  incidentTitle: string | null;
  kind: StatementKind;
  title: string;
  department: string;
  authorId: string;
  authorName: string;
  version: number;
  /** `editing` reads as `rejected` after a rejection (the author's turn again), else `drafting`. */
  status: 'drafting' | 'in_review' | 'rejected' | 'approved' | 'published';
  deadline: { stage: ClockStage; dueAt: string } | null;
  signOff: DeskSignOffStep[];
  updatedAt: string;
}

export interface DeskSignOffStep {
  step: number;
  label: string;
  department: string;
  /** Who decided it, else the named approvers; null when any approver of the department may. */
  approverName: string | null;
  status: 'waiting' | 'pending' | 'approved' | 'rejected';
  dueAt: string | null;
  at: string | null;
  comment: string | null;
  /** `statement.approve_step` for this reader now: the console shows 同意/退回 only then. */
  canAct: boolean;
}

/** What one draft's desk view is made of, as read from the store. */
export interface DeskParts {
  draft: DraftRecord;
  title: string;
  incidentTitle: string | null;
  /** The running or breached clocks of the draft's incident. */
  clocks: readonly { stage: string; dueAt: string }[];
  /** The sign-off steps of the current round. */
  steps: readonly SignOffStep[];
  /** Display names by user id (authors and approvers). */
  names: ReadonlyMap<string, string>;
}

/** Pure: the desk view of a draft for one reader. Discarded drafts have none. */
export function deskDraftOf(parts: DeskParts, reader: Principal, stagesOf: (kind: StatementKind) => readonly ClockStage[]): DeskDraft | null {
  const { draft, steps, names } = parts;
  if (draft.status === 'discarded') return null;
  const rejected = draft.status === 'editing' && steps.some((s) => s.status === 'rejected');
  const status = draft.status === 'editing' ? (rejected ? 'rejected' : 'drafting') : draft.status;
  // The first running clock among the stages this kind of release answers, most urgent first.
  let deadline: DeskDraft['deadline'] = null;
  for (const stage of stagesOf(draft.kind)) {
    const clock = parts.clocks.find((c) => c.stage === stage);
    if (clock) {
      deadline = { stage, dueAt: clock.dueAt };
      break;
    }
  }
  const nameOf = (id: string) => names.get(id) ?? id;
  return {
    id: draft.id,
    incidentId: draft.incidentId,
    incidentTitle: parts.incidentTitle,
    kind: draft.kind,
    title: parts.title,
    department: draft.department,
    authorId: draft.authorId,
    authorName: nameOf(draft.authorId),
    version: draft.currentVersion,
    status,
    deadline,
    // A void step belongs to a round a rejection ended: nobody acts on it, the desk leaves it out.
    signOff: steps.flatMap((s) => (s.status === 'void' ? [] : [{
      step: s.position,
      label: s.label,
      department: s.department,
      approverName: s.decidedBy ? nameOf(s.decidedBy) : s.approverIds.length > 0 ? s.approverIds.map(nameOf).join('、') : null,
      status: s.status,
      dueAt: s.dueAt,
      at: s.decidedAt,
      comment: s.comment,
      canAct: draft.status === 'in_review' && can(reader, 'statement.approve_step', {
        kind: 'sign_off_step', department: s.department, draftAuthorId: draft.authorId, approverIds: s.approverIds, current: s.status === 'pending',
      }),
    }])),
    updatedAt: draft.updatedAt,
  };
}

/**
 * The desk views of these drafts in four queries whatever their number (titles, incidents,
 * clocks, steps and names), in the order given.
 */
export async function loadDeskDrafts(db: Queryable, drafts: readonly DraftRecord[], reader: Principal, templates: TemplateCatalog): Promise<DeskDraft[]> {
  if (drafts.length === 0) return [];
  const ids = drafts.map((d) => d.id);
  const incidentIds = [...new Set(drafts.flatMap((d) => (d.incidentId ? [d.incidentId] : [])))];
  const [titles, incidents, clocks, steps] = await Promise.all([
    db.query<{ draft_id: string; title: string }>(
      `SELECT v.draft_id, v.title FROM draft_versions v JOIN drafts d ON d.id = v.draft_id AND d.current_version = v.version WHERE v.draft_id = ANY($1)`,
      [ids],
    ),
    db.query<{ id: string; title: string }>(`SELECT id, title FROM incidents WHERE id = ANY($1)`, [incidentIds]),
    db.query<{ incident_id: string; stage: string; due_at: unknown }>(
      `SELECT incident_id, stage, due_at FROM clocks WHERE incident_id = ANY($1) AND status IN ('running', 'breached') ORDER BY due_at`,
      [incidentIds],
    ),
    db.query<Record<string, unknown>>(
      `SELECT s.* FROM sign_off_steps s JOIN drafts d ON d.id = s.draft_id AND d.review_round = s.round WHERE s.draft_id = ANY($1) ORDER BY s.position`,
      [ids],
    ),
  ]);
  const stepRows = steps.rows.map((r) => ({ draftId: String(r.draft_id), step: stepOf(r) }));
  const people = new Set<string>(drafts.map((d) => d.authorId));
  for (const { step } of stepRows) {
    step.approverIds.forEach((id) => people.add(id));
    if (step.decidedBy) people.add(step.decidedBy);
  }
  const { rows: users } = await db.query<{ id: string; display_name: string }>(`SELECT id, display_name FROM users WHERE id = ANY($1)`, [[...people]]);
  const names = new Map(users.map((u) => [u.id, u.display_name]));
  const titleOf = new Map(titles.rows.map((r) => [r.draft_id, r.title]));
  const incidentTitleOf = new Map(incidents.rows.map((r) => [r.id, r.title]));
  const stagesOf = (kind: StatementKind) => templates.get(kind)?.stages ?? [];
  return drafts.flatMap((draft) => {
    const view = deskDraftOf({
      draft,
      title: titleOf.get(draft.id) ?? '',
      incidentTitle: draft.incidentId ? (incidentTitleOf.get(draft.incidentId) ?? null) : null,
      clocks: clocks.rows.filter((c) => c.incident_id === draft.incidentId).map((c) => ({ stage: c.stage, dueAt: toIso(c.due_at) })),
      steps: stepRows.filter((s) => s.draftId === draft.id).map((s) => s.step),
      names,
    }, reader, stagesOf);
    return view ? [view] : [];
  });
}

/** One draft's desk view (after a sign-off decision), or null when it is gone or discarded. */
export async function loadDeskDraft(db: Queryable, id: string, reader: Principal, templates: TemplateCatalog): Promise<DeskDraft | null> {
  const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM drafts WHERE id = $1`, [id]);
  return rows[0] ? ((await loadDeskDrafts(db, [draftOf(rows[0])], reader, templates))[0] ?? null) : null;
}
