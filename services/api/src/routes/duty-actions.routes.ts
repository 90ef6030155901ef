import { randomUUID } from 'node:crypto';
import type { IncidentSnapshot } from '@huiying/contracts';
import {
  IncidentEditError,
  IncidentNotFoundError,
  IncidentTransitionError,
  confirmIncident,
  correctT0InDb,
  dismissIncident,
  findIncident,
  isOpen,
  mergeIncidentsInDb,
  saveIncidentChange,
  splitIncidentInDb,
  setLevel,
  type IncidentChange,
} from '@huiying/incident-core';
import type { OutboxRelay, Queryable } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorize, signedIn } from '../access/authentication';
import { ApiError } from '../errors';
import {
  ConfirmBody,
  CorrectT0Body,
  DepartmentsBody,
  DismissBody,
  ErrorResponse,
  IncidentIdParams,
  IncidentResponse,
  MergeBody,
  SetLevelBody,
  SplitBody,
  SplitResponse,
} from '../http-schemas';

export interface DutyActionRoutesOptions {
  db: Db;
  /** Flushed after each commit so the SLA timer re-plans at once; without it the relay's sweep does. */
  relay?: OutboxRelay;
  now: () => Date;
  /** Called after each committed change, so cached reads never outlive it. */
  onChange?: () => void;
}

const responses = { 200: IncidentResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

type Snapshot = IncidentSnapshot & { keyTerms: string[] };

async function lockedIncident(tx: Queryable, id: string): Promise<Snapshot> {
  const incident = await findIncident(tx, id, true);
  if (!incident) throw new ApiError('incident_not_found', { id });
  return incident;
}

const withoutKeyTerms = ({ keyTerms: _k, ...snapshot }: Snapshot): IncidentSnapshot => snapshot;

function mapEditErrors(error: unknown): never {
  if (error instanceof IncidentNotFoundError) throw new ApiError('incident_not_found', { id: error.incidentId });
  return mapLifecycleErrors(error);
}

function mapLifecycleErrors(error: unknown): never {
  if (error instanceof IncidentTransitionError || error instanceof IncidentEditError) {
    throw new ApiError('state_changed', { detail: error.message });
  }
  throw error;
}

/**
 * The duty officer's actions. Each one goes through incident-core's pure transitions and
 * `saveIncidentChange` (incident row, history row, outbox events in one transaction); the outbox
 * event is what makes the SLA timer start, re-plan or stop the clocks.
 */
export const dutyActionRoutes: FastifyPluginAsyncZod<DutyActionRoutesOptions> = async (app, options) => {
  const { db } = options;

  /** Locks the incident, checks the caller may act on it, applies the change, commits, publishes. */
  async function act(
    incidentId: string,
    check: (incident: Snapshot) => void,
    change: (incident: Snapshot, now: Date) => IncidentChange,
    context: { actor: string; reason?: string },
  ): Promise<{ incident: IncidentSnapshot }> {
    const snapshot = await db
      .transaction(async (tx) => {
        const incident = await lockedIncident(tx, incidentId);
        check(incident);
        const next = change(incident, options.now());
        await saveIncidentChange(tx, next, { ...context, traceId: randomUUID() });
        return next.snapshot;
      })
      .catch(mapLifecycleErrors);
    options.onChange?.();
    await options.relay?.flush();
    return { incident: snapshot };
  }

  const incidentResource = (i: Snapshot) => ({ kind: 'incident' as const, departments: i.departments });

  app.post(
    '/api/incidents/:id/confirm',
    { schema: { tags: ['duty'], params: IncidentIdParams, body: ConfirmBody, response: responses } },
    async (request) => {
      const actor = signedIn(request).id;
      return act(
        request.params.id,
        (i) => authorize(request, 'incident.confirm', incidentResource(i)),
        (i, now) => confirmIncident(withoutKeyTerms(i), request.body.level ?? null, now),
        { actor },
      );
    },
  );

  app.post(
    '/api/incidents/:id/level',
    { schema: { tags: ['duty'], params: IncidentIdParams, body: SetLevelBody, response: responses } },
    async (request) => {
      const actor = signedIn(request).id;
      return act(
        request.params.id,
        (i) => authorize(request, 'incident.set_level', incidentResource(i)),
        (i, now) => setLevel(withoutKeyTerms(i), request.body.level, now),
        { actor, ...(request.body.reason ? { reason: request.body.reason } : {}) },
      );
    },
  );

  app.post(
    '/api/incidents/:id/dismiss',
    { schema: { tags: ['duty'], params: IncidentIdParams, body: DismissBody, response: responses } },
    async (request) => {
      const actor = signedIn(request).id;
      const reason = request.body.reason.trim();
      return act(
        request.params.id,
        (i) => {
          authorize(request, 'incident.dismiss', incidentResource(i));
          // A dismissal stops the clocks: the rules want the reason on record.
          if (reason.length < 2) throw new ApiError('reason_required');
        },
        (i, now) => dismissIncident(withoutKeyTerms(i), now),
        { actor, reason },
      );
    },
  );

  app.post(
    '/api/incidents/:id/departments',
    { schema: { tags: ['duty'], params: IncidentIdParams, body: DepartmentsBody, response: responses } },
    async (request) => {
      const actor = signedIn(request).id;
      const departments = [...new Set(request.body.departments)];
      return act(
        request.params.id,
        (i) => authorize(request, 'incident.assign_department', incidentResource(i)),
        (i, now) => {
          if (!isOpen(i.status)) throw new IncidentTransitionError(i.id, i.status, 'assign departments');
          return { snapshot: { ...withoutKeyTerms(i), departments, updatedAt: now.toISOString() }, events: ['updated'] };
        },
        { actor, reason: request.body.reason || `责任单位：${departments.join('、') || '（无）'}` },
      );
    },
  );

  /** Reads an incident unlocked, to check the caller's rights before an edit that locks it itself. */
  async function incidentToEdit(id: string): Promise<Snapshot> {
    const incident = await findIncident(db, id);
    if (!incident) throw new ApiError('incident_not_found', { id });
    return incident;
  }

  /** Runs one of incident-core's edit transactions, then lets caches and clocks hear of it. */
  async function edit<T>(run: () => Promise<T>): Promise<T> {
    const result = await run().catch(mapEditErrors);
    options.onChange?.();
    await options.relay?.flush();
    return result;
  }

  app.post(
    '/api/incidents/:id/t0',
    { schema: { tags: ['duty'], params: IncidentIdParams, body: CorrectT0Body, response: responses } },
    async (request) => {
      const actor = signedIn(request).id;
      authorize(request, 'incident.correct_t0', incidentResource(await incidentToEdit(request.params.id)));
      const incident = await edit(() =>
        correctT0InDb(db, { incidentId: request.params.id, t0: request.body.t0, actor, reason: request.body.reason, now: options.now() }),
      );
      return { incident };
    },
  );

  app.post(
    '/api/incidents/:id/merge',
    { schema: { tags: ['duty'], params: IncidentIdParams, body: MergeBody, response: responses } },
    async (request) => {
      const actor = signedIn(request).id;
      const absorbedId = request.params.id;
      const survivorId = request.body.into;
      if (absorbedId === survivorId) throw new ApiError('state_changed', { detail: 'an incident cannot be merged into itself' });
      const [from, into] = [await incidentToEdit(absorbedId), await incidentToEdit(survivorId)];
      authorize(request, 'incident.merge', { kind: 'merge', from: incidentResource(from), into: incidentResource(into) });
      const outcome = await edit(() =>
        mergeIncidentsInDb(db, { survivorId, absorbedId, actor, reason: request.body.reason, now: options.now() }),
      );
      return { incident: outcome.survivor };
    },
  );

  app.post(
    '/api/incidents/:id/split',
    {
      schema: {
        tags: ['duty'],
        params: IncidentIdParams,
        body: SplitBody,
        response: { ...responses, 200: SplitResponse },
      },
    },
    async (request) => {
      const actor = signedIn(request).id;
      const source = await incidentToEdit(request.params.id);
      authorize(request, 'incident.split', incidentResource(source));
      const outcome = await edit(() =>
        splitIncidentInDb(db, { incidentId: source.id, postIds: [...new Set(request.body.postIds)], actor, reason: request.body.reason, now: options.now() }),
      );
      return { incident: outcome.source, split: outcome.split, movedPostIds: outcome.movedPostIds };
    },
  );
};
