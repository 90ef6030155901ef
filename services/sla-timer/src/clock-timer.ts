import type { Bus, Delivery, SubscriptionHandle } from '@huiying/bus';
import { ClockEventMessage, IncidentEventMessage, StatementEventMessage, type IncidentEvent } from '@huiying/contracts';
import { jobIdFor, type ClockPolicy } from '@huiying/deadlines';
import type { OutboxRelay } from '@huiying/outbox';
import { markProcessed, type Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import IORedis, { type RedisOptions } from 'ioredis';
import { CLOCK_STEP_JOB, ClockStepJob, createClockQueue, ensureStepJob, removeStepJobs, type ClockQueue, type EnsureOutcome } from './clock-jobs';
import { applyIncidentState, applyStatement } from './clock-lifecycle';
import { loadClocksForFiring, lockOwner, lockOwners, markAllProcessed, pendingClockIds, type ClockForFiring } from './clock-repository';
import { fireDueSteps, fireDueStepsOfClocks, firePreloadedClocks, type FiredBy, type FireResult } from './clock-steps';
import { createDueSet, dueMember, parseDueMember, startFiringLoop, type DueEntry } from './due-set';
import { clockFingerprint, IncidentFingerprints, mattersToClocks } from './incident-event-relevance';

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
  /** Jobs run at once by the BullMQ worker. Default 8. */
  concurrency?: number;
  /**
   * Transactions the due-set poller keeps in flight, each firing up to `batch` claimed steps.
   * Default 4 (the database pool has 10 connections by default: leave some for the rest).
   */
  pollerTransactions?: number;
  /** Most steps fired in one poller transaction: a backlog is worked off in bigger batches. Default 256. */
  batch?: number;
  /** Told of every step fired, after its transaction committed (for figures). */
  onStepsFired?: (steps: Array<{ clockId: string; step: string; dueAtMs: number; firedBy: FiredBy }>, committedAtMs: number) => void;
  /**
   * Told of each poller transaction after it committed (for figures): when its members were
   * claimed from the due set, when the transaction began, the earliest due instant among them.
   */
  onPollerBatch?: (batch: { steps: number; earliestDueAtMs: number; claimedAtMs: number; startedAtMs: number; committedAtMs: number }) => void;
  /**
   * Longest sleep of the due-set poller between claims. Default 50 ms: steps this process
   * schedules wake the poller themselves; this bounds only those another instance added.
   */
  pollEveryMs?: number;
  /**
   * How long before their instant the due-set poller claims steps. Default 200 ms: their clocks are
   * read meanwhile (no lock), and each step is fired at its instant in one statement that checks
   * the clock is still the version read (`firePreloadedClocks`), so neither the claim nor the read
   * is between the instant and the commit. 0: claims only what is due.
   */
  lookAheadMs?: number;
  /**
   * How long past a step's instant its BullMQ job waits before firing the step itself: it is the
   * durable fallback behind the due-set poller (a poller down, a due set lost). Default 1 s.
   */
  fallbackGraceMs?: number;
  /**
   * A next step due sooner than this after its clock fired is scheduled in Redis at once; one
   * further ahead waits until the poller is quiet (or until it comes this close). Default 60 s.
   */
  scheduleAheadMs?: number;
  /**
   * Incident events in runs of one partition, one transaction per run, passing over the posts
   * joining that change no clock. Default true; false handles every event in its own transaction
   * (the former way, kept as the benchmark's baseline).
   */
  incidentEventRuns?: boolean;
  /** Most incident events in one run. Default 500. */
  incidentEventRunSize?: number;
  /** Told how many incident events were settled, after each run or event (for figures). */
  onIncidentEventsHandled?: (count: number) => void;
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
/** How long the poller must have claimed nothing before next steps far ahead are scheduled. */
const QUIET_MS = 100;
/** Next steps far ahead held back at most: past this they are scheduled even at a peak. */
const LATER_MAX = 50_000;

/** A clock's next step, to be woken for. */
interface NextStep {
  clockId: string;
  next: NonNullable<FireResult['next']>;
}

/** A due-set member the poller took, waiting for its instant, then for a transaction. */
interface ClaimedEntry extends DueEntry {
  claimedAtMs: number;
  /** Its clock read ahead (null: reading failed, or a member that does not name its clock). */
  loaded: Promise<ReadonlyMap<string, ClockForFiring> | null>;
}

/** Fewest steps a lane takes from a backlog shared out among free lanes. */
const MIN_SHARE = 8;
/** Most claimed steps held for their instants; the poller claims no more until some are released. */
const HOLD_MAX = 4_096;

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
  const pollerTransactions = options.pollerTransactions ?? 4;
  const batch = options.batch ?? 256;
  const graceMs = options.fallbackGraceMs ?? 1_000;
  const scheduleAheadMs = options.scheduleAheadMs ?? 60_000;
  const lookAheadMs = options.lookAheadMs ?? 200;
  // Its own connection: the poller's tight loop must not queue behind BullMQ's blocking commands.
  // Lazy, so building a timer starts nothing; the key sits under the prefix, cleaned with it.
  const dueRedis = new IORedis({ ...(options.redis as RedisOptions), lazyConnect: true });
  const dueSet = createDueSet(dueRedis, `${prefix}:sla-timer:${options.queueName}:due`);
  let poller: { stop: () => Promise<void> } | undefined;
  let worker: Worker<ClockStepJob, string, string> | undefined;
  let subscriptions: SubscriptionHandle[] = [];
  let reconcileTimer: NodeJS.Timeout | undefined;
  let laterTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  /** Both wake-ups for the next step: the durable job first, then the fast one. */
  async function schedule(next: NonNullable<FireResult['next']>, clockId: string): Promise<EnsureOutcome> {
    const outcome = await ensureStepJob(queue, next, clockId, graceMs);
    // ZADD moves the member when the instant changed (a rebase, a resume).
    await dueSet.add([{ member: dueMember(clockId, next.step), atMs: next.atMs }]);
    return outcome;
  }

  /** After a commit: each fired step logged, and told to `onStepsFired`. */
  function told(results: Iterable<[string, FireResult]>, firedBy: FiredBy): void {
    const committedAtMs = Date.now();
    const steps = [...results].flatMap(([clockId, r]) => r.fired.map((f) => ({ clockId, step: f.step, dueAtMs: f.dueAtMs, latenessMs: f.latenessMs })));
    for (const f of steps) options.logger.info({ clockId: f.clockId, step: f.step, latenessMs: f.latenessMs, firedBy }, 'clock step fired');
    if (steps.length > 0) options.onStepsFired?.(steps.map(({ clockId, step, dueAtMs }) => ({ clockId, step, dueAtMs, firedBy })), committedAtMs);
  }

  /** Fires what is due for the clock, then makes sure Redis wakes it for the next step. */
  async function wake(clockId: string, firedBy: FiredBy, report?: ReconcileReport): Promise<FireResult> {
    const result = await fireDueSteps(options.db, clockId, options.policy, now(), firedBy);
    told([[clockId, result]], firedBy);
    if (result.fired.length > 0) {
      await options.relay.flush();
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
    told([[data.clockId, result]], 'bullmq');
    if (result.fired.length > 0) await options.relay.flush();
    if (result.next) {
      if (result.next.jobId === job.id && token) {
        // This job's own step is still ahead (rebased later, or resumed after a pause): keep
        // the id and wait again instead of freeing it and racing a new job.
        await job.updateData({ ...data, atMs: result.next.atMs });
        await job.moveToDelayed(result.next.atMs + graceMs, token);
        await dueSet.add([{ member: dueMember(data.clockId, result.next.step), atMs: result.next.atMs }]);
        throw new DelayedError();
      }
      await schedule(result.next, data.clockId);
    }
    return result.fired.map((f) => f.step).join(',') || 'nothing due';
  }

  /** The clock a claimed member wakes, and the job id of its step. */
  async function clockOfMember(member: string): Promise<{ clockId: string; jobId: string } | null> {
    const parsed = parseDueMember(member);
    if (parsed) return { clockId: parsed.clockId, jobId: jobIdFor(parsed.clockId, parsed.step) };
    // A member written before members named their clock: the job does. No job: the fallback
    // already ran it, or Redis lost both and the reconciler restores them.
    const job = await queue.getJob(member);
    return job ? { clockId: ClockStepJob.parse(job.data).clockId, jobId: member } : null;
  }

  /**
   * The poller's side: claimed members wake their clocks as the BullMQ jobs would, many clocks
   * in one transaction (`fireDueStepsOfClocks`), then both wake-ups of each next step are set.
   */
  async function fireClaimed(entries: ClaimedEntry[]): Promise<void> {
    const startedAtMs = Date.now();
    const claimedJobs = new Map<string, string>();
    // Each entry's clock from its claim's read (usually done long before the instant).
    const preloaded = new Map<string, ClockForFiring>();
    for (const entry of entries) {
      const parsed = parseDueMember(entry.member);
      const clock = parsed && (await entry.loaded)?.get(parsed.clockId);
      if (clock) preloaded.set(clock.clock.id, clock);
    }
    for (const entry of entries) {
      try {
        const parsed = parseDueMember(entry.member);
        const clock = parsed ? { clockId: parsed.clockId, jobId: jobIdFor(parsed.clockId, parsed.step) } : await clockOfMember(entry.member);
        if (clock) claimedJobs.set(clock.clockId, clock.jobId);
      } catch (error) {
        options.logger.error({ err: error, member: entry.member }, 'due-set member unreadable; the BullMQ job will fire the step');
      }
    }
    if (claimedJobs.size === 0) return;
    let results: Map<string, FireResult>;
    try {
      results = await firePreloaded([...claimedJobs.keys()], preloaded);
    } catch (error) {
      // One bad clock must not hold the others back: each on its own, then the fallback jobs.
      options.logger.warn({ err: error, clocks: claimedJobs.size }, 'batch wake-up failed; waking the clocks one by one');
      for (const clockId of claimedJobs.keys()) {
        try {
          await wake(clockId, 'fast-loop');
        } catch (single) {
          options.logger.error({ err: single, clockId }, 'due-set wake-up failed; the BullMQ job will fire the step');
        }
      }
      return;
    }
    told(results, 'fast-loop');
    if (options.onPollerBatch) {
      let earliestDueAtMs = Infinity;
      let claimedAtMs = Infinity;
      for (const e of entries) {
        earliestDueAtMs = Math.min(earliestDueAtMs, e.atMs);
        claimedAtMs = Math.min(claimedAtMs, e.claimedAtMs);
      }
      options.onPollerBatch({ steps: entries.length, earliestDueAtMs, claimedAtMs, startedAtMs, committedAtMs: Date.now() });
    }
    // Published without holding up the next batch; the relay coalesces and its sweep catches up.
    if ([...results.values()].some((r) => r.fired.length > 0)) {
      options.relay.flush().catch((error) => options.logger.error({ err: error }, 'outbox flush after fired steps failed; the sweep retries'));
    }
    // The lane is free for the next transaction while Redis is told; `stop` waits for this.
    const scheduling: Promise<void> = scheduleAfterFiring(results, claimedJobs).finally(() => afterFiring.delete(scheduling));
    afterFiring.add(scheduling);
  }

  /**
   * The clocks read ahead fired in one statement; the others (not read, or changed since) the
   * ordinary way, in a transaction that locks and reads them.
   */
  async function firePreloaded(clockIds: string[], preloaded: ReadonlyMap<string, ClockForFiring>): Promise<Map<string, FireResult>> {
    const ready = new Map<string, ClockForFiring>();
    const others: string[] = [];
    for (const id of clockIds) {
      const clock = preloaded.get(id);
      if (clock) ready.set(id, clock);
      else others.push(id);
    }
    const { results, changed } = ready.size > 0 ? await firePreloadedClocks(options.db, ready, options.policy, now(), 'fast-loop') : { results: new Map<string, FireResult>(), changed: [] };
    others.push(...changed);
    if (others.length > 0) {
      for (const [id, result] of await fireDueStepsOfClocks(options.db, others, options.policy, now(), 'fast-loop')) results.set(id, result);
    }
    return results;
  }

  /**
   * The fired steps' fallback jobs removed, and both wake-ups of each next step set: at once for
   * a step due within `scheduleAheadMs`, otherwise when the poller is quiet. Never throws.
   */
  async function scheduleAfterFiring(results: Map<string, FireResult>, claimedJobs: Map<string, string>): Promise<void> {
    const nowMs = Date.now();
    const soon: NextStep[] = [];
    for (const [clockId, r] of results) {
      if (!r.next) continue;
      if (r.next.atMs - nowMs < scheduleAheadMs) soon.push({ clockId, next: r.next });
      else {
        later.push({ clockId, next: r.next });
        laterEarliestMs = Math.min(laterEarliestMs, r.next.atMs);
      }
    }
    // The steps are recorded in PostgreSQL now, so their fallback jobs (due `graceMs` after the
    // step) would only repeat the transaction to find nothing; spare them first. Kept when one
    // still wakes its step (not yet due).
    const spent = [...claimedJobs].filter(([clockId, jobId]) => results.get(clockId)?.next?.jobId !== jobId).map(([, jobId]) => jobId);
    // Left in place if Redis fails here: each finds its step fired.
    await removeStepJobs(queue, spent).catch((error) => options.logger.warn({ err: error, jobs: spent.length }, 'removing fired steps\' fallback jobs failed'));
    await scheduleNextSteps(soon);
  }

  /** Both wake-ups of each next step, in one pipeline for the fallback jobs. Never throws. */
  async function scheduleNextSteps(nextSteps: NextStep[], deferred = false): Promise<void> {
    if (nextSteps.length === 0) return;
    try {
      // A job already there under the id is kept as it is (BullMQ ignores the duplicate): only a
      // rebase or a resume moves a step, and those wake the clock through `wake`, which moves it;
      // a job that wakes too early re-delays itself.
      await queue.addBulk(
        nextSteps.map(({ clockId, next }) => ({
          name: CLOCK_STEP_JOB.name,
          data: ClockStepJob.parse({ clockId, step: next.step, atMs: next.atMs }),
          opts: { jobId: next.jobId, delay: Math.max(0, next.atMs + graceMs - Date.now()) },
        })),
      );
      // A deferred member never moves one a `wake` set meanwhile (it may have rebased the step).
      await dueSet.add(
        nextSteps.map(({ clockId, next }) => ({ member: dueMember(clockId, next.step), atMs: next.atMs })),
        undefined,
        deferred,
      );
    } catch (error) {
      options.logger.error({ err: error, clocks: nextSteps.length }, 'scheduling the next steps failed; the reconciler will');
    }
  }

  // Next steps not due soon (the breach's escalation an hour on) wait until the poller has been
  // quiet for a moment: at a peak, Redis work for later must not delay the steps due now (a lane
  // merely free is not enough: a poller that claims as lanes free up has one free most of the
  // time). A crash loses only the wake-ups: PostgreSQL holds the clocks, and the reconciler
  // re-creates them at start. Bounded, so a peak that goes on cannot pile them up without end.
  const later: NextStep[] = [];
  let laterEarliestMs = Infinity;
  let schedulingLater: Promise<void> | undefined;
  let lastClaimAtMs = 0;
  function scheduleLater(force = false): void {
    if (schedulingLater || later.length === 0) return;
    const quiet = claimed.length === 0 && held.length === 0 && inFlight.size === 0 && Date.now() - lastClaimAtMs >= QUIET_MS;
    if (!force && !quiet && later.length < LATER_MAX && laterEarliestMs - Date.now() >= scheduleAheadMs) return;
    const chunk = later.splice(0, batch);
    if (later.length === 0) laterEarliestMs = Infinity;
    schedulingLater = scheduleNextSteps(chunk, true).finally(() => {
      schedulingLater = undefined;
      // One chunk at a time, each after a look at the lanes.
      if (later.length > 0) setImmediate(() => scheduleLater(force || stopping));
    });
  }

  // Claimed members wait in `held` (in instant order) until their instant, their clocks read
  // meanwhile; then in `claimed` for a lane. They are fired in batches, `pollerTransactions` at a
  // time, without holding up the poller: the next claim must not wait for a transaction.
  const held: ClaimedEntry[] = [];
  const claimed: ClaimedEntry[] = [];
  const inFlight = new Set<Promise<void>>();
  const afterFiring = new Set<Promise<void>>();
  let laneFreed: (() => void) | undefined;
  let releaseTimer: NodeJS.Timeout | undefined;
  let releaseAtMs = Infinity;

  /** Takes what the poller claimed: each clock read now, each step held until its instant. */
  function hold(entries: DueEntry[], claimedAtMs: number): void {
    const clockIds = new Set<string>();
    for (const e of entries) {
      const parsed = parseDueMember(e.member);
      if (parsed) clockIds.add(parsed.clockId);
    }
    // A failed read leaves the clocks to the ordinary firing transaction.
    const loaded =
      clockIds.size === 0
        ? Promise.resolve(null)
        : loadClocksForFiring(options.db, [...clockIds]).catch((error) => {
            options.logger.warn({ err: error, clocks: clockIds.size }, 'reading clocks ahead failed; they fire the ordinary way');
            return null;
          });
    for (const e of entries) {
      const entry: ClaimedEntry = { member: e.member, atMs: e.atMs, claimedAtMs, loaded };
      // Claims come in instant order; a member added late for an earlier instant is put in place.
      let at = held.length;
      while (at > 0 && held[at - 1]!.atMs > e.atMs) at--;
      held.splice(at, 0, entry);
    }
    release();
  }

  /** Moves the steps whose instant has come (by the wall clock: never early) to the lanes. */
  function release(): void {
    const nowMs = Date.now();
    let due = 0;
    while (due < held.length && held[due]!.atMs <= nowMs) due++;
    if (due > 0) {
      for (const e of held.splice(0, due)) claimed.push(e);
      dispatch();
    }
    const first = held[0];
    if (!first || stopping) return;
    if (releaseTimer && releaseAtMs <= first.atMs) return;
    if (releaseTimer) clearTimeout(releaseTimer);
    releaseAtMs = first.atMs;
    releaseTimer = setTimeout(() => {
      releaseTimer = undefined;
      releaseAtMs = Infinity;
      release();
      if (mayClaim()) laneFreed?.();
    }, Math.max(1, first.atMs - nowMs));
  }

  function dispatch(): void {
    while (inFlight.size < pollerTransactions && claimed.length > 0 && !stopping) {
      // A backlog (after a stall) is shared among the free lanes rather than one lane taking it all.
      const share = Math.max(MIN_SHARE, Math.ceil(claimed.length / (pollerTransactions - inFlight.size)));
      const wakeUp: Promise<void> = fireClaimed(claimed.splice(0, Math.min(batch, share))).finally(() => {
        inFlight.delete(wakeUp);
        dispatch();
        if (mayClaim()) laneFreed?.();
        scheduleLater();
      });
      inFlight.add(wakeUp);
    }
  }

  /**
   * Resolves when the poller may claim again: not while every lane is busy with steps already due
   * waiting (what is due meanwhile stays in the due set, not in this process's memory, and the
   * next claim takes it all at once instead of the poller spinning on Redis for a member or two),
   * nor while `HOLD_MAX` steps are held.
   */
  function roomToClaim(): Promise<void> | undefined {
    if (mayClaim()) return undefined;
    return new Promise<void>((resolve) => {
      laneFreed = () => {
        laneFreed = undefined;
        resolve();
      };
    });
  }

  function mayClaim(): boolean {
    const lanesBusy = claimed.length > 0 && inFlight.size >= pollerTransactions;
    return (!lanesBusy && held.length < HOLD_MAX) || stopping;
  }

  /** Re-creates what Redis lost, from PostgreSQL; fires overdue steps once. */
  async function reconcile(): Promise<ReconcileReport> {
    const ids = await pendingClockIds(options.db);
    const report: ReconcileReport = { clocks: ids.length, jobsAdded: 0, jobsMoved: 0, stepsFired: 0 };
    let index = 0;
    // A chunk of clocks per transaction: a city with many pending clocks restarts in minutes,
    // not in a transaction per clock.
    const lane = async () => {
      while (index < ids.length && !stopping) {
        const chunk = ids.slice(index, index + batch);
        index += chunk.length;
        await wakeClocks(chunk, report);
      }
    };
    await Promise.all(Array.from({ length: 2 }, lane));
    return report;
  }

  /**
   * Fire-and-schedule many clocks: what is due in one transaction, then both wake-ups of each next
   * step. The reconciler's chunks, and the clocks a run of incident events changed.
   */
  async function wakeClocks(clockIds: string[], report: ReconcileReport, firedBy: FiredBy = 'reconciler'): Promise<void> {
    let results: Map<string, FireResult>;
    try {
      results = await fireDueStepsOfClocks(options.db, clockIds, options.policy, now(), firedBy);
    } catch (error) {
      options.logger.warn({ err: error, clocks: clockIds.length, firedBy }, 'waking a chunk of clocks failed; one clock at a time');
      for (const id of clockIds) {
        try {
          await wake(id, firedBy, report);
        } catch (single) {
          options.logger.error({ err: single, clockId: id, firedBy }, 'waking a clock failed; the reconciler retries');
        }
      }
      return;
    }
    told(results, firedBy);
    const fired = [...results.values()].reduce((n, r) => n + r.fired.length, 0);
    report.stepsFired += fired;
    if (fired > 0) await options.relay.flush();
    await Promise.all(
      [...results].map(async ([clockId, result]) => {
        if (!result.next) return;
        try {
          const outcome = await schedule(result.next, clockId);
          if (outcome === 'added') report.jobsAdded += 1;
          if (outcome === 'moved') report.jobsMoved += 1;
        } catch (error) {
          options.logger.error({ err: error, clockId, firedBy }, 'scheduling a clock failed; the reconciler retries');
        }
      }),
    );
  }

  async function changedClocks(ids: string[], firedBy: FiredBy): Promise<void> {
    await options.relay.flush();
    for (const id of new Set(ids)) await wake(id, firedBy);
  }

  const fingerprints = new IncidentFingerprints();

  /** One incident event in its own transaction: the fallback of a failed run, and the baseline. */
  async function handleIncidentEvent(delivery: Delivery<IncidentEvent>): Promise<void> {
    // A run that failed is retried message by message: what was known of the partition may not hold.
    fingerprints.forget(delivery.topic, delivery.partition);
    const { envelope } = delivery;
    const changed = await options.db.transaction(async (tx) => {
      await lockOwner(tx, envelope.payload.incident.id);
      if (!(await markProcessed(tx, CONSUMER, envelope.id))) return [];
      return applyIncidentState(tx, envelope.payload.incident.id, options.policy, now(), envelope.traceId, envelope.payload.incident);
    });
    await changedClocks(changed, 'event');
    options.onIncidentEventsHandled?.(1);
  }

  /**
   * A run of one partition's incident events: those that can change no clock are passed over
   * (see `mattersToClocks`), the others handled in order in one transaction. Throwing makes the
   * bus hand each event of the run to `handleIncidentEvent`.
   */
  async function handleIncidentEvents(deliveries: ReadonlyArray<Delivery<IncidentEvent>>): Promise<void> {
    const first = deliveries[0];
    const last = deliveries[deliveries.length - 1];
    if (!first || !last) return;
    const known = fingerprints.forRun(first.topic, first.partition, first.offset);
    const relevant: Array<Delivery<IncidentEvent>> = [];
    for (const delivery of deliveries) {
      const event = delivery.envelope.payload;
      if (mattersToClocks(event, known.get(event.incident.id), options.policy)) relevant.push(delivery);
      known.set(event.incident.id, clockFingerprint(event.incident, options.policy));
    }
    let changed: string[] = [];
    try {
      if (relevant.length > 0) {
        changed = await options.db.transaction(async (tx) => {
          // Every owner of the run locked up front, in the firing path's order: no lock cycle.
          await lockOwners(tx, relevant.map((d) => d.envelope.payload.incident.id));
          const fresh = await markAllProcessed(tx, CONSUMER, relevant.map((d) => d.envelope.id));
          const ids: string[] = [];
          for (const { envelope } of relevant) {
            if (!fresh.has(envelope.id)) continue;
            ids.push(...(await applyIncidentState(tx, envelope.payload.incident.id, options.policy, now(), envelope.traceId, envelope.payload.incident)));
          }
          return ids;
        });
      }
    } catch (error) {
      fingerprints.forget(first.topic, first.partition);
      throw error;
    }
    fingerprints.handled(last.topic, last.partition, last.offset);
    if (changed.length > 0) {
      await options.relay.flush();
      const ids = [...new Set(changed)];
      const report: ReconcileReport = { clocks: ids.length, jobsAdded: 0, jobsMoved: 0, stepsFired: 0 };
      for (let i = 0; i < ids.length; i += batch) await wakeClocks(ids.slice(i, i + batch), report, 'event');
    }
    options.onIncidentEventsHandled?.(deliveries.length);
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
      // Idle lanes are also looked for when nothing fires, and a step coming close is never left waiting.
      laterTimer = setInterval(() => scheduleLater(), 250);
      laterTimer.unref();
      poller = startFiringLoop({
        dueSet,
        fire: (entries, claimedAtMs) => {
          lastClaimAtMs = claimedAtMs;
          hold(entries, claimedAtMs);
          return roomToClaim();
        },
        // A claim takes no more than one transaction fires.
        batch,
        lookAheadMs,
        maxSleepMs: options.pollEveryMs ?? 50,
        onError: (error) => options.logger.error({ err: error }, 'due-set poller error'),
      });
      subscriptions = [
        await options.bus.subscribe({
          group,
          messages: [IncidentEventMessage],
          handler: async (delivery) => {
            await handleIncidentEvent(delivery as Delivery<IncidentEvent>);
            return { outcome: 'ok' };
          },
          ...(options.incidentEventRuns !== false && {
            batchHandler: (deliveries) => handleIncidentEvents(deliveries as ReadonlyArray<Delivery<IncidentEvent>>),
            maxBatchSize: options.incidentEventRunSize ?? 500,
          }),
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
      // A poller waiting for a lane goes on to see it must stop.
      laneFreed?.();
      if (reconcileTimer) clearTimeout(reconcileTimer);
      reconcileTimer = undefined;
      for (const s of subscriptions) await s.stop();
      // The poller before the queue: a wake-up in flight still schedules through it.
      await poller?.stop();
      poller = undefined;
      // What was claimed but not yet fired goes back to the due set, for another instance to fire
      // on time (the BullMQ fallback covers it too, and a crash).
      if (releaseTimer) clearTimeout(releaseTimer);
      releaseTimer = undefined;
      const unfired = [...claimed.splice(0), ...held.splice(0)];
      if (unfired.length > 0) {
        await dueSet.add(unfired.map((e) => ({ member: e.member, atMs: e.atMs })), undefined, true).catch((error) =>
          options.logger.warn({ err: error, steps: unfired.length }, 'returning claimed steps to the due set failed; their fallback jobs fire them'),
        );
      }
      while (inFlight.size > 0) await Promise.all(inFlight);
      while (afterFiring.size > 0) await Promise.all(afterFiring);
      clearInterval(laterTimer);
      // Next steps waiting for idle lanes are scheduled before the queue closes.
      while (later.length > 0 || schedulingLater) {
        scheduleLater(true);
        await schedulingLater;
      }
      await worker?.close();
      await queue.close();
      if (dueRedis.status === 'ready') await dueRedis.quit().catch(() => dueRedis.disconnect());
      else dueRedis.disconnect();
    },
  };
}
