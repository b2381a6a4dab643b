import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@ketenhub/testkit';
import { createKafkaClient } from '../client';
import { createPublisher } from '../publisher';
import { caseEventTopic, ensureTopics, topicOffsets } from '../topics';
import { kafkaSh } from './index';

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
});
