import path from 'node:path';
import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

const repoRoot = path.resolve(__dirname, '../../..');

export const EmbeddedConfig = z.object({
  PORT: env.port(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: env.logLevel(),
  REDIS_URL: env.url().default('redis://127.0.0.1:6379'),
  /** Where PGlite and a private Redis keep their files. */
  DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  /** Replay the sample posts at start so a newcomer sees incidents and running clocks. */
  SAMPLE_POSTS: z.string().default(path.join(repoRoot, 'services/embedded/samples/longnan-sample.jsonl')),
  REPLAY_SAMPLES: env.bool(true),
  CLOCK_QUEUE: z.string().regex(/^[a-z0-9-]+$/).default('huiying-clocks-embedded'),
  STATEMENT_DEADLINE_MS: env.durationMs(5 * 60 * 60 * 1000),
  PRESS_CONFERENCE_DEADLINE_MS: env.durationMs(24 * 60 * 60 * 1000),
});
export type EmbeddedConfig = z.infer<typeof EmbeddedConfig>;

export const loadEmbeddedConfig = (environment = process.env) => parseConfig('huiying', EmbeddedConfig, environment);
