import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { assertCheckedVersion } from './library-patches';

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
  buffer: Buffer;
  offset: number;
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
export const decoderStats = { records: 0, skipped: 0 };

/** The `headers` of a record the filter skipped: key, value and headers were not decoded. */
export const SKIPPED_HEADERS: Readonly<Record<string, never>> = Object.freeze({});

let filter: { name: Buffer; values: Buffer[] } | undefined;

/**
 * Decode in full only the records whose header `name` has one of `values`; the others come back
 * with their offset and timestamp, `key` and `value` null and {@link SKIPPED_HEADERS}, so a
 * consumer can move past them. Thread-wide: every kafkajs consumer of this thread is affected, so
 * only a thread that runs one such consumer sets it (the gateway's case-book thread, which reads
 * back all traffic to find the few records that open or join a chain case).
 *
 * Why: decoding key, value and six headers of every record, and turning them into strings, was
 * most of that thread's work, and that thread was a sixth of the gateway's CPU under batch load.
 * Skipping reads the lengths and compares bytes; it allocates nothing per record but its offset.
 */
export function decodeOnlyRecordsWith(name: string, values: readonly string[]): void {
  filter = { name: Buffer.from(name), values: values.map((v) => Buffer.from(v)) };
}

/** Undoes {@link decodeOnlyRecordsWith} (tests). */
export function decodeAllRecords(): void {
  filter = undefined;
}

function bytesEqual(buffer: Buffer, at: number, length: number, expected: Buffer): boolean {
  if (length !== expected.length) return false;
  for (let i = 0; i < length; i++) if (buffer[at + i] !== expected[i]) return false;
  return true;
}

/** True when the record at the decoder's position (after its offset delta) passes the filter. */
function passes(decoder: KafkajsDecoder, wanted: { name: Buffer; values: Buffer[] }): boolean {
  const start = decoder.offset;
  try {
    const keyLength = decoder.readVarInt();
    if (keyLength > 0) decoder.offset += keyLength;
    const valueLength = decoder.readVarInt();
    if (valueLength > 0) decoder.offset += valueLength;
    const count = decoder.readVarInt();
    const buffer = decoder.buffer;
    for (let i = 0; i < count; i++) {
      const nameLength = decoder.readVarInt();
      const nameAt = decoder.offset;
      decoder.offset += Math.max(0, nameLength);
      const valueLen = decoder.readVarInt();
      const valueAt = decoder.offset;
      if (valueLen > 0) decoder.offset += valueLen;
      if (bytesEqual(buffer, nameAt, nameLength, wanted.name) && valueLen >= 0) {
        for (const v of wanted.values) if (bytesEqual(buffer, valueAt, valueLen, v)) return true;
      }
    }
    return false;
  } finally {
    decoder.offset = start;
  }
}

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
  if (filter && !isControlBatch && !passes(decoder, filter)) {
    decoderStats.skipped++;
    return {
      magicByte,
      attributes,
      timestamp,
      offset,
      key: null,
      value: null,
      headers: SKIPPED_HEADERS,
      isControlRecord: isControlBatch,
      batchContext,
    };
  }
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

// Only for the release it was checked against: on another the service does not start.
assertCheckedVersion('The record decoder (kafkajs-records.ts)', 'kafkajs', installedVersion, KAFKAJS_VERSION);
const cache = require.cache as Record<string, unknown>;
if (cache[originalDecoderFile] === undefined) {
  const replacement = new Module(originalDecoderFile);
  replacement.filename = originalDecoderFile;
  replacement.exports = decodeRecord;
  replacement.loaded = true;
  cache[originalDecoderFile] = replacement;
}
