import { type Kysely, sql, type Transaction } from 'kysely';

/**
 * Consumer positions stored next to the effects they belong to. Applying a batch and moving the
 * position happen in one transaction, so after a crash at any instant the position and the
 * effects agree: nothing is applied twice and nothing is skipped.
 */

export interface PositionKey {
  /** Consumer group (one per projection version). */
  group: string;
  topic: string;
  partition: number;
}

export interface OffsetRecord {
  offset: string;
}

/** The DDL for a service's positions table; call from that service's migration. */
export async function createPositionsTable(db: Kysely<unknown>, schema: string): Promise<void> {
  await db.schema
    .withSchema(schema)
    .createTable('consumer_positions')
    .ifNotExists()
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('partition', 'integer', (c) => c.notNull())
    .addColumn('next_offset', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('consumer_positions_pk', ['group_id', 'topic', 'partition'])
    .execute();
}

/** Next offset to read per partition (what the consumer seeks to on assignment). */
export async function loadPositions(
  db: Kysely<unknown>,
  schema: string,
  group: string,
  topic: string,
): Promise<Map<number, string>> {
  const rows = await sql<{ partition: number; next_offset: string }>`
    select partition, next_offset from ${sql.table(`${schema}.consumer_positions`)}
    where group_id = ${group} and topic = ${topic}`.execute(db);
  return new Map(rows.rows.map((r) => [r.partition, String(r.next_offset)]));
}

/**
 * Runs `apply` on the records of one partition batch that were not applied before, and moves the
 * stored position past the batch, all in one transaction.
 *
 * The row lock on the position serialises two instances that briefly both think they own the
 * partition during a rebalance: the second waits, then sees the moved position and skips.
 */
export async function applyBatchOnce<R extends OffsetRecord, T>(
  db: Kysely<unknown>,
  schema: string,
  key: PositionKey,
  records: R[],
  apply: (trx: Transaction<unknown>, fresh: R[]) => Promise<T>,
): Promise<{ applied: number; skipped: number; result: T | undefined }> {
  if (records.length === 0) return { applied: 0, skipped: 0, result: undefined };
  const table = sql.table(`${schema}.consumer_positions`);
  return db.transaction().execute(async (trx) => {
    await sql`insert into ${table} (group_id, topic, partition, next_offset)
      values (${key.group}, ${key.topic}, ${key.partition}, 0)
      on conflict do nothing`.execute(trx);
    const current = await sql<{ next_offset: string }>`
      select next_offset from ${table}
      where group_id = ${key.group} and topic = ${key.topic} and partition = ${key.partition}
      for update`.execute(trx);
    const next = BigInt(current.rows[0]?.next_offset ?? 0);
    const fresh = records.filter((r) => BigInt(r.offset) >= next);
    const last = records[records.length - 1];
    if (fresh.length === 0 || last === undefined) {
      return { applied: 0, skipped: records.length, result: undefined };
    }
    const result = await apply(trx, fresh);
    await sql`update ${table} set next_offset = ${(BigInt(last.offset) + 1n).toString()}, updated_at = now()
      where group_id = ${key.group} and topic = ${key.topic} and partition = ${key.partition}`.execute(trx);
    return { applied: fresh.length, skipped: records.length - fresh.length, result };
  });
}
