import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ack,
  createKafkaClient,
  type KafkaClient,
  kafkaSecurityEnv,
  kafkaSettingsFromEnv,
  parseBrokers,
  runConsumer,
  topicOffsets,
} from '@ketenhub/kafka';
import { kafkaSh, kafkaShEnv, uniqueName } from '@ketenhub/kafka/testing';

export type ServicePrincipal = 'registry' | 'gateway' | 'projection' | 'dispatcher';

/** Where the hub's Kafka runs for this run, and how each principal reaches it. */
export interface KafkaDeployment {
  kind: 'single' | 'cluster';
  /** The KAFKA_* variables of a service (its principal on a secured cluster). */
  env(user: ServicePrincipal | 'admin'): Record<string, string>;
  /** Kills broker N (1-3) with SIGKILL. */
  killBroker(n: number): Promise<void>;
  restartBroker(n: number): Promise<void>;
  /** The broker id leading `topic`'s partition `partition`. */
  leaderOf(topic: string, partition: number): Promise<number>;
  destroy(): Promise<void>;
}

/**
 * The single broker the tests share (127.0.0.1:9092, or KAFKA_BROKERS), isolated by topic prefix.
 * Never killed: broker faults need the cluster.
 */
export async function sharedBroker(): Promise<KafkaDeployment> {
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    await kafkaSh('start');
    brokers = `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
  }
  const env = { KAFKA_BROKERS: brokers };
  const no = async () => {
    throw new Error('broker faults need the cluster (--long)');
  };
  return {
    kind: 'single',
    env: () => env,
    killBroker: no,
    restartBroker: no,
    leaderOf: no,
    destroy: async () => undefined,
  };
}

/**
 * A private three-broker cluster of kafka.sh (replication 3, min.insync 2) on free ports and a
 * temporary folder, so it never meets another engineer's cluster. With `security` `sasl` each
 * service gets its own principal and ACLs (`kafka.sh cluster acl setup`).
 */
export async function privateCluster(options: {
  security: 'none' | 'sasl';
  topicPrefix: string;
  log: (line: string) => void;
}): Promise<KafkaDeployment> {
  // Three brokers and a controller, each a JVM of its own on two shared cores: a start can fail
  // (a port taken meanwhile, a JVM that does not come up in time); one more try on fresh ports.
  let started: { dir: string; base: number; shEnv: Record<string, string> } | undefined;
  const t0 = Date.now();
  for (let attempt = 1; !started; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'kh-faults-kafka-'));
    const base = await freeRange();
    const shEnv: Record<string, string> = {
      KAFKA_CLUSTER_DIR: dir,
      KAFKA_CLUSTER_PORT: String(base),
      KAFKA_SECURITY: options.security,
      KAFKA_TOPIC_PREFIX: options.topicPrefix,
      KAFKA_START_TIMEOUT_S: '240',
    };
    try {
      await kafkaSh(['cluster', 'start'], shEnv);
      if (options.security !== 'none') await kafkaSh(['cluster', 'acl', 'setup'], shEnv);
      started = { dir, base, shEnv };
    } catch (error) {
      await kafkaSh(['cluster', 'stop'], shEnv).catch(() => undefined);
      for (const n of ['1', '2', '3', 'controller'])
        await kafkaSh(['cluster', 'kill', n], shEnv).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      if (attempt >= 2) throw error;
      options.log(
        `kafka: cluster start failed (${String(error).split('\n')[1] ?? error}); once more on other ports`,
      );
    }
  }
  const { dir, base, shEnv } = started;
  options.log(
    `kafka: private cluster on 127.0.0.1:${base}-${base + 2} (security ${options.security}) in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  const envs = new Map<string, Record<string, string>>();
  for (const user of ['registry', 'gateway', 'projection', 'dispatcher', 'admin'] as const) {
    envs.set(user, await kafkaShEnv(shEnv, { cluster: true, user }));
  }
  let admin: KafkaClient | undefined;
  const adminClient = () => {
    admin ??= clientFor(envs.get('admin') ?? {}, 'faults-admin');
    return admin;
  };
  return {
    kind: 'cluster',
    env: (user) => envs.get(user) ?? {},
    killBroker: async (n) => {
      await kafkaSh(['cluster', 'kill', String(n)], shEnv);
    },
    restartBroker: async (n) => {
      // Its readiness probe is a JVM tool a second; on two loaded cores 90 s is not always enough.
      const env = { ...shEnv, KAFKA_START_TIMEOUT_S: '240' };
      await kafkaSh(['cluster', 'restart', String(n)], env).catch(async (error: unknown) => {
        options.log(
          `kafka: broker ${n} not back yet (${String(error).split('\n')[1] ?? error}); waiting once more`,
        );
        await kafkaSh(['cluster', 'restart', String(n)], env);
      });
    },
    leaderOf: async (topic, partition) => {
      const a = adminClient().kafka.admin();
      await a.connect();
      try {
        const meta = await a.fetchTopicMetadata({ topics: [topic] });
        const p = meta.topics[0]?.partitions.find((x) => x.partitionId === partition);
        if (!p) throw new Error(`no partition ${topic}:${partition}`);
        return p.leader;
      } finally {
        await a.disconnect();
      }
    },
    destroy: async () => {
      await kafkaSh(['cluster', 'stop'], { ...shEnv, KAFKA_STOP_TIMEOUT_S: '20' }).catch(async () => {
        for (const n of ['1', '2', '3', 'controller'])
          await kafkaSh(['cluster', 'kill', n], shEnv).catch(() => undefined);
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A base port B with B, B+1, B+2 (brokers) and B+10 (controller) free, below the ephemeral range
 * (32768-60999 on Linux), where outgoing connections cannot take them between the check and
 * the brokers' bind.
 */
async function freeRange(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    const ok = await Promise.all([base, base + 1, base + 2, base + 10].map(portFree));
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free port range for the cluster');
}

async function portFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export function clientFor(env: Record<string, string>, clientId: string): KafkaClient {
  const settings = kafkaSettingsFromEnv(kafkaSecurityEnv.parse(env));
  return createKafkaClient({ brokers: parseBrokers(env.KAFKA_BROKERS ?? ''), clientId, ...settings });
}

/** One record of a domain topic as the verifier needs it. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestampMs: number;
  id: string;
  source: string;
  caseId: string;
  type: string;
}

/**
 * Reads every record of the topics from the start to their current end, in a consumer group of
 * its own (deleted offsets do not matter: it starts from the beginning and stops at the end).
 */
export async function readTopics(
  client: KafkaClient,
  topics: string[],
  timeoutMs = 120_000,
): Promise<LogRecord[]> {
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await topicOffsets(client, topic)) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
    }
  }
  const records: LogRecord[] = [];
  if (ends.size === 0) return records;
  const reached = new Set<string>();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = await runConsumer(client, {
    groupId: uniqueName('faults-verify'),
    topics,
    fromBeginning: true,
    partitionsConcurrently: 6,
    handleBatch: async (batch) => {
      const key = `${batch.topic}:${batch.partition}`;
      const end = ends.get(key) ?? 0n;
      for (const r of batch.records) {
        const offset = BigInt(r.offset);
        if (offset >= end) continue;
        const value = JSON.parse(r.value?.toString('utf8') ?? '{}') as {
          id?: string;
          source?: string;
          subject?: string;
          type?: string;
        };
        records.push({
          topic: r.topic,
          partition: r.partition,
          offset,
          timestampMs: r.timestampMs,
          id: value.id ?? r.headers.ce_id ?? '',
          source: value.source ?? r.headers.ce_source ?? '',
          caseId: value.subject ?? r.headers.ce_subject ?? '',
          type: value.type ?? r.headers.ce_type ?? '',
        });
      }
      if (BigInt(batch.lastOffset) + 1n >= end) {
        reached.add(key);
        if (reached.size === ends.size) done();
      }
      return ack();
    },
  });
  try {
    await Promise.race([
      finished,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`reading the topics took over ${timeoutMs / 1000} s`)), timeoutMs),
      ),
    ]);
  } finally {
    await consumer.stop();
  }
  records.sort((a, b) =>
    a.topic === b.topic
      ? a.partition === b.partition
        ? Number(a.offset - b.offset)
        : a.partition - b.partition
      : a.topic < b.topic
        ? -1
        : 1,
  );
  return records;
}
