import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import IORedis from 'ioredis';
import type { Logger } from '@huiying/telemetry';

async function answers(url: string): Promise<boolean> {
  const client = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * The Redis the clocks use: REDIS_URL if something answers there; otherwise, when
 * `redis-server` is on the PATH, a private one under `.data/redis` with the persistence BullMQ
 * needs (appendonly, noeviction). Says which, so nobody wonders where the clocks live.
 */
export async function ensureRedis(url: string, dataDir: string, logger: Logger): Promise<{ url: string; stop: () => Promise<void> }> {
  if (await answers(url)) return { url, stop: async () => undefined };
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`Redis does not answer at ${url} and redis-server is not on the PATH: start Redis or set REDIS_URL`);
  const port = 6390;
  const dir = path.resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const privateUrl = `redis://127.0.0.1:${port}`;
  if (await answers(privateUrl)) {
    logger.info({ redis: privateUrl }, 'using the private Redis already running under .data/redis');
    return { url: privateUrl, stop: async () => undefined };
  }
  const child = spawn(found, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', ''], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !(await answers(privateUrl)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers(privateUrl))) throw new Error(`started redis-server on port ${port} but it does not answer`);
  logger.warn({ redis: privateUrl, dir }, `nothing answered at ${url}: started a private redis-server for this process`);
  return { url: privateUrl, stop: async () => void child.kill('SIGTERM') };
}
