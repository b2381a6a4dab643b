import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A leaner record decoder for kafkajs, put in place before kafkajs loads.
 *
 * Why: kafkajs 2.2.4 (its last release; the adapter pins it) builds each record's headers with an
 * object spread per header, so a record with six headers makes six ever larger objects, and it
 * adds offsets and timestamps with a Long object per step. During the projection's catch-up that
 * decoder was the consumer thread's largest single function after garbage collection. This one
 * reads the same wire format (record v0 inside a record batch, KIP-98) and returns the same shape:
 * the same fields, offsets and timestamps as decimal strings, header values as Buffers, a repeated
 * header name as an array of its values. A unit test decodes records with both and compares.
 *
 * How: kafkajs' record-batch decoder takes the record decoder with `require` when it loads, so the
 * replacement is registered in the CommonJS module cache under the original's file name first.
 * Every file of this package that imports kafkajs imports this module before it.
 */

interface KafkajsDecoder {
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): { toString(): string; toNumber(): number };
  readVarIntBytes(): Buffer | null;
  readVarIntString(): string | null;
}

interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  magicByte: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: string;
}

const LOG_APPEND_TIME = 1;

/** `base + delta` on int64 decimal strings; plain numbers while the result stays exact. */
function addInt64(base: string, delta: number | { toString(): string }): string {
  if (typeof delta === 'number' && base.length < 16 && Math.abs(delta) < 2 ** 31) {
    return String(Number(base) + delta);
  }
  return (BigInt(base) + BigInt(delta.toString())).toString();
}

export function decodeRecord(decoder: KafkajsDecoder, batchContext: BatchContext) {
  const {
    firstOffset,
    firstTimestamp,
    magicByte,
    isControlBatch = false,
    timestampType,
    maxTimestamp,
  } = batchContext;
  const attributes = decoder.readInt8();
  const timestampDelta = decoder.readVarLong();
  const delta = timestampDelta.toNumber();
  const timestamp =
    timestampType === LOG_APPEND_TIME && maxTimestamp
      ? maxTimestamp
      : addInt64(firstTimestamp, Number.isSafeInteger(delta) ? delta : timestampDelta);
  const offset = addInt64(firstOffset, decoder.readVarInt());
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const headers: Record<string, Buffer | null | (Buffer | null)[]> = {};
  const count = decoder.readVarInt();
  for (let i = 0; i < count; i++) {
    const name = String(decoder.readVarIntString());
    const headerValue = decoder.readVarIntBytes();
    const before = headers[name];
    if (before === undefined) headers[name] = headerValue;
    else if (Array.isArray(before)) before.push(headerValue);
    else headers[name] = [before, headerValue];
  }
  return {
    magicByte,
    attributes,
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: isControlBatch,
    batchContext,
  };
}

const require = createRequire(import.meta.url);
/** The file kafkajs' record-batch decoder requires. */
export const originalDecoderFile = join(
  dirname(require.resolve('kafkajs')),
  'src/protocol/recordBatch/record/v0/decoder.js',
);

const cache = require.cache as Record<string, unknown>;
if (cache[originalDecoderFile] === undefined) {
  const replacement = new Module(originalDecoderFile);
  replacement.filename = originalDecoderFile;
  replacement.exports = decodeRecord;
  replacement.loaded = true;
  cache[originalDecoderFile] = replacement;
}
