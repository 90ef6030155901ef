import { kafkaBusFor, type Bus } from '@huiying/bus';
import { createOutboxRelay, type OutboxRelay } from '@huiying/outbox';
import { migrate, openDatabase, type Db } from '@huiying/store';
import {
  closeOnSignals,
  createHealthServer,
  createLogger,
  createMetricsRegistry,
  type Logger,
  type ReadinessCheck,
} from '@huiying/telemetry';
import type { Registry } from 'prom-client';

/** The variables every stateful service reads the same way (see each service's config.ts). */
export interface StatefulServiceConfig {
  LOG_LEVEL: string;
  DATABASE_URL: string;
  DATABASE_SCHEMA?: string | undefined;
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PREFIX: string;
  /** Optional consumer tuning, handed to the bus (see `kafkaBusFor`). */
  KAFKA_PARTITIONS_CONCURRENTLY?: number | undefined;
  KAFKA_RUNS_ACROSS_PARTITIONS?: boolean | undefined;
}

export interface StatefulService {
  logger: Logger;
  registry: Registry;
  db: Db;
  bus: Bus;
  relay: OutboxRelay;
  /** Ready while PostgreSQL answers. */
  postgresCheck: ReadinessCheck;
}

/**
 * Opens what a service that keeps state needs, in the order that makes a failure clear: the
 * database (migrated), then the bus, then the outbox relay that publishes the events its
 * transactions record.
 */
export async function openStatefulService(service: string, config: StatefulServiceConfig): Promise<StatefulService> {
  const logger = createLogger(service, config.LOG_LEVEL);
  const registry = createMetricsRegistry(service);
  const db = await openDatabase({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
  await migrate(db);
  const bus = kafkaBusFor(service, config, logger);
  const relay = createOutboxRelay({ db, bus, logger });
  relay.start();
  return {
    logger,
    registry,
    db,
    bus,
    relay,
    postgresCheck: { name: 'postgres', check: async () => void (await db.query('SELECT 1')) },
  };
}

/**
 * Serves /healthz, /readyz and /metrics, and on SIGTERM/SIGINT closes in this order: the
 * service's own work first (it drains what is in flight and may still publish), then the health
 * server, the relay, the bus and last the database.
 */
export async function serveUntilSignal(
  service: string,
  opened: StatefulService,
  work: { name: string; stop: () => Promise<unknown> },
  options: { port: number; checks: ReadinessCheck[] },
): Promise<void> {
  const { logger, registry, db, bus, relay } = opened;
  const health = createHealthServer({ service, registry, logger, checks: options.checks });
  await health.listen({ host: '0.0.0.0', port: options.port });
  closeOnSignals(logger, [
    { name: 'db', close: () => db.close() },
    { name: 'bus', close: () => bus.close() },
    { name: 'relay', close: () => relay.stop() },
    { name: 'health', close: () => health.close() },
    { name: work.name, close: work.stop },
  ]);
}
