import { findIncident } from '@huiying/incident-core';
import { enqueueEvent } from '@huiying/outbox';
import { StatementEventMessage } from '@huiying/contracts';
import { linkRepeatingPosts } from '../claims/claim-registry';
import { findDraft, findVersion, statementOf, statementsOfDraft, type PublishedStatement } from '../drafting/draft-store';
import { StatementError } from '../statement-errors';
import { audit, authorize, shortId, type ActionContext, type StatementsSetup } from '../workflow-context';
import { enqueueDeliveries } from './webhook-delivery';

export interface PublishResult {
  statement: PublishedStatement;
  /** True when this version was already published: nothing was published again. */
  alreadyPublished: boolean;
}

async function flushQuietly(setup: StatementsSetup): Promise<void> {
  // The commit already holds the event; if the bus is down now, the relay's sweep sends it later.
  // Failing the request would only make the spokesperson publish again.
  await setup.relay.flush().catch((err: unknown) => setup.logger.warn({ err }, 'outbox flush after publishing failed; the sweep will retry'));
}

/**
 * Publishes the draft's current, signed-off version: the statement row (immutable), the supersede
 * link of a correction, one delivery per webhook, the claim debunked, and — for an incident — the
 * `statement_published` event that meets its statement clock. Publishing a version again returns
 * the statement published the first time.
 */
export async function publishDraft(setup: StatementsSetup, id: string, ctx: ActionContext): Promise<PublishResult> {
  const result = await setup.db.transaction(async (tx): Promise<PublishResult> => {
    const draft = await findDraft(tx, id, true);
    if (!draft) throw new StatementError('draft_not_found', `draft ${id} not found`);
    const published = await statementsOfDraft(tx, id);
    const existing = published.find((s) => s.version === draft.currentVersion);
    authorize(ctx, 'statement.publish', { kind: 'publish', department: draft.department, signedOff: draft.status === 'approved' || existing !== undefined });
    if (existing) {
      await audit(tx, ctx, 'statement.publish_repeated', { subjectKind: 'statement', subjectId: existing.id }, { draftId: id, version: draft.currentVersion });
      return { statement: existing, alreadyPublished: true };
    }
    const version = (await findVersion(tx, id, draft.currentVersion))!;
    const previous = published.filter((s) => s.supersededBy === null).at(-1) ?? null;
    const statementId = `${shortId('stm')}_v${version.version}`;
    const at = ctx.now.toISOString();
    const { rows } = await tx.query<Record<string, unknown>>(
      `INSERT INTO statements (id, draft_id, version, kind, department, incident_id, title, body, published_at, published_by, supersedes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (draft_id, version) DO NOTHING RETURNING *`,
      [statementId, id, version.version, draft.kind, draft.department, draft.incidentId, version.title, version.body, at, ctx.principal.id, previous?.id ?? null],
    );
    if (!rows[0]) throw new StatementError('wrong_state', `draft ${id} version ${version.version} was published concurrently`);
    const statement = statementOf(rows[0]);
    if (previous) await tx.query('UPDATE statements SET superseded_by = $2 WHERE id = $1', [previous.id, statement.id]);
    await tx.query(`UPDATE drafts SET status = 'published', updated_at = $2 WHERE id = $1`, [id, at]);
    await enqueueDeliveries(tx, statement.id, setup.webhooks, ctx.now);
    if (draft.incidentId) {
      await enqueueEvent(tx, {
        def: StatementEventMessage,
        key: draft.incidentId,
        traceId: `statement-${statement.id}`,
        // Deterministic: the event is this statement's publication, however often it is enqueued.
        id: `statement-published-${statement.id}`,
        occurredAt: ctx.now,
        payload: { kind: 'statement_published', incidentId: draft.incidentId, statementId: statement.id, at, actor: ctx.principal.id },
      });
    }
    if (draft.claimId && draft.kind === 'rebuttal') {
      await tx.query(
        `UPDATE claims SET status = 'debunked', statement_id = $2, debunked_at = COALESCE(debunked_at, $3) WHERE id = $1`,
        [draft.claimId, statement.id, at],
      );
      await linkRepeatingPosts(tx, draft.claimId, ctx.now);
    }
    await audit(tx, ctx, previous ? 'statement.correction_published' : 'statement.published', { subjectKind: 'statement', subjectId: statement.id }, {
      draftId: id, version: version.version, incidentId: draft.incidentId, supersedes: previous?.id ?? null,
      claimId: draft.claimId, webhooks: setup.webhooks.map((w) => w.name),
    });
    return { statement, alreadyPublished: false };
  });
  if (!result.alreadyPublished) await flushQuietly(setup);
  return result;
}

export interface PressConferenceInput {
  heldAt: string;
  venue: string;
  speakers: string[];
  /** The notice or statement released with it, if any. */
  statementId?: string | undefined;
}

export interface PressConferenceRecord extends PressConferenceInput {
  id: string;
  incidentId: string;
  recordedBy: string;
}

/** A press conference held for the incident: meets its 24-hour clock through the outbox. */
export async function recordPressConference(
  setup: StatementsSetup, incidentId: string, input: PressConferenceInput, ctx: ActionContext,
): Promise<PressConferenceRecord> {
  const incident = await findIncident(setup.db, incidentId);
  if (!incident) throw new StatementError('incident_not_found', `incident ${incidentId} not found`);
  authorize(ctx, 'press_conference.record', { kind: 'incident', departments: incident.departments });
  const heldAt = new Date(input.heldAt);
  // Five minutes of slack for a clock that runs a little ahead; a later time is a conference not yet held.
  if (heldAt.getTime() > ctx.now.getTime() + 5 * 60_000) throw new StatementError('bad_request', 'heldAt is in the future: record a conference once it was held');
  const id = shortId('prc');
  await setup.db.transaction(async (tx) => {
    if (input.statementId) {
      const { rows } = await tx.query('SELECT 1 FROM statements WHERE id = $1', [input.statementId]);
      if (!rows[0]) throw new StatementError('statement_not_found', `statement ${input.statementId} not found`);
    }
    await tx.query(
      `INSERT INTO press_conferences (id, incident_id, held_at, venue, speakers, statement_id, recorded_by, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, incidentId, heldAt.toISOString(), input.venue, input.speakers, input.statementId ?? null, ctx.principal.id, ctx.now.toISOString()],
    );
    await enqueueEvent(tx, {
      def: StatementEventMessage,
      key: incidentId,
      traceId: `press-conference-${id}`,
      id: `press-conference-held-${id}`,
      occurredAt: heldAt,
      payload: { kind: 'press_conference_held', incidentId, statementId: input.statementId ?? id, at: heldAt.toISOString(), actor: ctx.principal.id },
    });
    await audit(tx, ctx, 'press_conference.recorded', { subjectKind: 'press_conference', subjectId: id }, {
      incidentId, heldAt: heldAt.toISOString(), venue: input.venue, speakers: input.speakers, statementId: input.statementId ?? null,
    });
  });
  await flushQuietly(setup);
  return { id, incidentId, heldAt: heldAt.toISOString(), venue: input.venue, speakers: input.speakers, statementId: input.statementId, recordedBy: ctx.principal.id };
}
