import type { Logger } from '@ketenhub/service';
import pg from 'pg';

/**
 * One dedicated PostgreSQL connection LISTENing on the projection's channels. NOTIFY is sent
 * inside the projector's transaction and delivered only after commit, to every instance: so an
 * SSE client on any instance sees a change exactly when it became visible to reads. A lost
 * connection is re-established with backoff; notifications sent meanwhile are lost, so on
 * reconnect `onReconnect` lets subscribers resynchronise.
 */
export interface Listener {
  isConnected(): boolean;
  close(): Promise<void>;
}

export function startListener(options: {
  url: string;
  channels: string[];
  logger: Logger;
  onNotification(channel: string, payload: string): void;
  onReconnect?(): void;
}): Listener {
  let client: pg.Client | null = null;
  let connected = false;
  let closed = false;
  let backoff = 200;
  let timer: NodeJS.Timeout | undefined;
  let first = true;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({
      connectionString: options.url,
      application_name: 'ketenhub-projection-listen',
    });
    c.on('notification', (n) => options.onNotification(n.channel, n.payload ?? ''));
    c.on('error', (error) => {
      options.logger.warn({ err: error }, 'listen connection lost');
      retry(c);
    });
    c.on('end', () => retry(c));
    try {
      await c.connect();
      for (const ch of options.channels) await c.query(`listen "${ch.replaceAll('"', '""')}"`);
      client = c;
      connected = true;
      backoff = 200;
      if (!first) options.onReconnect?.();
      first = false;
    } catch (error) {
      options.logger.warn({ err: error }, 'listen connection failed');
      retry(c);
    }
  };
  const retry = (c: pg.Client) => {
    if (closed || (client !== null && client !== c)) return;
    connected = false;
    client = null;
    c.removeAllListeners();
    c.end().catch(() => undefined);
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
        await c.end().catch(() => undefined);
      }
    },
  };
}
