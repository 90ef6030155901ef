import { enqueueEvent } from '@huiying/outbox';
import { SignOffOverdueMessage } from '@huiying/contracts';
import type { Queryable } from '@huiying/store';
import { appendAudit } from '../audit/audit-trail';
import { findDraft, findVersion, stepOf, stepsOfRound, type SignOffStep } from '../drafting/draft-store';
import { StatementError } from '../statement-errors';
import type { ClockStage } from '../templates/template-catalog';
import { audit, authorize, configuredChain, type ActionContext, type StatementsSetup } from '../workflow-context';
import { decideRound, defaultChain, escalationDue, planSignOff, type StepDecision } from './sign-off-chain';

/** The deadline of the first running (or breached) clock among the stages the draft serves. */
async function servedClockDue(db: Queryable, incidentId: string | null, stages: readonly ClockStage[]): Promise<string | null> {
  if (!incidentId || stages.length === 0) return null;
  const { rows } = await db.query<{ stage: string; due_at: unknown }>(
    `SELECT stage, due_at FROM clocks WHERE incident_id = $1 AND status IN ('running', 'breached')`,
    [incidentId],
  );
  for (const stage of stages) {
    const row = rows.find((r) => r.stage === stage);
    if (row) return new Date(String(row.due_at)).toISOString();
  }
  return null;
}

async function insertSteps(tx: Queryable, draftId: string, round: number, version: number, steps: ReturnType<typeof planSignOff>): Promise<void> {
  for (const step of steps) {
    await tx.query(
      `INSERT INTO sign_off_steps (draft_id, round, position, label, department, approver_ids, status, version, due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [draftId, round, step.position, step.label, step.department, step.approverIds, step.position === 0 ? 'pending' : 'waiting', version, step.dueAt],
    );
  }
}

/** Hands the current version to the department's chain; each step's deadline follows the clock it serves. */
export async function submitDraft(setup: StatementsSetup, id: string, ctx: ActionContext): Promise<SignOffStep[]> {
  return setup.db.transaction(async (tx) => {
    const draft = await findDraft(tx, id, true);
    if (!draft) throw new StatementError('draft_not_found', `draft ${id} not found`);
    authorize(ctx, 'statement.draft', { kind: 'draft', department: draft.department, authorId: draft.authorId });
    if (draft.status !== 'editing') throw new StatementError('wrong_state', `draft ${id} is ${draft.status}; only a draft being edited is submitted`);
    const template = setup.templates.get(draft.kind);
    const chain = (await configuredChain(tx, draft.department)) ?? defaultChain(setup.newsOffice);
    const clockDueAt = await servedClockDue(tx, draft.incidentId, template?.stages ?? []);
    const planned = planSignOff({ chain, department: draft.department, submittedAt: ctx.now, clockDueAt, timing: setup.timing });
    const round = draft.reviewRound + 1;
    await insertSteps(tx, id, round, draft.currentVersion, planned);
    await tx.query(`UPDATE drafts SET status = 'in_review', review_round = $2, updated_at = $3 WHERE id = $1`, [id, round, ctx.now.toISOString()]);
    await audit(tx, ctx, 'draft.submitted', { subjectKind: 'draft', subjectId: id }, {
      round, version: draft.currentVersion, clockDueAt, steps: planned.map((s) => ({ label: s.label, department: s.department, dueAt: s.dueAt })),
    });
    return stepsOfRound(tx, id, round);
  });
}

/**
 * The current approver's decision. Four eyes: whoever wrote the draft or the version under review
 * cannot sign it off; only the current step can be decided; a rejection needs its reasons and
 * returns the draft to its author.
 */
export async function decideStep(
  setup: StatementsSetup, id: string, position: number, decision: StepDecision, ctx: ActionContext,
): Promise<{ outcome: 'approved' | 'advanced' | 'rejected'; steps: SignOffStep[] }> {
  return setup.db.transaction(async (tx) => {
    const draft = await findDraft(tx, id, true);
    if (!draft) throw new StatementError('draft_not_found', `draft ${id} not found`);
    const steps = await stepsOfRound(tx, id, draft.reviewRound);
    const step = steps.find((s) => s.position === position);
    if (draft.status !== 'in_review' || !step) {
      throw new StatementError(step ? 'wrong_state' : 'step_not_found', `draft ${id} has no open step ${position} (draft is ${draft.status})`);
    }
    const version = await findVersion(tx, id, step.version);
    const wroteIt = draft.authorId === ctx.principal.id || version?.authorId === ctx.principal.id;
    authorize(ctx, 'statement.approve_step', {
      kind: 'sign_off_step', department: step.department, draftAuthorId: wroteIt ? ctx.principal.id : draft.authorId,
      approverIds: step.approverIds, current: step.status === 'pending',
    });
    if (decision.decision === 'reject' && decision.comment.trim() === '') throw new StatementError('comment_required', 'a rejection needs a comment for the author');
    const outcome = decideRound(steps.map((s) => s.status), position, decision);
    const at = ctx.now.toISOString();
    for (const s of steps) {
      const status = outcome.steps[s.position]!;
      if (s.position === position) {
        await tx.query(
          `UPDATE sign_off_steps SET status = $4, decided_at = $5, decided_by = $6, comment = $7 WHERE draft_id = $1 AND round = $2 AND position = $3`,
          [id, draft.reviewRound, position, status, at, ctx.principal.id, decision.decision === 'reject' ? decision.comment : null],
        );
      } else if (status !== s.status) {
        await tx.query(`UPDATE sign_off_steps SET status = $4 WHERE draft_id = $1 AND round = $2 AND position = $3`, [id, draft.reviewRound, s.position, status]);
      }
    }
    const draftStatus = outcome.kind === 'approved' ? 'approved' : outcome.kind === 'rejected' ? 'editing' : 'in_review';
    await tx.query(`UPDATE drafts SET status = $2, updated_at = $3 WHERE id = $1`, [id, draftStatus, at]);
    await audit(tx, ctx, decision.decision === 'approve' ? 'sign_off.approved' : 'sign_off.rejected', { subjectKind: 'draft', subjectId: id }, {
      round: draft.reviewRound, position, label: step.label, version: step.version,
      ...(decision.decision === 'reject' && { comment: decision.comment, returnedTo: draft.authorId }),
    });
    return { outcome: outcome.kind, steps: await stepsOfRound(tx, id, draft.reviewRound) };
  });
}

/**
 * Escalates every current step past its deadline: one outbox event per escalation for the notifier,
 * one audit entry. A periodic worker calls it; deterministic event ids make a re-run harmless.
 */
export async function escalateOverdueSteps(setup: StatementsSetup, now: Date): Promise<number> {
  const { rows } = await setup.db.query<Record<string, unknown>>(
    `SELECT st.*, d.department AS draft_department, d.incident_id, d.author_id
       FROM sign_off_steps st JOIN drafts d ON d.id = st.draft_id AND d.review_round = st.round
      WHERE st.status = 'pending' AND st.due_at <= $1 AND d.status = 'in_review'
      ORDER BY st.due_at LIMIT 200`,
    [now.toISOString()],
  );
  let escalated = 0;
  for (const row of rows) {
    const draftId = String(row.draft_id);
    const done = await setup.db.transaction(async (tx) => {
      const { rows: locked } = await tx.query<Record<string, unknown>>(
        `SELECT * FROM sign_off_steps WHERE draft_id = $1 AND round = $2 AND position = $3 FOR UPDATE`,
        [draftId, row.round, row.position],
      );
      if (!locked[0]) return false;
      const step = stepOf(locked[0]);
      if (!escalationDue(step, now, setup.escalation)) return false;
      const escalation = step.escalations + 1;
      await tx.query(
        `UPDATE sign_off_steps SET escalations = $4, escalated_at = $5 WHERE draft_id = $1 AND round = $2 AND position = $3`,
        [draftId, step.round, step.position, escalation, now.toISOString()],
      );
      const version = await findVersion(tx, draftId, step.version);
      await enqueueEvent(tx, {
        def: SignOffOverdueMessage,
        key: draftId,
        traceId: `draft-${draftId}`,
        id: `sign-off-overdue-${draftId}-${step.round}-${step.position}-${escalation}`,
        occurredAt: now,
        payload: {
          draftId, department: String(row.draft_department), incidentId: (row.incident_id as string | null) ?? null,
          title: version?.title ?? '', authorId: String(row.author_id),
          step: { position: step.position, label: step.label, department: step.department, approverIds: step.approverIds, dueAt: step.dueAt },
          escalation, at: now.toISOString(),
        },
      });
      await appendAudit(tx, {
        at: now.toISOString(), actor: 'system:statements', action: 'sign_off.escalated', subjectKind: 'draft', subjectId: draftId,
        ip: null, userAgent: null, detail: { round: step.round, position: step.position, label: step.label, dueAt: step.dueAt, escalation },
      });
      return true;
    });
    if (done) escalated++;
  }
  if (escalated > 0) await setup.relay.flush();
  return escalated;
}
