import type { Bus, SubscriptionHandle } from '@huiying/bus';
import { ClockEventMessage, IncidentEventMessage, StatementEventMessage } from '@huiying/contracts';
import type { ClockPolicy } from '@huiying/deadlines';
import type { OutboxRelay } from '@huiying/outbox';
import { markProcessed, type Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { ClockStepJob, createClockQueue, ensureStepJob, type ClockQueue } from './clock-jobs';
import { applyIncidentState, applyStatement } from './clock-lifecycle';
import { lockOwner, pendingClockIds } from './clock-repository';
import { fireDueSteps, type FiredBy } from './clock-steps';

export interface ClockTimerOptions {
  bus: Bus;
  db: Db;
  relay: OutboxRelay;
  logger: Logger;
  policy: ClockPolicy;
  /** Redis for BullMQ. Workers need `maxRetriesPerRequest: null`; it is set here. */
  redis: ConnectionOptions;
  queueName: string;
  /** BullMQ key prefix; tests use a random one. */
  prefix?: string;
  group?: string;
  now?: () => Date;
  /** How often the reconciler re-checks PostgreSQL against Redis while running. Default 60 s. */
  reconcileEveryMs?: number;
  /** Steps fired at once by the worker. Default 8. */
  concurrency?: number;
}

export interface ReconcileReport {
  clocks: number;
  /** Jobs Redis did not have (lost, or never scheduled) and that were re-created. */
  jobsAdded: number;
  jobsMoved: number;
  /** Steps found overdue and fired by the reconciler itself. */
  stepsFired: number;
}

const CONSUMER = 'sla-timer';

/**
 * The clocks: PostgreSQL holds every clock and every fired step; BullMQ holds one delayed job per
 * clock, for its next step (`clock-<id>-<step>`). A job only wakes the clock: `fireDueSteps`
 * decides from PostgreSQL and records each step once, so a job fired twice, late or after Redis
 * lost it and the reconciler re-created it, never announces a step twice.
 */
export function createClockTimer(options: ClockTimerOptions) {
  const now = options.now ?? (() => new Date());
  const prefix = options.prefix ?? 'huiying';
  const queue: ClockQueue = createClockQueue(options.queueName, options.redis, prefix);
  const group = options.group ?? 'huiying-sla-timer';
  let worker: Worker<ClockStepJob, string, string> | undefined;
  let subscriptions: SubscriptionHandle[] = [];
  let reconcileTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  /** Fires what is due for the clock, then makes sure Redis wakes it for the next step. */
  async function wake(clockId: string, firedBy: FiredBy, report?: ReconcileReport): Promise<void> {
    const result = await fireDueSteps(options.db, clockId, options.policy, now(), firedBy);
    if (result.fired.length > 0) {
      await options.relay.flush();
      for (const f of result.fired) options.logger.info({ clockId, step: f.step, latenessMs: f.latenessMs, firedBy }, 'clock step fired');
    }
    if (report) report.stepsFired += result.fired.length;
    if (result.next) {
      const outcome = await ensureStepJob(queue, result.next, clockId);
      if (report && outcome === 'added') report.jobsAdded += 1;
      if (report && outcome === 'moved') report.jobsMoved += 1;
    }
  }

  async function fireJob(job: Job<ClockStepJob, string, string>, token?: string): Promise<string> {
    const data = ClockStepJob.parse(job.data);
    const result = await fireDueSteps(options.db, data.clockId, options.policy, now(), 'bullmq');
    if (result.fired.length > 0) await options.relay.flush();
    if (result.next) {
      if (result.next.jobId === job.id && token) {
        // This job's own step is still ahead (rebased later, or resumed after a pause): keep
        // the id and wait again instead of freeing it and racing a new job.
        await job.updateData({ ...data, atMs: result.next.atMs });
        await job.moveToDelayed(result.next.atMs, token);
        throw new DelayedError();
      }
      await ensureStepJob(queue, result.next, data.clockId);
    }
    return result.fired.map((f) => f.step).join(',') || 'nothing due';
  }

  /** Re-creates what Redis lost, from PostgreSQL; fires overdue steps once. */
  async function reconcile(): Promise<ReconcileReport> {
    const ids = await pendingClockIds(options.db);
    const report: ReconcileReport = { clocks: ids.length, jobsAdded: 0, jobsMoved: 0, stepsFired: 0 };
    let index = 0;
    const lane = async () => {
      while (index < ids.length && !stopping) {
        const id = ids[index++]!;
        try {
          await wake(id, 'reconciler', report);
        } catch (error) {
          options.logger.error({ err: error, clockId: id }, 'reconcile of a clock failed');
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, lane));
    return report;
  }

  async function changedClocks(ids: string[], firedBy: FiredBy): Promise<void> {
    await options.relay.flush();
    for (const id of new Set(ids)) await wake(id, firedBy);
  }

  return {
    queue,
    reconcile,
    /** Fire-and-schedule one clock now (after an API change, if the caller does not wait for the event). */
    wake: (clockId: string) => wake(clockId, 'event'),
    async start() {
      const report = await reconcile();
      options.logger.info(report, 'reconciled clocks from PostgreSQL');
      worker = new Worker<ClockStepJob, string, string>(options.queueName, fireJob, {
        connection: { ...(options.redis as object), maxRetriesPerRequest: null } as ConnectionOptions,
        prefix,
        concurrency: options.concurrency ?? 8,
      });
      worker.on('failed', (job, error) => options.logger.error({ err: error, jobId: job?.id }, 'clock step job failed'));
      worker.on('error', (error) => options.logger.error({ err: error }, 'clock worker error'));
      subscriptions = [
        await options.bus.subscribe({
          group,
          messages: [IncidentEventMessage],
          handler: async ({ envelope }) => {
            const changed = await options.db.transaction(async (tx) => {
              await lockOwner(tx, envelope.payload.incident.id);
              if (!(await markProcessed(tx, CONSUMER, envelope.id))) return [];
              return applyIncidentState(tx, envelope.payload.incident.id, options.policy, now(), envelope.traceId, envelope.payload.incident);
            });
            await changedClocks(changed, 'event');
            return { outcome: 'ok' };
          },
        }),
        await options.bus.subscribe({
          group: `${group}-statements`,
          messages: [StatementEventMessage],
          handler: async ({ envelope }) => {
            const changed = await options.db.transaction(async (tx) => {
              await lockOwner(tx, envelope.payload.incidentId);
              if (!(await markProcessed(tx, CONSUMER, envelope.id))) return [];
              return applyStatement(tx, envelope.payload, options.policy, now(), envelope.traceId);
            });
            await changedClocks(changed, 'event');
            return { outcome: 'ok' };
          },
        }),
        // Clocks changed elsewhere (the API's pause/resume, disclosure requests) announce it on
        // the clock topic; the timer schedules them from there. Its own events pass harmlessly.
        await options.bus.subscribe({
          group: `${group}-clocks`,
          messages: [ClockEventMessage],
          handler: async ({ envelope }) => {
            const { kind, clock } = envelope.payload;
            if (kind === 'started' || kind === 'rebased' || kind === 'resumed') await wake(clock.id, 'event');
            return { outcome: 'ok' };
          },
        }),
      ];
      const every = options.reconcileEveryMs ?? 60_000;
      const loop = () => {
        reconcileTimer = setTimeout(() => {
          reconcile()
            .then((r) => {
              if (r.jobsAdded > 0 || r.stepsFired > 0) options.logger.warn(r, 'reconciler restored clock jobs Redis did not have');
            })
            .catch((error) => options.logger.error({ err: error }, 'reconcile failed'))
            .finally(() => reconcileTimer && !stopping && loop());
        }, every);
        reconcileTimer.unref();
      };
      loop();
    },
    async stop() {
      stopping = true;
      if (reconcileTimer) clearTimeout(reconcileTimer);
      reconcileTimer = undefined;
      for (const s of subscriptions) await s.stop();
      await worker?.close();
      await queue.close();
    },
  };
}
