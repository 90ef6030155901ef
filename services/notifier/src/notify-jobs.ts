import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions } from 'bullmq';
import { z } from 'zod';

/**
 * The notifier's job catalog. Every job only points at a row in PostgreSQL (the record); its id
 * is deterministic, so the reconciler and a redelivery add the same job once.
 */
export const AlertRoundJob = z.object({ alertId: z.string().min(1), atMs: z.number().int() });
export const BundleCloseJob = z.object({ key: z.string().min(1), openedAtMs: z.number().int() });
export const DeliverJob = z.object({ deliveryId: z.string().min(1) });
export type AlertRoundJob = z.infer<typeof AlertRoundJob>;
export type BundleCloseJob = z.infer<typeof BundleCloseJob>;
export type DeliverJob = z.infer<typeof DeliverJob>;

export const NOTIFY_JOBS = {
  /** One evaluation of an alert's repeat/escalation schedule. */
  round: { name: 'alert-round', schema: AlertRoundJob, attempts: 5 },
  /** A bundling window closes: one summary message for what was folded. */
  bundleClose: { name: 'bundle-close', schema: BundleCloseJob, attempts: 5 },
  /** One message on one channel; retried with backoff until delivered or given up. */
  deliver: { name: 'deliver', schema: DeliverJob },
} as const;

export type NotifyJobData = AlertRoundJob | BundleCloseJob | DeliverJob;
export type NotifyQueue = Queue<NotifyJobData, string, string>;

export function createNotifyQueue(name: string, connection: ConnectionOptions, prefix: string): NotifyQueue {
  return new Queue<NotifyJobData, string, string>(name, {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, backoff: { type: 'exponential', delay: 1_000 }, attempts: 5 },
  });
}

/** BullMQ ids must not contain `:`; keys may, so they are hashed. */
export const bundleJobId = (key: string, openedAtMs: number) =>
  `bundle-${createHash('sha256').update(key).digest('hex').slice(0, 24)}-${openedAtMs}`;
export const roundJobId = (alertId: string, atMs: number) => `round-${alertId}-${atMs}`;

export async function addRoundJob(queue: NotifyQueue, alertId: string, atMs: number): Promise<void> {
  const data = AlertRoundJob.parse({ alertId, atMs });
  await queue.add(NOTIFY_JOBS.round.name, data, { jobId: roundJobId(alertId, atMs), delay: Math.max(0, atMs - Date.now()) });
}

export async function addBundleCloseJob(queue: NotifyQueue, key: string, openedAtMs: number, closesAtMs: number): Promise<void> {
  const data = BundleCloseJob.parse({ key, openedAtMs });
  await queue.add(NOTIFY_JOBS.bundleClose.name, data, { jobId: bundleJobId(key, openedAtMs), delay: Math.max(0, closesAtMs - Date.now()) });
}

export async function addDeliverJob(queue: NotifyQueue, deliveryId: string, attempts: number, retryBaseMs: number): Promise<void> {
  await queue.add(NOTIFY_JOBS.deliver.name, DeliverJob.parse({ deliveryId }), {
    jobId: deliveryId,
    attempts,
    backoff: { type: 'exponential', delay: retryBaseMs },
  });
}
