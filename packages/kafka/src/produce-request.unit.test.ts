import { createRequire } from 'node:module';
import { seededRandom as random } from '@ketenhub/testkit/random';
import { produceV11 } from '@platformatic/kafka';
import { describe, expect, test } from 'vitest';
import { originalDecoderFile } from './kafkajs-records';
import {
  coversRequest,
  createProduceRequest,
  type ProduceMessage,
  type ProduceRequestOptions,
} from './produce-request';

function bytes(next: () => number, max: number): Buffer {
  const length = Math.floor(next() * max);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

function messages(next: () => number, count: number): ProduceMessage[] {
  const topics = ['acc.wmo', 'acc.omgevingswet', '123', 'ketenhub.é'];
  const base = 1_764_370_000_000n;
  return Array.from({ length: count }, () => {
    const headers = new Map<Buffer, Buffer | null>();
    const headerCount = Math.floor(next() * 7);
    for (let h = 0; h < headerCount; h++) {
      headers.set(Buffer.from(`ce_${h}-ß`), next() < 0.1 ? null : bytes(next, 300));
    }
    const roll = next();
    return {
      topic: topics[Math.floor(next() * topics.length)]!,
      partition: Math.floor(next() * 7),
      key: roll < 0.1 ? null : roll < 0.2 ? Buffer.alloc(0) : bytes(next, 60),
      // Values of up to 20 KB, so record lengths need 1 to 3 varint bytes.
      value: roll > 0.95 ? null : bytes(next, next() < 0.1 ? 20_000 : 1_200),
      ...(next() < 0.2 ? {} : { headers }),
      // Out of order, before and after the first: negative and positive deltas.
      timestamp: base + BigInt(Math.floor((next() - 0.5) * 5_000_000)),
    };
  });
}

/** Deep copies: both encoders normalise the messages they are given. */
const copy = (list: ProduceMessage[]): ProduceMessage[] =>
  list.map((m) => ({ ...m, ...(m.headers ? { headers: new Map(m.headers) } : {}) }));

function sequences(next: () => number) {
  const known = new Map<string, number>();
  return {
    getWithDefault(key: string, fallback: number) {
      if (!known.has(key)) known.set(key, next() < 0.3 ? fallback : Math.floor(next() * 2 ** 31));
      return known.get(key)!;
    },
  };
}

const library = (acks: number, timeout: number, list: ProduceMessage[], options: ProduceRequestOptions) =>
  produceV11.createRequest(
    acks,
    timeout,
    copy(list) as Parameters<typeof produceV11.createRequest>[2],
    options as Parameters<typeof produceV11.createRequest>[3],
  ).buffer;

describe('lean Produce v11 encoder', () => {
  test('writes the same bytes as the library for 300 random requests', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const list = messages(next, 1 + Math.floor(next() * (seed % 10 === 0 ? 400 : 40)));
      const seqs = sequences(next);
      const options: ProduceRequestOptions = {
        compression: 'none',
        producerId: BigInt(Math.floor(next() * 2 ** 40)),
        producerEpoch: Math.floor(next() * 30_000),
        sequences: seqs,
      };
      const acks = seed % 3 === 0 ? 1 : -1;
      const expected = library(acks, 30_000, list, options);
      const actual = createProduceRequest(acks, 30_000, copy(list), options).buffer;
      expect(actual.length, `seed ${seed}`).toBe(expected.length);
      expect(actual.equals(expected), `seed ${seed}`).toBe(true);
    }
  }, 30_000); // CPU-bound: 1.8 s on an idle machine, up to 10 s on a loaded CI machine

  test('fills in partition 0 and the current time like the library', () => {
    const earlier = BigInt(Date.now()) - 1_000n;
    const list: ProduceMessage[] = [
      { topic: 'acc.wmo', key: Buffer.from('k'), value: Buffer.from('v') },
      { topic: 'acc.wmo', key: Buffer.from('k2'), value: Buffer.from('v2'), timestamp: earlier },
    ];
    const ours = copy(list);
    const before = BigInt(Date.now());
    createProduceRequest(-1, 1_000, ours);
    expect(ours[0]!.partition).toBe(0);
    expect(ours[0]!.timestamp! >= before).toBe(true);
    expect(ours[1]!.timestamp).toBe(earlier);
    // Same bytes when the library sees the same, now filled in, messages.
    expect(createProduceRequest(-1, 1_000, copy(ours)).buffer.equals(library(-1, 1_000, ours, {}))).toBe(
      true,
    );
  });

  test('kafkajs decodes the batch: records, offsets, headers, and time deltas beyond 32 bits', async () => {
    // The library's zigzag for 64-bit varints shifts the sign by 31 bits instead of 63, so it
    // writes a delta below -2^31 ms (a record 25 days older than the batch's first) as a positive
    // one; this encoder writes it as it is. Everything else is byte-equal (the test above).
    const first = 1_764_370_000_000n;
    const list: ProduceMessage[] = [
      {
        topic: 'acc.wmo',
        partition: 3,
        key: Buffer.from('case-1'),
        value: Buffer.from('{"a":1}'),
        timestamp: first,
      },
      {
        topic: 'acc.wmo',
        partition: 3,
        key: null,
        value: Buffer.from('é'.repeat(100)),
        headers: new Map([[Buffer.from('ce_id'), Buffer.from('x')]]),
        timestamp: 5n,
      },
      {
        topic: 'acc.wmo',
        partition: 3,
        key: Buffer.alloc(0),
        value: null,
        timestamp: first + 3_000_000_000n,
      },
    ];
    // A partition past 2^31 - 1 records: its sequence wraps to 5, as the Java client's does.
    const request = createProduceRequest(-1, 1_000, copy(list), {
      producerId: 9n,
      producerEpoch: 2,
      sequences: { getWithDefault: () => 2 ** 31 + 5 },
    }).buffer;
    let at = 7; // null transactional id, acks, timeout
    const uvarint = () => {
      let value = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = request[at++]!;
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
      }
    };
    expect(uvarint()).toBe(2); // one topic
    const nameLength = uvarint() - 1;
    expect(request.toString('utf8', at, at + nameLength)).toBe('acc.wmo');
    at += nameLength;
    expect(uvarint()).toBe(2); // one partition
    expect(request.readInt32BE(at)).toBe(3);
    at += 4;
    const size = uvarint() - 1;
    const require = createRequire(originalDecoderFile);
    const Decoder = require('../../../decoder') as new (b: Buffer) => unknown;
    const decodeBatch = require('../../v0/decoder') as (d: unknown) => Promise<{
      producerId: string;
      producerEpoch: number;
      firstSequence: number;
      records: {
        key: Buffer | null;
        value: Buffer | null;
        offset: string;
        timestamp: string;
        headers: object;
      }[];
    }>;
    const batch = await decodeBatch(new Decoder(request.subarray(at, at + size)));
    expect(batch.producerId).toBe('9');
    expect(batch.producerEpoch).toBe(2);
    expect(batch.firstSequence).toBe(5);
    expect(
      batch.records.map((r) => [
        r.offset,
        r.timestamp,
        r.key?.toString() ?? null,
        r.value?.toString() ?? null,
      ]),
    ).toEqual([
      ['0', String(first), 'case-1', '{"a":1}'],
      ['1', '5', null, 'é'.repeat(100)],
      ['2', String(first + 3_000_000_000n), '', null],
    ]);
    expect(batch.records[1]!.headers).toEqual({ ce_id: Buffer.from('x') });
  });

  test('marks acks=0 requests as expecting no response, like the library', () => {
    const list: ProduceMessage[] = [{ topic: 't', partition: 0, value: Buffer.from('x'), timestamp: 1n }];
    expect(createProduceRequest(0, 1_000, copy(list)).context.noResponse).toBe(true);
    expect(createProduceRequest(-1, 1_000, copy(list)).context.noResponse).toBeUndefined();
  });

  test('leaves compressed and transactional requests to the library encoder', () => {
    expect(coversRequest({ compression: 'gzip' })).toBe(false);
    expect(coversRequest({ transactionalId: 'tx' })).toBe(false);
    expect(coversRequest({ transactionalId: '' })).toBe(true);
    expect(coversRequest({ compression: 'none' })).toBe(true);
    const next = random(7);
    const list = messages(next, 20);
    const options: ProduceRequestOptions = { compression: 'gzip', producerId: 1n, producerEpoch: 0 };
    const ours = createProduceRequest(-1, 1_000, copy(list), options).buffer;
    // gzip output is deterministic for the same input and level: same bytes means the same path.
    expect(ours.equals(library(-1, 1_000, list, options))).toBe(true);
  });
});
