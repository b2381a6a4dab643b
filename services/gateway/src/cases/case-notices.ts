import { type Listener, startListener } from '@ketenhub/db';
import type { Logger } from '@ketenhub/service';
import { caseAccessChannel, parseNotice } from './case-access.repository';

/** Keeps one connection LISTENing for changed cases; see {@link startCaseNotices}. */
export type CaseNotices = Listener;

/**
 * LISTENs on {@link caseAccessChannel} (a connection of its own, @ketenhub/db's startListener) and
 * hands every notice to `onNotice`. Notices sent while the connection is down are lost, so `onLost`
 * lets the cache drop everything (CaseBook.clear), and until the connection is back the case book
 * does not cache at all (`isConnected`).
 */
export function startCaseNotices(options: {
  url: string;
  logger: Logger;
  onNotice(origin: string, ids: string[]): void;
  onLost(): void;
}): CaseNotices {
  return startListener({
    url: options.url,
    channels: [caseAccessChannel],
    applicationName: 'ketenhub-gateway-listen',
    logger: options.logger,
    onNotification: (_channel, payload) => {
      const { origin, ids } = parseNotice(payload);
      options.onNotice(origin, ids);
    },
    onLost: () => {
      options.logger.warn({}, 'case notices: listen connection lost; cached cases dropped');
      options.onLost();
    },
  });
}
