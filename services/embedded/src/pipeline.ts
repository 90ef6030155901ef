import { buildApiApp } from '@huiying/api';
import type { Bus } from '@huiying/bus';
import { createClassifierWorker, type PostClassifier } from '@huiying/classifier';
import { createIncidentWorker } from '@huiying/incidents';
import { embeddedUnsignedSources, webhookRoutes } from '@huiying/ingest';
import { createAlertRecorder } from '@huiying/notifier';
import { createOutboxRelay } from '@huiying/outbox';
import { createStatementsWorker } from '@huiying/statements';
import { createClockTimer, redisOptionsFromUrl, type ClockPolicy } from '@huiying/sla-timer';
import type { Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';

export interface PipelineOptions {
  bus: Bus;
  db: Db;
  redisUrl: string;
  logger: Logger;
  registry: Registry;
  classifier: PostClassifier;
  clockPolicy: ClockPolicy;
  clockQueue: string;
  /** BullMQ key prefix; tests use a random one. */
  redisPrefix?: string;
  /** Consumer-group prefix, so several pipelines can share a broker. */
  groupPrefix?: string;
  /** Create one user per role when the users table is empty, and log their passwords (the local demo). */
  demoUsers?: boolean;
  /** Leave the classifier out: a test runs it as its own process. */
  withoutClassifier?: boolean;
  service?: string;
}

/**
 * Every stage wired on one bus, one database and one Redis: the single-process mode, and the
 * end-to-end tests that drive it through real Kafka, PostgreSQL and Redis.
 */
export async function startPipeline(options: PipelineOptions) {
  const { bus, db, logger, registry } = options;
  const group = (name: string) => `${options.groupPrefix ?? 'huiying-'}${name}`;
  const relay = createOutboxRelay({ db, bus, logger: logger.child({ component: 'outbox' }) });
  const classifier = options.withoutClassifier
    ? undefined
    : createClassifierWorker({ bus, classifier: options.classifier, logger: logger.child({ component: 'classifier' }), registry, db, group: group('classifier') });
  const incidents = createIncidentWorker({ bus, db, relay, logger: logger.child({ component: 'incidents' }), registry, group: group('incidents') });
  const timer = createClockTimer({
    bus, db, relay,
    logger: logger.child({ component: 'sla-timer' }),
    redis: redisOptionsFromUrl(options.redisUrl),
    queueName: options.clockQueue,
    ...(options.redisPrefix !== undefined && { prefix: options.redisPrefix }),
    policy: options.clockPolicy,
    group: group('sla-timer'),
  });
  // Escalates overdue sign-off steps, retries webhook deliveries, links repeats of debunked claims.
  const statements = createStatementsWorker({ db, relay, logger: logger.child({ component: 'statements' }) });
  const notifier = createAlertRecorder({ bus, db, relay, logger: logger.child({ component: 'notifier' }), registry, group: group('notifier') });

  // Downstream first, so nothing an upstream stage publishes waits for a consumer to join.
  relay.start();
  const parts = [notifier, timer, incidents, ...(classifier ? [classifier] : [])];
  for (const part of parts) await part.start();
  statements.start();

  const app = await buildApiApp({
    db, logger, registry, service: options.service ?? 'huiying',
    bus, relay, groupPrefix: group(''),
    // The embedded mode serves plain HTTP on localhost: a Secure cookie would never come back.
    secureCookie: false,
    demoUsers: options.demoUsers ?? false,
    checks: [
      { name: 'postgres', check: async () => void (await db.query('SELECT 1')) },
      { name: 'redis', check: async () => void (await timer.queue.getJobCounts('delayed')) },
    ],
  });
  // The single-process mode takes unsigned posts from any source id; the ingest service never does.
  await app.register(webhookRoutes, { bus, logger: logger.child({ component: 'ingest' }), sources: embeddedUnsignedSources });
  await app.ready();

  return {
    app,
    timer,
    relay,
    /** Stops consuming (draining in-flight work), then the relay and the HTTP surface. */
    async stop() {
      // First: a tick mid-shutdown would otherwise query a database that is closing.
      await statements.stop();
      for (const part of [...parts].reverse()) await part.stop();
      await relay.stop();
      await app.close();
    },
  };
}
