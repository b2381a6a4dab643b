import { type Listener, startListener } from '@ketenhub/db';
import type { Logger } from '@ketenhub/service';
import { findCases } from '../cases/case.repository';
import { type CaseCache, createCaseCache } from '../cases/case-cache';
import { casesChannel, parseNotifyPayload } from '../consumer/projector';
import type { ProjectionDb } from '../database';
import { versionChannel } from '../versions/versions';
import { createStreamHub, type StreamHub } from './hub';

export interface LiveCases {
  cases: CaseCache;
  streamHub: StreamHub;
  listener: Listener;
}

/**
 * The reads that change notifications keep current: the case cache, the SSE hub and the one
 * LISTEN connection that feeds both. A change drops the case from the cache before the streams
 * load it; a version switch or a reconnect drops everything. Wired here once, so the service and
 * its tests cannot wire it differently.
 */
export function startLiveCases(options: {
  db: ProjectionDb;
  /** Base schema (its views point at the active version). */
  schema: string;
  url: string;
  logger: Logger;
  cacheEntries: number;
  /** Another version became active (the consumer supervisor moves to it). */
  onVersionSwitch?(): void;
}): LiveCases {
  let listening = () => false;
  const cases = createCaseCache({
    load: (ids) => findCases(options.db, options.schema, ids),
    live: () => listening(),
    maxEntries: options.cacheEntries,
  });
  const streamHub = createStreamHub({ load: (ids) => cases.findMany(ids), logger: options.logger });
  const listener = startListener({
    url: options.url,
    channels: [casesChannel, versionChannel],
    applicationName: 'ketenhub-projection-listen',
    logger: options.logger,
    onNotification: (channel, payload) => {
      if (channel === versionChannel) {
        cases.clear();
        options.onVersionSwitch?.();
      } else {
        const { ids } = parseNotifyPayload(payload);
        cases.invalidate(ids);
        streamHub.changed(ids);
      }
    },
    // Changes committed while the connection was down were never announced: forget every case.
    onLost: () => cases.clear(),
  });
  listening = () => listener.isConnected();
  return { cases, streamHub, listener };
}
