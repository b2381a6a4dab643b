import pg from 'pg';

/** One connection LISTENing on some channels; see {@link startListener}. */
export interface Listener {
  /** True while the connection is up and listening: notifications arrive. */
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * Keeps one PostgreSQL connection of its own LISTENing on `channels` (held for good, so it never
 * takes a connection from a pool that serves requests). NOTIFY sent in a transaction arrives after
 * its commit, on every instance, which is what keeps the services' caches true. A lost connection is
 * opened again with backoff (200 ms doubling to 5 s); notifications sent meanwhile are lost, so
 * `onLost` is called at once, before the reconnect, for the caller to drop what it cached, and
 * `isConnected` is false until the connection listens again.
 */
export function startListener(options: {
  url: string;
  channels: readonly string[];
  /** `application_name` of the connection, so an operator (or a test) can find it in pg_stat_activity. */
  applicationName: string;
  logger: { warn(details: object, message: string): void };
  onNotification(channel: string, payload: string): void;
  onLost?(): void;
}): Listener {
  let client: pg.Client | null = null;
  let connected = false;
  let closed = false;
  let backoff = 200;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: options.url, application_name: options.applicationName });
    c.on('notification', (n) => options.onNotification(n.channel, n.payload ?? ''));
    c.on('error', (error) => {
      options.logger.warn({ err: error }, 'listen connection lost');
      retry(c);
    });
    c.on('end', () => retry(c));
    try {
      await c.connect();
      for (const ch of options.channels) await c.query(`listen "${ch.replaceAll('"', '""')}"`);
      if (closed) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      connected = true;
      backoff = 200;
    } catch (error) {
      if (closed) return;
      options.logger.warn({ err: error }, 'listen connection failed');
      retry(c);
    }
  };
  const retry = (c: pg.Client) => {
    if (closed || (client !== null && client !== c)) return;
    const was = connected;
    connected = false;
    client = null;
    c.removeAllListeners();
    c.on('error', () => undefined);
    c.end().catch(() => undefined);
    if (was) options.onLost?.();
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, backoff);
    backoff = Math.min(backoff * 2, 5_000);
  };
  void connect();

  return {
    isConnected: () => connected,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      connected = false;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}
