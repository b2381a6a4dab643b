import { hash } from 'node:crypto';
import type { KnownSystem } from '@ketenhub/directory';
import { MAX_EVENT_BYTES, type Violation, validateEvent } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import { receivedKey } from '../accept/received.table';

/**
 * An event that passed the checks that need no database: source, type, contract, size. Only what
 * routing and the Kafka record need is kept (not the parsed event), so it can be built in a check
 * thread and sent over cheaply (see check-pool.ts).
 */
export interface ValidEvent {
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

/** Who is checking: the parts of a system the pure checks read. */
export type Checker = Pick<KnownSystem, 'source' | 'publishes'>;

const violation = (field: string, rule: string, message: string): Violation => ({
  field,
  rule,
  message: `${field}: ${message}`,
});

const field = (raw: unknown, name: string): unknown =>
  typeof raw === 'object' && raw !== null && !Array.isArray(raw)
    ? (raw as Record<string, unknown>)[name]
    : undefined;

/**
 * Checks 2 to 5 of the issue, in its order (authentication was done per request): the source is the
 * caller's own (403), the type is one it registered (403), the event fits the contract (422), and it
 * is at most 64 KB serialized (413). Pure: no I/O, so a batch is checked without waiting.
 */
export function checkEvent(system: Checker, raw: unknown): ValidEvent | AppError {
  const source = field(raw, 'source');
  if (source !== system.source) {
    return new AppError('forbidden', `source must be this system's own: ${system.source}`, {
      violations: [
        violation('source', 'own-source', `must be ${system.source}, the source registered for this token`),
      ],
    });
  }
  const type = field(raw, 'type');
  if (typeof type !== 'string' || !system.publishes.has(type)) {
    return new AppError('forbidden', `type ${String(type)} is not registered for this system to publish`, {
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
    return new AppError('invalid-event', 'the event does not fit the contract', {
      violations: result.violations,
    });
  }
  const event = result.event;
  const value = Buffer.from(JSON.stringify(event), 'utf8');
  if (value.length > MAX_EVENT_BYTES) return tooLarge(value.length);
  return {
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

/** An event refused by {@link checkEvent}, with its id when it had one. */
export interface Refusal {
  id: string | undefined;
  error: AppError;
}

/** Per event of a request: valid, or refused with the reason. */
export type Checked = ValidEvent | Refusal;

export const isRefusal = (checked: Checked): checked is Refusal => 'error' in checked;

const idOf = (raw: unknown) => {
  const id = field(raw, 'id');
  return typeof id === 'string' ? id : undefined;
};

/** {@link checkEvent} for every event of a request. */
export function checkEvents(system: Checker, raws: readonly unknown[]): Checked[] {
  return raws.map((raw) => {
    const checked = checkEvent(system, raw);
    return checked instanceof AppError ? { id: idOf(raw), error: checked } : checked;
  });
}

function tooLarge(size?: number) {
  return new AppError(
    'payload-too-large',
    `an event may be at most ${MAX_EVENT_BYTES} bytes; send large content by dataref`,
    {
      violations: [
        violation(
          '(event)',
          'max-size',
          `at most ${MAX_EVENT_BYTES} bytes serialized${size ? ` (is ${size})` : ''}`,
        ),
      ],
    },
  );
}
