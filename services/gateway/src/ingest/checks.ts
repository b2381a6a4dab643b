import { hash } from 'node:crypto';
import {
  type CaseDomain,
  definitionOf,
  type KetenEvent,
  MAX_EVENT_BYTES,
  toKafkaRecord,
  type Violation,
  validateEvent,
} from '@ketenhub/events';
import type { OutgoingRecord } from '@ketenhub/kafka';
import { AppError } from '@ketenhub/service';
import { type CaseFact, type CaseInfo, caseFactOf } from '../cases/case-facts';
import type { KnownSystem } from '../systems/system-record';

/** An event that passed the checks that need no database: source, type, contract, size. */
export interface ValidEvent {
  event: KetenEvent;
  /** The record value (serialized event) and its hash, computed once. */
  value: Buffer;
  hash: string;
  /** `content-type` and `ce_*` headers of the structured-mode record. */
  headers: Record<string, string>;
}

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
export function checkEvent(system: KnownSystem, raw: unknown): ValidEvent | AppError {
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
  const record = toKafkaRecord(result.event);
  if (record.value.length > MAX_EVENT_BYTES) return tooLarge(record.value.length);
  return {
    event: result.event,
    value: record.value,
    // One-shot hash (Node >= 20.12): no Hash object per event, which showed up in the ingest profile.
    hash: hash('sha256', record.value, 'hex'),
    headers: record.headers,
  };
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

/** Where an accepted event goes and what it changes about its chain case. */
export interface Routing {
  domain: CaseDomain;
  fact?: CaseFact;
}

const notParticipant = (oin: string) =>
  new AppError('forbidden', 'this organisation does not take part in the chain case', {
    violations: [
      violation(
        'subject',
        'participant',
        `organisation ${oin} has not joined this chain case; publish deelnemer-aangesloten first`,
      ),
    ],
  });

const unknownCase = () =>
  new AppError('invalid-event', 'no chain case with this id is open at the hub', {
    violations: [
      violation(
        'subject',
        'case-unknown',
        'must be the id of a chain case opened with nl.ketens.ketenzaak-geopend',
      ),
    ],
  });

/**
 * Check 7: for events on an existing chain case the caller's organisation takes part in it, except
 * for the event that opens a case and the one that joins it. Also decides the topic: domain events
 * go to their domain, chain-level `nl.ketens.*` events to the domain of their case. Pure: the case
 * is looked up by the caller.
 */
export function routeEvent(
  system: KnownSystem,
  event: KetenEvent,
  info: CaseInfo | undefined,
): Routing | AppError {
  const fact = caseFactOf(event);
  if (fact?.kind === 'opened') {
    if (fact.oin !== system.oin) {
      return new AppError('forbidden', 'a system opens chain cases for its own organisation only', {
        violations: [
          violation('data.oin', 'own-organisation', `must be ${system.oin}, the OIN of this system`),
        ],
      });
    }
    if (!system.domains.has(fact.domain)) {
      return new AppError('forbidden', `this system is not registered for domain ${fact.domain}`, {
        violations: [
          violation('data.domein', 'registered-domain', `must be one of ${[...system.domains].join(', ')}`),
        ],
      });
    }
    if (info) {
      return new AppError('conflict', 'a chain case with this id is already open', {
        violations: [violation('subject', 'case-exists', 'a new chain case needs a new id')],
      });
    }
    return { domain: fact.domain, fact };
  }
  if (fact?.kind === 'joined') {
    if (!info) return unknownCase();
    // An organisation joins itself, or a participant adds another organisation.
    if (fact.oin !== system.oin && !info.participants.has(system.oin)) return notParticipant(system.oin);
    return { domain: info.domain, fact };
  }
  const domain = definitionOf(event.type)?.domain;
  if (domain === 'ketens' || domain === undefined) {
    if (!info) return unknownCase();
    if (!info.participants.has(system.oin)) return notParticipant(system.oin);
    return { domain: info.domain };
  }
  if (info) {
    if (info.domain !== domain) {
      return new AppError('invalid-event', `the chain case belongs to domain ${info.domain}, not ${domain}`, {
        violations: [
          violation('type', 'case-domain', `must be a type of domain ${info.domain} or nl.ketens`),
        ],
      });
    }
    if (!info.participants.has(system.oin)) return notParticipant(system.oin);
  }
  return { domain };
}

/** Kafka record of an accepted event; `traceparent` from the event, else from the request. */
export function outgoingRecord(
  topic: string,
  valid: ValidEvent,
  traceparent: string | undefined,
): OutgoingRecord {
  const trace = valid.event.traceparent ?? traceparent;
  return {
    topic,
    key: valid.event.subject,
    value: valid.value,
    headers: trace ? { ...valid.headers, traceparent: trace } : valid.headers,
  };
}
