import type { Logger } from 'pino';

export type Closer = { name: string; close: () => Promise<void> };

/**
 * Runs closers in reverse order of registration on SIGINT/SIGTERM (stop taking requests, let the
 * consumer finish its batch, flush the producer, close the pool), then exits. A second signal or
 * the timeout exits at once.
 */
export function onShutdown(logger: Logger, closers: Closer[], timeoutMs: number): () => Promise<void> {
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const closer of [...closers].reverse()) {
      try {
        await closer.close();
      } catch (error) {
        logger.error({ err: error, closer: closer.name }, 'close failed');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return () => shutdown('manual');
}
