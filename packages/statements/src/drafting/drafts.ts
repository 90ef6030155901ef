import { can, coversDepartment } from '@huiying/access';
import { findIncident } from '@huiying/incident-core';
import type { Queryable } from '@huiying/store';
import { StatementError } from '../statement-errors';
import type { FieldValues, StatementKind, StatementTemplate } from '../templates/template-catalog';
import { audit, authorize, shortId, type ActionContext, type StatementsSetup } from '../workflow-context';
import {
  draftOf, findDraft, findVersion, insertVersion, listVersions, statementsOfDraft, stepsOfRound,
  type DraftRecord, type DraftVersion, type PublishedStatement, type SignOffStep,
} from './draft-store';
import { prefillFields, type AnsweredPost } from './prefill';
import { diffVersions, type DiffGranularity, type VersionDiff } from './version-diff';

export interface DraftView extends DraftRecord {
  title: string;
  body: string;
  fields: FieldValues;
  /** The running (or last) sign-off round. */
  steps: SignOffStep[];
  /** Set after a rejection: the step's comment, for the author. */
  rejection: { label: string; by: string | null; comment: string | null; at: string | null } | null;
  statements: PublishedStatement[];
}

export interface NewDraft {
  kind: StatementKind;
  department: string;
  incidentId?: string | null | undefined;
  /** A rebuttal: the claim as it circulates (a new registry entry) … */
  claimText?: string | undefined;
  /** … or a claim already in the registry. */
  claimId?: string | undefined;
  fields?: FieldValues | undefined;
  title?: string | undefined;
  body?: string | undefined;
}

export interface DraftEdit {
  fields?: FieldValues | undefined;
  title?: string | undefined;
  body?: string | undefined;
}

function templateOf(setup: StatementsSetup, kind: StatementKind): StatementTemplate {
  const template = setup.templates.get(kind);
  if (!template) throw new StatementError('unknown_template', `no template for ${kind}`);
  return template;
}

async function postsOfIncident(db: Queryable, incidentId: string): Promise<AnsweredPost[]> {
  const { rows } = await db.query<{ id: string; url: string | null; text: string; published_at: string; classification: unknown }>(
    `SELECT p.id, p.url, p.text, p.published_at, p.classification
       FROM incident_posts ip JOIN posts p ON p.id = ip.post_id
      WHERE ip.incident_id = $1 ORDER BY p.published_at LIMIT 200`,
    [incidentId],
  );
  return rows.map((r) => ({
    id: r.id, url: r.url, text: r.text, publishedAt: String(r.published_at),
    classification: (typeof r.classification === 'string' ? JSON.parse(r.classification) : r.classification) as AnsweredPost['classification'],
  }));
}

/** A new draft, pre-filled from its incident, as version 1. */
export async function createDraft(setup: StatementsSetup, input: NewDraft, ctx: ActionContext): Promise<DraftView> {
  const template = templateOf(setup, input.kind);
  authorize(ctx, 'statement.draft', { kind: 'draft', department: input.department, authorId: ctx.principal.id });
  const { db } = setup;
  let prefilled: FieldValues = { issuer: input.department };
  let answered: string[] = [];
  if (input.incidentId) {
    const incident = await findIncident(db, input.incidentId);
    if (!incident) throw new StatementError('incident_not_found', `incident ${input.incidentId} not found`);
    const posts = await postsOfIncident(db, incident.id);
    answered = posts.map((p) => p.id);
    prefilled = prefillFields({
      kind: input.kind, incident, posts, department: input.department, claimText: input.claimText ?? null,
      now: ctx.now, timeZone: setup.timeZone,
    });
  } else if (input.claimText) {
    prefilled = { ...prefilled, claim: input.claimText };
  }
  const fields = { ...prefilled, ...input.fields };
  const rendered = template.render(fields);
  const id = shortId('dft');
  await db.transaction(async (tx) => {
    let claimId: string | null = null;
    if (input.claimId) {
      const { rows } = await tx.query<{ id: string }>('SELECT id FROM claims WHERE id = $1', [input.claimId]);
      if (!rows[0]) throw new StatementError('claim_not_found', `claim ${input.claimId} not found`);
      claimId = input.claimId;
    } else if (input.kind === 'rebuttal' && fields.claim) {
      claimId = shortId('clm');
      await tx.query(
        `INSERT INTO claims (id, text, status, incident_id, created_at) VALUES ($1, $2, 'circulating', $3, $4)`,
        [claimId, fields.claim, input.incidentId ?? null, ctx.now.toISOString()],
      );
      await audit(tx, ctx, 'claim.registered', { subjectKind: 'claim', subjectId: claimId }, { text: fields.claim, draftId: id });
    }
    await tx.query(
      `INSERT INTO drafts (id, kind, department, incident_id, author_id, status, current_version, claim_id, answered_post_ids, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'editing', 1, $6, $7, $8, $8)`,
      [id, input.kind, input.department, input.incidentId ?? null, ctx.principal.id, claimId, answered, ctx.now.toISOString()],
    );
    await insertVersion(tx, id, {
      version: 1, title: input.title ?? rendered.title, body: input.body ?? rendered.body, fields,
      authorId: ctx.principal.id, createdAt: ctx.now.toISOString(),
    });
    await audit(tx, ctx, 'draft.created', { subjectKind: 'draft', subjectId: id }, {
      kind: input.kind, department: input.department, incidentId: input.incidentId ?? null, claimId, version: 1,
    });
  });
  return readDraftUnchecked(db, id);
}

async function readDraftUnchecked(db: Queryable, id: string): Promise<DraftView> {
  const draft = await findDraft(db, id);
  if (!draft) throw new StatementError('draft_not_found', `draft ${id} not found`);
  const [version, steps, statements] = await Promise.all([
    findVersion(db, id, draft.currentVersion),
    stepsOfRound(db, id, draft.reviewRound),
    statementsOfDraft(db, id),
  ]);
  const rejected = draft.status === 'editing' ? steps.find((s) => s.status === 'rejected') : undefined;
  return {
    ...draft, title: version!.title, body: version!.body, fields: version!.fields, steps, statements,
    rejection: rejected ? { label: rejected.label, by: rejected.decidedBy, comment: rejected.comment, at: rejected.decidedAt } : null,
  };
}

export async function readDraft(setup: StatementsSetup, id: string, ctx: ActionContext): Promise<DraftView> {
  const draft = await findDraft(setup.db, id);
  if (!draft) throw new StatementError('draft_not_found', `draft ${id} not found`);
  authorize(ctx, 'draft.read', { kind: 'draft', department: draft.department, authorId: draft.authorId });
  return readDraftUnchecked(setup.db, id);
}

/** Drafts of the departments the principal may read, most recently changed first. */
export async function listDrafts(setup: StatementsSetup, ctx: ActionContext, filter: { department?: string | undefined } = {}): Promise<DraftRecord[]> {
  const { rows } = await setup.db.query<Record<string, unknown>>(
    `SELECT * FROM drafts WHERE ($1::text IS NULL OR department = $1) AND status <> 'discarded' ORDER BY updated_at DESC LIMIT 200`,
    [filter.department ?? null],
  );
  return rows.map(draftOf).filter((d) => coversDepartment(ctx.principal, d.department) && can(ctx.principal, 'draft.read', { kind: 'draft', department: d.department, authorId: d.authorId }));
}

/**
 * Saves a new version. An approved draft goes back to editing (the approval was for other words);
 * a published one too: the new version is a correction that will supersede the published text.
 */
export async function saveVersion(setup: StatementsSetup, id: string, edit: DraftEdit, ctx: ActionContext): Promise<DraftView> {
  await setup.db.transaction(async (tx) => {
    const draft = await findDraft(tx, id, true);
    if (!draft) throw new StatementError('draft_not_found', `draft ${id} not found`);
    authorize(ctx, 'statement.draft', { kind: 'draft', department: draft.department, authorId: draft.authorId });
    if (draft.status === 'in_review' || draft.status === 'discarded') {
      throw new StatementError('wrong_state', `draft ${id} is ${draft.status}: ${draft.status === 'in_review' ? 'wait for the sign-off or its rejection' : 'discarded drafts stay as they are'}`);
    }
    const previous = (await findVersion(tx, id, draft.currentVersion))!;
    const fields = { ...previous.fields, ...edit.fields };
    const rendered = edit.fields ? templateOf(setup, draft.kind).render(fields) : previous;
    const version: DraftVersion = {
      version: draft.currentVersion + 1,
      title: edit.title ?? rendered.title,
      body: edit.body ?? rendered.body,
      fields, authorId: ctx.principal.id, createdAt: ctx.now.toISOString(),
    };
    await insertVersion(tx, id, version);
    await tx.query(`UPDATE drafts SET current_version = $2, status = 'editing', updated_at = $3 WHERE id = $1`, [id, version.version, ctx.now.toISOString()]);
    await audit(tx, ctx, 'draft.version_saved', { subjectKind: 'draft', subjectId: id }, {
      version: version.version, from: draft.status, correction: draft.status === 'published',
    });
  });
  return readDraftUnchecked(setup.db, id);
}

/** Drops a draft nothing was published from; the rows stay as evidence. */
export async function discardDraft(setup: StatementsSetup, id: string, ctx: ActionContext): Promise<DraftView> {
  await setup.db.transaction(async (tx) => {
    const draft = await findDraft(tx, id, true);
    if (!draft) throw new StatementError('draft_not_found', `draft ${id} not found`);
    authorize(ctx, 'statement.draft', { kind: 'draft', department: draft.department, authorId: draft.authorId });
    if (draft.status !== 'editing' && draft.status !== 'approved') throw new StatementError('wrong_state', `draft ${id} is ${draft.status} and cannot be discarded`);
    if ((await statementsOfDraft(tx, id)).length > 0) throw new StatementError('wrong_state', `draft ${id} has published versions; publish a correction instead`);
    await tx.query(`UPDATE drafts SET status = 'discarded', updated_at = $2 WHERE id = $1`, [id, ctx.now.toISOString()]);
    await audit(tx, ctx, 'draft.discarded', { subjectKind: 'draft', subjectId: id });
  });
  return readDraftUnchecked(setup.db, id);
}

export async function draftVersions(setup: StatementsSetup, id: string, ctx: ActionContext): Promise<DraftVersion[]> {
  await readDraft(setup, id, ctx);
  return listVersions(setup.db, id);
}

export async function draftVersion(setup: StatementsSetup, id: string, version: number, ctx: ActionContext): Promise<DraftVersion> {
  await readDraft(setup, id, ctx);
  const found = await findVersion(setup.db, id, version);
  if (!found) throw new StatementError('version_not_found', `draft ${id} has no version ${version}`);
  return found;
}

/** Any two versions compared: the title and the body, word by word (or character by character). */
export async function compareVersions(
  setup: StatementsSetup, id: string, from: number, to: number, granularity: DiffGranularity, ctx: ActionContext,
): Promise<{ from: number; to: number; title: VersionDiff; body: VersionDiff }> {
  const [a, b] = [await draftVersion(setup, id, from, ctx), await draftVersion(setup, id, to, ctx)];
  return { from, to, title: diffVersions(a.title, b.title, granularity), body: diffVersions(a.body, b.body, granularity) };
}
