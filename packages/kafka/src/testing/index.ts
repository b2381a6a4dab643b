import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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

/** Runs the repo's kafka.sh with extra environment (port, data dir); used by tests of the script itself. */
export async function kafkaSh(
  command: 'start' | 'stop' | 'status' | 'fetch',
  env: Record<string, string> = {},
) {
  return run('bash', [kafkaScript, command], { env: { ...process.env, ...env }, timeout: 240_000 });
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
