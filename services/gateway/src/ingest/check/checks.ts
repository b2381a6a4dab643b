import { hash } from 'node:crypto';
import type { KnownSystem } from '@ketenhub/directory';
import { MAX_EVENT_BYTES, validateEvent } from '@ketenhub/events';
import { receivedKey } from '../accept/received.table';
import { type Refusal, violation } from '../outcome';

/**
 * An event that passed the checks that need no database: source, type, contract, size. Only what
 * routing and the Kafka record need is kept (not the parsed event), so it can be built in a check
 * thread and sent over cheaply (see check-pool.ts).
 */
export interface ValidEvent {
  ok: true;
  id: string;
  source: string;
  type: string;
  /** The chain case id (the record key). */
  subject: string;
  traceparent: string | undefined;
  /** The record value (serialized event) and its hash, computed once. */
  value: Buffer;
  hash: string;
  /** {@link receivedKey}(source, id): the idempotency key. */
  key: string;
}

/** An event refused by a step, with its id when it had one (a batch's results name it). */
export interface RefusedEvent {
  ok: false;
  id: string | undefined;
  refusal: Refusal;
}

/** Per event of a request: valid, or refused with the reason. */
export type Checked = ValidEvent | RefusedEvent;

/** Who is checking: the parts of a system the pure checks read. */
export type Checker = Pick<KnownSystem, 'source' | 'publishes'>;

const field = (raw: unknown, name: string): unknown =>
  typeof raw === 'object' && raw !== null && !Array.isArray(raw)
    ? (raw as Record<string, unknown>)[name]
    : undefined;

const idOf = (raw: unknown) => {
  const id = field(raw, 'id');
  return typeof id === 'string' ? id : undefined;
};

const refusedEvent = (raw: unknown, refusal: Refusal): RefusedEvent => ({
  ok: false,
  id: idOf(raw),
  refusal,
});

/**
 * Checks 2 to 5 of the issue, in its order (authentication was done per request): the source is the
 * caller's own (403), the type is one it registered (403), the event fits the contract (422), and it
 * is at most 64 KB serialized (413). Pure: no I/O, so a batch is checked without waiting.
 */
export function checkEvent(system: Checker, raw: unknown): Checked {
  const source = field(raw, 'source');
  if (source !== system.source) {
    return refusedEvent(raw, {
      code: 'forbidden',
      detail: `source must be this system's own: ${system.source}`,
      violations: [
        violation('source', 'own-source', `must be ${system.source}, the source registered for this token`),
      ],
    });
  }
  const type = field(raw, 'type');
  if (typeof type !== 'string' || !system.publishes.has(type)) {
    return refusedEvent(raw, {
      code: 'forbidden',
      detail: `type ${String(type)} is not registered for this system to publish`,
      violations: [
        violation(
          'type',
          'registered-type',
          `must be one of the types this system registered: ${[...system.publishes].join(', ')}`,
        ),
      ],
    });
  }
  // Size has its own status (413) and is checked after, on the bytes that go to Kafka.
  const result = validateEvent(raw, { checkSize: false });
  if (!result.ok) {
    return refusedEvent(raw, {
      code: 'invalid-event',
      detail: 'the event does not fit the contract',
      violations: result.violations,
    });
  }
  const event = result.event;
  const value = Buffer.from(JSON.stringify(event), 'utf8');
  if (value.length > MAX_EVENT_BYTES) return refusedEvent(raw, tooLarge(value.length));
  return {
    ok: true,
    id: event.id,
    source: event.source,
    type: event.type,
    subject: event.subject,
    traceparent: event.traceparent,
    value,
    // One-shot hash (Node >= 20.12): no Hash object per event, which showed up in the ingest profile.
    hash: hash('sha256', value, 'hex'),
    key: receivedKey(event.source, event.id),
  };
}

/** {@link checkEvent} for every event of a request. */
export function checkEvents(system: Checker, raws: readonly unknown[]): Checked[] {
  return raws.map((raw) => checkEvent(system, raw));
}

function tooLarge(size?: number): Refusal {
  return {
    code: 'payload-too-large',
    detail: `an event may be at most ${MAX_EVENT_BYTES} bytes; send large content by dataref`,
    violations: [
      violation(
        '(event)',
        'max-size',
        `at most ${MAX_EVENT_BYTES} bytes serialized${size ? ` (is ${size})` : ''}`,
      ),
    ],
  };
}
