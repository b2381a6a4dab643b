import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  decodeAllRecords,
  decodeOnlyRecordsWith,
  decodeRecord,
  decoderStats,
  originalDecoderFile,
  SKIPPED_HEADERS,
} from './kafkajs-records';

const require = createRequire(originalDecoderFile);
const Decoder = require('../../../decoder') as new (b: Buffer) => unknown;
const Record = require('./index') as (r: object) => { buffer: Buffer };

/** kafkajs' own record decoder, compiled from its file (the module cache holds the replacement). */
function originalDecoder(): (decoder: unknown, context: object) => unknown {
  const m = new Module(originalDecoderFile) as Module & { _compile(src: string, file: string): void };
  m.filename = originalDecoderFile;
  m.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(
    dirname(originalDecoderFile),
  );
  m._compile(readFileSync(originalDecoderFile, 'utf8'), originalDecoderFile);
  return m.exports as (decoder: unknown, context: object) => unknown;
}

/** Encodes a record with kafkajs' encoder and decodes it as the record-batch decoder does. */
function both(record: object, context: object) {
  const encoded = Record(record).buffer;
  const body = () => {
    const d = new Decoder(encoded) as { readVarIntBytes(): Buffer };
    return new Decoder(d.readVarIntBytes());
  };
  return {
    ours: decodeRecord(body() as never, context as never),
    theirs: originalDecoder()(body(), context),
  };
}

describe('replacement kafkajs record decoder', () => {
  const context = { firstOffset: '41', firstTimestamp: '1767225600000', magicByte: 2, timestampType: 0 };

  test("is the one kafkajs' record-batch decoder uses", async () => {
    expect(require(originalDecoderFile)).toBe(decodeRecord);
    const { RecordBatch } = require('../../v0/index') as {
      RecordBatch: (b: object) => Promise<{ buffer: Buffer }>;
    };
    const decodeBatch = require('../../v0/decoder') as (
      d: unknown,
    ) => Promise<{ records: { offset: string }[] }>;
    const batch = await RecordBatch({
      firstTimestamp: 1767225600000,
      maxTimestamp: 1767225600000,
      records: [0, 1, 2].map((i) =>
        Record({ offsetDelta: i, timestampDelta: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }),
      ),
    });
    const before = decoderStats.records;
    const decoded = await decodeBatch(new Decoder(batch.buffer));
    expect(decoded.records.map((r) => r.offset)).toEqual(['0', '1', '2']);
    expect(decoderStats.records - before).toBe(3);
  });

  test('decodes like kafkajs: key, value, offsets, timestamps, headers', () => {
    const { ours, theirs } = both(
      {
        offsetDelta: 7,
        timestampDelta: 1234,
        key: Buffer.from('case-1'),
        value: Buffer.from('{"a":1}'),
        headers: { 'content-type': 'application/cloudevents+json', ce_id: 'x', ce_source: 'urn:s' },
      },
      context,
    );
    expect(ours).toEqual(theirs);
    expect(ours).toMatchObject({ offset: '48', timestamp: '1767225601234' });
  });

  test('repeated header names become arrays; null key and value stay null; __proto__ is an own header', () => {
    const { ours, theirs } = both(
      { offsetDelta: 0, key: null, value: null, headers: { h: ['1', '2', '3'], g: 'x' } },
      context,
    );
    expect(ours).toEqual(theirs);
    const headers = JSON.parse('{"__proto__":"evil","content-type":"x"}') as Record<string, string>;
    const proto = both({ offsetDelta: 0, key: null, value: null, headers }, context);
    expect(Object.keys(proto.ours.headers)).toEqual(
      Object.keys((proto.theirs as { headers: object }).headers),
    );
    expect(Object.getPrototypeOf(proto.ours.headers)).toBe(Object.prototype);
    const control = both({ offsetDelta: 0, key: null, value: null }, { ...context, isControlBatch: true });
    expect(control.ours).toEqual(control.theirs);
    expect((ours.headers.h as Buffer[]).map(String)).toEqual(['1', '2', '3']);
  });

  test('offsets past 2^53 and log-append time are exact', () => {
    const big = {
      ...context,
      firstOffset: '9007199254740990',
      timestampType: 1,
      maxTimestamp: '1767225699999',
    };
    const { ours, theirs } = both({ offsetDelta: 5, timestampDelta: -3, key: null, value: null }, big);
    expect(ours).toEqual(theirs);
    expect(ours.offset).toBe('9007199254740995');
    expect(ours.timestamp).toBe('1767225699999');
    const negative = both({ offsetDelta: 0, timestampDelta: -3, key: null, value: null }, context);
    expect(negative.ours).toEqual(negative.theirs);
  });

  describe('decoding only records with a header value', () => {
    const wanted = ['nl.ketens.ketenzaak-geopend', 'nl.ketens.deelnemer-aangesloten'];
    const record = (headers: Record<string, string | string[]>) => ({
      offsetDelta: 3,
      timestampDelta: 20,
      key: Buffer.from('case-1'),
      value: Buffer.from('{"big":"'.padEnd(900, 'x').concat('"}')),
      headers,
    });

    test('a record with a wanted value, wherever the header is, decodes in full as before', () => {
      decodeOnlyRecordsWith('ce_type', wanted);
      try {
        for (const headers of <Record<string, string | string[]>[]>[
          { ce_type: wanted[0]!, ce_id: 'a' },
          { 'content-type': 'x', ce_id: 'a', ce_type: wanted[1]! },
          { ce_type: ['nl.wmo.melding-ontvangen', wanted[0]!] },
        ]) {
          const { ours, theirs } = both(record(headers), context);
          expect(ours).toEqual(theirs);
        }
      } finally {
        decodeAllRecords();
      }
    });

    test('any other record comes back with its offset and timestamp only', () => {
      decodeOnlyRecordsWith('ce_type', wanted);
      try {
        const before = decoderStats.skipped;
        for (const headers of <Record<string, string | string[]>[]>[
          {},
          { ce_type: 'nl.wmo.melding-ontvangen' },
          { ce_type: 'nl.ketens.ketenzaak-geopend.v2' }, // a longer value that starts like a wanted one
          { ce_type: 'nl.ketens.ketenzaak-geopen' }, // a prefix of one
          { ce_typ: wanted[0]! }, // the value under another name
          { ce_type_x: wanted[0]! },
        ]) {
          const { ours, theirs } = both(record(headers), context);
          expect(ours.headers).toBe(SKIPPED_HEADERS);
          expect(ours).toMatchObject({
            key: null,
            value: null,
            offset: (theirs as { offset: string }).offset,
            timestamp: (theirs as { timestamp: string }).timestamp,
          });
        }
        expect(decoderStats.skipped - before).toBe(6);
        // Null key and value (length -1) are stepped over like any others.
        const bare = { offsetDelta: 1, key: null, value: null };
        const kept = both({ ...bare, headers: { ce_type: wanted[0]! } }, context);
        expect(kept.ours).toEqual(kept.theirs);
        const skipped = both({ ...bare, headers: { ce_type: 'nl.wmo.melding-ontvangen' } }, context);
        expect(skipped.ours.headers).toBe(SKIPPED_HEADERS);
        expect(skipped.ours.offset).toBe((skipped.theirs as { offset: string }).offset);
        // Control records are never skipped: kafkajs needs them as they are.
        const control = both(record({}), { ...context, isControlBatch: true });
        expect(control.ours).toEqual(control.theirs);
      } finally {
        decodeAllRecords();
      }
      // Off again: every record decodes in full.
      const { ours, theirs } = both(record({ ce_type: 'nl.wmo.melding-ontvangen' }), context);
      expect(ours).toEqual(theirs);
    });
  });
});
