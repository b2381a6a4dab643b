import { describe, expect, test } from '@ketenhub/testkit';
import {
  caseEventTopic,
  createKafkaClient,
  createPublisher,
  ensureTopics,
  type ProducerLibrary,
} from './index';
import { partitionForKey } from './murmur2';
import { produceEncoderStats } from './produce-request';
import { readTopic } from './testing';

const libraries: ProducerLibrary[] = ['kafkajs', 'platformatic'];

describe('publisher on both producer libraries', () => {
  test.for(libraries)(
    '%s: concurrent publish calls keep per-key order, land in the Java partition, keep headers',
    async (library, { kafka, topic, groupId }) => {
      const name = topic(`pub-${library}`);
      await ensureTopics(kafka.client, [caseEventTopic(name, 6)]);
      const client = createKafkaClient({ ...kafka.client.settings, producer: library });
      const publisher = await createPublisher(client);
      const keys = Array.from({ length: 20 }, (_, i) => `ketenzaak-${i}-${library}`);
      const encodedBefore = produceEncoderStats.requests;
      // Ten calls in flight at once: the order of the calls is the order per key.
      await Promise.all(
        Array.from({ length: 10 }, (_, round) =>
          publisher.publish(
            keys.map((key) => ({
              topic: name,
              key,
              value: JSON.stringify({ key, n: round }),
              headers: { ce_id: `${key}-${round}`, 'content-type': 'application/cloudevents+json' },
              timestampMs: 1_700_000_000_000 + round,
            })),
            { timeoutMs: 20_000 },
          ),
        ),
      );
      await publisher.close();
      // platformatic writes with our Produce encoder (produce-request.ts): the broker took its
      // requests (it checks each batch's CRC) and the records below read back as sent.
      if (library === 'platformatic') expect(produceEncoderStats.requests).toBeGreaterThan(encodedBefore);

      const records = await readTopic(kafka.client, name, groupId);
      expect(records).toHaveLength(keys.length * 10);
      const seen = new Map<string, number[]>();
      for (const r of records) {
        const { key, n } = JSON.parse(String(r.value)) as { key: string; n: number };
        expect(r.key).toBe(key);
        expect(r.partition).toBe(partitionForKey(Buffer.from(key), 6));
        expect(r.headers).toEqual({ ce_id: `${key}-${n}`, 'content-type': 'application/cloudevents+json' });
        expect(r.timestampMs).toBe(1_700_000_000_000 + n);
        seen.set(key, [...(seen.get(key) ?? []), n]);
      }
      for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    },
  );

  test.for(libraries)('%s: a publisher refuses work after close', async (library, { kafka }) => {
    const client = createKafkaClient({ ...kafka.client.settings, producer: library });
    const publisher = await createPublisher(client);
    await publisher.close();
    await expect(publisher.publish([{ topic: 'x', key: 'k', value: 'v' }])).rejects.toThrow(/closed/);
  });
});
