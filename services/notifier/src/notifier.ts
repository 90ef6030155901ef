import { watchFile, unwatchFile } from 'node:fs';
import { checkReadiness, type ChannelSender, type EscalationPolicy, type ReadinessProblem } from '@huiying/alerting';
import type { Bus } from '@huiying/bus';
import type { OutboxRelay } from '@huiying/outbox';
import type { Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import IORedis, { type RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';
import { attemptDelivery, DeferredDeliveryError } from './alert-deliveries';
import type { IntakeJobs } from './alert-intake';
import { createAlertRecorder } from './alert-recorder';
import { closeBundle, runAlertRound, type RoundOptions } from './alert-rounds';
import { alertingFiles, loadAlertingSetup, type AlertingSetup } from './alerting-config';
import { createRobotRateLimiter } from './robot-rate-limiter';
import {
  AlertRoundJob,
  BundleCloseJob,
  DeliverJob,
  NOTIFY_JOBS,
  addBundleCloseJob,
  addDeliverJob,
  addRoundJob,
  createNotifyQueue,
  type NotifyJobData,
  type NotifyQueue,
} from './notify-jobs';

export interface NotifierOptions {
  bus: Bus;
  db: Db;
  relay: OutboxRelay;
  logger: Logger;
  registry: Registry;
  redis: ConnectionOptions;
  queueName: string;
  prefix?: string;
  group?: string;
  /** The roster, chains and channels; or `configDir` to load (and watch) them from files. */
  setup?: AlertingSetup;
  configDir?: string;
  escalation: EscalationPolicy;
  bundleWindowMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  linkBase?: string;
  /** How often to re-create jobs Redis lost. Default 60 s. */
  reconcileEveryMs?: number;
  now?: () => Date;
}

/**
 * The notifier: records alerts (and the console's live feed), freezes each alert's escalation
 * chain, repeats unacknowledged alerts and escalates them, bundles repeats of a key, and sends
 * every message through BullMQ with retries, each attempt stored with its outcome.
 */
export function createNotifier(options: NotifierOptions) {
  const now = options.now ?? (() => new Date());
  const prefix = options.prefix ?? 'huiying';
  const queue: NotifyQueue = createNotifyQueue(options.queueName, options.redis, prefix);
  const senders = new Map<string, ChannelSender>();
  let setup: AlertingSetup = options.setup ?? loadAlertingSetup(requireDir(options.configDir));
  let problems: ReadinessProblem[] = [];
  let worker: Worker<NotifyJobData, string, string> | undefined;
  let reconcileTimer: NodeJS.Timeout | undefined;
  const watched: string[] = [];
  // Lazy, so building a notifier starts nothing; keys under the prefix, cleaned with it.
  const limiterRedis = new IORedis({ ...(options.redis as RedisOptions), lazyConnect: true });
  const rateLimiter = createRobotRateLimiter(limiterRedis, prefix);

  const roundOptions = (): RoundOptions => ({
    setup,
    escalation: options.escalation,
    logger: options.logger,
    ...(options.linkBase !== undefined && { linkBase: options.linkBase }),
  });
  const deliver = (ids: string[]) => Promise.all(ids.map((id) => addDeliverJob(queue, id, options.maxAttempts, options.retryBaseMs)));

  async function afterCommit(jobs: IntakeJobs): Promise<void> {
    for (const s of jobs.summaries) await deliver(await closeBundle(options.db, s.key, s.window.openedAtMs, now().getTime(), roundOptions(), s.window));
    for (const c of jobs.bundleCloses) await addBundleCloseJob(queue, c.key, c.openedAtMs, c.closesAtMs);
    for (const r of jobs.rounds) await addRoundJob(queue, r.alertId, r.atMs);
  }

  const recorder = createAlertRecorder({
    bus: options.bus,
    db: options.db,
    relay: options.relay,
    logger: options.logger,
    registry: options.registry,
    ...(options.group !== undefined && { group: options.group }),
    now,
    delivery: {
      get setup() {
        return setup;
      },
      escalation: options.escalation,
      bundleWindowMs: options.bundleWindowMs,
      afterCommit,
    },
  });

  /** Anyone in a chain nobody can reach, roster gaps, unconfigured channels: logged, kept for /readyz. */
  function checkNow(): ReadinessProblem[] {
    problems = checkReadiness({ roster: setup.roster, chains: setup.chains, channels: setup.channels, nowMs: now().getTime() });
    if (problems.length === 0) options.logger.info('alerting readiness: every chain member has a working channel');
    for (const p of problems) options.logger.warn({ readiness: p }, p.message);
    return problems;
  }

  async function process(job: Job<NotifyJobData, string, string>, token?: string): Promise<string> {
    switch (job.name) {
      case NOTIFY_JOBS.round.name: {
        const data = AlertRoundJob.parse(job.data);
        const result = await runAlertRound(options.db, data.alertId, now().getTime(), roundOptions());
        await deliver(result.deliveryIds);
        if (result.nextRoundAtMs !== null) await addRoundJob(queue, data.alertId, result.nextRoundAtMs);
        return `${result.deliveryIds.length} deliveries`;
      }
      case NOTIFY_JOBS.bundleClose.name: {
        const data = BundleCloseJob.parse(job.data);
        const ids = await closeBundle(options.db, data.key, data.openedAtMs, now().getTime(), roundOptions());
        await deliver(ids);
        return `${ids.length} summary deliveries`;
      }
      case NOTIFY_JOBS.deliver.name: {
        const data = DeliverJob.parse(job.data);
        try {
          return await attemptDelivery(options.db, data.deliveryId, {
            setup, logger: options.logger, maxAttempts: options.maxAttempts, senders, reserveSend: rateLimiter.reserve,
          });
        } catch (error) {
          if (!(error instanceof DeferredDeliveryError) || token === undefined) throw error;
          // A burst to one robot is spread out, not refused by the platform: the job sleeps until
          // its own slot without spending an attempt (no jitter: slots differ, and a late wake eats
          // into the limiter's tolerance).
          await job.moveToDelayed(Date.now() + error.waitMs, token);
          throw new DelayedError();
        }
      }
      default:
        throw new Error(`unknown notifier job ${job.name}`);
    }
  }

  /** Re-creates from PostgreSQL the jobs Redis lost: pending deliveries, next rounds, open windows. */
  async function reconcile(): Promise<{ deliveries: number; rounds: number; bundles: number }> {
    const pending = await options.db.query<{ id: string }>(`SELECT id FROM alert_deliveries WHERE status = 'pending'`);
    await deliver(pending.rows.map((r) => r.id));
    const rounds = await options.db.query<{ id: string; at: unknown }>(
      `SELECT id, next_round_at AS at FROM alerts WHERE delivery_state = 'active' AND next_round_at IS NOT NULL`,
    );
    for (const r of rounds.rows) await addRoundJob(queue, r.id, Date.parse(new Date(String(r.at instanceof Date ? r.at.toISOString() : r.at)).toISOString()));
    const bundles = await options.db.query<{ key: string; window: { openedAtMs: number; closesAtMs: number } }>(
      `SELECT key, "window" FROM alert_bundles WHERE NOT summarised`,
    );
    for (const b of bundles.rows) await addBundleCloseJob(queue, b.key, b.window.openedAtMs, b.window.closesAtMs);
    return { deliveries: pending.rows.length, rounds: rounds.rows.length, bundles: bundles.rows.length };
  }

  return {
    queue,
    reconcile,
    readiness: () => problems,
    /** A readiness check for /readyz: fails, naming each problem, while any remains. */
    readinessCheck: {
      name: 'alerting',
      check: async () => {
        if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
      },
    },
    async start() {
      checkNow();
      if (options.configDir !== undefined) {
        // On change: reload, re-check, keep the old setup if the new files do not validate.
        for (const file of Object.values(alertingFiles(options.configDir))) {
          watched.push(file);
          watchFile(file, { interval: 2_000 }, () => {
            try {
              setup = loadAlertingSetup(requireDir(options.configDir));
              senders.clear();
              options.logger.info({ dir: options.configDir }, 'alerting configuration reloaded');
              checkNow();
            } catch (error) {
              options.logger.error({ err: error }, 'alerting configuration change refused; keeping the previous one');
            }
          });
        }
      }
      options.logger.info(await reconcile(), 'notifier jobs reconciled from PostgreSQL');
      worker = new Worker<NotifyJobData, string, string>(options.queueName, process, {
        connection: { ...(options.redis as object), maxRetriesPerRequest: null } as ConnectionOptions,
        prefix,
        concurrency: 8,
      });
      worker.on('error', (error) => options.logger.error({ err: error }, 'notifier worker error'));
      await recorder.start();
      const loop = () => {
        reconcileTimer = setTimeout(() => {
          reconcile()
            .catch((error) => options.logger.error({ err: error }, 'notifier reconcile failed'))
            .finally(() => reconcileTimer && loop());
        }, options.reconcileEveryMs ?? 60_000);
        reconcileTimer.unref();
      };
      loop();
    },
    async stop() {
      if (reconcileTimer) clearTimeout(reconcileTimer);
      reconcileTimer = undefined;
      for (const file of watched.splice(0)) unwatchFile(file);
      await recorder.stop();
      await worker?.close();
      await queue.close();
      if (limiterRedis.status === 'ready') await limiterRedis.quit().catch(() => limiterRedis.disconnect());
      else limiterRedis.disconnect();
    },
  };
}

function requireDir(dir: string | undefined): string {
  if (dir === undefined) throw new Error('createNotifier: give `setup` or `configDir`');
  return dir;
}
