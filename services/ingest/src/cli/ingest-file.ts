import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { kafkaBusFor } from '@huiying/bus';
import { env, exitOnConfigError, parseConfig } from '@huiying/config';
import { formatFromPath, MemoryDedupStore, type DedupStore, type ReplayPace } from '@huiying/ingest-core';
import { createLogger } from '@huiying/telemetry';
import { SingleBar } from 'cli-progress';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { ingestMetrics } from '../admission/ingest-metrics';
import { createPostAdmission } from '../admission/post-admission';
import { RedisDedupStore } from '../admission/redis-dedup-store';
import { replayFile } from '../file-replay';

const USAGE = `huiying ingest FILE [--source ID] [--format jsonl|csv] [--rate N | --original-spacing [--speed X]] [--redis]
  Publishes the posts of a JSONL or CSV file to posts.ingested (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX).
  As fast as possible by default; --rate N posts a second; --original-spacing keeps the posts'
  spacing, --speed X replays it X times faster. --redis dedupes against the running service's
  Redis (REDIS_URL, INGEST_DEDUP_KEY_PREFIX) instead of within the file only.`;

const CliConfig = z.object({
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  REDIS_URL: env.url().default('redis://127.0.0.1:6379'),
  INGEST_DEDUP_KEY_PREFIX: z.string().default('huiying:dedup:'),
  LOG_LEVEL: env.logLevel().default('warn'),
});

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      source: { type: 'string', default: 'file' },
      format: { type: 'string' },
      rate: { type: 'string' },
      'original-spacing': { type: 'boolean', default: false },
      speed: { type: 'string', default: '1' },
      redis: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (values.help || !file) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const format = (values.format as 'jsonl' | 'csv' | undefined) ?? formatFromPath(file);
  if (format !== 'jsonl' && format !== 'csv') {
    process.stderr.write(`cannot tell the format of ${file}: name it .jsonl or .csv, or pass --format\n`);
    return 2;
  }
  let pace: ReplayPace = { kind: 'asap' };
  if (values.rate !== undefined) pace = { kind: 'rate', postsPerSecond: Number(values.rate) };
  if (values['original-spacing']) pace = { kind: 'original', speed: Number(values.speed) };
  if ((pace.kind === 'rate' && !(pace.postsPerSecond > 0)) || (pace.kind === 'original' && !(pace.speed > 0))) {
    process.stderr.write('--rate and --speed take a positive number\n');
    return 2;
  }

  const config = parseConfig('ingest', CliConfig);
  const logger = createLogger('ingest-cli', config.LOG_LEVEL);
  const bus = kafkaBusFor('ingest-cli', config, logger);
  const redis = values.redis ? new Redis(config.REDIS_URL, { enableAutoPipelining: true }) : undefined;
  const store: DedupStore = redis ? new RedisDedupStore(redis) : new MemoryDedupStore();
  const admit = createPostAdmission({ bus, metrics: ingestMetrics(new Registry()), dedup: { store, options: { keyPrefix: config.INGEST_DEDUP_KEY_PREFIX } } });
  const bar = new SingleBar({ stream: process.stderr, format: '{bar} {read} read · {accepted} accepted · {duplicates} duplicates · {rejected} rejected · {rate}/s', barsize: 20 });
  bar.start(0, 0, { read: 0, accepted: 0, duplicates: 0, rejected: 0, rate: 0 });
  try {
    const summary = await replayFile({
      input: createReadStream(file),
      format,
      sourceId: values.source,
      pace,
      admit,
      onProgress: (s) => {
        bar.setTotal(s.read);
        bar.update(s.accepted + s.duplicates + s.rejected.length, {
          read: s.read,
          accepted: s.accepted,
          duplicates: s.duplicates,
          rejected: s.rejected.length,
          rate: Math.round((s.read * 1000) / Math.max(1, s.elapsedMs)),
        });
      },
    });
    bar.stop();
    const lines = [
      `read ${summary.read}, accepted ${summary.accepted}, duplicates ${summary.duplicates}, rejected ${summary.rejected.length} in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
      ...summary.rejected.slice(0, 50).map((r) => `  line ${r.line}: ${r.reason}`),
      ...(summary.rejected.length > 50 ? [`  … ${summary.rejected.length - 50} more rejected lines (all are on the dead-letter topic)`] : []),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return summary.rejected.length > 0 ? 1 : 0;
  } finally {
    bar.stop();
    await bus.close();
    await redis?.quit();
  }
}

main().then((code) => process.exit(code), exitOnConfigError);
