import { randomUUID } from 'node:crypto';
import { createKafkaAdmin, createKafkaBus, ensureTopics, prefixedTopicSpecs, withTopicPrefix } from '@huiying/bus';
import { migrate, openDatabase, type Db } from '@huiying/store';
import { createLogger } from '@huiying/telemetry';

/** The real services the integration tests use; `npm test` makes sure they are running. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export const testLogger = () => createLogger('test', process.env.TEST_LOG_LEVEL ?? 'warn');

/** A random name safe as a schema, topic prefix, queue and group: one per test run. */
export function isolationName(kind: string): string {
  return `t_${kind}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** A fresh schema with every migration applied; `drop()` removes it. */
export async function isolatedDatabase(name: string): Promise<{ db: Db; drop: () => Promise<void> }> {
  const db = await openDatabase({ url: TEST_DATABASE_URL, schema: name });
  await migrate(db);
  return {
    db,
    async drop() {
      await db.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await db.close();
    },
  };
}

/** Topics under a random prefix on the real broker; `drop()` deletes them. */
export async function isolatedTopics(prefix: string) {
  const logger = testLogger();
  const admin = createKafkaAdmin({ brokers: TEST_KAFKA_BROKERS, logger });
  await admin.connect();
  const specs = prefixedTopicSpecs(prefix);
  await ensureTopics(admin, specs, logger);
  return {
    bus: (service: string) => withTopicPrefix(createKafkaBus({ brokers: TEST_KAFKA_BROKERS, service, logger }), prefix),
    async drop() {
      await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** Polls until `probe` returns a value (not undefined), or fails with what it last saw. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${(last as Error).message}` : ''}`);
}
