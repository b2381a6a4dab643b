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
 * How: kafkajs' record-batch decoder takes the record decoder with `require` when it loads (on the
 * first fetch), so the replacement is registered in the CommonJS module cache under the original's
 * file name before that. The files of this package that import kafkajs at run time import this
 * module first. It is installed only for kafkajs 2.2.4; a test decodes a record batch through
 * kafkajs' own batch decoder and checks that this decoder did the work.
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

/** Records decoded by this decoder in this process (lets a test see that kafkajs really uses it). */
export const decoderStats = { records: 0 };

export function decodeRecord(decoder: KafkajsDecoder, batchContext: BatchContext) {
  decoderStats.records++;
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
    const before = Object.hasOwn(headers, name) ? headers[name] : undefined;
    const next =
      before === undefined
        ? headerValue
        : Array.isArray(before)
          ? [...before, headerValue]
          : [before, headerValue];
    // defineProperty, not assignment: a header named `__proto__` must become an own property, as in
    // kafkajs (whose spread defines it), and not replace the object's prototype.
    if (name === '__proto__')
      Object.defineProperty(headers, name, {
        value: next,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else headers[name] = next;
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

/** The kafkajs release this decoder was written and tested against (the adapter pins it). */
const KAFKAJS_VERSION = '2.2.4';
const installedVersion = (require('kafkajs/package.json') as { version: string }).version;

const cache = require.cache as Record<string, unknown>;
// Only for the release it was checked against: another kafkajs keeps its own decoder.
if (installedVersion === KAFKAJS_VERSION && cache[originalDecoderFile] === undefined) {
  const replacement = new Module(originalDecoderFile);
  replacement.filename = originalDecoderFile;
  replacement.exports = decodeRecord;
  replacement.loaded = true;
  cache[originalDecoderFile] = replacement;
}
