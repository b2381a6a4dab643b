import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKafkaClient, type KafkaClient, type KafkaSettings, parseBrokers } from './client';
import { ack, runConsumer } from './consumer';
import { kafkaSecurityEnv, kafkaSettingsFromEnv } from './env';
import { isKafkaAccessDenied, kafkaErrorCode } from './errors';
import { createPublisher, type OutgoingRecord, type Publisher, PublishRefusedError } from './publisher';
import { kafkaSh, kafkaShEnv } from './testing';
import { caseEventTopic, ensureTopics, topicOffsets } from './topics';

/**
 * The three-broker cluster of kafka.sh, secured as a municipality would run it (SASL/SCRAM-SHA-512
 * over TLS with the generated CA, ACLs per principal), on its own ports and folder; the shared
 * test broker is never touched. One cluster for the whole file: starting four JVMs is the
 * expensive part, so the tests run in order on it and the fault test comes last.
 */
const PORT = 19692;
// This file's topics and groups: the ACLs `acl setup` writes are for exactly these names.
const prefix = `c${randomBytes(3).toString('hex')}.`;
const libraries = ['platformatic', 'kafkajs'] as const;

let dir = '';
let env: Record<string, string> = {};
let systemPassword = '';

/** A client of the cluster as `user`, with the settings `kafka.sh cluster env` hands a service. */
async function clientAs(user: string, extra: Partial<KafkaSettings> = {}): Promise<KafkaClient> {
  const vars = await kafkaShEnv(env, { cluster: true, user });
  return createKafkaClient({
    brokers: parseBrokers(vars.KAFKA_BROKERS ?? ''),
    clientId: `cluster-test-${user}`,
    ...kafkaSettingsFromEnv(kafkaSecurityEnv.parse(vars)),
    ...extra,
  });
}

const brokers = () => [PORT, PORT + 1, PORT + 2].map((p) => `127.0.0.1:${p}`);
const caFile = () => join(dir, 'tls', 'ca.crt');
const quick = { retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 300 } };

/** Settles with the consumer's fate: joined its group, or the error that ended it. */
async function tryToConsume(client: KafkaClient, groupId: string, topic: string): Promise<'joined' | Error> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: 'joined' | Error) => {
      if (!settled) resolve(outcome);
      settled = true;
    };
    runConsumer(client, { groupId, topics: [topic], handleBatch: async () => ack(), onStop: settle }).then(
      async (consumer) => {
        const deadline = Date.now() + 60_000;
        while (!consumer.isReady() && !settled && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        const joined = consumer.isReady();
        await consumer.stop().catch(() => undefined);
        settle(joined ? 'joined' : new Error('consumer neither joined nor failed'));
      },
      (error: Error) => settle(error),
    );
  });
}

describe('three-broker cluster, SASL/SCRAM over TLS with ACLs (kafka.sh cluster)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kh-cluster-'));
    env = {
      KAFKA_CLUSTER_DIR: dir,
      KAFKA_CLUSTER_PORT: String(PORT),
      KAFKA_SECURITY: 'sasl_ssl',
      KAFKA_TOPIC_PREFIX: prefix,
    };
    const started = await kafkaSh(['cluster', 'start'], env);
    expect(started.stdout).toContain(`cluster ready on ${brokers().join(',')}`);
    await kafkaSh(['cluster', 'acl', 'setup'], env);
    const system = await kafkaSh(['cluster', 'acl', 'system', 'sys-a'], env);
    systemPassword = /^KAFKA_SASL_PASSWORD=(.+)$/m.exec(system.stdout)?.[1] ?? '';
    expect(systemPassword).toMatch(/^[0-9a-f]{40}$/);
  }, 400_000);

  afterAll(async () => {
    if (dir) {
      await kafkaSh(['cluster', 'stop'], env).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('three brokers and a controller run; the hub creates topics with 3 replicas and min.insync.replicas 2', async () => {
    const status = await kafkaSh(['cluster', 'status'], env);
    expect(status.stdout.match(/running \(pid/g)).toHaveLength(4);

    const gateway = await clientAs('gateway');
    expect(gateway.settings).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
    await ensureTopics(gateway, [caseEventTopic(`${prefix}wmo`, 3)]);

    const admin = (await clientAs('admin')).kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [`${prefix}wmo`] });
      expect(topics[0]?.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
      const configs = await admin.describeConfigs({
        resources: [{ type: 2, name: `${prefix}wmo`, configNames: ['min.insync.replicas', 'retention.ms'] }],
        includeSynonyms: false,
      });
      const entries = Object.fromEntries(
        configs.resources[0]?.configEntries.map((c) => [c.configName, c.configValue]) ?? [],
      );
      expect(entries).toEqual({ 'min.insync.replicas': '2', 'retention.ms': '-1' });
    } finally {
      await admin.disconnect();
    }
  }, 120_000);

  test('a client without credentials, or with a wrong password, is refused (both libraries)', async () => {
    const tls = { caFile: caFile() };
    const anonymous = createKafkaClient({ brokers: brokers(), clientId: 'anonymous', tls, ...quick });
    await expect(topicOffsets(anonymous, `${prefix}wmo`)).rejects.toThrow();
    await expect(createPublisher(anonymous)).rejects.toThrow();

    for (const producer of libraries) {
      const wrong = createKafkaClient({
        brokers: brokers(),
        clientId: 'wrong-password',
        tls,
        sasl: { mechanism: 'scram-sha-512', username: 'gateway', password: 'not-the-password' },
        producer,
        ...quick,
      });
      const refused = await createPublisher(wrong).then(
        async (p) => {
          await p.close();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(kafkaErrorCode(refused), producer).toBe('SASL_AUTHENTICATION_FAILED');
      expect(isKafkaAccessDenied(refused)).toBe(true);
    }
  }, 120_000);

  test('a Kafka-native system writes only its ingress topic and reads only its rejects topic; the gateway reads what it wrote', async () => {
    const registry = await clientAs('registry');
    await ensureTopics(registry, [
      { name: `${prefix}ingress.sys-a`, partitions: 2 },
      { name: `${prefix}rejects.sys-a`, partitions: 1 },
      { name: `${prefix}rejects.sys-b`, partitions: 1 },
    ]);
    const system = (producer?: (typeof libraries)[number]) =>
      createKafkaClient({
        brokers: brokers(),
        clientId: 'sys-a',
        tls: { caFile: caFile() },
        sasl: { mechanism: 'scram-sha-512', username: 'system-sys-a', password: systemPassword },
        ...(producer ? { producer } : {}),
        ...quick,
      });

    for (const producer of libraries) {
      const publisher = await createPublisher(system(producer));
      try {
        const ingress = { topic: `${prefix}ingress.sys-a`, key: 'case-1', value: `from ${producer}` };
        await expect(publisher.publish([ingress], { timeoutMs: 30_000 })).resolves.toHaveLength(1);
        const denied = await publisher
          .publish([{ topic: `${prefix}wmo`, key: 'case-1', value: 'forged' }], { timeoutMs: 30_000 })
          .catch((error: unknown) => error);
        expect(kafkaErrorCode(denied), producer).toBe('TOPIC_AUTHORIZATION_FAILED');
      } finally {
        await publisher.close();
      }
    }

    expect(await tryToConsume(system(), `${prefix}system-sys-a`, `${prefix}rejects.sys-a`)).toBe('joined');
    const other = await tryToConsume(system(), `${prefix}system-sys-a`, `${prefix}rejects.sys-b`);
    expect(kafkaErrorCode(other)).toBe('TOPIC_AUTHORIZATION_FAILED');

    // The hub's side of the ingress: the gateway reads it with its own group, over SCRAM and TLS.
    const gateway = await clientAs('gateway');
    const values: string[] = [];
    const consumer = await runConsumer(gateway, {
      groupId: `${prefix}gateway-ingress.sys-a`,
      topics: [`${prefix}ingress.sys-a`],
      handleBatch: async (batch) => {
        for (const r of batch.records) values.push(r.value?.toString() ?? '');
        return ack();
      },
    });
    try {
      const deadline = Date.now() + 60_000;
      while (values.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(values.sort()).toEqual(['from kafkajs', 'from platformatic']);
    } finally {
      await consumer.stop();
    }

    // A hub principal has only what its service needs: the dispatcher reads the domain topics and may
    // write nowhere, so Kafka does not even give it a producer id.
    const denied = await createPublisher(await clientAs('dispatcher')).catch((error: unknown) => error);
    expect(kafkaErrorCode(denied)).toBe('CLUSTER_AUTHORIZATION_FAILED');
  }, 240_000);

  test('acks=all writes go on with one broker killed, are refused (NOT_ENOUGH_REPLICAS) with two, and land exactly once after the restart', async () => {
    const topic = `${prefix}omgevingswet`;
    const gateway = await clientAs('gateway');
    await ensureTopics(gateway, [caseEventTopic(topic, 3)]);
    const publishers = {} as Record<(typeof libraries)[number], Publisher>;
    for (const producer of libraries)
      publishers[producer] = await createPublisher(await clientAs('gateway', { producer }));
    const admin = (await clientAs('admin')).kafka.admin();
    await admin.connect();

    let n = 0;
    // Keys spread over the three partitions, so a publish spans every leader.
    const batch = (producer: string): OutgoingRecord[] =>
      Array.from({ length: 6 }, (_, i) => ({ topic, key: `case-${i}`, value: `${producer}-${n++}` }));
    const sent: string[] = [];
    const publishBoth = (timeoutMs: number) =>
      Promise.all(
        libraries.map((producer) => {
          const records = batch(producer);
          sent.push(...records.map((r) => String(r.value)));
          return publishers[producer].publish(records, { timeoutMs }).then(
            () => 'written' as const,
            (error: unknown) => error,
          );
        }),
      );
    const leaderOf0 = async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader ?? -1;
    };

    try {
      expect(await publishBoth(30_000)).toEqual(['written', 'written']);

      const first = await leaderOf0();
      await kafkaSh(['cluster', 'kill', String(first)], env);
      // The controller moves leadership once the broker's session times out (9 s).
      expect(await publishBoth(60_000)).toEqual(['written', 'written']);

      const second = [1, 2, 3].find((b) => b !== first && b !== -1) ?? 0;
      await kafkaSh(['cluster', 'kill', String(second)], env);
      const refused = await publishBoth(60_000);
      for (const outcome of refused) {
        expect(outcome).toBeInstanceOf(PublishRefusedError);
        expect((outcome as PublishRefusedError).code).toBe('NOT_ENOUGH_REPLICAS');
      }
      for (const producer of libraries)
        expect(publishers[producer].refusal()?.code).toBe('NOT_ENOUGH_REPLICAS');

      await Promise.all([first, second].map((b) => kafkaSh(['cluster', 'restart', String(b)], env)));
      // Without a timeout a publish waits for its write, and writes go out in order: once these
      // resolve, the refused writes before them have landed too.
      await Promise.all(
        libraries.map((producer) => {
          const records = batch(producer);
          sent.push(...records.map((r) => String(r.value)));
          return publishers[producer].publish(records);
        }),
      );
      for (const producer of libraries) expect(publishers[producer].refusal()).toBeUndefined();
    } finally {
      for (const producer of libraries) await publishers[producer].close();
      await admin.disconnect();
    }

    const offsets = await topicOffsets(gateway, topic);
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(sent.length);
    const read: string[] = [];
    const consumer = await runConsumer(gateway, {
      groupId: `${prefix}gateway-verify`,
      topics: [topic],
      handleBatch: async (b) => {
        for (const r of b.records) read.push(r.value?.toString() ?? '');
        return ack();
      },
    });
    try {
      const deadline = Date.now() + 60_000;
      while (read.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await consumer.stop();
    }
    expect(read.sort()).toEqual(sent.sort());
  }, 300_000);
});
