import { createLogger, loadEnv, onShutdown } from '@ketenhub/service';
import { dispatcherEnv } from './env';
import { startDispatcherService } from './service';

/** The dispatcher's process: env, logger, the service (src/service.ts), graceful shutdown. */
async function main() {
  const env = loadEnv(dispatcherEnv);
  const logger = createLogger({ service: 'dispatcher', level: env.LOG_LEVEL });
  const { close } = await startDispatcherService(env, { logger });
  // One closer: the service closes its parts in shutdown order itself (tests close it the same way).
  onShutdown(logger, [{ name: 'dispatcher', close }], env.SHUTDOWN_TIMEOUT_MS);
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad env): one line on stderr, then a non-zero exit.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
