import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One logger per process, tagged with the service name. Child loggers carry `traceId`, so one
 * search finds a post's whole path from ingestion to alert.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    // Secrets must never reach logs: drop the usual carriers wherever they appear.
    redact: {
      paths: ['*.password', '*.secret', '*.token', '*.authorization', 'req.headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export function withTrace(logger: Logger, traceId: string): Logger {
  return logger.child({ traceId });
}
