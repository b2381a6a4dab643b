import type { Notificatie } from '@ketenhub/zgw-notificaties';
import { type Kysely, sql } from 'kysely';
import type { ConnectorDatabase, Db } from '../db';
import type { NotificatieRow, NotificatieStatus } from './notificaties.table';

const table = 'connector_zgw.notificaties' as const;

/**
 * Takes a notification in. Returns false when the same notification (same source, kanaal,
 * resourceUrl, actie and aanmaakdatum) is already there: Open Notificaties sends it again after a
 * timeout or an error, and the second copy must change nothing.
 */
export async function insertNotificatie(db: Db, bron: string, n: Notificatie): Promise<boolean> {
  const inserted = await db
    .insertInto(table)
    .values({
      bron,
      kanaal: n.kanaal,
      resource: n.resource,
      actie: n.actie,
      hoofd_object: n.hoofdObject,
      resource_url: n.resourceUrl,
      aanmaakdatum: n.aanmaakdatum,
      kenmerken: JSON.stringify(n.kenmerken ?? {}),
      // For kanaal zaken the hoofdObject is the zaak; a besluit's zaak is known once it was read.
      zaak_url: n.kanaal === 'zaken' ? n.hoofdObject : null,
    })
    .onConflict((oc) => oc.constraint('notificaties_identity').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Claims up to `limit` due notifications for this worker, for `leaseMs`. Per source and hoofdObject
 * only the oldest unfinished one is claimable, so one zaak's notifications are handled one at a time
 * in the order they came in; different zaken go in parallel, on any number of instances (SKIP LOCKED
 * plus the lease: a crashed worker's claim runs out and another takes it).
 */
export async function claimDue(db: Kysely<ConnectorDatabase>, limit: number, leaseMs: number) {
  const result = await sql<NotificatieRow>`
    update ${sql.table(table)} as n set claimed_until = now() + ${`${leaseMs} milliseconds`}::interval
    where n.id in (
      select c.id from ${sql.table(table)} as c
      where c.status = 'nieuw' and c.next_attempt_at <= now()
        and (c.claimed_until is null or c.claimed_until < now())
        and not exists (
          select 1 from ${sql.table(table)} as e
          where e.status = 'nieuw' and e.bron = c.bron and e.hoofd_object = c.hoofd_object and e.id < c.id
        )
      order by c.id
      limit ${limit}
      for update skip locked
    )
    returning n.*`.execute(db);
  return result.rows;
}

export interface Afhandeling {
  status: Exclude<NotificatieStatus, 'nieuw'>;
  reden: string | null;
  detail: string | null;
  zaakUrl: string | null;
}

/** Records the outcome of handling a claimed notification. */
export async function settleNotificatie(db: Db, id: string, outcome: Afhandeling): Promise<void> {
  await db
    .updateTable(table)
    .set({
      status: outcome.status,
      reden: outcome.reden,
      detail: outcome.detail?.slice(0, 2000) ?? null,
      problem: null,
      zaak_url: sql<string | null>`coalesce(${outcome.zaakUrl}, zaak_url)`,
      claimed_until: null,
      last_error: null,
      afgehandeld_op: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** A ZGW API or the database could not be reached: try again at `at`. */
export async function retryLater(db: Db, id: string, at: Date, error: string, zaakUrl: string | null) {
  await db
    .updateTable(table)
    .set({
      attempts: sql`attempts + 1`,
      next_attempt_at: at,
      claimed_until: null,
      last_error: error.slice(0, 1000),
      zaak_url: sql<string | null>`coalesce(${zaakUrl}, zaak_url)`,
    })
    .where('id', '=', id)
    .execute();
}

/** The gateway refused an event of these notifications (4xx). */
export async function markGeweigerd(db: Db, id: string, problem: unknown) {
  await db
    .updateTable(table)
    .set({
      status: 'geweigerd',
      reden: 'hub-weigert',
      problem: JSON.stringify(problem),
      afgehandeld_op: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** Refused notifications whose events all went through after all (after a re-queue) are processed. */
export async function clearGeweigerd(db: Db, ids: readonly string[]) {
  if (ids.length === 0) return;
  await db
    .updateTable(table)
    .set({ status: 'verwerkt', reden: null, problem: null, afgehandeld_op: new Date() })
    .where('id', 'in', ids)
    .where('status', '=', 'geweigerd')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('connector_zgw.outbox as o')
            .select('o.seq')
            .whereRef('o.notificatie_id', '=', 'connector_zgw.notificaties.id')
            .where('o.status', '=', 'rejected'),
        ),
      ),
    )
    .execute();
}

export interface AandachtFilter {
  statussen: readonly NotificatieStatus[];
  reden?: string | undefined;
  bron?: string | undefined;
  /** Keyset: only ids below this one (newest first). */
  voor?: string | undefined;
  limit: number;
}

export async function listAandacht(db: Db, filter: AandachtFilter): Promise<NotificatieRow[]> {
  let query = db
    .selectFrom(table)
    .selectAll()
    .where('status', 'in', filter.statussen)
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.reden) query = query.where('reden', '=', filter.reden);
  if (filter.bron) query = query.where('bron', '=', filter.bron);
  if (filter.voor) query = query.where('id', '<', filter.voor);
  return query.execute();
}

/**
 * Queues notifications again (the operator fixed the configuration, the zaak or the hub system).
 * A refused notification's refused events are dropped first, so it is mapped anew and not merely
 * sent again as it was: the gateway never stored them, so the same ids may carry new content.
 */
export async function requeue(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  await db
    .deleteFrom('connector_zgw.outbox')
    .where('notificatie_id', 'in', ids)
    .where('status', '=', 'rejected')
    .execute();
  const rows = await db
    .updateTable(table)
    .set({
      status: 'nieuw',
      reden: null,
      detail: null,
      problem: null,
      attempts: 0,
      next_attempt_at: new Date(),
      claimed_until: null,
      last_error: null,
      afgehandeld_op: null,
    })
    .where('id', 'in', ids)
    .where('status', 'in', ['onverwerkt', 'geweigerd', 'wacht', 'genegeerd'])
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** The ids of the notifications of a zaak that are not (yet) in the hub: queued again when it is linked. */
export async function unfinishedOfZaak(db: Db, bron: string, zaakUrl: string): Promise<string[]> {
  const rows = await db
    .selectFrom(table)
    .select('id')
    .where('bron', '=', bron)
    .where('zaak_url', '=', zaakUrl)
    .where('status', 'in', ['wacht', 'onverwerkt'])
    .execute();
  return rows.map((r) => r.id);
}

/** Handled notifications (and, by cascade, their sent events: they hold personal data) after the retention. */
export async function pruneHandled(db: Db, before: Date): Promise<number> {
  const result = await db
    .deleteFrom(table)
    .where('status', 'in', ['verwerkt', 'genegeerd'])
    .where('afgehandeld_op', '<', before)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('connector_zgw.outbox as o')
            .select('o.seq')
            .whereRef('o.notificatie_id', '=', 'connector_zgw.notificaties.id')
            .where('o.status', '!=', 'sent'),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function countByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom(table)
    .select(['status', db.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
