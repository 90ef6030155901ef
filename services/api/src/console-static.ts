import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The console's production build (`npm run build -w @huiying/console`). */
export const DEFAULT_CONSOLE_DIR = path.resolve(__dirname, '../../console/dist');

/**
 * Serves the console at `/`. Assets carry a content hash in their names, so they are cached for
 * good; index.html is never cached, so a new build reaches every desk on the next load.
 */
export async function serveConsole(app: FastifyInstance, root: string): Promise<boolean> {
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'console build missing: run `npm run build -w @huiying/console`; the API runs without it');
    return false;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    setHeaders(res, file) {
      res.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return true;
}
