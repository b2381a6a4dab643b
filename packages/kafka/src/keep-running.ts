import type { RunningConsumer } from './consumer';

export interface RestartingConsumer {
  /** The consumer running now, if one does. */
  current(): RunningConsumer | undefined;
  stop(): Promise<void>;
}

/**
 * Keeps a consumer running: when it stops for good (`onStop`: its handler refused a record, or it
 * could not load its stored positions while PostgreSQL was down, or kafkajs gave up), it is
 * stopped and started again after a delay that doubles from `firstDelayMs` up to `maxDelayMs`
 * (back to the first once a start has run for `stableMs`). Without this, a PostgreSQL outage of
 * about 20 s left the gateway unready for good, and the dispatcher queueing nothing more: the fault
 * suite (docs/faults.md) found their consumers stopped and `/health/ready` unready until a restart.
 *
 * The first start is the caller's: its failure rejects (the gateway refuses to start); later
 * starts that fail are retried the same way. `onStopped`/`onStarted` report each change.
 */
export async function keepConsumerRunning(o: {
  start(onStop: (error: Error) => void): Promise<RunningConsumer>;
  onStopped(error: Error): void;
  onStarted(): void;
  firstDelayMs?: number;
  maxDelayMs?: number;
  stableMs?: number;
  now?: () => number;
}): Promise<RestartingConsumer> {
  const first = o.firstDelayMs ?? 1_000;
  const max = o.maxDelayMs ?? 30_000;
  const stable = o.stableMs ?? 60_000;
  const now = o.now ?? Date.now;
  let consumer: RunningConsumer | undefined;
  let delay = first;
  let startedAt = 0;
  let closed = false;
  let restarting: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const restart = (error: Error) => {
    if (closed || restarting) return;
    o.onStopped(error);
    if (now() - startedAt >= stable) delay = first;
    const wait = delay;
    delay = Math.min(max, delay * 2);
    restarting = (async () => {
      const old = consumer;
      consumer = undefined;
      await old?.stop().catch(() => undefined);
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, wait);
      });
      restarting = undefined;
      if (closed) return;
      try {
        await begin();
        o.onStarted();
      } catch (e) {
        restart(e instanceof Error ? e : new Error(String(e)));
      }
    })();
  };
  const begin = async () => {
    startedAt = now();
    let self: RunningConsumer | undefined;
    let early: Error | undefined;
    // A stop reported by an older consumer (after its replacement started) is not this one's; one
    // reported while it was still starting counts once it has started.
    const started = await o.start((error) => {
      if (self === undefined) early ??= error;
      else if (self === consumer) restart(error);
    });
    self = started;
    if (closed) {
      await started.stop().catch(() => undefined);
      return;
    }
    consumer = started;
    if (early) restart(early);
  };

  await begin();
  return {
    current: () => consumer,
    async stop() {
      closed = true;
      clearTimeout(timer);
      await restarting;
      await consumer?.stop();
    },
  };
}
