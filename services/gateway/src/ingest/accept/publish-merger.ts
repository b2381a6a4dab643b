import type { OutgoingRecord, Publisher } from '@ketenhub/kafka';

/**
 * Merges the Kafka writes of concurrent flushes into as few produce requests as possible.
 *
 * The producer keeps one request in flight per broker (idempotence and per-case order need that), so
 * throughput is "bytes per request / round trip". While one request is in flight, every chunk that
 * arrives waits, and all of them go out together in the next one.
 *
 * A chunk (one flush's records) is never split: the acceptor treats a chunk as one outcome, so half
 * of it in Kafka and half refused would later be published twice. A request holds at most
 * `maxBytes` (default 900 KB) unless a single chunk is larger: the broker limits each partition's
 * record batch to `max.message.bytes` (1 MiB on case topics), and without knowing the partitions
 * of the keys, a request below that limit in total can never exceed it in one partition.
 */
export class PublishMerger {
  private readonly waiting: {
    records: OutgoingRecord[];
    bytes: number;
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];
  private inFlight = false;
  private queuedBytes = 0;

  /** Bytes waiting for a produce request (not counting the one in flight). */
  backlogBytes(): number {
    return this.queuedBytes;
  }

  constructor(
    private readonly publisher: Publisher,
    private readonly maxBytes = 900_000,
  ) {}

  /** `bytes`: the records' {@link sizeOf} in total (the acceptor has it per event already). */
  publish(records: OutgoingRecord[], bytes: number): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ records, bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.next();
    });
  }

  private next() {
    if (this.inFlight || this.waiting.length === 0) return;
    const taken = [this.waiting.shift()!];
    let bytes = taken[0]!.bytes;
    while (this.waiting.length > 0 && bytes + this.waiting[0]!.bytes <= this.maxBytes) {
      const chunk = this.waiting.shift()!;
      bytes += chunk.bytes;
      taken.push(chunk);
    }
    this.queuedBytes -= bytes;
    this.inFlight = true;
    this.publisher
      .publish(taken.flatMap((c) => c.records))
      .then(
        () => {
          for (const c of taken) c.resolve();
        },
        (error: unknown) => {
          for (const c of taken) c.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.next();
      });
  }
}

/** Record size as the broker counts it, near enough: value, key, headers and some overhead. */
export function sizeOf(record: OutgoingRecord): number {
  let size = 70 + Buffer.byteLength(record.key);
  size += typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length;
  const headers = record.headers;
  if (headers) for (const k in headers) size += k.length + (headers[k]?.length ?? 0) + 2;
  return size;
}
