import type { KetenEvent } from '@ketenhub/events';
import { type Kysely, sql } from 'kysely';
import type { ConnectorDatabase, Db } from '../db';
import type { OutboxRow } from './outbox.table';

const table = 'connector_zgw.outbox' as const;

/**
 * Adds events in the transaction that settles their notification. An event whose id is there already
 * (the same fact from another notification, or this one handled twice) is left as it is: the first
 * copy keeps its place in the order and its content.
 */
export async function enqueueEvents(
  db: Db,
  bron: string,
  notificatieId: string,
  events: readonly KetenEvent[],
) {
  for (const event of events) {
    await db
      .insertInto(table)
      .values({
        event_id: event.id,
        bron,
        subject: event.subject,
        type: event.type,
        event: JSON.stringify(event),
        notificatie_id: notificatieId,
      })
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  }
}

/**
 * Locks the next pending events of one source for sending, oldest first. An event whose chain case has
 * an earlier pending event that is not in this round (locked by another relay, or waiting for its
 * retry) is left for later, so one case's events reach the gateway in the order they were prepared.
 */
export async function lockPending(trx: Kysely<ConnectorDatabase>, bron: string, limit: number) {
  const locked = await sql<Pick<OutboxRow, 'seq' | 'subject' | 'event' | 'notificatie_id' | 'attempts'>>`
    select seq, subject, event, notificatie_id, attempts from ${sql.table(table)}
    where bron = ${bron} and status = 'pending' and next_attempt_at <= now()
    order by seq limit ${limit} for update skip locked`.execute(trx);
  const rows = locked.rows;
  if (rows.length === 0) return [];
  const first = new Map<string, string>();
  for (const r of rows) if (!first.has(r.subject)) first.set(r.subject, r.seq);
  const blocked = await sql<{ subject: string }>`
    select distinct o.subject from ${sql.table(table)} o
    join unnest(${[...first.keys()]}::uuid[], ${[...first.values()]}::bigint[]) as f(subject, seq)
      on o.subject = f.subject
    where o.status = 'pending' and o.seq < f.seq`.execute(trx);
  const held = new Set(blocked.rows.map((r) => r.subject));
  return rows.filter((r) => !held.has(r.subject));
}

export async function markSent(db: Db, seqs: readonly string[]) {
  if (seqs.length === 0) return;
  await db
    .updateTable(table)
    .set({ status: 'sent', sent_at: new Date(), attempts: sql`attempts + 1` })
    .where('seq', 'in', seqs)
    .execute();
}

export async function markRejected(db: Db, seq: string, problem: unknown) {
  await db
    .updateTable(table)
    .set({ status: 'rejected', problem: JSON.stringify(problem), attempts: sql`attempts + 1` })
    .where('seq', '=', seq)
    .execute();
}

/** The gateway could not take them now (503, 429, unreachable): try again at `at`. */
export async function postpone(db: Db, seqs: readonly string[], at: Date) {
  if (seqs.length === 0) return;
  await db
    .updateTable(table)
    .set({ next_attempt_at: at, attempts: sql`attempts + 1` })
    .where('seq', 'in', seqs)
    .execute();
}

export async function eventsOf(db: Db, notificatieIds: readonly string[]) {
  if (notificatieIds.length === 0) return [];
  return db
    .selectFrom(table)
    .select(['notificatie_id', 'event_id', 'type', 'status', 'problem'])
    .where('notificatie_id', 'in', notificatieIds)
    .orderBy('seq')
    .execute();
}

export async function countPending(db: Db): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select(db.fn.countAll<string>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
