import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KafkaClient } from '../client';
import { ack, type ConsumedRecord, runConsumer } from '../consumer';
import type { OutgoingRecord } from '../publisher';
import { topicOffsets } from '../topics';

const run = promisify(execFile);

/** Where the brokers for a test run come from, in order of preference. */
export type KafkaSource = 'env' | 'testcontainers' | 'local';

export interface ProvisionedKafka {
  brokers: string;
  source: KafkaSource;
  stop(): Promise<void>;
}

/** The repo's own broker script (infra/kafka/kafka.sh). */
export const kafkaScript = fileURLToPath(new URL('../../../../infra/kafka/kafka.sh', import.meta.url));

/**
 * Runs the repo's kafka.sh with extra environment (port, data dir, security); used by tests of the
 * script itself and of the cluster. `command` is one word (`start`) or the words after the script
 * name (`['cluster', 'kill', '2']`).
 */
export async function kafkaSh(command: string | readonly string[], env: Record<string, string> = {}) {
  const args = typeof command === 'string' ? [command] : [...command];
  return run('bash', [kafkaScript, ...args], {
    env: { ...process.env, ...env },
    timeout: 300_000,
    maxBuffer: 4 * 1024 * 1024,
  });
}

/**
 * What `kafka.sh [cluster] env USER` prints, parsed: the KAFKA_* variables a service of that
 * deployment is started with (brokers, replication, SASL credentials of USER, the CA file).
 */
export async function kafkaShEnv(
  env: Record<string, string>,
  options: { cluster?: boolean; user?: string } = {},
): Promise<Record<string, string>> {
  const words = [...(options.cluster ? ['cluster'] : []), 'env', ...(options.user ? [options.user] : [])];
  const { stdout } = await kafkaSh(words, env);
  const vars: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return vars;
}

/**
 * Gives the test run a real broker:
 * 1. `KAFKA_BROKERS` when set (CI with its own cluster, a developer's broker);
 * 2. else a Testcontainers Kafka when a Docker engine answers;
 * 3. else the repo's own KRaft broker from infra/kafka (started if it is not running; left
 *    running afterwards, because starting a JVM broker costs ~10 s and the data is per-test
 *    isolated by topic prefixes anyway).
 */
export async function provisionKafka(): Promise<ProvisionedKafka> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) return { brokers: fromEnv, source: 'env', stop: async () => undefined };
  const docker = await tryTestcontainers();
  if (docker) return docker;
  await kafkaSh('start');
  return {
    brokers: `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`,
    source: 'local',
    stop: async () => undefined,
  };
}

async function tryTestcontainers(): Promise<ProvisionedKafka | undefined> {
  if (process.env.KETENHUB_TESTCONTAINERS === 'off') return undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch {
    // "Could not find a working container runtime strategy": no Docker here, use the local broker.
    return undefined;
  }
  const { KafkaContainer } = await import('@testcontainers/kafka');
  // @testcontainers/kafka 11 drives Confluent's image (KRaft from tag 8, which is Apache Kafka 4.x);
  // it cannot configure the apache/kafka image's listeners.
  const container = await new KafkaContainer('confluentinc/cp-kafka:8.1.0').start();
  return {
    brokers: `${container.getHost()}:${container.getMappedPort(9093)}`,
    source: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

/** A name no other test uses: topic prefixes, group ids. Lowercase, Kafka-legal. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Runs one of Kafka's own tools (from the repo's broker jars) and returns its last output line. */
async function kafkaTool(mainClass: string, args: string[]): Promise<string> {
  const lib = fileURLToPath(new URL('../../../../infra/kafka/lib/', import.meta.url));
  const log4j = fileURLToPath(new URL('../../../../infra/kafka/log4j2-tools.properties', import.meta.url));
  const { stdout } = await run(
    'java',
    ['-Xmx512m', '-cp', `${lib}*`, `-Dlog4j2.configurationFile=${log4j}`, mainClass, ...args],
    { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
  );
  return stdout.trim().split('\n').at(-1) ?? '';
}

/**
 * Kafka's own `ProducerPerformance`: the baseline the benchmarks print their ratios against. Sends
 * `records` records of `recordSize` bytes as fast as it can, acks=all.
 */
export async function producerPerformance(options: {
  brokers: readonly string[];
  topic: string;
  records: number;
  recordSize?: number;
}): Promise<{ recordsPerSecond: number; line: string }> {
  const line = await kafkaTool('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    options.topic,
    '--num-records',
    String(options.records),
    '--record-size',
    String(options.recordSize ?? 1024),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${options.brokers.join(',')}`,
    'acks=all',
  ]);
  const m = /([\d.]+) records\/sec/.exec(line);
  return { recordsPerSecond: m ? Number(m[1]) : Number.NaN, line };
}

/**
 * Kafka's own `ConsumerPerformance`: reads `records` records of `topic` from the start in a fresh
 * group. Records/s as its fetch.nMsg.sec (the last column): without the time of the group join.
 */
export async function consumerPerformance(options: {
  brokers: readonly string[];
  topic: string;
  records: number;
}): Promise<{ recordsPerSecond: number; line: string }> {
  const line = await kafkaTool('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    options.brokers.join(','),
    '--topic',
    options.topic,
    '--messages',
    String(options.records),
    '--group',
    uniqueName('bench-consumer-java'),
    '--timeout',
    '60000',
  ]);
  return { recordsPerSecond: Number(line.split(',').at(-1)), line };
}

/**
 * Records like the gateway writes, for benchmarks: 600 chain cases as keys, a 1 KiB value,
 * structured-mode CloudEvents headers.
 */
export function gatewayLikeRecords(topic: string, n: number): OutgoingRecord[] {
  const cases = Array.from({ length: 600 }, () => randomUUID());
  const value = Buffer.alloc(1024, 'x');
  return Array.from({ length: n }, (_, i) => ({
    topic,
    key: cases[i % cases.length] ?? '',
    value,
    headers: {
      'content-type': 'application/cloudevents+json',
      ce_specversion: '1.0',
      ce_id: randomUUID(),
      ce_source: 'urn:nld:oin:00000001234567890000:systeem:bench',
      ce_type: 'nl.wmo.beschikkingstermijn-verlengd',
    },
  }));
}

export { type BenchFigure, type BenchReport, reportBench } from './bench-report';

/**
 * Every record of `topic` up to the end offsets seen now, read with a group of its own: what a
 * service's consumer would read, without starting the service (at most 30 s).
 */
export async function readTopic(
  kafka: KafkaClient,
  topic: string,
  groupId: string,
): Promise<ConsumedRecord[]> {
  const offsets = await topicOffsets(kafka, topic);
  const total = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  if (total === 0) return [];
  const records: ConsumedRecord[] = [];
  const consumer = await runConsumer(kafka, {
    groupId,
    topics: [topic],
    handleBatch: async (batch) => {
      records.push(...batch.records);
      return ack();
    },
  });
  const deadline = Date.now() + 30_000;
  while (records.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await consumer.stop();
  return records;
}
