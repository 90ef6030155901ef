import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus } from '@huiying/bus';
import { PostIngestedMessage, type Post } from '@huiying/contracts';
import { webhookSignatureHeader, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '@huiying/ingest-core';
import type { Db } from '@huiying/store';
import { createMetricsRegistry } from '@huiying/telemetry';
import { Redis } from 'ioredis';
import { testLogger, TEST_REDIS_URL } from '../../../embedded/src/testing/real-services';
import { createIngestService, type IngestService } from '../ingest-service';
import { SourceDefinition, type SourceDefinitionInput } from '../sources/source-definition';
import { SOURCE_HEADER } from '../webhook.routes';

export const ADMIN_KEY = 'test-admin-key-0123456789';

/** One ingest instance on a real loopback port, against the real Kafka, PostgreSQL and Redis. */
export async function startIngestInstance(options: { bus: Bus; db: Db; redisPrefix: string; sources: SourceDefinitionInput[]; maxBodyBytes?: number; environment?: Record<string, string> }) {
  const redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true });
  const service: IngestService = await createIngestService({
    bus: options.bus,
    db: options.db,
    redis,
    logger: testLogger(),
    registry: createMetricsRegistry('ingest-test', false),
    sources: options.sources.map((s) => SourceDefinition.parse(s)),
    dedup: { keyPrefix: options.redisPrefix, windowMs: 600_000, hammingThreshold: 3 },
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    adminApiKey: ADMIN_KEY,
    ssrfAllow: ['127.0.0.0/8'],
    polling: true,
    reloadIntervalMs: 0,
    repostFlushMs: 60_000,
    // Tests drive polls with pollNow(); the timers stay far away.
    firstPollDelayMs: 3_600_000,
    ...(options.environment && { environment: options.environment }),
  });
  await service.start();
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = (service.app.server as Server).address() as AddressInfo;
  return {
    service,
    url: `http://127.0.0.1:${port}`,
    redis,
    async stop() {
      await service.stop();
      await redis.quit();
    },
  };
}

/** Deletes this test's Redis keys only (others share the server): SCAN by prefix, never FLUSHALL. */
export async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

/** Collects every post on posts.ingested from the beginning. */
export async function collectPosts(bus: Bus, group: string) {
  const posts: Post[] = [];
  // Kafka delivers at least once: a rebalance can hand this reader a message again. Count each
  // message on the topic once, so a test sees what ingest wrote, not how often it was read.
  const seen = new Set<string>();
  const handle = await bus.subscribe({
    group,
    messages: [PostIngestedMessage],
    handler: async (d) => {
      const at = `${d.topic}:${d.partition}:${d.offset}`;
      if (seen.has(at)) return;
      seen.add(at);
      posts.push(d.envelope.payload as Post);
    },
  });
  return { posts, stop: () => handle.stop() };
}

export interface PushOptions {
  source: string;
  secret?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  signature?: string;
}

/** POSTs a body to the webhook over real HTTP, signed as a sender would sign it. */
export async function push(baseUrl: string, body: unknown, options: PushOptions): Promise<{ status: number; json: any }> {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const ts = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json', [SOURCE_HEADER]: options.source };
  if (options.secret !== undefined || options.signature !== undefined) {
    headers[WEBHOOK_TIMESTAMP_HEADER] = ts;
    headers[WEBHOOK_SIGNATURE_HEADER] = options.signature ?? webhookSignatureHeader(options.secret!, ts, raw);
  }
  const response = await fetch(`${baseUrl}/ingest/v1/posts`, { method: 'POST', headers, body: raw });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}
