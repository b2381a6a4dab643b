/**
 * A background loop that runs `step` until stopped: again at once while it finds work, after `pollMs`
 * when it found none, sooner when woken (a notification was stored, events were enqueued). A failing
 * step backs off instead of spinning.
 */
export interface Poller {
  start(): void;
  wake(): void;
  /** Resolves once the step in flight has finished. */
  stop(): Promise<void>;
}

export function createPoller(options: {
  step: () => Promise<number>;
  pollMs: number;
  onError: (error: unknown) => void;
  maxBackoffMs?: number;
}): Poller {
  let running: Promise<void> | undefined;
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        wakeUp = undefined;
        resolve();
      }, ms);
      wakeUp = () => {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      };
    });

  async function loop() {
    let failures = 0;
    while (!stopping) {
      try {
        const n = await options.step();
        failures = 0;
        if (n === 0) await pause(options.pollMs);
      } catch (error) {
        failures++;
        options.onError(error);
        await pause(Math.min(options.maxBackoffMs ?? 30_000, options.pollMs * 2 ** failures));
      }
    }
  }

  return {
    start() {
      if (running) return;
      stopping = false;
      running = loop().finally(() => {
        running = undefined;
      });
    },
    wake() {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    async stop() {
      stopping = true;
      wakeUp?.();
      await running;
    },
  };
}

/** Exponential backoff with jitter, capped: attempt 0 waits about `base`. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30));
  return Math.round(exp * (0.5 + random() / 2));
}
