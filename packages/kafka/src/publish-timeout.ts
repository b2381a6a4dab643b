import type { RefusalCode } from './errors';

export class PublishTimeoutError extends Error {
  override readonly name = 'PublishTimeoutError';
  constructor(
    readonly timeoutMs: number,
    /** The broker's refusal seen while waiting, if any: why it did not confirm. */
    readonly refusal?: PublishRefusedError,
  ) {
    super(
      `Kafka did not confirm the write within ${timeoutMs} ms${refusal ? ` (the broker answers ${refusal.code})` : ''}`,
    );
  }
}

/**
 * The broker refuses acks=all writes for now: fewer replicas are in sync than the topic's
 * `min.insync.replicas` (on a three-broker cluster: two brokers are down). Like a timeout, the
 * outcome of the write is not known to the caller: the idempotent producer keeps retrying, and
 * the write lands once enough replicas are back. Callers answer "not accepted, retry with the
 * same event id" (the gateway: 503), never "accepted".
 */
export class PublishRefusedError extends Error {
  override readonly name = 'PublishRefusedError';
  constructor(readonly code: RefusalCode) {
    super(`Kafka refuses writes for now (${code}: fewer in-sync replicas than min.insync.replicas)`);
  }
}

/**
 * A publisher's view of refusals: the latest one until a write is confirmed again, and who is
 * waiting to hear of the next. Writes go out one after another, so a refusal of the write in
 * flight holds up every write queued behind it as well.
 */
export class Refusals {
  private latest: PublishRefusedError | undefined;
  private readonly listeners = new Set<(refusal: PublishRefusedError) => void>();

  report(code: RefusalCode): void {
    const refusal = new PublishRefusedError(code);
    this.latest = refusal;
    for (const listener of this.listeners) listener(refusal);
  }

  confirmed(): void {
    this.latest = undefined;
  }

  current(): PublishRefusedError | undefined {
    return this.latest;
  }

  listen(listener: (refusal: PublishRefusedError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Races `send` against `timeoutMs` and the broker's refusals (no bound at all when `timeoutMs` is
 * undefined: then the caller waits for the write itself). The abandoned send keeps running (the
 * idempotent producer retries until it succeeds); its late failure must not become an unhandled
 * rejection.
 */
export async function withTimeout<T>(
  send: Promise<T>,
  timeoutMs: number | undefined,
  refusals?: Refusals,
): Promise<T> {
  if (timeoutMs === undefined) return send;
  send.catch(() => undefined);
  const refusedNow = refusals?.current();
  if (refusedNow) throw refusedNow;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => void) | undefined;
  const bounded = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PublishTimeoutError(timeoutMs, refusals?.current())), timeoutMs);
    unlisten = refusals?.listen(reject);
  });
  try {
    return await Promise.race([send, bounded]);
  } finally {
    clearTimeout(timer);
    unlisten?.();
  }
}
