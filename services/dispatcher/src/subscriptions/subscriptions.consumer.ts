import { followStateTopic, type KafkaClient } from '@ketenhub/kafka';
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

const none: ReadonlyMap<string, readonly KnownSubscription[]> = new Map();

/** The subscriptions this instance knows, by id, newest revision each. */
export class SubscriptionDirectory {
  private readonly byId = new Map<string, KnownSubscription>();
  /**
   * Queueing subscriptions per type, then per organisation (OIN), rebuilt after a change: the
   * fan-out asks once per record, and then looks up only the organisations of the case.
   */
  private byType: Map<string, Map<string, KnownSubscription[]>> | undefined;

  apply(record: SubscriptionRecord): void {
    const known = this.byId.get(record.id);
    if (known && known.revision > record.revision) return;
    this.byId.set(record.id, toKnownSubscription(record));
    this.byType = undefined;
  }

  /** Subscriptions that take new events of `type` into their queue, by the OIN of their organisation. */
  queueingFor(type: string): ReadonlyMap<string, readonly KnownSubscription[]> {
    if (!this.byType) {
      const index = new Map<string, Map<string, KnownSubscription[]>>();
      for (const s of this.byId.values()) {
        if (!s.queues) continue;
        for (const t of s.types) {
          const byOin = index.get(t) ?? new Map<string, KnownSubscription[]>();
          index.set(t, byOin);
          byOin.set(s.oin, [...(byOin.get(s.oin) ?? []), s]);
        }
      }
      this.byType = index;
    }
    return this.byType.get(type) ?? none;
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
  /**
   * A record that asks for a backfill (made with `backfill` at the registry): called after the
   * record is stored, so the job can read the subscription. Not awaited by the follower.
   */
  onBackfill?(record: SubscriptionRecord): Promise<void>;
}): Promise<SubscriptionsFollower> {
  const { directory, logger } = options;
  const follower = await followStateTopic<SubscriptionRecord>({
    kafka: options.kafka,
    topic: options.topic,
    groupId: `${options.groupPrefix}dispatcher-subscriptions-${process.pid}-${Date.now().toString(36)}`,
    read: (value) => {
      const parsed = subscriptionRecordSchema.safeParse(value);
      return parsed.success ? parsed.data : undefined;
    },
    apply: async (record) => {
      await upsertSubscription(options.db, record);
      directory.apply(record);
      if (record.backfill && options.onBackfill && record.status !== 'deleted' && !record.systemRevoked) {
        const ask = options.onBackfill;
        void (async () => {
          // Kafka or PostgreSQL away for a moment must not lose the request: a few tries, then a log line.
          for (let attempt = 1; attempt <= 5; attempt++) {
            try {
              await ask(record);
              return;
            } catch (error) {
              if (attempt === 5)
                logger.error({ err: error, subscriptionId: record.id }, 'could not start the backfill');
              else await new Promise((r) => setTimeout(r, 1_000 * attempt));
            }
          }
        })();
      }
    },
    onUnreadable: (offset) => logger.warn({ offset }, 'subscription record of an unknown shape; skipped'),
  });
  return {
    isCaughtUp: follower.isCaughtUp,
    waitUntilCaughtUp: follower.waitUntilCaughtUp,
    async freshFor(batch, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const fresh = () => {
        const asOf = follower.caughtUpAsOf();
        return asOf > 0 && (batch.newestTimestampMs + clockSkewMs < asOf || asOf >= batch.receivedAtMs);
      };
      // A failure throws: the batch is retried rather than fanned out against a stale directory.
      while (!fresh()) await follower.catchUp(Math.max(1, deadline - Date.now()));
    },
    stop: follower.stop,
  };
}
