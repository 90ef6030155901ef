import type { Principal } from '@huiying/access';
import { findIncident } from '@huiying/incident-core';
import type { Db } from '@huiying/store';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { claimRecords, claimVolumeOfIncident } from '../claims/claim-registry';
import { findStatement } from '../drafting/draft-store';
import {
  compareVersions, createDraft, discardDraft, draftVersion, draftVersions, listDrafts, readDraft, saveVersion,
} from '../drafting/drafts';
import { loadDeskDrafts } from '../drafting/drafting-desk';
import { publishDraft, recordPressConference } from '../publishing/publish-workflow';
import type { WebhookDeliverer } from '../publishing/webhook-delivery';
import { decideStep, submitDraft } from '../sign-off/sign-off-workflow';
import { StatementError } from '../statement-errors';
import { StatementKind } from '../templates/template-catalog';
import { authorize, type ActionContext } from '../workflow-context';
import { createStatementsSetup, type StatementsSetupOptions } from '../statements-setup';
import { feedRoutes } from './feed.routes';

export interface StatementRoutesOptions extends Omit<StatementsSetupOptions, 'db'> {
  db: Db;
  /**
   * Run before every route but the public feeds; the API's authentication sets `request.principal`
   * (a `Principal` of @huiying/access) here. Without it, something earlier must have set it.
   */
  authorize?: (request: FastifyRequest, reply: FastifyReply) => Promise<void> | void;
  /** Sends the new statement's webhook deliveries right after publishing; a worker retries the rest. */
  deliverer?: WebhookDeliverer;
  /** The product's public origin for feed links. */
  publicBaseUrl: string;
  /** Names the feeds (`陇南市`). */
  cityName: string;
}

const Id = z.string().min(1).max(100);
const Fields = z.record(z.string().max(64), z.string().max(20_000));
const NewDraftBody = z.object({
  kind: StatementKind,
  department: z.string().min(1).max(100),
  incidentId: Id.nullish(),
  claimText: z.string().min(2).max(2_000).optional(),
  claimId: Id.optional(),
  fields: Fields.optional(),
  title: z.string().min(1).max(500).optional(),
  body: z.string().min(1).max(50_000).optional(),
});
const EditBody = z.object({
  fields: Fields.optional(),
  title: z.string().min(1).max(500).optional(),
  body: z.string().min(1).max(50_000).optional(),
}).refine((e) => e.fields || e.title || e.body, 'nothing to save: give fields, title or body');
const DraftParams = z.object({ id: Id });
const VersionParams = z.object({ id: Id, version: z.coerce.number().int().min(1) });
const StepParams = z.object({ id: Id, position: z.coerce.number().int().min(0).max(20) });
const DiffQuery = z.object({
  from: z.coerce.number().int().min(1),
  to: z.coerce.number().int().min(1),
  granularity: z.enum(['word', 'char']).default('word'),
});
const RejectBody = z.object({ comment: z.string().trim().min(1).max(5_000) });
const ApproveBody = z.object({ comment: z.string().max(5_000).optional() }).optional();
const PressConferenceBody = z.object({
  heldAt: z.iso.datetime({ offset: true }),
  venue: z.string().min(1).max(200),
  speakers: z.array(z.string().min(1).max(100)).min(1).max(20),
  statementId: Id.optional(),
});
const ListQuery = z.object({ department: z.string().min(1).max(100).optional() });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new StatementError('bad_request', result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return result.data;
}

/** Not declared on FastifyRequest here: the API owns that augmentation; this reads it. */
function principalOf(request: FastifyRequest): Principal | undefined {
  return (request as FastifyRequest & { principal?: Principal | null }).principal ?? undefined;
}

/**
 * Drafting, sign-off, publishing, press conferences and claims under `/api`, and the public feeds
 * under `/feeds` (no authentication). Every route answers 401 without a principal and 403 with the
 * policy's reason when `can()` refuses.
 */
export async function statementRoutes(app: FastifyInstance, options: StatementRoutesOptions): Promise<void> {
  const setup = createStatementsSetup(options);

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof StatementError) {
      return reply.code(error.status).send({ error: error.code, message: error.message, ...(error.reason !== undefined && { reason: error.reason }) });
    }
    return reply.send(error);
  });

  await app.register(feedRoutes, { db: options.db, publicBaseUrl: options.publicBaseUrl, cityName: options.cityName, templates: setup.templates });

  await app.register(async (api) => {
    // Wrapped: fastify waits forever for the `done` callback of a two-argument hook that returns no promise.
    const authenticate = options.authorize;
    if (authenticate) api.addHook('preHandler', async (request, reply) => void (await authenticate(request, reply)));
    const context = (request: FastifyRequest): ActionContext => {
      const principal = principalOf(request);
      if (!principal) throw new StatementError('unauthenticated', 'sign in first');
      const userAgent = request.headers['user-agent'];
      return { principal, origin: { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null }, now: new Date() };
    };

    api.get('/api/statement-templates', async (request) => {
      context(request);
      return { templates: [...setup.templates.values()].map((t) => ({ kind: t.kind, name: t.name, stages: t.stages, fields: t.fields })) };
    });
    api.get('/api/drafts', async (request) => {
      const ctx = context(request);
      // The drafting desk's shape (services/console/API.md `Draft`); a draft in full is GET /api/drafts/:id.
      const records = await listDrafts(setup, ctx, parse(ListQuery, request.query));
      return { drafts: await loadDeskDrafts(options.db, records, ctx.principal, setup.templates) };
    });
    api.post('/api/drafts', async (request, reply) => {
      const ctx = context(request);
      return reply.code(201).send(await createDraft(setup, parse(NewDraftBody, request.body), ctx));
    });
    api.get('/api/drafts/:id', async (request) => {
      const ctx = context(request);
      return readDraft(setup, parse(DraftParams, request.params).id, ctx);
    });
    api.patch('/api/drafts/:id', async (request) => {
      const ctx = context(request);
      return saveVersion(setup, parse(DraftParams, request.params).id, parse(EditBody, request.body), ctx);
    });
    api.delete('/api/drafts/:id', async (request) => {
      const ctx = context(request);
      return discardDraft(setup, parse(DraftParams, request.params).id, ctx);
    });
    api.get('/api/drafts/:id/versions', async (request) => {
      const ctx = context(request);
      return { versions: await draftVersions(setup, parse(DraftParams, request.params).id, ctx) };
    });
    api.get('/api/drafts/:id/versions/:version', async (request) => {
      const ctx = context(request);
      const { id, version } = parse(VersionParams, request.params);
      return draftVersion(setup, id, version, ctx);
    });
    api.get('/api/drafts/:id/diff', async (request) => {
      const ctx = context(request);
      const q = parse(DiffQuery, request.query);
      return compareVersions(setup, parse(DraftParams, request.params).id, q.from, q.to, q.granularity, ctx);
    });
    api.post('/api/drafts/:id/submit', async (request) => {
      const ctx = context(request);
      return { steps: await submitDraft(setup, parse(DraftParams, request.params).id, ctx) };
    });
    api.post('/api/drafts/:id/steps/:position/approve', async (request) => {
      const ctx = context(request);
      const { id, position } = parse(StepParams, request.params);
      parse(ApproveBody, request.body);
      return decideStep(setup, id, position, { decision: 'approve' }, ctx);
    });
    api.post('/api/drafts/:id/steps/:position/reject', async (request) => {
      const ctx = context(request);
      const { id, position } = parse(StepParams, request.params);
      return decideStep(setup, id, position, { decision: 'reject', comment: parse(RejectBody, request.body).comment }, ctx);
    });
    api.post('/api/drafts/:id/publish', async (request, reply) => {
      const ctx = context(request);
      const result = await publishDraft(setup, parse(DraftParams, request.params).id, ctx);
      if (!result.alreadyPublished && options.deliverer) {
        await options.deliverer.deliverDue().catch((err: unknown) => setup.logger.warn({ err }, 'webhook delivery after publishing failed; the worker retries'));
      }
      return reply.code(result.alreadyPublished ? 200 : 201).send(result);
    });
    api.get('/api/statements/:id', async (request) => {
      context(request);
      const statement = await findStatement(options.db, parse(DraftParams, request.params).id);
      if (!statement) throw new StatementError('statement_not_found', 'no such statement');
      return statement;
    });
    api.post('/api/incidents/:id/press-conferences', async (request, reply) => {
      const ctx = context(request);
      const record = await recordPressConference(setup, parse(DraftParams, request.params).id, parse(PressConferenceBody, request.body), ctx);
      return reply.code(201).send(record);
    });
    api.get('/api/claims', async (request) => {
      context(request);
      return { claims: await claimRecords(options.db) };
    });
    api.get('/api/incidents/:id/claim-volume', async (request) => {
      const ctx = context(request);
      const incident = await findIncident(options.db, parse(DraftParams, request.params).id);
      if (!incident) throw new StatementError('incident_not_found', 'no such incident');
      authorize(ctx, 'incident.read', { kind: 'incident', departments: incident.departments });
      return { claims: await claimVolumeOfIncident(options.db, incident.id) };
    });
  });
}
