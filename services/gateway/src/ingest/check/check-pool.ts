import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { type Logger, startTsWorker } from '@ketenhub/service';
import type { Refusal, Refused } from '../outcome';
import { batchEvents } from '../receive/body';
import { type Checked, type Checker, checkEvents } from './checks';

/**
 * Smaller batches are checked in the request thread: handing a body to a thread and back costs
 * about as much as checking a dozen events.
 */
export const CHECK_POOL_MIN_BYTES = 16 * 1024;

/** The pure checks of a batch body, wherever they run: its events' outcomes, or the body's 400. */
export function checkBatch(checker: Checker, body: Buffer, maxEvents: number): Checked[] | Refused {
  const events = batchEvents(body, maxEvents);
  return Array.isArray(events) ? checkEvents(checker, events) : events;
}

/**
 * Checks batch bodies in worker threads: JSON parsing, the contract (zod), serialization and the
 * content hash, which are pure and together about half of the request thread's work per event.
 *
 * Why: under batch load the request thread is the bottleneck while the machine still has idle
 * time (measured on a 2-core machine: that thread about 0.9 busy, the machine 80%). Skipping only
 * the zod step there raised batch throughput by 12-19%, so the thread's time per event is what
 * limits. The checks themselves are unchanged (the same {@link checkEvents}); a request's events
 * come back in one message ({@link CheckedReply}): the values in one transferred buffer, the rest
 * as one string array per field, which costs the request thread far less than the checks did.
 *
 * A thread that dies (it should not: every input error is an answer, not an exception) fails
 * nothing: its requests are checked in the request thread instead, and a new thread is started.
 */

/** Request thread to check thread: one batch body to check. */
interface CheckRequest {
  seq: number;
  body: Uint8Array;
  source: string;
  publishes: string[];
  maxEvents: number;
}

/** Check thread to request thread, once: the contract is loaded, requests may come. */
interface ReadyMessage {
  kind: 'ready';
}

/** Check thread to request thread: the body as a whole is refused (not JSON, not a batch: 400). */
interface BodyRefusedReply {
  kind: 'body-refused';
  seq: number;
  refusal: Refusal;
}

/** An event the checks refused, at its index in the batch. */
interface RefusedAt {
  index: number;
  id: string | undefined;
  refusal: Refusal;
}

/**
 * Check thread to request thread: every event's outcome. The valid events come as columns (one
 * array per field, in event order) rather than one object each: cloning and rebuilding an object
 * per event is the cost the threads exist to take off the request thread.
 */
interface CheckedReply {
  kind: 'checked';
  seq: number;
  /** Every valid event's value, back to back, in one transferred buffer. */
  values: ArrayBuffer;
  /** Per event: offset and length of its value in `values`, or -1 and 0 when refused. */
  spans: Int32Array;
  ids: string[];
  types: string[];
  subjects: string[];
  traceparents: (string | undefined)[];
  hashes: string[];
  keys: string[];
  refusals: RefusedAt[];
}

type CheckReply = BodyRefusedReply | CheckedReply;
type WorkerMessage = ReadyMessage | CheckReply;

const WORKER_KIND = 'ketenhub-gateway-checks';

/** The worker's side: check one body, pack the outcome. */
export function checkBody(request: CheckRequest): { reply: CheckReply; transfer: ArrayBuffer[] } {
  const { seq } = request;
  const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const checked = checkBatch(
    { source: request.source, publishes: new Set(request.publishes) },
    body,
    request.maxEvents,
  );
  if (!Array.isArray(checked))
    return { reply: { kind: 'body-refused', seq, refusal: checked.refusal }, transfer: [] };
  let total = 0;
  for (const c of checked) if (c.ok) total += c.value.length;
  const values = Buffer.allocUnsafeSlow(total);
  const spans = new Int32Array(checked.length * 2);
  const reply: CheckedReply = {
    kind: 'checked',
    seq,
    values: values.buffer as ArrayBuffer,
    spans,
    ids: [],
    types: [],
    subjects: [],
    traceparents: [],
    hashes: [],
    keys: [],
    refusals: [],
  };
  let offset = 0;
  for (let i = 0; i < checked.length; i++) {
    const c = checked[i]!;
    if (!c.ok) {
      spans[2 * i] = -1;
      reply.refusals.push({ index: i, id: c.id, refusal: c.refusal });
      continue;
    }
    c.value.copy(values, offset);
    spans[2 * i] = offset;
    spans[2 * i + 1] = c.value.length;
    offset += c.value.length;
    reply.ids.push(c.id);
    reply.types.push(c.type);
    reply.subjects.push(c.subject);
    reply.traceparents.push(c.traceparent);
    reply.hashes.push(c.hash);
    reply.keys.push(c.key);
  }
  return { reply, transfer: [reply.values] };
}

/** The request thread's side: rebuild the outcomes (values are views of the one buffer). */
export function unpackReply(reply: CheckReply, source: string): Checked[] | Refused {
  if (reply.kind === 'body-refused') return { ok: false, refusal: reply.refusal };
  const { spans } = reply;
  const count = spans.length / 2;
  const out: Checked[] = new Array(count);
  for (const { index, id, refusal } of reply.refusals) out[index] = { ok: false, id, refusal };
  let v = 0;
  for (let i = 0; i < count; i++) {
    const offset = spans[2 * i]!;
    if (offset < 0) continue;
    out[i] = {
      ok: true,
      id: reply.ids[v]!,
      source,
      type: reply.types[v]!,
      subject: reply.subjects[v]!,
      traceparent: reply.traceparents[v],
      value: Buffer.from(reply.values, offset, spans[2 * i + 1]!),
      hash: reply.hashes[v]!,
      key: reply.keys[v]!,
    };
    v++;
  }
  return out;
}

interface Job {
  /** The caller's source: the thread does not send it back with every event. */
  source: string;
  resolve: (checked: Checked[] | Refused) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

export interface CheckPoolOptions {
  threads: number;
  logger: Logger;
  /**
   * Body bytes that may wait for the threads (default 64 MiB). Beyond it a body is checked in the
   * request thread, which then reads no new requests meanwhile: the back pressure the gateway had
   * before the threads, instead of queueing without bound.
   */
  maxPendingBytes?: number;
  /** Smallest body a thread takes (default {@link CHECK_POOL_MIN_BYTES}). */
  minBytes?: number;
}

/** Worker threads that check batch bodies; {@link check} falls back to this thread if one fails. */
export class CheckPool {
  private readonly slots: Slot[] = [];
  private seq = 0;
  private closed = false;
  private pendingBytes = 0;
  /** Bodies checked by a thread, and in the request thread (no thread, or it died meanwhile). */
  readonly stats = { threaded: 0, inline: 0 };

  private constructor(private readonly options: CheckPoolOptions) {}

  /** Starts the threads; resolves once each has loaded the contract. */
  static async start(options: CheckPoolOptions): Promise<CheckPool> {
    const pool = new CheckPool(options);
    await Promise.all(Array.from({ length: options.threads }, () => pool.spawn()));
    return pool;
  }

  /**
   * {@link checkBatch} of a body, in a thread when it is large enough, a thread is running and the
   * bodies waiting for threads stay under the limit; else in this thread.
   */
  async check(system: Checker, body: Buffer, maxEvents: number): Promise<Checked[] | Refused> {
    const slot = this.pick();
    const limit = this.options.maxPendingBytes ?? 64 * 1024 * 1024;
    if (
      !slot ||
      body.length < (this.options.minBytes ?? CHECK_POOL_MIN_BYTES) ||
      this.pendingBytes + body.length > limit
    ) {
      return this.inline(system, body, maxEvents);
    }
    const request: CheckRequest = {
      seq: ++this.seq,
      body,
      source: system.source,
      publishes: [...system.publishes],
      maxEvents,
    };
    this.pendingBytes += body.length;
    try {
      const checked = await new Promise<Checked[] | Refused>((resolve, reject) => {
        slot.jobs.set(request.seq, { source: system.source, resolve, reject });
        // Copied, not transferred: if the thread dies, the body is still here to be checked inline.
        slot.worker.postMessage(request);
      });
      this.stats.threaded++;
      return checked;
    } catch (error) {
      if (error instanceof WorkerGone) return this.inline(system, body, maxEvents);
      throw error;
    } finally {
      this.pendingBytes -= body.length;
    }
  }

  /** The running threads (for tests). */
  threads(): Worker[] {
    return this.slots.map((s) => s.worker);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  /** The thread with the fewest requests waiting. */
  private pick(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) if (!best || slot.jobs.size < best.jobs.size) best = slot;
    return best;
  }

  private inline(system: Checker, body: Buffer, maxEvents: number): Checked[] | Refused {
    this.stats.inline++;
    return checkBatch(system, body, maxEvents);
  }

  private spawn(): Promise<void> {
    const worker = startTsWorker(new URL(import.meta.url), { kind: WORKER_KIND });
    const slot: Slot = { worker, jobs: new Map() };
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'ready') {
          started = true;
          // A replacement that came up after close() is not needed.
          if (this.closed) {
            void worker.terminate();
            resolve();
            return;
          }
          this.slots.push(slot);
          resolve();
          return;
        }
        const job = slot.jobs.get(message.seq);
        if (!job) return;
        slot.jobs.delete(message.seq);
        // A bug in unpacking must fail this request, not the process (this is an event handler).
        try {
          job.resolve(unpackReply(message, job.source));
        } catch (error) {
          job.reject(error);
        }
      });
      const gone = (error: Error) => {
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots.splice(index, 1);
        for (const job of slot.jobs.values()) job.reject(new WorkerGone());
        slot.jobs.clear();
        if (!started) {
          started = true;
          reject(error);
          return;
        }
        if (this.closed) return;
        this.options.logger.error({ err: error }, 'check thread failed; starting a new one');
        this.spawn().catch((e: unknown) =>
          this.options.logger.error({ err: e }, 'check thread could not be restarted'),
        );
      };
      worker.on('error', gone);
      worker.once('exit', (code) => {
        if (this.slots.includes(slot) || slot.jobs.size > 0 || !started)
          gone(new Error(`check thread exited with ${code}`));
      });
    });
  }
}

/** A job whose thread died before it answered; it is checked in the request thread instead. */
class WorkerGone extends Error {
  constructor() {
    super('check thread gone');
  }
}

function runWorker() {
  const port = parentPort;
  if (!port) return;
  port.on('message', (request: CheckRequest) => {
    const { reply, transfer } = checkBody(request);
    port.postMessage(reply, transfer);
  });
  const ready: ReadyMessage = { kind: 'ready' };
  port.postMessage(ready);
}

const input = (workerData as { data?: { kind?: string } } | undefined)?.data;
if (!isMainThread && input?.kind === WORKER_KIND) runWorker();
