import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { murmur2, partitionForKey } from './murmur2';

describe('murmur2 partitioning', () => {
  test('matches the Java client (vectors from Kafka UtilsTest)', () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
  });

  test('puts every key in the same partition as kafkajs DefaultPartitioner', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 2_000; i++) {
      const key = i % 2 === 0 ? randomUUID() : randomBytes(i % 23).toString('hex');
      for (const partitions of [1, 3, 6, 7, 12]) {
        const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({
          partitionId: p,
          leader: 1,
          partitionErrorCode: 0,
          replicas: [1],
          isr: [1],
        }));
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: 'x' } });
        expect(partitionForKey(Buffer.from(key), partitions)).toBe(expected);
      }
    }
  });
});
