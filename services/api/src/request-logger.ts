import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * `request.log`, whose pino child (bound to the request id) is made only when something is
 * logged. Fastify makes that child for every request, and pino runs the redaction over its
 * bindings each time: a few per cent of a request's event-loop time for a logger that only the
 * error handler and refused logins write to. What is logged, and how, is unchanged.
 */
export class LazyRequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** Whether the child exists yet (for tests). */
  get materialised(): boolean {
    return this.made !== undefined;
  }

  get level(): FastifyBaseLogger['level'] {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: FastifyBaseLogger['level']) {
    this.logger().level = level;
  }

  fatal(obj: unknown, ...rest: unknown[]): void {
    this.write('fatal', obj, rest);
  }
  error(obj: unknown, ...rest: unknown[]): void {
    this.write('error', obj, rest);
  }
  warn(obj: unknown, ...rest: unknown[]): void {
    this.write('warn', obj, rest);
  }
  info(obj: unknown, ...rest: unknown[]): void {
    this.write('info', obj, rest);
  }
  debug(obj: unknown, ...rest: unknown[]): void {
    this.write('debug', obj, rest);
  }
  trace(obj: unknown, ...rest: unknown[]): void {
    this.write('trace', obj, rest);
  }
  silent(obj: unknown, ...rest: unknown[]): void {
    this.write('silent', obj, rest);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  private write(level: Level, obj: unknown, rest: unknown[]): void {
    const logger = this.logger();
    (logger[level] as (...args: unknown[]) => void).call(logger, obj, ...rest);
  }
}

/** For Fastify's `childLoggerFactory`. */
export function lazyRequestLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options);
}
