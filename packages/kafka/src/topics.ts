import type { KafkaClient } from './client';
import { isKafkaAccessDenied, kafkaErrorCode } from './errors';

export interface TopicSpec {
  name: string;
  partitions: number;
  /**
   * Replicas per partition; the client's {@link KafkaSettings.replicationFactor} when unset (and
   * the broker's default when that is unset too).
   */
  replicationFactor?: number;
  /**
   * Broker-side configs, e.g. `{ 'retention.ms': '-1' }`. `min.insync.replicas` comes from the
   * client's {@link KafkaSettings.minInsyncReplicas} unless set here.
   */
  configs?: Record<string, string>;
}

/**
 * A case-event topic: the log of record. Unlimited retention (time and size) because every
 * projection is rebuilt from it and it is the legal record; never compacted, because every
 * event of a chain case counts, not only the last per key.
 */
export function caseEventTopic(name: string, partitions: number): TopicSpec {
  return {
    name,
    partitions,
    configs: {
      'retention.ms': '-1',
      'retention.bytes': '-1',
      'cleanup.policy': 'delete',
      // 64 KB events plus headers and batch overhead; the broker default is 1 MiB, kept explicit.
      'max.message.bytes': String(1024 * 1024),
    },
  };
}

/**
 * A registry state topic (the systems and the subscriptions): one partition (a few thousand small
 * records at most, and a single partition makes "caught up" one offset to compare), compacted,
 * never deleted by time. Every service that reads one creates it with this same spec, whichever
 * starts first.
 */
export function stateTopic(name: string): TopicSpec {
  return {
    name,
    partitions: 1,
    configs: {
      'cleanup.policy': 'compact',
      'retention.ms': '-1',
      // Compact soon after a rotation, so an old token hash does not linger in the log for days.
      'min.compaction.lag.ms': '0',
      'max.compaction.lag.ms': String(60 * 60 * 1000),
      'segment.ms': String(60 * 60 * 1000),
    },
  };
}

/** The registry's state topics, by name: one home, so no service spells them its own way. */
export const systemsTopicName = (prefix: string) => `${prefix}ketenhub.registry.systems`;
export const subscriptionsTopicName = (prefix: string) => `${prefix}ketenhub.registry.subscriptions`;

export interface EnsureTopicsOptions {
  /** How long to keep trying on a fresh or restarting broker, in ms. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates the topics that do not exist yet and leaves existing ones alone (their partition count
 * is not changed: adding partitions would move keys and break per-case order; nor is their
 * replication, which Kafka only changes by reassignment: a warning names such topics).
 *
 * createTopics fails in several transient ways on a broker that has just started (no controller
 * yet, metadata not propagated, fewer brokers registered than the replication factor, "topic
 * already exists" races between instances), so this retries until every topic is visible in the
 * metadata or the timeout passes. A refusal by the broker's ACLs or SASL ends it at once: waiting
 * does not grant a permission.
 */
export async function ensureTopics(
  client: KafkaClient,
  topics: TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const sleep = options.sleep ?? wait;
  const admin = client.kafka.admin();
  let lastError: unknown;
  try {
    await admin.connect();
    let backoff = 200;
    while (Date.now() < deadline) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.name));
        if (missing.length === 0) {
          await warnAboutReplication(client, admin, topics);
          return;
        }
        await admin.createTopics({
          waitForLeaders: true,
          timeout: 30_000,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: replicationOf(client, t),
            configEntries: Object.entries(configsOf(client, t)).map(([name, value]) => ({ name, value })),
          })),
        });
      } catch (error) {
        if (isKafkaAccessDenied(error)) {
          throw new Error(
            `Kafka refused to create or describe topics (${kafkaErrorCode(error)}) as ${client.settings.sasl?.username ?? 'an anonymous client'}: ${topics.map((t) => t.name).join(', ')}`,
            { cause: error },
          );
        }
        lastError = error;
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2_000);
    }
    throw new Error(`topics not ready after ${options.timeoutMs ?? 60_000} ms: ${String(lastError)}`);
  } finally {
    await admin.disconnect();
  }
}

const replicationOf = (client: KafkaClient, t: TopicSpec): number =>
  t.replicationFactor ?? client.settings.replicationFactor ?? -1;

function configsOf(client: KafkaClient, t: TopicSpec): Record<string, string> {
  const minInsync = client.settings.minInsyncReplicas;
  return {
    ...(minInsync === undefined ? {} : { 'min.insync.replicas': String(minInsync) }),
    ...t.configs,
  };
}

/** Existing topics with fewer replicas than asked for (made on a single broker, say) keep them. */
async function warnAboutReplication(
  client: KafkaClient,
  admin: ReturnType<KafkaClient['kafka']['admin']>,
  topics: TopicSpec[],
): Promise<void> {
  const log = client.settings.logger;
  const wanted = new Map(topics.map((t) => [t.name, replicationOf(client, t)]));
  if (!log || [...wanted.values()].every((n) => n < 0)) return;
  try {
    const { topics: described } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    for (const t of described) {
      const replicas = Math.min(...t.partitions.map((p) => p.replicas.length));
      const want = wanted.get(t.name) ?? -1;
      if (want > 0 && replicas < want) {
        log.warn(
          { topic: t.name, replicas, replicationFactor: want },
          'topic has fewer replicas than the settings ask for; Kafka keeps them until partitions are reassigned',
        );
      }
    }
  } catch {
    // Only a warning: the topics exist, which is what the caller waits for.
  }
}

/** Deletes topics; for tests and for dropping an old projection version's private topics. */
export async function deleteTopics(client: KafkaClient, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const admin = client.kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const present = names.filter((n) => existing.has(n));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

export interface PartitionOffsets {
  partition: number;
  /** First offset still in the log. */
  low: string;
  /** Offset the next record will get (end of the log). */
  high: string;
}

/** Start and end offsets per partition: what replays and lag computations need. */
export async function topicOffsets(client: KafkaClient, topic: string): Promise<PartitionOffsets[]> {
  const admin = client.kafka.admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** Offsets a consumer group committed to Kafka (for monitoring; services keep theirs in PostgreSQL). */
export async function groupOffsets(
  client: KafkaClient,
  groupId: string,
  topics: string[],
): Promise<{ topic: string; partition: number; offset: string }[]> {
  const admin = client.kafka.admin();
  try {
    await admin.connect();
    const result = await admin.fetchOffsets({ groupId, topics });
    return result.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes a consumer group (a replaced projection version's, say). A group still has members for a
 * moment after they were told to move on, so a non-empty group is tried again until `timeoutMs`.
 * Returns what became of it: deleted, absent (never existed or already gone), or still busy.
 */
export async function deleteConsumerGroup(
  client: KafkaClient,
  groupId: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<'deleted' | 'absent' | 'busy'> {
  const admin = client.kafka.admin();
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    await admin.connect();
    for (;;) {
      try {
        await admin.deleteGroups([groupId]);
        return 'deleted';
      } catch (error) {
        const type = (error as { groups?: { error?: { type?: string } }[] }).groups?.[0]?.error?.type;
        if (type === 'GROUP_ID_NOT_FOUND') return 'absent';
        if (type !== 'NON_EMPTY_GROUP') throw error;
        if (Date.now() > deadline) return 'busy';
        await new Promise((r) => setTimeout(r, options.pollMs ?? 1_000));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
