import type { Bus, SubscriptionHandle } from '@huiying/bus';
import { ClockEventMessage, IncidentEventMessage, StatementEventMessage } from '@huiying/contracts';
import type { ClockPolicy } from '@huiying/deadlines';
import type { OutboxRelay } from '@huiying/outbox';
import { markProcessed, type Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import IORedis, { type RedisOptions } from 'ioredis';
import { ClockStepJob, createClockQueue, ensureStepJob, type ClockQueue, type EnsureOutcome } from './clock-jobs';
import { applyIncidentState, applyStatement } from './clock-lifecycle';
import { lockOwner, pendingClockIds } from './clock-repository';
import { fireDueSteps, type FiredBy, type FireResult } from './clock-steps';
import { createDueSet, startFiringLoop, type DueEntry } from './due-set';

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
  /** Steps fired at once by the worker, and by the due-set poller. Default 8. */
  concurrency?: number;
  /** Longest sleep of the due-set poller between claims. Default 5 ms. */
  pollEveryMs?: number;
  /**
   * How long past a step's instant its BullMQ job waits before firing the step itself: it is the
   * durable fallback behind the due-set poller (a poller down, a due set lost). Default 1 s.
   */
  fallbackGraceMs?: number;
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
 * The clocks: PostgreSQL holds every clock and every fired step; Redis holds, for each clock's
 * next step (`clock-<id>-<step>`), a member of the due set (the on-time path: a poller claims it
 * within milliseconds) and a BullMQ delayed job a little later (the durable fallback). Both only
 * wake the clock: `fireDueSteps` decides from PostgreSQL and records each step once, so a step
 * woken by both paths, twice, late or after Redis lost it and the reconciler re-created it, is
 * never announced twice.
 */
export function createClockTimer(options: ClockTimerOptions) {
  const now = options.now ?? (() => new Date());
  const prefix = options.prefix ?? 'huiying';
  const queue: ClockQueue = createClockQueue(options.queueName, options.redis, prefix);
  const group = options.group ?? 'huiying-sla-timer';
  const concurrency = options.concurrency ?? 8;
  const graceMs = options.fallbackGraceMs ?? 1_000;
  // Its own connection: the poller's tight loop must not queue behind BullMQ's blocking commands.
  // Lazy, so building a timer starts nothing; the key sits under the prefix, cleaned with it.
  const dueRedis = new IORedis({ ...(options.redis as RedisOptions), lazyConnect: true });
  const dueSet = createDueSet(dueRedis, `${prefix}:sla-timer:${options.queueName}:due`);
  let poller: { stop: () => Promise<void> } | undefined;
  let worker: Worker<ClockStepJob, string, string> | undefined;
  let subscriptions: SubscriptionHandle[] = [];
  let reconcileTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  /** Both wake-ups for the next step; the job first, so a claimed member always finds its clock id. */
  async function schedule(next: NonNullable<FireResult['next']>, clockId: string): Promise<EnsureOutcome> {
    const outcome = await ensureStepJob(queue, next, clockId, graceMs);
    // ZADD moves the member when the instant changed (a rebase, a resume).
    await dueSet.add([{ member: next.jobId, atMs: next.atMs }]);
    return outcome;
  }

  /** Fires what is due for the clock, then makes sure Redis wakes it for the next step. */
  async function wake(clockId: string, firedBy: FiredBy, report?: ReconcileReport): Promise<FireResult> {
    const result = await fireDueSteps(options.db, clockId, options.policy, now(), firedBy);
    if (result.fired.length > 0) {
      await options.relay.flush();
      for (const f of result.fired) options.logger.info({ clockId, step: f.step, latenessMs: f.latenessMs, firedBy }, 'clock step fired');
    }
    if (report) report.stepsFired += result.fired.length;
    if (result.next) {
      const outcome = await schedule(result.next, clockId);
      if (report && outcome === 'added') report.jobsAdded += 1;
      if (report && outcome === 'moved') report.jobsMoved += 1;
    }
    return result;
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
        await job.moveToDelayed(result.next.atMs + graceMs, token);
        await dueSet.add([{ member: result.next.jobId, atMs: result.next.atMs }]);
        throw new DelayedError();
      }
      await schedule(result.next, data.clockId);
    }
    return result.fired.map((f) => f.step).join(',') || 'nothing due';
  }

  /** The poller's side: a claimed member wakes its clock exactly as the BullMQ job would. */
  async function fireClaimed(entry: DueEntry): Promise<void> {
    try {
      // No job: the fallback already ran it, or Redis lost both and the reconciler restores them.
      const job = await queue.getJob(entry.member);
      if (!job) return;
      const result = await wake(ClockStepJob.parse(job.data).clockId, 'fast-loop');
      // The step is recorded in PostgreSQL now, so its fallback job would only repeat the
      // transaction to find nothing; spare it. Kept when it still wakes this step (not yet due).
      if (result.next?.jobId !== entry.member) await job.remove().catch(() => undefined);
    } catch (error) {
      options.logger.error({ err: error, jobId: entry.member }, 'due-set wake-up failed; the BullMQ job will fire the step');
    }
  }

  // Claimed members are fired `concurrency` at a time without holding up the poller: a wake-up
  // is a PostgreSQL transaction, and the next claim must not wait for it.
  const claimed: DueEntry[] = [];
  const inFlight = new Set<Promise<void>>();
  function dispatch(): void {
    while (inFlight.size < concurrency && claimed.length > 0 && !stopping) {
      const wakeUp: Promise<void> = fireClaimed(claimed.shift()!).finally(() => {
        inFlight.delete(wakeUp);
        dispatch();
      });
      inFlight.add(wakeUp);
    }
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
    dueSet,
    reconcile,
    /** Fire-and-schedule one clock now (after an API change, if the caller does not wait for the event). */
    wake: async (clockId: string): Promise<void> => void (await wake(clockId, 'event')),
    async start() {
      const report = await reconcile();
      options.logger.info(report, 'reconciled clocks from PostgreSQL');
      worker = new Worker<ClockStepJob, string, string>(options.queueName, fireJob, {
        connection: { ...(options.redis as object), maxRetriesPerRequest: null } as ConnectionOptions,
        prefix,
        concurrency,
      });
      worker.on('failed', (job, error) => options.logger.error({ err: error, jobId: job?.id }, 'clock step job failed'));
      worker.on('error', (error) => options.logger.error({ err: error }, 'clock worker error'));
      poller = startFiringLoop({
        dueSet,
        fire: (entries) => {
          claimed.push(...entries);
          dispatch();
        },
        maxSleepMs: options.pollEveryMs ?? 5,
        onError: (error) => options.logger.error({ err: error }, 'due-set poller error'),
      });
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
      // The poller before the queue: a wake-up in flight still schedules through it.
      await poller?.stop();
      poller = undefined;
      // What was claimed but not yet fired is left to the BullMQ fallback.
      claimed.length = 0;
      while (inFlight.size > 0) await Promise.all(inFlight);
      await worker?.close();
      await queue.close();
      if (dueRedis.status === 'ready') await dueRedis.quit().catch(() => dueRedis.disconnect());
      else dueRedis.disconnect();
    },
  };
}
