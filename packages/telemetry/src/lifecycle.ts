import type { Logger } from './logger';

/**
 * Closes what a process opened, in reverse order, on SIGTERM/SIGINT. A second signal exits at
 * once, so an operator is never stuck behind a hung close.
 */
export function closeOnSignals(logger: Logger, closers: Array<{ name: string; close: () => Promise<unknown> }>): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    for (const { name, close } of [...closers].reverse()) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error, component: name }, 'close failed');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
