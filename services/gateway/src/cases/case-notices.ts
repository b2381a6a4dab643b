import { createDatabase, withConnection } from '@ketenhub/db';
import type { Logger } from '@ketenhub/service';
import { caseAccessChannel, parseNotice } from './case-access.repository';

/** Keeps one connection LISTENing for changed cases; see {@link startCaseNotices}. */
export interface CaseNotices {
  isConnected(): boolean;
  close(): Promise<void>;
}

type Client = NonNullable<Parameters<Parameters<typeof withConnection>[1]>[1]>;

/**
 * LISTENs on {@link caseAccessChannel} over a connection of its own and hands every notice to
 * `onNotice`. A lost connection is opened again with backoff; notices sent meanwhile are lost, so
 * `onLost` lets the cache drop everything (CaseBook.clear), and until the connection is back the
 * case book does not cache at all (`isConnected`).
 */
export function startCaseNotices(options: {
  url: string;
  logger: Logger;
  onNotice(origin: string, ids: string[]): void;
  onLost(): void;
}): CaseNotices {
  // Its own pool of one: the connection is held for good and must not take one from the requests.
  const db = createDatabase({
    url: options.url,
    maxConnections: 1,
    applicationName: 'ketenhub-gateway-listen',
  });
  let connected = false;
  let closed = false;
  let end: (() => void) | undefined;
  let backoff = 200;
  let wake: (() => void) | undefined;

  const session = (client: Client) => {
    const onNotification = (n: { channel: string; payload?: string }) => {
      if (n.channel !== caseAccessChannel) return;
      const { origin, ids } = parseNotice(n.payload ?? '');
      options.onNotice(origin, ids);
    };
    let onError: (error: Error) => void = () => undefined;
    let onEnd: () => void = () => undefined;
    return new Promise<void>((resolve, reject) => {
      onError = (error) => reject(error);
      onEnd = () => reject(new Error('listen connection ended'));
      client.on('notification', onNotification);
      client.on('error', onError);
      client.on('end', onEnd);
      end = resolve;
      client.query(`listen ${caseAccessChannel}`).then(() => {
        connected = true;
        backoff = 200;
      }, reject);
    }).finally(() => {
      end = undefined;
      if (connected) options.onLost();
      connected = false;
      client.removeListener('notification', onNotification);
      client.removeListener('error', onError);
      client.removeListener('end', onEnd);
    });
  };

  const run = async () => {
    while (!closed) {
      try {
        await withConnection(db, async (_db, client) => {
          if (!client) throw new Error('no connection to listen on');
          await session(client);
          await client.query('unlisten *');
        });
      } catch (error) {
        if (closed) break;
        options.logger.warn({ err: error }, 'case notices: listen connection lost; cached cases dropped');
      }
      if (closed) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      backoff = Math.min(backoff * 2, 5_000);
    }
  };
  const running = run();

  return {
    isConnected: () => connected,
    async close() {
      closed = true;
      end?.();
      wake?.();
      await running;
      await db.destroy();
    },
  };
}
