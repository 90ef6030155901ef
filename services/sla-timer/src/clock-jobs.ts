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

/** What `removeStepJobs` uses of BullMQ's script runner (not in its public typings). */
interface RemoveScripts {
  removeArgs(jobId: string, removeChildren: boolean): Array<string | number>;
  execCommand(client: unknown, commandName: string, args: Array<string | number>): unknown;
}

/**
 * Removes the jobs (a missing or running one is left as it is), all in one Redis pipeline: the
 * poller frees the fallback jobs of every step it fired, thousands a second at a peak, and a
 * round trip per job cost the timer more than its firing transactions. BullMQ's own `removeJob`
 * script, as `queue.remove` runs it; if a BullMQ upgrade moves it, one `remove` per job.
 */
export async function removeStepJobs(queue: ClockQueue, jobIds: readonly string[]): Promise<void> {
  if (jobIds.length === 0) return;
  const scripts = queue.scripts as unknown as Partial<RemoveScripts>;
  if (typeof scripts.removeArgs !== 'function' || typeof scripts.execCommand !== 'function') {
    await Promise.all(jobIds.map((id) => queue.remove(id).catch(() => undefined)));
    return;
  }
  const pipeline = (await queue.client).pipeline();
  for (const id of jobIds) scripts.execCommand(pipeline, 'removeJob', scripts.removeArgs(id, false));
  // Per-job failures (a job being processed is locked) come back as results, and are left alone:
  // such a job finds its step fired.
  await pipeline.exec();
}
