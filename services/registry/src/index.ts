import { createLogger, loadEnv, onShutdown } from '@ketenhub/service';
import { registryEnv } from './env';
import { startRegistryService } from './service';

/** The registry as a process: env read once, the service started, stopped on SIGINT/SIGTERM. */
async function main() {
  const env = loadEnv(registryEnv);
  const logger = createLogger({ service: 'registry', level: env.LOG_LEVEL });
  const registry = await startRegistryService(env, { logger });
  onShutdown(logger, [{ name: 'registry', close: registry.close }], env.SHUTDOWN_TIMEOUT_MS);
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad env): one line on stderr, then a non-zero exit.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
