import { createRequire } from 'node:module';
import {
  createAPI,
  groupByProperty,
  kGetApi,
  crc32c as libraryCrc32c,
  type Producer,
  produceV11,
  Writer,
} from '@platformatic/kafka';
import { assertCheckedVersion } from './library-patches';

/**
 * A Produce v11 request encoder for @platformatic/kafka 1.34 that writes each request into one
 * buffer sized up front.
 *
 * Why: the library builds every record from small buffers (one per varint and field) in a
 * `DynamicBuffer`, appends those lists into the batch's list, and copies everything together at
 * the end, then copies the batch once more for its CRC. In the gateway's ingest profile that was
 * about a fifth of the request thread, most of it allocation and the garbage collection it causes.
 * Here the sizes are computed first (varint lengths are arithmetic), then every field is written
 * once into one `Buffer`.
 *
 * The bytes are the library's: a unit test encodes the same messages (several topics and
 * partitions, null and empty keys and values, multi-byte headers, timestamps out of order, sequence
 * numbers) with both and compares them byte for byte. Requests this encoder does not cover
 * (compression, transactions) go to the library's own encoder. It is installed per producer by
 * {@link useLeanProduceEncoder}, only when the library picked Produce v11 for the broker.
 */

/** A message as the producer hands it to the Produce API (after serialisers and partitioner). */
export interface ProduceMessage {
  topic: string;
  partition?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: Map<Buffer, Buffer | null>;
  timestamp?: bigint;
}

/** The options the producer passes with every Produce request. */
export interface ProduceRequestOptions {
  compression?: string;
  producerId?: bigint;
  producerEpoch?: number;
  sequences?: { getWithDefault(key: string, fallback: number): number };
  transactionalId?: string;
  partitionLeaderEpoch?: number;
}

/** Requests written by this encoder (tests check that a publisher really uses it). */
export const produceEncoderStats = { requests: 0 };

/** The library version whose encoder, API selection and `kGetApi` hook this was checked against. */
const CHECKED_LIBRARY_VERSION = '1.34.0';

/** The library's entry file: its package.json (not exported) and @node-rs/crc32 are found from it. */
const libraryEntry = createRequire(import.meta.url).resolve('@platformatic/kafka');
const requireFromLibrary = createRequire(libraryEntry);
const libraryVersion = (() => {
  try {
    const manifest = `${libraryEntry.slice(0, libraryEntry.lastIndexOf('/dist/'))}/package.json`;
    return (requireFromLibrary(manifest) as { version: string }).version;
  } catch {
    return undefined;
  }
})();

type Crc32c = (bytes: Buffer) => number;

/**
 * @node-rs/crc32 (the library's optional native CRC) on the buffer itself; the library's wrapper
 * would copy the batch into a new Uint8Array first. Falls back to the library's function.
 */
const crc32c: Crc32c = (() => {
  try {
    const native = requireFromLibrary('@node-rs/crc32') as { crc32c(input: Uint8Array): number };
    return (bytes: Buffer) => native.crc32c(bytes);
  } catch {
    return (bytes: Buffer) => libraryCrc32c(bytes);
  }
})();

/** Bytes of an unsigned varint (LEB128) for 0 <= value < 2^53. */
function uvarintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Kafka's zigzag mapping for signed varints, in plain arithmetic so it holds beyond 32 bits. */
const zigzag = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);

function writeUvarint(buffer: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buffer[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[offset++] = value;
  return offset;
}

const lengthOf = (bytes: Buffer | null | undefined) => (bytes == null ? -1 : bytes.length);

/** Size of a record's body (everything after its own length varint). */
function recordBodySize(message: ProduceMessage, timestampDelta: number, offsetDelta: number): number {
  const key = lengthOf(message.key);
  const value = lengthOf(message.value);
  let size =
    1 + // attributes
    uvarintSize(zigzag(timestampDelta)) +
    uvarintSize(zigzag(offsetDelta)) +
    uvarintSize(zigzag(key)) +
    Math.max(key, 0) +
    uvarintSize(zigzag(value)) +
    Math.max(value, 0);
  const headers = message.headers;
  size += uvarintSize(zigzag(headers ? headers.size : 0));
  if (headers) {
    for (const [name, headerValue] of headers) {
      const n = lengthOf(name);
      const v = lengthOf(headerValue);
      size += uvarintSize(zigzag(n)) + Math.max(n, 0) + uvarintSize(zigzag(v)) + Math.max(v, 0);
    }
  }
  return size;
}

function writeBytes(buffer: Buffer, offset: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) return writeUvarint(buffer, offset, zigzag(-1));
  offset = writeUvarint(buffer, offset, zigzag(bytes.length));
  bytes.copy(buffer, offset);
  return offset + bytes.length;
}

/** Fixed part of a record batch (v2): base offset up to and including the record count. */
const BATCH_HEADER = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
/** Where the CRC'd part starts (attributes), counted from the batch start. */
const CRC_FROM = 8 + 4 + 4 + 1 + 4;

interface PlannedBatch {
  partition: number;
  messages: ProduceMessage[];
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  /** Per message: timestamp delta and body size. */
  deltas: number[];
  bodies: number[];
  size: number;
}

/** `messages` have their timestamps filled in already (see {@link createProduceRequest}). */
function planBatch(partition: number, messages: ProduceMessage[]): PlannedBatch {
  const firstTimestamp = messages[0]!.timestamp!;
  let maxTimestamp = firstTimestamp;
  const deltas: number[] = new Array(messages.length);
  const bodies: number[] = new Array(messages.length);
  let size = BATCH_HEADER;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const ts = message.timestamp!;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const delta = Number(ts - firstTimestamp);
    const body = recordBodySize(message, delta, i);
    deltas[i] = delta;
    bodies[i] = body;
    size += uvarintSize(zigzag(body)) + body;
  }
  return { partition, messages, firstTimestamp, maxTimestamp, deltas, bodies, size };
}

function writeBatch(
  buffer: Buffer,
  start: number,
  batch: PlannedBatch,
  topic: string,
  options: ProduceRequestOptions,
): number {
  const { messages } = batch;
  let o = start;
  buffer.writeBigInt64BE(0n, o); // base offset: the broker assigns it
  buffer.writeInt32BE(batch.size - 12, o + 8); // length after this field
  buffer.writeInt32BE(options.partitionLeaderEpoch ?? 0, o + 12);
  buffer.writeInt8(2, o + 16); // magic: record batch v2
  // CRC at o + 17, written last.
  o += CRC_FROM;
  buffer.writeInt16BE(0, o); // attributes: no compression, not transactional
  buffer.writeInt32BE(messages.length - 1, o + 2); // last offset delta
  buffer.writeBigInt64BE(batch.firstTimestamp, o + 6);
  buffer.writeBigInt64BE(batch.maxTimestamp, o + 14);
  buffer.writeBigInt64BE(options.producerId ?? -1n, o + 22);
  buffer.writeInt16BE(options.producerEpoch ?? 0, o + 30);
  const firstSequence = options.sequences
    ? options.sequences.getWithDefault(`${topic}:${batch.partition}`, 0)
    : 0;
  // Sequence numbers wrap after 2^31 - 1 (as the Java client's do); the library's counter does not.
  buffer.writeInt32BE(firstSequence % 2_147_483_648, o + 32);
  buffer.writeInt32BE(messages.length, o + 36);
  o += 40;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    o = writeUvarint(buffer, o, zigzag(batch.bodies[i]!));
    buffer[o++] = 0; // record attributes
    o = writeUvarint(buffer, o, zigzag(batch.deltas[i]!));
    o = writeUvarint(buffer, o, zigzag(i));
    o = writeBytes(buffer, o, message.key);
    o = writeBytes(buffer, o, message.value);
    const headers = message.headers;
    o = writeUvarint(buffer, o, zigzag(headers ? headers.size : 0));
    if (headers) {
      for (const [name, value] of headers) {
        o = writeBytes(buffer, o, name);
        o = writeBytes(buffer, o, value);
      }
    }
  }
  buffer.writeUInt32BE(crc32c(buffer.subarray(start + CRC_FROM, o)), start + 17);
  return o;
}

/** Whether this encoder writes the request; otherwise the library's own encoder does. */
export function coversRequest(options: ProduceRequestOptions): boolean {
  // The library writes a transactional request for any non-empty id; '' counts as none there too.
  return (options.compression ?? 'none') === 'none' && !options.transactionalId;
}

/**
 * Produce request v11: transactional_id acks timeout_ms [topic_data] TAG_BUFFER, with
 * topic_data => name [partition_data] TAG_BUFFER and partition_data => index records TAG_BUFFER.
 * Same argument list, the same normalisation of the messages (partition 0 and "now" when absent)
 * and the same grouping (the library's own `groupByProperty`) as the library's `createRequest`.
 */
export function createProduceRequest(
  acks: number,
  timeout: number,
  topicData: ProduceMessage[],
  options: ProduceRequestOptions = {},
): Writer {
  if (!coversRequest(options)) {
    return produceV11.createRequest(
      acks,
      timeout,
      topicData as Parameters<typeof produceV11.createRequest>[2],
      options as Parameters<typeof produceV11.createRequest>[3],
    );
  }
  const now = BigInt(Date.now());
  for (const message of topicData) {
    message.partition ??= 0;
    // The library accepts numbers here too and turns them into bigints.
    message.timestamp =
      typeof message.timestamp === 'number' ? BigInt(message.timestamp) : (message.timestamp ?? now);
  }
  const topics = groupByProperty(topicData, 'topic').map(([key, messages]) => {
    // Object keys: the library groups by them, so a topic comes back as a string.
    const topic = String(key);
    const name = Buffer.from(topic, 'utf8');
    const batches = groupByProperty(messages, 'partition').map(([partition, list]) =>
      planBatch(Number(partition), list),
    );
    return { topic, name, batches };
  });

  let size = 1 + 2 + 4 + uvarintSize(topics.length + 1) + 1; // null transactional id, acks, timeout, array, tags
  for (const t of topics) {
    size += uvarintSize(t.name.length + 1) + t.name.length + uvarintSize(t.batches.length + 1) + 1;
    for (const b of t.batches) size += 4 + uvarintSize(b.size + 1) + b.size + 1;
  }

  const buffer = Buffer.allocUnsafe(size);
  let o = 0;
  buffer[o++] = 0; // transactional_id: null (compact nullable string)
  buffer.writeInt16BE(acks, o);
  buffer.writeInt32BE(timeout, o + 2);
  o += 6;
  o = writeUvarint(buffer, o, topics.length + 1);
  for (const t of topics) {
    o = writeUvarint(buffer, o, t.name.length + 1);
    t.name.copy(buffer, o);
    o += t.name.length;
    o = writeUvarint(buffer, o, t.batches.length + 1);
    for (const b of t.batches) {
      buffer.writeInt32BE(b.partition, o);
      o = writeUvarint(buffer, o + 4, b.size + 1);
      const end = writeBatch(buffer, o, b, t.topic, options);
      if (end - o !== b.size) throw new Error(`record batch size ${end - o} differs from its plan ${b.size}`);
      o = end;
      buffer[o++] = 0; // partition tagged fields
    }
    buffer[o++] = 0; // topic tagged fields
  }
  buffer[o++] = 0; // request tagged fields
  if (o !== size) throw new Error(`produce request size ${o} differs from its plan ${size}`);

  produceEncoderStats.requests++;
  const writer = Writer.create().append(buffer);
  if (acks === 0) writer.context.noResponse = true;
  return writer;
}

/** Produce v11 with {@link createProduceRequest} and the library's own response parser. */
const leanProduceV11 = createAPI(0, 11, createProduceRequest, produceV11.parseResponse);

type ApiCallback = (error: Error | null, api?: unknown) => void;

/**
 * Makes `producer` encode its Produce requests with {@link createProduceRequest}. The producer
 * asks its base client for the Produce API per request (`kGetApi`, exported by the library); this
 * answers with the lean v11 API whenever the library chose its own v11, and leaves every other
 * API and version as they are. Only on the library version it was checked against: on another it
 * throws `LibraryPatchError` (library-patches.ts).
 */
export function useLeanProduceEncoder(producer: Producer<Buffer, Buffer, Buffer, Buffer>): void {
  // On another release the publisher is not created (the service does not start); the library's
  // own encoder stays one setting away (`produceEncoder: 'library'`).
  assertCheckedVersion(
    'The Produce encoder (produce-request.ts)',
    '@platformatic/kafka',
    libraryVersion,
    CHECKED_LIBRARY_VERSION,
  );
  const target = producer as unknown as Record<typeof kGetApi, (name: string, callback: ApiCallback) => void>;
  const original = target[kGetApi].bind(producer);
  target[kGetApi] = (name, callback) =>
    original(name, (error, api) => {
      if (!error && name === 'Produce' && api === produceV11.api) callback(null, leanProduceV11);
      else callback(error, api);
    });
}
