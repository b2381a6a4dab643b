import { ack, type KafkaClient, type RunningConsumer, runConsumer, topicOffsets } from '@ketenhub/kafka';
import type { Logger } from '@ketenhub/service';
import type { Kysely } from 'kysely';
import type { DispatcherDatabase } from '../db';
import {
  type KnownSubscription,
  type SubscriptionRecord,
  subscriptionRecordSchema,
  toKnownSubscription,
} from './subscription-record';
import { upsertSubscription } from './subscriptions.repository';

/**
 * Producer and dispatcher clocks differ: a record is taken as older than our last look at the
 * subscriptions topic only when its timestamp is at least this much before it.
 */
const clockSkewMs = 2_000;

/** The subscriptions this instance knows, by id, newest revision each. */
export class SubscriptionDirectory {
  private readonly byId = new Map<string, KnownSubscription>();
  /** Queueing subscriptions per type, rebuilt after a change: the fan-out asks once per record. */
  private byType: Map<string, KnownSubscription[]> | undefined;

  apply(record: SubscriptionRecord): void {
    const known = this.byId.get(record.id);
    if (known && known.revision > record.revision) return;
    this.byId.set(record.id, toKnownSubscription(record));
    this.byType = undefined;
  }

  /** Subscriptions that take new events of `type` into their queue. */
  queueingFor(type: string): readonly KnownSubscription[] {
    if (!this.byType) {
      const index = new Map<string, KnownSubscription[]>();
      for (const s of this.byId.values()) {
        if (!s.queues) continue;
        for (const t of s.types) index.set(t, [...(index.get(t) ?? []), s]);
      }
      this.byType = index;
    }
    return this.byType.get(type) ?? [];
  }

  get size(): number {
    return this.byId.size;
  }
}

export interface SubscriptionsFollower {
  isCaughtUp(): boolean;
  waitUntilCaughtUp(timeoutMs: number): Promise<void>;
  /**
   * Makes sure every subscription published before a domain batch's records were appended is known.
   * Without it an event published right after a subscription's 201 could be fanned out before the
   * dispatcher read the subscription: the two topics have no order between them. A look at the end
   * offsets started after the batch was received is enough (its records were appended before
   * that); batches of records older than the last look (catch-up) need no look at all.
   */
  freshFor(batch: { newestTimestampMs: number; receivedAtMs: number }, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads the whole subscriptions topic from the beginning (a group of its own per start, like the
 * gateway's systems directory), stores each record in the dispatcher's table and in memory, then
 * keeps following it. The domain consumer starts only once this has caught up.
 */
export async function followSubscriptions(options: {
  kafka: KafkaClient;
  db: Kysely<DispatcherDatabase>;
  topic: string;
  directory: SubscriptionDirectory;
  logger: Logger;
  groupPrefix: string;
}): Promise<SubscriptionsFollower> {
  const { directory, logger } = options;
  const reached = new Map<number, bigint>();
  const reachedAll = (ends: { partition: number; high: string }[]) =>
    ends.every((o) => (reached.get(o.partition) ?? 0n) >= BigInt(o.high));
  const startEnds = await topicOffsets(options.kafka, options.topic);
  let caughtUpAsOf = 0;
  const startedAt = Date.now();
  const check = () => {
    if (caughtUpAsOf === 0 && reachedAll(startEnds)) caughtUpAsOf = startedAt;
    return caughtUpAsOf > 0;
  };
  check();

  const consumer: RunningConsumer = await runConsumer(options.kafka, {
    groupId: `${options.groupPrefix}dispatcher-subscriptions-${process.pid}-${Date.now().toString(36)}`,
    topics: [options.topic],
    fromBeginning: true,
    handleBatch: async (batch) => {
      for (const record of batch.records) {
        if (record.value) {
          let parsed: ReturnType<typeof subscriptionRecordSchema.safeParse> | undefined;
          try {
            parsed = subscriptionRecordSchema.safeParse(JSON.parse(record.value.toString('utf8')));
          } catch {
            parsed = undefined;
          }
          if (parsed?.success) {
            await upsertSubscription(options.db, parsed.data);
            directory.apply(parsed.data);
          } else {
            logger.warn({ offset: record.offset }, 'subscription record of an unknown shape; skipped');
          }
        }
        reached.set(batch.partition, BigInt(record.offset) + 1n);
      }
      check();
      return ack();
    },
  });

  let catching: Promise<void> | undefined;
  const catchUp = (timeoutMs: number) => {
    catching ??= (async () => {
      try {
        const lookedAt = Date.now();
        const ends = await topicOffsets(options.kafka, options.topic);
        const deadline = Date.now() + timeoutMs;
        while (!reachedAll(ends)) {
          if (Date.now() > deadline)
            throw new Error(`subscriptions not read up to the end in ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 5));
        }
        caughtUpAsOf = Math.max(caughtUpAsOf, lookedAt);
      } finally {
        catching = undefined;
      }
    })();
    return catching;
  };

  return {
    isCaughtUp: check,
    async waitUntilCaughtUp(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`subscriptions not caught up within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async freshFor(batch, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const fresh = () =>
        check() &&
        (batch.newestTimestampMs + clockSkewMs < caughtUpAsOf || caughtUpAsOf >= batch.receivedAtMs);
      // A failure throws: the batch is retried rather than fanned out against a stale directory.
      while (!fresh()) await catchUp(Math.max(1, deadline - Date.now()));
    },
    stop: () => consumer.stop(),
  };
}
