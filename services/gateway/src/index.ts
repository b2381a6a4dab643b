import { createLogger, loadEnv, onShutdown } from '@ketenhub/service';
import { gatewayEnv } from './env';
import { startGatewayService } from './service';

/** The gateway's process: env from process.env, the service (src/service.ts), graceful shutdown. */
async function main() {
  const env = loadEnv(gatewayEnv);
  const logger = createLogger({ service: 'gateway', level: env.LOG_LEVEL });
  const gateway = await startGatewayService(env, { logger });
  onShutdown(logger, [{ name: 'gateway', close: gateway.close }], env.SHUTDOWN_TIMEOUT_MS);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
