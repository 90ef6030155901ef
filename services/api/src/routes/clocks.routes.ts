import { ClockRequestRefusedError, pauseClock, resumeClock } from '@huiying/sla-timer';
import type { Db } from '@huiying/store';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { authorize, signedIn, type SignedIn } from '../access/authentication';
import { ApiError } from '../errors';
import { ErrorResponse, PauseClockBody } from '../http-schemas';

export interface ClockRoutesOptions {
  db: Db;
  now: () => Date;
  /** Called after a change, so the incident list's next-deadline column is read afresh. */
  onChange?: () => void;
}

const ClockParams = z.object({ id: z.string().min(1).max(200) });
const ClockResponse = z.object({
  clock: z.object({ id: z.string(), incidentId: z.string(), status: z.string(), dueAt: z.string() }).loose(),
});
const responses = { 200: ClockResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

function refusal(error: unknown): never {
  if (!(error instanceof ClockRequestRefusedError)) throw error;
  if (error.code === 'clock_not_found') throw new ApiError('clock_not_found');
  if (error.code === 'reason_required' || error.code === 'sign_off_required') throw new ApiError('reason_required');
  throw new ApiError('clock_refused', { code: error.code, detail: error.message });
}

/**
 * The one exception to the wall clock: a leader (分管领导) pauses a clock with a reason, signing
 * it off themselves, and resumes it later. Both are recorded and reported; nobody else may.
 */
export const clockRoutes: FastifyPluginAsyncZod<ClockRoutesOptions> = async (app, options) => {
  const { db } = options;

  /** `clock.pause` (a leader whose departments hold the clock's incident), for pausing and resuming alike. */
  async function leaderOver(clockId: string, request: FastifyRequest): Promise<SignedIn> {
    signedIn(request);
    const { rows } = await db.query<{ departments: string[] | null }>(
      `SELECT i.departments FROM clocks c JOIN incidents i ON i.id = c.incident_id WHERE c.id = $1`,
      [clockId],
    );
    if (!rows[0]) throw new ApiError('clock_not_found');
    return authorize(request, 'clock.pause', { kind: 'incident', departments: rows[0].departments ?? [] });
  }

  app.post(
    '/api/clocks/:id/pause',
    { schema: { tags: ['duty'], params: ClockParams, body: PauseClockBody, response: responses } },
    async (request) => {
      const principal = await leaderOver(request.params.id, request);
      const clock = await pauseClock(db, {
        clockId: request.params.id,
        reason: request.body.reason,
        signedOffBy: principal.id,
        at: options.now(),
      }).catch(refusal);
      options.onChange?.();
      return { clock };
    },
  );

  app.post(
    '/api/clocks/:id/resume',
    { schema: { tags: ['duty'], params: ClockParams, body: z.object({}).loose().optional(), response: responses } },
    async (request) => {
      const principal = await leaderOver(request.params.id, request);
      const clock = await resumeClock(db, { clockId: request.params.id, resumedBy: principal.id, at: options.now() }).catch(refusal);
      options.onChange?.();
      return { clock };
    },
  );
};
