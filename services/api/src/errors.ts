import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * Every error the API answers with, in one table: the code the console and machines switch on,
 * and its status. The console reads the status (401 → login, 403 → 无权执行此操作, 409 → 状态已变化,
 * 429 → 操作过于频繁); a domain 404 carries a snake_case code so it is told apart from fastify's
 * own "route not found" (which the console reads as "not built yet").
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'the request does not match the schema' },
  comment_required: { status: 400, message: 'a rejection needs a comment for the author' },
  reason_required: { status: 400, message: 'this action needs a reason of at least 2 characters' },
  bad_month: { status: 400, message: 'month must be YYYY-MM' },
  source_url_refused: { status: 400, message: 'the source URL points at an address the pollers must not reach' },
  bad_credentials: { status: 401, message: 'user name or password is wrong' },
  not_signed_in: { status: 401, message: 'sign in first' },
  forbidden: { status: 403, message: 'your role or departments do not allow this' },
  csrf: { status: 403, message: 'state-changing requests need the x-requested-with: huiying-console header' },
  incident_not_found: { status: 404, message: 'no such incident' },
  alert_not_found: { status: 404, message: 'no such alert' },
  user_not_found: { status: 404, message: 'no such user' },
  draft_not_found: { status: 404, message: 'no such draft or sign-off step' },
  clock_not_found: { status: 404, message: 'no such clock' },
  state_changed: { status: 409, message: 'the incident is no longer in a state that allows this' },
  step_not_current: { status: 409, message: 'this sign-off step is not the one waiting for a decision' },
  stale_version: { status: 409, message: 'the draft changed since you read it; reload and decide again' },
  clock_refused: { status: 409, message: 'the clock is not in a state that allows this' },
  payload_too_large: { status: 413, message: 'the body is larger than the API accepts' },
  unsupported_media_type: { status: 415, message: 'send application/json' },
  rate_limited: { status: 429, message: 'too many requests; wait and try again' },
  internal: { status: 500, message: 'something went wrong on our side' },
  unavailable: { status: 503, message: 'a dependency of this route is not configured' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** Thrown by routes and hooks; the error handler turns it into `{ error: code, ...detail }`. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(ERRORS[code].message);
    this.name = 'ApiError';
    this.status = ERRORS[code].status;
  }
}

export const apiError = (code: ErrorCode, detail?: Record<string, unknown>) => new ApiError(code, detail);

/** Fastify's own error codes mapped onto the table, so a client sees one vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_VALIDATION: 'bad_request',
};

export function errorBody(code: ErrorCode, detail: Record<string, unknown> = {}) {
  return { error: code, message: ERRORS[code].message, ...detail };
}

export function sendError(reply: FastifyReply, code: ErrorCode, detail?: Record<string, unknown>) {
  return reply.code(ERRORS[code].status).send(errorBody(code, detail));
}

/** One handler for the whole app: unknown errors are logged with their stack but answered as `internal`. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ApiError) return sendError(reply, error.code, error.detail);
    if (hasZodFastifySchemaValidationErrors(error)) {
      return sendError(reply, 'bad_request', {
        problems: error.validation.map((v) => ({ path: `${error.validationContext ?? ''}${v.instancePath}`, message: v.message })),
      });
    }
    if (error.statusCode === 429) return sendError(reply, 'rate_limited');
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return sendError(reply, mapped);
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, 'bad_request');
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, 'internal');
  });
}
