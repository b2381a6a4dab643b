import type { Logger } from 'pino';
import type { Closer } from './shutdown';

/**
 * What a service's composition root opened, in the order it opened it, so that one `close()`
 * stops it in reverse: requests stop first, consumers finish their batch, producers flush, the pool
 * closes last. Every service's `start…Service` keeps one, and a start that fails half-way closes what
 * it had opened (`abandon`) instead of leaving a consumer in its group or a test with open handles.
 */
export class OpenedParts {
  private readonly parts: Closer[] = [];
  private closing: Promise<void> | undefined;

  /**
   * @param order where closing newest first is not the right order (the gateway answers the
   * requests in flight before it stops its consumers, which it opened later): the parts' names in
   * the order to close them; parts it does not name close after them, newest first.
   */
  constructor(private readonly order: readonly string[] = []) {}

  /** Records a part once it runs; it is closed before everything opened before it. */
  add(name: string, close: () => Promise<void> | void): void {
    this.parts.push({ name, close: async () => close() });
  }

  /**
   * Closes every part, newest first, each even when one before it failed. The failures are thrown
   * together, each named after its part, so the caller logs them once (onShutdown does). A second
   * call waits for the first.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const failures: Error[] = [];
      const newestFirst = this.parts.splice(0).reverse();
      const rank = (p: Closer) => {
        const i = this.order.indexOf(p.name);
        return i === -1 ? this.order.length : i;
      };
      // A stable sort: unnamed parts keep newest first among themselves.
      for (const part of newestFirst.sort((a, b) => rank(a) - rank(b))) {
        try {
          await part.close();
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.push(new Error(`${part.name}: ${message}`, { cause: error }));
        }
      }
      if (failures.length > 0) {
        throw new AggregateError(failures, `closing failed: ${failures.map((f) => f.message).join('; ')}`);
      }
    })();
    return this.closing;
  }

  /**
   * Runs a composition root's start: what it returns, or, when it throws, what it had opened closed
   * (`abandon`) and its error thrown on.
   */
  async startOrAbandon<T>(logger: Logger, timeoutMs: number, start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      await this.abandon(logger, timeoutMs);
      throw error;
    }
  }

  /**
   * After a failed start: closes what was opened, waiting at most `timeoutMs` (SHUTDOWN_TIMEOUT_MS):
   * a broker that is away must not hold the process from exiting on the start's error. A failure
   * to close is logged, not thrown; the start's own error is what the caller throws.
   */
  async abandon(logger: Logger, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.close().catch((error: unknown) =>
        logger.error({ err: error }, 'the start failed; closing what it had opened failed too'),
      ),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}

/** The host to reach a server on that listens on `host`: a wildcard bind through loopback, IPv6 in brackets. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
