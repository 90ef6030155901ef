import type { Bus, SubscriptionHandle } from '@huiying/bus';
import { IncidentEventMessage, StatementEventMessage, type ClockSnapshot, type IncidentEventMessage as IncidentEnvelope, type StatementEventMessage as StatementEnvelope } from '@huiying/contracts';
import { findIncident } from '@huiying/incident-core';
import type { OutboxRelay, Queryable } from '@huiying/outbox';
import { markProcessed, type Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { activeClocks, clocksOfIncident, findClock, insertClock, recordClockEvent, updateClock } from './clock-repository';
import { jobIdOf, planClocks, stepsOf, type ClockPolicy } from './clock-plan';

export interface ClockStepJob {
  clockId: string;
  step: string;
  dueAt: string;
}

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
}

const CONSUMER = 'sla-timer';
const STEP_CONSUMER = 'sla-timer-step';

/**
 * The clocks: PostgreSQL holds every clock's state, BullMQ holds one delayed job per step
 * (warning, breach, escalation) with a deterministic id. Each step fires at most once because
 * the worker records the job id in the same transaction as the step's effects.
 */
export function createClockTimer(options: ClockTimerOptions) {
  const now = options.now ?? (() => new Date());
  const prefix = options.prefix ?? 'huiying';
  const queue = new Queue<ClockStepJob>(options.queueName, {
    connection: options.redis,
    prefix,
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: 1000, removeOnFail: 5000 },
  });
  let worker: Worker<ClockStepJob> | undefined;
  let subscriptions: SubscriptionHandle[] = [];
  let reconcileTimer: NodeJS.Timeout | undefined;

  async function schedule(clock: ClockSnapshot): Promise<void> {
    const jobs = stepsOf(clock, options.policy).map((step) => ({
      name: 'clock-step',
      data: { clockId: clock.id, step: step.name, dueAt: clock.dueAt },
      opts: { jobId: jobIdOf(clock.id, step.name, clock.dueAt), delay: Math.max(0, step.at - now().getTime()) },
    }));
    await queue.addBulk(jobs);
  }

  async function lockIncident(tx: Queryable, incidentId: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`clocks:${incidentId}`]);
  }

  async function onIncidentEvent(envelope: IncidentEnvelope): Promise<void> {
    const incident = envelope.payload.incident;
    const toSchedule: ClockSnapshot[] = [];
    await options.db.transaction(async (tx) => {
      await lockIncident(tx, incident.id);
      if (!(await markProcessed(tx, CONSUMER, envelope.id))) return;
      // Decide on the incident as stored now, not as the event saw it: events may arrive late.
      const current = (await findIncident(tx, incident.id)) ?? incident;
      const existing = await clocksOfIncident(tx, incident.id);
      const at = now();
      for (const action of planClocks(current, envelope.payload.kind, existing, options.policy, at)) {
        const detail = { traceId: envelope.traceId, at };
        if (action.action === 'start') {
          await insertClock(tx, action.clock);
          await recordClockEvent(tx, 'started', action.clock, current, detail);
          toSchedule.push(action.clock);
        } else if (action.action === 'cancel') {
          await updateClock(tx, action.clock, { cancelReason: action.reason });
          await recordClockEvent(tx, 'cancelled', action.clock, current, { ...detail, reason: action.reason });
        } else {
          await updateClock(tx, action.clock);
          await recordClockEvent(tx, 'rebased', action.clock, current, { ...detail, reason: `t0 moved; deadline was ${action.from}` });
          toSchedule.push(action.clock);
        }
      }
    });
    await options.relay.flush();
    for (const clock of toSchedule) await schedule(clock);
  }

  async function onStatementEvent(envelope: StatementEnvelope): Promise<void> {
    const event = envelope.payload;
    const stages = event.kind === 'press_conference_held' ? ['press_conference'] : ['statement', 'response', 'continued_release'];
    await options.db.transaction(async (tx) => {
      await lockIncident(tx, event.incidentId);
      if (!(await markProcessed(tx, CONSUMER, envelope.id))) return;
      const incident = await findIncident(tx, event.incidentId);
      if (!incident) return;
      for (const clock of await clocksOfIncident(tx, event.incidentId)) {
        if (!stages.includes(clock.stage) || (clock.status !== 'running' && clock.status !== 'breached')) continue;
        const met: ClockSnapshot = { ...clock, status: 'met', metAt: event.at };
        await updateClock(tx, met);
        const marginMin = Math.round((Date.parse(clock.dueAt) - Date.parse(event.at)) / 60000);
        await recordClockEvent(tx, 'met', met, incident, { traceId: envelope.traceId, at: now(), reason: `${event.kind} ${event.statementId}; margin ${marginMin} min` });
      }
    });
    await options.relay.flush();
  }

  async function fireStep(job: Job<ClockStepJob>): Promise<string> {
    const { clockId, step, dueAt } = job.data;
    const outcome = await options.db.transaction(async (tx) => {
      const clock = await findClock(tx, clockId, true);
      if (!clock) return 'no such clock';
      if (clock.dueAt !== new Date(dueAt).toISOString()) return 'clock was rebased';
      if (clock.status === 'met' || clock.status === 'cancelled' || clock.status === 'paused') return `clock is ${clock.status}`;
      const planned = stepsOf(clock, options.policy).find((s) => s.name === step);
      if (!planned) return 'unknown step';
      if (planned.kind === 'warning' && clock.status !== 'running') return 'warning after breach';
      if (!(await markProcessed(tx, STEP_CONSUMER, job.id ?? jobIdOf(clockId, step, dueAt)))) return 'already fired';
      const incident = await findIncident(tx, clock.incidentId);
      const at = now();
      const detail = {
        traceId: `clock-${clock.id}`,
        at,
        ...(planned.label !== undefined && { warning: planned.label }),
        ...(planned.escalationStep !== undefined && { escalationStep: planned.escalationStep }),
      };
      const next = planned.kind === 'breached' ? { ...clock, status: 'breached' as const, breachedAt: at.toISOString() } : clock;
      if (planned.kind === 'breached') await updateClock(tx, next);
      await recordClockEvent(tx, planned.kind, next, incident ?? { title: clock.incidentId, departments: [] }, detail);
      return 'fired';
    });
    if (outcome === 'fired') await options.relay.flush();
    options.logger.debug({ clockId, step, outcome, lateMs: Date.now() - (job.timestamp + (job.opts.delay ?? 0)) }, 'clock step');
    return outcome;
  }

  /** Re-creates the jobs of every active clock; already-fired steps stand down when they fire. */
  async function reconcile(): Promise<number> {
    const clocks = await activeClocks(options.db);
    for (const clock of clocks) await schedule(clock);
    return clocks.length;
  }

  return {
    queue,
    reconcile,
    async start() {
      const restored = await reconcile();
      options.logger.info({ clocks: restored }, 'reconciled clocks from PostgreSQL');
      worker = new Worker<ClockStepJob>(options.queueName, fireStep, {
        connection: { ...(options.redis as object), maxRetriesPerRequest: null } as ConnectionOptions,
        prefix,
        concurrency: 8,
      });
      worker.on('failed', (job, error) => options.logger.error({ err: error, jobId: job?.id }, 'clock step failed'));
      subscriptions = [
        await options.bus.subscribe({ group: options.group ?? 'huiying-sla-timer', messages: [IncidentEventMessage], handler: async (d) => void (await onIncidentEvent(d.envelope)) }),
        await options.bus.subscribe({ group: (options.group ?? 'huiying-sla-timer') + '-statements', messages: [StatementEventMessage], handler: async (d) => void (await onStatementEvent(d.envelope)) }),
      ];
      const every = options.reconcileEveryMs ?? 60_000;
      const loop = () => {
        reconcileTimer = setTimeout(() => {
          reconcile()
            .catch((error) => options.logger.error({ err: error }, 'reconcile failed'))
            .finally(() => reconcileTimer && loop());
        }, every);
      };
      loop();
    },
    async stop() {
      if (reconcileTimer) clearTimeout(reconcileTimer);
      reconcileTimer = undefined;
      for (const s of subscriptions) await s.stop();
      await worker?.close();
      await queue.close();
    },
  };
}
