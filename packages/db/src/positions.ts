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

/** One partition's records for {@link applyBatchesOnce}, in offset order. */
export interface PartitionBatch<R extends OffsetRecord> {
  topic: string;
  partition: number;
  records: R[];
}

/**
 * Runs `apply` on the records of several partition batches that were not applied before, and moves
 * each stored position past its batch, all in one transaction: a consumer that hands in every
 * partition of a fetch pays one commit for all of them instead of one each.
 *
 * The row locks on the positions (taken in one statement, in key order, so two instances cannot
 * deadlock on them) serialise two instances that briefly both think they own a partition during a
 * rebalance: the second waits, then sees the moved position and skips.
 */
export async function applyBatchesOnce<R extends OffsetRecord, T>(
  db: Kysely<unknown>,
  schema: string,
  group: string,
  batches: readonly PartitionBatch<R>[],
  apply: (trx: Transaction<unknown>, fresh: R[]) => Promise<T>,
): Promise<{
  applied: number;
  skipped: number;
  perBatch: { applied: number; skipped: number }[];
  result: T | undefined;
}> {
  const live = batches.filter((b) => b.records.length > 0);
  const perBatch = batches.map(() => ({ applied: 0, skipped: 0 }));
  if (live.length === 0) return { applied: 0, skipped: 0, perBatch, result: undefined };
  const table = sql.table(`${schema}.consumer_positions`);
  // Unique keys: a partition may appear twice (a batch handed in again after a rebalance).
  const keys = [...new Map(live.map((b) => [`${b.topic}:${b.partition}`, b])).values()];
  const topics = keys.map((b) => b.topic);
  const partitions = keys.map((b) => b.partition);
  return db.transaction().execute(async (trx) => {
    // One round trip: a new partition gets its row, an existing one is locked by the no-op update
    // (taken in key order, like FOR UPDATE would) and its stored position is returned.
    const current = await sql<{ topic: string; partition: number; next_offset: string }>`
      insert into ${table} as c (group_id, topic, partition, next_offset)
      select ${group}, u.t, u.p, 0 from unnest(${topics}::text[], ${partitions}::int[]) as u(t, p)
      order by u.t, u.p
      on conflict (group_id, topic, partition) do update set next_offset = c.next_offset
      returning c.topic, c.partition, c.next_offset`.execute(trx);
    const next = new Map(current.rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]));
    const fresh: R[] = [];
    const moved = new Map<string, { topic: string; partition: number; next: string }>();
    for (const [i, b] of batches.entries()) {
      if (b.records.length === 0) continue;
      const key = `${b.topic}:${b.partition}`;
      const from = next.get(key) ?? 0n;
      const mine = b.records.filter((r) => BigInt(r.offset) >= from);
      perBatch[i] = { applied: mine.length, skipped: b.records.length - mine.length };
      if (mine.length === 0) continue;
      fresh.push(...mine);
      const after = BigInt((b.records[b.records.length - 1] as R).offset) + 1n;
      next.set(key, after);
      moved.set(key, { topic: b.topic, partition: b.partition, next: after.toString() });
    }
    const skipped = perBatch.reduce((n, b) => n + b.skipped, 0);
    if (fresh.length === 0) return { applied: 0, skipped, perBatch, result: undefined };
    const result = await apply(trx, fresh);
    await sql`update ${table} c set next_offset = u.n, updated_at = now()
      from unnest(${[...moved.values()].map((m) => m.topic)}::text[], ${[...moved.values()].map((m) => m.partition)}::int[],
        ${[...moved.values()].map((m) => m.next)}::bigint[]) as u(t, p, n)
      where c.group_id = ${group} and c.topic = u.t and c.partition = u.p`.execute(trx);
    return { applied: fresh.length, skipped, perBatch, result };
  });
}

/** {@link applyBatchesOnce} for one partition batch. */
export async function applyBatchOnce<R extends OffsetRecord, T>(
  db: Kysely<unknown>,
  schema: string,
  key: PositionKey,
  records: R[],
  apply: (trx: Transaction<unknown>, fresh: R[]) => Promise<T>,
): Promise<{ applied: number; skipped: number; result: T | undefined }> {
  const { applied, skipped, result } = await applyBatchesOnce(
    db,
    schema,
    key.group,
    [{ topic: key.topic, partition: key.partition, records }],
    apply,
  );
  return { applied, skipped, result };
}
