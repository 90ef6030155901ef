import { Queue, type ConnectionOptions } from 'bullmq';
import { z } from 'zod';

/**
 * The timer's job catalog: one job name, its payload schema, attempts and backoff. A job only
 * wakes a clock up; what fires is decided from PostgreSQL when it runs, so a stale or repeated
 * job is harmless.
 */
export const ClockStepJob = z.object({
  clockId: z.string().min(1),
  step: z.string().min(1),
  /** When the step is due, epoch ms (paused time included), for the lateness figure. */
  atMs: z.number().int(),
});
export type ClockStepJob = z.infer<typeof ClockStepJob>;

export const CLOCK_STEP_JOB = {
  name: 'clock-step',
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 250 },
};

export type ClockQueue = Queue<ClockStepJob, string, string>;

export function createClockQueue(name: string, connection: ConnectionOptions, prefix: string): ClockQueue {
  return new Queue<ClockStepJob, string, string>(name, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: CLOCK_STEP_JOB.attempts,
      backoff: CLOCK_STEP_JOB.backoff,
      // Freed at once so the same deterministic id can be scheduled again (after a resume, a
      // rebase); PostgreSQL, not BullMQ's history, says what fired.
      removeOnComplete: true,
      removeOnFail: true,
    },
  });
}

export type EnsureOutcome = 'added' | 'moved' | 'present';

/**
 * Makes sure one delayed job wakes the clock for its next step at `atMs`: adds it when Redis has
 * none (a new clock, or Redis lost it), moves it when the instant changed (a rebase, a resume).
 * The job id is deterministic (`clock-<id>-<step>`), so two callers racing add one job.
 * `graceMs` delays the job past the step's instant: it is the fallback behind the due-set poller,
 * so it should normally find the step already fired rather than race the poller for it.
 */
export async function ensureStepJob(
  queue: ClockQueue,
  next: { jobId: string; step: string; atMs: number },
  clockId: string,
  graceMs = 0,
): Promise<EnsureOutcome> {
  const data = ClockStepJob.parse({ clockId, step: next.step, atMs: next.atMs });
  const delay = Math.max(0, next.atMs + graceMs - Date.now());
  const existing = await queue.getJob(next.jobId);
  if (existing) {
    const state = await existing.getState();
    if (state === 'active' || state === 'waiting' || state === 'prioritized' || state === 'waiting-children') return 'present';
    if (state === 'delayed') {
      if (existing.data.atMs === next.atMs) return 'present';
      await existing.updateData(data);
      await existing.changeDelay(delay);
      return 'moved';
    }
    // completed/failed/unknown: a leftover that would block the id.
    await existing.remove().catch(() => undefined);
  }
  await queue.add(CLOCK_STEP_JOB.name, data, { jobId: next.jobId, delay });
  return 'added';
}
