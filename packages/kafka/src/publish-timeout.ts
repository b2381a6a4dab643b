export class PublishTimeoutError extends Error {
  override readonly name = 'PublishTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`Kafka did not confirm the write within ${timeoutMs} ms`);
  }
}

/**
 * Races `send` against `timeoutMs` (no timeout when undefined). The abandoned send keeps running
 * (the idempotent producer retries until it succeeds); its late failure must not become an
 * unhandled rejection.
 */
export async function withTimeout<T>(send: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return send;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PublishTimeoutError(timeoutMs)), timeoutMs);
  });
  send.catch(() => undefined);
  try {
    return await Promise.race([send, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
