import {
  type AccessContext,
  type AccessState,
  applyAccess,
  emptyAccess,
  isAccessType,
} from '@ketenhub/access';
import type { KetenEvent } from '@ketenhub/events';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DispatcherDatabase } from '../db';

type Trx = Transaction<DispatcherDatabase>;

/**
 * Case ids as PostgreSQL returns its uuid type (lower case), so a state found in the table is found
 * again under the event's subject whatever the subject's case; the projection keys cases the same way.
 */
export const caseKey = (subject: string) => subject.toLowerCase();

/**
 * The stored access states of these cases, locked until the transaction ends, in id order: a case
 * lives in one partition, but a record written straight to Kafka can put one of its events in
 * another, and two partitions' transactions must then neither lose each other's update nor deadlock.
 */
export async function lockAccessStates(trx: Trx, ids: readonly string[]): Promise<Map<string, AccessState>> {
  const out = new Map<string, AccessState>();
  if (ids.length === 0) return out;
  const rows = await sql<{ case_id: string; state: AccessState }>`
    select case_id, state from dispatcher.case_access
    where case_id = any(${[...ids].sort()}::uuid[]) order by case_id for update`.execute(trx);
  for (const r of rows.rows) out.set(r.case_id, r.state);
  return out;
}

/** One JSON parameter expanded in PostgreSQL: one statement for any number of cases. */
const asRecords = (states: ReadonlyMap<string, AccessState>) =>
  JSON.stringify([...states].map(([id, state]) => ({ id, state })));

/**
 * Stores the states of cases not in the table yet. Returns the ids stored; an id missing from the
 * answer was inserted by another transaction meanwhile (ON CONFLICT waited for it to commit): its
 * caller locks and folds again on top of that state.
 */
export async function insertAccessStates(
  trx: Trx,
  states: ReadonlyMap<string, AccessState>,
): Promise<Set<string>> {
  if (states.size === 0) return new Set();
  const rows = await sql<{ case_id: string }>`
    insert into dispatcher.case_access (case_id, state)
    select x.id, x.state from jsonb_to_recordset(${asRecords(states)}::jsonb) as x(id uuid, state jsonb)
    order by x.id
    on conflict (case_id) do nothing
    returning case_id`.execute(trx);
  return new Set(rows.rows.map((r) => r.case_id));
}

/** Writes back states of cases locked by {@link lockAccessStates}. */
export async function updateAccessStates(trx: Trx, states: ReadonlyMap<string, AccessState>): Promise<void> {
  if (states.size === 0) return;
  await sql`
    update dispatcher.case_access c set state = x.state
    from jsonb_to_recordset(${asRecords(states)}::jsonb) as x(id uuid, state jsonb)
    where c.case_id = x.id`.execute(trx);
}

/** Partitions whose log is still to be read again to rebuild access states: `topic:partition` -> offset. */
export async function loadAccessRebuild(
  db: Kysely<DispatcherDatabase>,
  groupId: string,
): Promise<Map<string, bigint>> {
  const rows = await db
    .selectFrom('dispatcher.access_rebuild')
    .select(['topic', 'partition', 'until_offset'])
    .where('group_id', '=', groupId)
    .execute();
  return new Map(rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.until_offset)]));
}

/** The rebuild of one partition is done (its position passed `until_offset`). */
export async function finishAccessRebuild(
  trx: Trx,
  key: { group: string; topic: string; partition: number },
): Promise<void> {
  await trx
    .deleteFrom('dispatcher.access_rebuild')
    .where('group_id', '=', key.group)
    .where('topic', '=', key.topic)
    .where('partition', '=', key.partition)
    .execute();
}

/**
 * Keeps every access event with its place in the log (dispatcher.case_access_events), in the
 * consume transaction: a replay folds a case's rows below its window to judge the window's events
 * as of each of them. A record read again (the upgrade's rebuild, a repeated batch) is there once.
 */
export async function storeAccessEvents(
  trx: Trx,
  events: readonly { event: KetenEvent; value: Buffer; topic: string; partition: number; offset: string }[],
): Promise<void> {
  const access = events.filter((e) => isAccessType(e.event.type));
  if (access.length === 0) return;
  await sql`
    insert into dispatcher.case_access_events (topic, partition, kafka_offset, case_id, value)
    select * from unnest(${access.map((e) => e.topic)}::text[], ${access.map((e) => e.partition)}::int[],
      ${access.map((e) => e.offset)}::bigint[], ${access.map((e) => caseKey(e.event.subject))}::uuid[],
      ${access.map((e) => e.value)}::bytea[])
    on conflict do nothing`.execute(trx);
}

/**
 * The access state of each case just before `beforeOffset` in one partition: the fold of its
 * stored access events below that offset, in log order. A case's events all live in its
 * partition (the key is the case id), so the partition's order is the case's order.
 */
export async function accessStatesBefore(
  db: Kysely<DispatcherDatabase> | Trx,
  where: { topic: string; partition: number; beforeOffset: string },
  caseIds: readonly string[],
  ctx: AccessContext,
): Promise<Map<string, AccessState>> {
  const out = new Map<string, AccessState>();
  if (caseIds.length === 0) return out;
  const rows = await sql<{ case_id: string; value: Buffer }>`
    select case_id, value from dispatcher.case_access_events
    where case_id = any(${[...caseIds]}::uuid[]) and topic = ${where.topic} and partition = ${where.partition}
      and kafka_offset < ${where.beforeOffset}::bigint
    order by case_id, kafka_offset`.execute(db);
  for (const id of caseIds) out.set(id, emptyAccess());
  for (const r of rows.rows) {
    const state = out.get(r.case_id) ?? emptyAccess();
    // Stored after it passed the contract in the fan-out; parsing it again is enough.
    applyAccess(state, JSON.parse(r.value.toString('utf8')) as KetenEvent, ctx, 0);
    out.set(r.case_id, state);
  }
  return out;
}
