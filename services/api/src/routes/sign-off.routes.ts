import { decideStep, loadDeskDraft, readDraft, StatementError, type ActionContext, type StatementsSetupOptions } from '@huiying/statements';
import { createStatementsSetup } from '@huiying/statements';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { signedIn } from '../access/authentication';
import { ApiError } from '../errors';
import { ErrorResponse } from '../http-schemas';

const SignOffParams = z.object({ id: z.string().min(1).max(100) });
const SignOffBody = z.object({
  step: z.number().int().min(0).max(20),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(5_000).default(''),
  /** The version the approver read: a decision on text they did not see is refused. */
  version: z.number().int().min(1).optional(),
});

/** The drafting desk's `Draft` (services/console/API.md), as `GET /api/drafts` lists it. */
const SignOffResponse = z.object({
  draft: z.object({
    id: z.string(), incidentId: z.string().nullable(), incidentTitle: z.string().nullable(), kind: z.string(), title: z.string(),
    department: z.string(), authorId: z.string(), authorName: z.string(), version: z.number(), status: z.string(),
    deadline: z.object({ stage: z.string(), dueAt: z.string() }).nullable(),
    signOff: z.array(z.object({
      step: z.number(), label: z.string(), department: z.string(), approverName: z.string().nullable(), status: z.string(),
      dueAt: z.string().nullable(), at: z.string().nullable(), comment: z.string().nullable(), canAct: z.boolean(),
    })),
    updatedAt: z.string(),
  }),
});

/** The statements workflow's refusals in the API's error vocabulary (the console's contract). */
export function apiErrorOfStatement(error: unknown): never {
  if (!(error instanceof StatementError)) throw error;
  switch (error.code) {
    case 'unauthenticated':
      throw new ApiError('not_signed_in');
    case 'forbidden':
      if (error.reason === 'not_current_step') throw new ApiError('step_not_current');
      throw new ApiError('forbidden', { reason: error.reason });
    case 'draft_not_found':
    case 'step_not_found':
      throw new ApiError('draft_not_found');
    case 'wrong_state':
      throw new ApiError('step_not_current', { detail: error.message });
    case 'comment_required':
      throw new ApiError('comment_required');
    default:
      throw new ApiError('bad_request', { detail: error.message });
  }
}

function contextOf(request: FastifyRequest): ActionContext {
  const userAgent = request.headers['user-agent'];
  return {
    principal: signedIn(request),
    origin: { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null },
    now: new Date(),
  };
}

/**
 * `POST /api/drafts/:id/sign-off` as services/console/API.md has it: one route for both
 * decisions, with the version the approver read. The statements package's per-step routes
 * (`/steps/:position/approve|reject`) stay for machines; both end in `decideStep`.
 */
export const signOffRoutes: FastifyPluginAsyncZod<StatementsSetupOptions> = async (app, options) => {
  const setup = createStatementsSetup(options);

  app.post(
    '/api/drafts/:id/sign-off',
    {
      schema: {
        tags: ['drafting'],
        params: SignOffParams,
        body: SignOffBody,
        response: { 200: SignOffResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request) => {
      const ctx = contextOf(request);
      const { id } = request.params;
      const { step, decision, comment, version } = request.body;
      try {
        if (version !== undefined) {
          const before = await readDraft(setup, id, ctx);
          const current = before.steps.find((s) => s.position === step);
          if (current && current.version !== version) throw new ApiError('stale_version', { reviewing: current.version });
        }
        await decideStep(setup, id, step, decision === 'approve' ? { decision } : { decision, comment }, ctx);
        const draft = await loadDeskDraft(options.db, id, ctx.principal, setup.templates);
        if (!draft) throw new ApiError('draft_not_found');
        return { draft };
      } catch (error) {
        return apiErrorOfStatement(error);
      }
    },
  );
};
