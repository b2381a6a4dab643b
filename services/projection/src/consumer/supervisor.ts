import type { RunningConsumer } from '@ketenhub/kafka';
import type { Logger } from '@ketenhub/service';
import { type ProjectionDb, untyped } from '../database';
import { activeVersion, type VersionInfo } from '../versions/versions';

/**
 * Keeps this instance's consumer on the active projection version. When a rebuild activates a new
 * version (NOTIFY, or the poll as a fallback), the old consumer is stopped and one for the new
 * version's group starts from the positions the rebuild stored in the new schema.
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
  start(version: VersionInfo): Promise<RunningConsumer>;
}): Promise<ConsumerSupervisor> {
  let current: { version: VersionInfo; consumer: RunningConsumer } | null = null;
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
    current = { version: active, consumer: await o.start(active) };
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
    isReady: () => current?.consumer.isReady() ?? false,
    current: () => current?.version ?? null,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await chain;
      await current?.consumer.stop();
    },
  };
}
