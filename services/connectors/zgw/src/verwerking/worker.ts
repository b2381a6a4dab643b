import { EventValidationError } from '@ketenhub/client';
import type { KetenEvent } from '@ketenhub/events';
import type { Logger } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { BronRuntime } from '../config/bronnen';
import type { ConnectorDatabase } from '../db';
import { ensureKoppeling, findKoppeling, linkedAmong } from '../koppelingen/koppelingen.repository';
import { type Reden, redenen } from '../mapping/redenen';
import type { ConnectorMetrics } from '../metrics';
import {
  claimDue,
  pruneHandled,
  retryLater,
  settleNotificatie,
} from '../notificaties/notificaties.repository';
import type { NotificatieRow } from '../notificaties/notificaties.table';
import { enqueueEvents } from '../outbox/outbox.repository';
import { handle, type Uitkomst } from './handle';
import { backoffMs, createPoller, type Poller } from './poller';

/**
 * The worker turns stored notifications into outbox events. The callback only stores (so Open
 * Notificaties gets its 204 at once and nothing it was told 2xx about can be lost); this loop does the
 * slow part, reading the ZGW APIs, and retries with backoff while they cannot be reached.
 */
export interface WorkerOptions {
  db: Kysely<ConnectorDatabase>;
  bronnen: ReadonlyMap<string, BronRuntime>;
  logger: Logger;
  metrics: ConnectorMetrics;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  giveUpAfterMs: number;
  retentionMs: number;
  /** Called when events were added to the outbox: wakes the relay. */
  onEnqueued?: () => void;
}

export interface Worker extends Poller {
  /** Handles the notifications that are due now; returns how many it claimed. */
  runOnce(): Promise<number>;
}

class KoppelingConflict extends Error {}

export function createWorker(options: WorkerOptions): Worker {
  const { db, logger, metrics } = options;
  let lastPrune = 0;

  async function settle(
    row: NotificatieRow,
    bron: BronRuntime,
    uitkomst: Extract<Uitkomst, { kind: 'klaar' }>,
  ) {
    let reden: Reden | undefined = uitkomst.reden;
    let detail = uitkomst.detail ?? null;
    const ready: KetenEvent[] = [];
    const invalid: string[] = [];
    let eigen = 0;
    for (const { event, eigen: own } of uitkomst.events) {
      try {
        ready.push(bron.hub.prepare({ ...event, data: event.data as never }));
        if (own) eigen++;
      } catch (error) {
        if (!(error instanceof EventValidationError)) throw error;
        // What ZGW gave does not fit the contract (e.g. a document URL on plain http): not sent. An
        // earlier fact of the zaak that does not fit is skipped here; its own notification says why.
        if (own) invalid.push(...error.violations.map((v) => v.message));
      }
    }
    if (eigen === 0 && invalid.length > 0) {
      reden = 'event-ongeldig';
      detail = invalid.join('; ');
    }
    const events = ready;
    const status = eigen > 0 ? 'verwerkt' : redenen[reden ?? 'niet-van-belang'];
    await db.transaction().execute(async (trx) => {
      if (uitkomst.koppeling) {
        const held = await ensureKoppeling(trx, { bron: bron.config.id, ...uitkomst.koppeling });
        // Another notification (or the integrator) linked the zaak meanwhile to another case: what was
        // mapped here is for the wrong case. Roll back and handle the notification again.
        if (held.ketenzaak_id !== uitkomst.koppeling.ketenzaakId) throw new KoppelingConflict();
      }
      await enqueueEvents(trx, bron.config.id, row.id, events);
      await settleNotificatie(trx, row.id, {
        status,
        reden: status === 'verwerkt' ? null : (reden ?? null),
        detail,
        zaakUrl: uitkomst.zaakUrl ?? null,
      });
    });
    metrics.afgehandeld.inc({
      bron: bron.config.id,
      uitkomst: status,
      reden: status === 'verwerkt' ? '' : (reden ?? ''),
    });
    if (events.length > 0) options.onEnqueued?.();
    logger.info(
      {
        notificatie: row.id,
        bron: bron.config.id,
        kanaal: row.kanaal,
        resource: row.resource,
        actie: row.actie,
        uitkomst: status,
        ...(reden ? { reden } : {}),
        events: events.map((e) => e.type),
      },
      'notification handled',
    );
  }

  async function handleOne(row: NotificatieRow) {
    const bron = options.bronnen.get(row.bron);
    if (!bron) {
      await settleNotificatie(db, row.id, {
        status: 'onverwerkt',
        reden: 'bron-onbekend',
        detail: `source ${row.bron} is no longer configured`,
        zaakUrl: null,
      });
      metrics.afgehandeld.inc({ bron: row.bron, uitkomst: 'onverwerkt', reden: 'bron-onbekend' });
      return;
    }
    const deps = {
      bron: bron.config,
      zgw: bron.zgw,
      koppelingVan: async (zaakUrl: string) => {
        const k = await findKoppeling(db, bron.config.id, zaakUrl);
        return k ? { ketenzaakId: k.ketenzaak_id, herkomst: k.herkomst } : undefined;
      },
      gekoppeld: (urls: readonly string[]) => linkedAmong(db, bron.config.id, urls),
    };
    let uitkomst: Uitkomst;
    try {
      uitkomst = await handle(deps, {
        id: row.id,
        kanaal: row.kanaal,
        resource: row.resource,
        actie: row.actie,
        hoofdObject: row.hoofd_object,
        resourceUrl: row.resource_url,
        aanmaakdatum: row.aanmaakdatum,
      });
    } catch (error) {
      // A bug or the database: logged, and retried like an unreachable API (nothing is lost).
      logger.error({ err: error, notificatie: row.id }, 'handling a notification failed');
      uitkomst = { kind: 'later', reason: `internal: ${(error as Error).message}` };
    }
    if (uitkomst.kind === 'klaar') {
      try {
        await settle(row, bron, uitkomst);
        return;
      } catch (error) {
        if (!(error instanceof KoppelingConflict)) throw error;
        await retryLater(db, row.id, new Date(), 'the zaak was linked to another chain case meanwhile', null);
        return;
      }
    }
    const age = Date.now() - row.ontvangen_op.getTime();
    if (age > options.giveUpAfterMs) {
      await settleNotificatie(db, row.id, {
        status: 'onverwerkt',
        reden: 'zgw-onbereikbaar',
        detail: uitkomst.reason,
        zaakUrl: uitkomst.zaakUrl ?? null,
      });
      metrics.afgehandeld.inc({ bron: row.bron, uitkomst: 'onverwerkt', reden: 'zgw-onbereikbaar' });
      return;
    }
    metrics.zgwFouten.inc({ bron: row.bron });
    const delay = backoffMs(row.attempts, options.retryBaseMs, options.retryMaxMs);
    await retryLater(db, row.id, new Date(Date.now() + delay), uitkomst.reason, uitkomst.zaakUrl ?? null);
    logger.warn(
      {
        notificatie: row.id,
        bron: row.bron,
        attempts: row.attempts + 1,
        retryInMs: delay,
        reason: uitkomst.reason,
      },
      'ZGW API not reachable; notification retried later',
    );
  }

  async function runOnce(): Promise<number> {
    const rows = await claimDue(db, options.concurrency, options.leaseMs);
    // One row per zaak (claimDue's rule), so these may run side by side.
    await Promise.all(
      rows.map((row) =>
        handleOne(row).catch((error: unknown) => {
          logger.error({ err: error, notificatie: row.id }, 'settling a notification failed; it is retried');
        }),
      ),
    );
    if (Date.now() - lastPrune > 3_600_000) {
      lastPrune = Date.now();
      const pruned = await pruneHandled(db, new Date(Date.now() - options.retentionMs));
      if (pruned > 0) logger.info({ pruned }, 'handled notifications past the retention removed');
    }
    return rows.length;
  }

  const poller = createPoller({
    step: runOnce,
    pollMs: options.pollMs,
    onError: (error) => logger.error({ err: error }, 'worker round failed'),
  });

  return { runOnce, ...poller };
}
