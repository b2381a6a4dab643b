import { keepConsumerRunning, type RestartingConsumer, type RunningConsumer } from '@ketenhub/kafka';
import type { Logger } from '@ketenhub/service';
import { type ProjectionDb, untyped } from '../database';
import { activeVersion, type VersionInfo } from '../versions/versions';

/**
 * Keeps this instance's consumer on the active projection version. When a rebuild activates a new
 * version (NOTIFY, or the poll as a fallback), the old consumer is stopped and one for the new
 * version's group starts from the positions the rebuild stored in the new schema. A consumer that
 * stops for good (PostgreSQL gone while it loaded its positions, a batch that failed) is started
 * again by `keepConsumerRunning`, as the gateway's and the dispatcher's are; unready meanwhile.
 */
export interface ConsumerSupervisor {
  /** Checks the active version now (on NOTIFY). */
  check(): void;
  isReady(): boolean;
  current(): VersionInfo | null;
  stop(): Promise<void>;
}

export async function startConsumerSupervisor(o: {
  db: ProjectionDb;
  schema: string;
  pollMs: number;
  logger: Logger;
  /** Starts a consumer of `version`; it calls `onStop` when it stops for good. */
  start(version: VersionInfo, onStop: (error: Error) => void): Promise<RunningConsumer>;
}): Promise<ConsumerSupervisor> {
  let current: { version: VersionInfo; consumer: RestartingConsumer } | null = null;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const ensure = async () => {
    if (stopped) return;
    const active = await activeVersion(untyped(o.db), o.schema);
    if (!active || current?.version.versie === active.versie) return;
    if (current) {
      o.logger.info(
        { from: current.version.versie, to: active.versie },
        'projection version switched; moving consumer',
      );
      await current.consumer.stop();
      current = null;
    }
    const consumer = await keepConsumerRunning({
      start: (onStop) => o.start(active, onStop),
      onStopped: () => o.logger.warn({ versie: active.versie }, 'projection consumer starting again'),
      onStarted: () => o.logger.info({ versie: active.versie }, 'projection consumer started again'),
    });
    current = { version: active, consumer };
  };
  // Serialised: a NOTIFY and a poll arriving together must not start two consumers.
  const check = () => {
    chain = chain
      .then(ensure)
      .catch((error: unknown) => o.logger.error({ err: error }, 'consumer supervision failed'));
  };
  check();
  await chain;
  const timer = setInterval(check, o.pollMs);
  timer.unref();

  return {
    check,
    isReady: () => current?.consumer.current()?.isReady() ?? false,
    current: () => current?.version ?? null,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await chain;
      await current?.consumer.stop();
    },
  };
}
