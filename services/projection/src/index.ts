import { type Closer, createLogger, onShutdown } from '@ketenhub/service';
import { loadProjectionEnv } from './env';
import { startProjectionService } from './service';

/** The projection as a process: reads env, then runs the one wiring in service.ts (tests run it too). */
async function main() {
  const env = loadProjectionEnv();
  const logger = createLogger({ service: 'projection', level: env.LOG_LEVEL });
  // Registered before the start, as it always was: a stop signal while PostgreSQL or Kafka is still
  // being reached ends the process the usual way (logged, exit 0) rather than by the signal.
  const closers: Closer[] = [];
  onShutdown(logger, closers, env.SHUTDOWN_TIMEOUT_MS);
  const projection = await startProjectionService(env, { logger });
  closers.push({ name: 'projection', close: () => projection.close() });
}

main().catch((error: unknown) => {
  // Before the logger exists (bad env) the message is all there is; it names variables, not values.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
