import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { LazyRequestLogger, lazyRequestLogger } from './request-logger';

/** A logger that records the children made from it and every line written, with its bindings. */
function recordingLogger(
  bindings: Record<string, unknown> = {},
  lines: Array<{ level: string; bindings: Record<string, unknown>; args: unknown[] }> = [],
  children: Array<Record<string, unknown>> = [],
) {
  const write = (level: string) =>
    function (this: { bindings: Record<string, unknown> }, ...args: unknown[]) {
      lines.push({ level, bindings: this.bindings, args });
    };
  const logger = {
    bindings,
    level: 'warn',
    fatal: write('fatal'),
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    trace: write('trace'),
    silent: write('silent'),
    child(childBindings: Record<string, unknown>): FastifyBaseLogger {
      children.push(childBindings);
      return recordingLogger({ ...bindings, ...childBindings }, lines, children).logger;
    },
  };
  return { logger: logger as unknown as FastifyBaseLogger, lines, children };
}

describe('LazyRequestLogger', () => {
  it('makes no child while nothing is logged, and reports the level the child would have', () => {
    const parent = recordingLogger();
    const quiet = new LazyRequestLogger(parent.logger, { reqId: 'req-1' }, {});
    const routeLevel = new LazyRequestLogger(parent.logger, { reqId: 'req-2' }, { level: 'error' });
    expect([quiet.level, routeLevel.level]).toEqual(['warn', 'error']);
    expect(parent.children).toEqual([]);
    expect(quiet.materialised).toBe(false);
  });

  it('makes the child once, on the first line, and writes every line through it with its arguments', () => {
    const parent = recordingLogger({ service: 'api' });
    const log = new LazyRequestLogger(parent.logger, { reqId: 'req-1' }, {});
    const failure = new Error('boom');
    log.error({ err: failure }, 'unhandled error');
    log.warn('second %s', 'line');
    expect(parent.children).toEqual([{ reqId: 'req-1' }]);
    expect(parent.lines).toEqual([
      { level: 'error', bindings: { service: 'api', reqId: 'req-1' }, args: [{ err: failure }, 'unhandled error'] },
      { level: 'warn', bindings: { service: 'api', reqId: 'req-1' }, args: ['second %s', 'line'] },
    ]);
  });

  it("gives a grandchild the request's bindings too", () => {
    const parent = recordingLogger();
    lazyRequestLogger(parent.logger, { reqId: 'req-1' }, {}).child({ component: 'x' }).info('hello');
    expect(parent.lines).toEqual([{ level: 'info', bindings: { reqId: 'req-1', component: 'x' }, args: ['hello'] }]);
  });

  it('as the childLoggerFactory of fastify: quiet requests make no child, a failing one logs with its request id', async () => {
    const parent = recordingLogger();
    const app = Fastify({
      loggerInstance: parent.logger,
      childLoggerFactory: lazyRequestLogger,
      logController: new LogController({ disableRequestLogging: true }),
    });
    app.get('/quiet', async () => ({ ok: true }));
    app.get('/fails', async (request) => {
      request.log.error({ route: 'fails' }, 'about to fail');
      throw new Error('boom');
    });
    await app.ready();
    const childrenAfterStart = parent.children.length;
    expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200);
    expect(parent.children.length).toBe(childrenAfterStart);
    expect((await app.inject({ url: '/fails' })).statusCode).toBe(500);
    const ours = parent.lines.filter((l) => l.args.some((a) => a === 'about to fail'));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.bindings.reqId).toEqual(expect.any(String));
    await app.close();
  });
});
