import { createLogger, loadEnv, onShutdown } from '@ketenhub/service';
import { connectorEnv } from './env';
import { startConnectorService } from './service';

/** The connector's process: env, logger, the service (src/service.ts), graceful shutdown. */
async function main() {
  const env = loadEnv(connectorEnv);
  const logger = createLogger({ service: 'connector-zgw', level: env.LOG_LEVEL });
  const { close } = await startConnectorService(env, { logger });
  onShutdown(logger, [{ name: 'connector-zgw', close }], env.SHUTDOWN_TIMEOUT_MS);
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad env or configuration): one line on stderr, then a non-zero exit.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
