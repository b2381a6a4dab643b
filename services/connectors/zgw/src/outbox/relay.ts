import { PublishError } from '@ketenhub/client';
import type { KetenEvent } from '@ketenhub/events';
import type { Logger } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { BronRuntime } from '../config/bronnen';
import type { ConnectorDatabase } from '../db';
import type { ConnectorMetrics } from '../metrics';
import { clearGeweigerd, markGeweigerd } from '../notificaties/notificaties.repository';
import { backoffMs, createPoller, type Poller } from '../verwerking/poller';
import { lockPending, markRejected, markSent, postpone } from './outbox.repository';

/**
 * Sends the outbox to the gateway, per source with that source's system token, in prepared order
 * per chain case. Why an outbox at all: the callback answers Open Notificaties 204 once the
 * notification is stored, so an event the gateway cannot take now (503, unreachable, a rotated token)
 * must wait in the connector's own database, not in Open Notificaties' retries, which end after a day
 * and then lose it for good.
 *
 * The gateway's answers, per event: 202 accepted (also for a re-send of an id it has: idempotent); 4xx
 * refused for good: the event is kept as rejected with the problem and its notification is listed for
 * the operator (`geweigerd`). A round the gateway cannot take at all is put back with backoff.
 *
 * This is the transactional outbox of @ketenhub/client in spirit; it is its own because one connector
 * publishes for several hub systems and must trace every refusal back to its notification.
 */
export interface RelayOptions {
  db: Kysely<ConnectorDatabase>;
  bronnen: ReadonlyMap<string, BronRuntime>;
  logger: Logger;
  metrics: ConnectorMetrics;
  batchSize: number;
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface Relay extends Poller {
  /** One round over every source; returns how many events it settled. */
  runOnce(): Promise<number>;
}

export function createRelay(options: RelayOptions): Relay {
  const { db, logger, metrics } = options;
  async function roundFor(bron: BronRuntime): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const rows = await lockPending(trx, bron.config.id, options.batchSize);
      if (rows.length === 0) return 0;
      const events = rows.map((r) => JSON.parse(r.event) as KetenEvent);
      let result: Awaited<ReturnType<BronRuntime['hub']['publishBatch']>>;
      try {
        result = await bron.hub.publishBatch(events);
      } catch (error) {
        // The whole round could not go: 503/429/network after the client's retries, or a refusal of
        // the request itself (401 after a token rotation, 413). Nothing is lost; the rows wait.
        const attempts = Math.max(...rows.map((r) => r.attempts));
        const delay = backoffMs(attempts, options.retryBaseMs, options.retryMaxMs);
        await postpone(
          trx,
          rows.map((r) => r.seq),
          new Date(Date.now() + delay),
        );
        metrics.gatewayFouten.inc({ bron: bron.config.id });
        const status = error instanceof PublishError ? error.status : 0;
        (status === 401 || status === 403 ? logger.error : logger.warn).call(
          logger,
          {
            bron: bron.config.id,
            events: rows.length,
            status,
            retryInMs: delay,
            reason: (error as Error).message,
          },
          'gateway did not take the events; they wait in the outbox',
        );
        return 0;
      }
      const sent: string[] = [];
      const refused = new Set<string>();
      for (const r of result.results) {
        const row = rows[r.index];
        if (!row) continue;
        const type = events[r.index]?.type ?? '';
        if (r.status === 202) {
          sent.push(row.seq);
          metrics.events.inc({ bron: bron.config.id, type, uitkomst: 'accepted' });
          continue;
        }
        const problem = r.problem ?? { status: r.status };
        await markRejected(trx, row.seq, problem);
        await markGeweigerd(trx, row.notificatie_id, problem);
        refused.add(row.notificatie_id);
        metrics.events.inc({ bron: bron.config.id, type, uitkomst: 'rejected' });
        metrics.afgehandeld.inc({ bron: bron.config.id, uitkomst: 'geweigerd', reden: 'hub-weigert' });
        logger.warn(
          {
            bron: bron.config.id,
            notificatie: row.notificatie_id,
            eventId: events[r.index]?.id,
            type,
            status: r.status,
            problem: {
              type: r.problem?.type,
              errors: r.problem?.errors?.map((e) => `${e.field}: ${e.rule}`),
            },
          },
          'gateway refused an event; its notification is kept as geweigerd',
        );
      }
      await markSent(trx, sent);
      const sentNotificaties = [
        ...new Set(rows.filter((r) => sent.includes(r.seq)).map((r) => r.notificatie_id)),
      ];
      await clearGeweigerd(
        trx,
        sentNotificaties.filter((id) => !refused.has(id)),
      );
      return rows.length;
    });
  }

  async function runOnce(): Promise<number> {
    let total = 0;
    for (const bron of options.bronnen.values()) {
      try {
        total += await roundFor(bron);
      } catch (error) {
        logger.error({ err: error, bron: bron.config.id }, 'relay round failed');
      }
    }
    return total;
  }

  const poller = createPoller({
    step: runOnce,
    pollMs: options.pollMs,
    onError: (error) => logger.error({ err: error }, 'relay round failed'),
  });

  return { runOnce, ...poller };
}
