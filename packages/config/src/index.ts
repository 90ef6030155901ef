import { z } from 'zod';

/** A bad environment: the message names every variable that is wrong and why. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: ReadonlyArray<{ variable: string; problem: string }>,
  ) {
    super(
      `${service}: bad configuration:\n` +
        problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment through a zod object whose keys are the variable names. Parsed once at
 * start; a bad variable throws a ConfigError that names it.
 */
export function parseConfig<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    service,
    result.error.issues.map((issue) => ({
      variable: issue.path.map(String).join('.') || '(environment)',
      problem: issue.message,
    })),
  );
}

/** Common variable shapes, so every service reads them the same way. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  durationMs: (fallback: number) => z.coerce.number().int().nonnegative().default(fallback),
  /** Comma-separated host:port list, e.g. `127.0.0.1:9092,127.0.0.1:9093`. */
  brokers: (fallback = '127.0.0.1:9092') =>
    z
      .string()
      .regex(/^[^,\s:]+:\d+(,[^,\s:]+:\d+)*$/, 'expected host:port[,host:port…]')
      .default(fallback)
      .transform((s) => s.split(',')),
  /** Prefix of every topic and consumer group: isolates a drill or test pipeline on a shared broker. */
  topicPrefix: () => z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ - only').default(''),
  url: () => z.url(),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      // zod 4 returns a default as is, skipping later transforms: default first, then map.
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
};

/** Runs `main`, and on a ConfigError prints it and exits 2 (not a crash trace). */
export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(error.message + '\n');
    process.exit(2);
  }
  throw error;
}
