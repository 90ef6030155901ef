import type { FastifyPluginAsync } from 'fastify';
import { mayRead, signedIn } from '../access/authentication';
import type { LiveFeed } from '../live/live-feed';

export interface EventRoutesOptions {
  live: LiveFeed;
  /** Comment line every so often so proxies keep the stream open. Default 25 s. */
  pingEveryMs?: number;
}

/**
 * `/api/events`: server-sent events for the console (alerts, clock changes, incidents). A cookie
 * session, since EventSource cannot send headers; each event is checked against the user's
 * `incident.read` before it is written.
 */
export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, options) => {
  const open = new Set<import('node:http').ServerResponse>();
  // Open streams would keep `close()` waiting for ever: end them first.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });
  app.get('/api/events', { schema: { tags: ['live'], hide: false } }, async (request, reply) => {
    const principal = signedIn(request);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    open.add(res);
    const unsubscribe = options.live.on((event) => {
      if (!mayRead(principal, event.departments)) return;
      res.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), options.pingEveryMs ?? 25_000);
    const close = () => {
      clearInterval(ping);
      unsubscribe();
      open.delete(res);
    };
    request.raw.on('close', close);
    res.on('error', close);
  });
};
