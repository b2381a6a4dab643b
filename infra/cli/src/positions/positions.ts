import { sql } from 'kysely';
import { type ConsumerSpec, findConsumer } from '../consumers/consumers';
import { type PartitionState, partitionStates } from '../consumers/lag';
import type { Context } from '../context';
import { FailedError, UsageError } from '../errors';
import { offsetsForTime } from '../kafka';
import { type OffsetSpec, withPrefix } from '../offsets';

/** Where `positions set` moves one partition. */
export interface PositionChange {
  topic: string;
  partition: number;
  /** Where the consumer reads next now (stored, or where it would start without a row). */
  from: string;
  to: string;
  /** `to - from`: negative re-reads that many records, positive skips them. */
  delta: number;
  low: string;
  high: string;
}

export type Target = { kind: 'datetime'; at: Date } | { kind: 'offsets'; offsets: OffsetSpec[] };

export interface PositionPlan {
  consumer: string;
  schema: string;
  group: string;
  target: { datetime: string } | { offsets: string };
  changes: PositionChange[];
  /** Records the consumer will read again (sum of negative deltas). */
  reread: number;
  /** Records it will never read (sum of positive deltas). */
  skipped: number;
}

/** What `positions set` would do, computed from PostgreSQL and Kafka now; changes nothing. */
export async function planPositions(
  ctx: Context,
  consumer: ConsumerSpec,
  target: Target,
): Promise<PositionPlan> {
  const states = await partitionStates(ctx, consumer);
  const byKey = new Map(states.map((s) => [`${s.topic}:${s.partition}`, s]));
  const wanted: OffsetSpec[] = [];
  if (target.kind === 'datetime') {
    for (const topic of consumer.topics) {
      for (const o of await offsetsForTime(ctx.kafka, topic, target.at)) {
        wanted.push({ topic, partition: o.partition, offset: o.offset });
      }
    }
  } else {
    for (const spec of target.offsets) {
      const topic = withPrefix(spec.topic, ctx.env.KAFKA_TOPIC_PREFIX, consumer.topics);
      if (!byKey.has(`${topic}:${spec.partition}`)) {
        throw new UsageError(
          `--to-offset: ${spec.topic}:${spec.partition} is not a partition of ${consumer.name} (${consumer.topics.join(', ')})`,
        );
      }
      wanted.push({ ...spec, topic });
    }
  }
  const changes: PositionChange[] = [];
  for (const w of wanted) {
    const s = byKey.get(`${w.topic}:${w.partition}`) as PartitionState;
    const to = BigInt(w.offset);
    if (to < BigInt(s.low) || to > BigInt(s.high)) {
      throw new UsageError(
        `--to-offset: ${w.topic}:${w.partition}=${w.offset} is outside the log (${s.low} to ${s.high})`,
      );
    }
    changes.push({
      topic: w.topic,
      partition: w.partition,
      from: s.next,
      to: to.toString(),
      delta: Number(to - BigInt(s.next)),
      low: s.low,
      high: s.high,
    });
  }
  return {
    consumer: consumer.name,
    schema: consumer.schema,
    group: consumer.group,
    target:
      target.kind === 'datetime' ? { datetime: target.at.toISOString() } : { offsets: formatOffsets(wanted) },
    changes,
    reread: changes.reduce((n, c) => n + Math.max(0, -c.delta), 0),
    skipped: changes.reduce((n, c) => n + Math.max(0, c.delta), 0),
  };
}

const formatOffsets = (specs: readonly OffsetSpec[]) =>
  specs.map((s) => `${s.topic}:${s.partition}=${s.offset}`).join(',');

/**
 * Refuses while the consumer's service answers ready: a running consumer seeks to the stored
 * positions only when partitions are assigned to it, so it would go on from where it is in memory
 * and its next transaction would write its own position over the new one (a rewind is lost; a
 * skip ahead leaves its in-flight batches half-applied). Stop the service, set, start it.
 */
export async function guardNotRunning(
  ctx: Context,
  consumer: ConsumerSpec,
  force: boolean,
): Promise<string | null> {
  const ready = await ctx.service(consumer.service).readiness();
  if (ready.status !== 'ready') {
    return ready.status === 'not-ready'
      ? `the ${consumer.service} at ${ready.url} answers but is not ready; make sure no instance's consumer runs`
      : null;
  }
  if (force) return `the ${consumer.service} at ${ready.url} answers ready; going ahead because of --force`;
  throw new FailedError(
    `the ${consumer.service} at ${ready.url} answers ready, so its consumer is running: it seeks to stored ` +
      'positions only when partitions are assigned to it, and would write its own position over this one. ' +
      `Stop every ${consumer.service} instance, run this again, then start them (or --force if that URL is not this hub).`,
    { service: consumer.service, url: ready.url, readiness: ready.status },
  );
}

/** Writes the plan's positions in one transaction, waiting for a consumer transaction holding them. */
export async function applyPositions(ctx: Context, plan: PositionPlan): Promise<void> {
  if (plan.changes.length === 0) return;
  const table = sql.table(`${plan.schema}.consumer_positions`);
  await ctx.db.transaction().execute(async (trx) => {
    await sql`
      insert into ${table} (group_id, topic, partition, next_offset)
      select ${plan.group}, u.t, u.p, u.n
      from unnest(${plan.changes.map((c) => c.topic)}::text[], ${plan.changes.map((c) => c.partition)}::int[],
        ${plan.changes.map((c) => c.to)}::bigint[]) as u(t, p, n)
      order by u.t, u.p
      on conflict (group_id, topic, partition) do update set next_offset = excluded.next_offset, updated_at = now()`.execute(
      trx,
    );
  });
}

export async function positionsShow(ctx: Context, name: string) {
  const consumer = await findConsumer(ctx, name);
  const partitions = await partitionStates(ctx, consumer);
  return {
    consumer: consumer.name,
    description: consumer.description,
    schema: consumer.schema,
    group: consumer.group,
    lag: partitions.reduce((n, p) => n + p.lag, 0),
    partitions,
  };
}
