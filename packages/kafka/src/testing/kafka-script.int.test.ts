import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@ketenhub/testkit';
import { createKafkaClient } from '../client';
import { kafkaSecurityEnv, kafkaSettingsFromEnv } from '../env';
import { createPublisher } from '../publisher';
import { caseEventTopic, ensureTopics, topicOffsets } from '../topics';
import { kafkaSh, kafkaShEnv } from './index';

// Runs a second broker on its own port and data folder: the shared test broker is never touched.
describe('infra/kafka/kafka.sh', () => {
  test('start twice is a no-op, stop is clean, a restart keeps the data', async () => {
    const data = await mkdtemp(join(tmpdir(), 'kh-kafka-'));
    const env = { KAFKA_PORT: '19292', KAFKA_DATA_DIR: data, KAFKA_HEAP: '384m' };
    const client = createKafkaClient({ brokers: ['127.0.0.1:19292'], clientId: 'script-test' });
    try {
      const first = await kafkaSh('start', env);
      expect(first.stdout).toMatch(/ready on 127\.0\.0\.1:19292/);
      const second = await kafkaSh('start', env);
      expect(second.stdout).toMatch(/already running/);

      await ensureTopics(client, [caseEventTopic('kept', 2)]);
      const publisher = await createPublisher(client);
      await publisher.publish(
        Array.from({ length: 10 }, (_, i) => ({ topic: 'kept', key: `k${i}`, value: `v${i}` })),
      );
      await publisher.close();

      const stopped = await kafkaSh('stop', env);
      expect(stopped.stdout).toMatch(/stopped/);
      await expect(kafkaSh('status', env)).rejects.toMatchObject({ code: 1 });

      await kafkaSh('start', env);
      const offsets = await topicOffsets(client, 'kept');
      expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(10);
    } finally {
      await kafkaSh('stop', env).catch(() => undefined);
      await rm(data, { recursive: true, force: true });
    }
  });

  test('KAFKA_SECURITY=sasl: SCRAM clients only, nothing without an ACL, the mode stays with the data', async () => {
    const data = await mkdtemp(join(tmpdir(), 'kh-kafka-sasl-'));
    const env = { KAFKA_PORT: '19392', KAFKA_DATA_DIR: data, KAFKA_HEAP: '384m', KAFKA_SECURITY: 'sasl' };
    const brokers = ['127.0.0.1:19392'];
    const quick = { retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 300 } };
    try {
      expect((await kafkaSh('start', env)).stdout).toMatch(/ready on 127\.0\.0\.1:19392 \(security sasl\)/);
      const vars = await kafkaShEnv(env, { user: 'gateway' });
      expect(vars).toMatchObject({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'gateway' });
      expect(vars.KAFKA_TLS_CA_FILE).toBeUndefined();
      const gateway = createKafkaClient({
        brokers,
        clientId: 'script-test-gateway',
        ...kafkaSettingsFromEnv(kafkaSecurityEnv.parse(vars)),
      });

      // Authenticated (its credential was added when storage was formatted), but without ACLs
      // nobody except the brokers' own principal may do anything.
      await expect(ensureTopics(gateway, [caseEventTopic('wmo', 2)], { timeoutMs: 30_000 })).rejects.toThrow(
        /TOPIC_AUTHORIZATION_FAILED/,
      );
      await kafkaSh(['acl', 'setup'], env);
      await ensureTopics(gateway, [caseEventTopic('wmo', 2)]);
      const publisher = await createPublisher(gateway);
      await expect(
        publisher.publish([{ topic: 'wmo', key: 'case-1', value: 'v' }], { timeoutMs: 30_000 }),
      ).resolves.toHaveLength(1);
      await publisher.close();

      const anonymous = createKafkaClient({ brokers, clientId: 'anonymous', ...quick });
      await expect(topicOffsets(anonymous, 'wmo')).rejects.toThrow();

      await kafkaSh('stop', env);
      await expect(kafkaSh('start', { ...env, KAFKA_SECURITY: 'none' })).rejects.toMatchObject({
        stderr: expect.stringMatching(/formatted with KAFKA_SECURITY=sasl/),
      });
    } finally {
      await kafkaSh('stop', env).catch(() => undefined);
      await rm(data, { recursive: true, force: true });
    }
  });

  test('acl print: the ACLs name the topics and consumer groups the services use, under the topic prefix', async () => {
    const { stdout } = await kafkaSh(['acl', 'print'], { KAFKA_TOPIC_PREFIX: 'acc.' });
    const lines = stdout.split('\n').filter((l) => l.startsWith('allow '));
    for (const expected of [
      'allow User:gateway READ,WRITE,CREATE TOPIC LITERAL acc.wmo',
      'allow User:gateway READ,CREATE TOPIC LITERAL acc.ketenhub.registry.systems',
      'allow User:gateway READ GROUP PREFIXED acc.gateway-',
      'allow User:gateway WRITE,CREATE TOPIC PREFIXED acc.rejects.',
      'allow User:projection READ,WRITE,CREATE TOPIC LITERAL acc.omgevingswet',
      'allow User:projection READ,DELETE GROUP PREFIXED ketenhub-projection-v',
      'allow User:dispatcher READ,CREATE TOPIC LITERAL acc.ketenhub.registry.subscriptions',
      'allow User:dispatcher READ GROUP LITERAL acc.ketenhub-dispatcher',
      'allow User:registry WRITE,CREATE TOPIC LITERAL acc.ketenhub.registry.systems',
      'allow User:registry CREATE,DESCRIBE TOPIC PREFIXED acc.ingress.',
    ]) {
      expect(lines).toContain(expected);
    }
    // Nobody but the brokers is a super user, and no principal may write what the registry owns.
    expect(lines.filter((l) => l.includes('ketenhub.registry.') && l.includes('WRITE'))).toEqual([
      'allow User:registry WRITE,CREATE TOPIC LITERAL acc.ketenhub.registry.systems',
      'allow User:registry WRITE,CREATE TOPIC LITERAL acc.ketenhub.registry.subscriptions',
    ]);
  });
});
