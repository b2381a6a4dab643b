import type { KetenEvent } from './catalog';
import { CLOUDEVENTS_JSON, MAX_EVENT_BYTES } from './envelope';
import { type ValidationResult, type Violation, validateEvent } from './validate';

/**
 * Kafka wire format, structured mode: the whole CloudEvent as JSON in the record value, the chain case
 * id as key (one case, one partition, in order) and a few `ce_*` headers so routers can filter without
 * parsing the value. Plain types only: the Kafka client lives behind the adapter in packages/.
 */

/** A record as produced: strings for key and headers, the value as UTF-8 bytes. */
export interface KafkaRecord {
  key: string;
  value: Buffer;
  headers: {
    'content-type': typeof CLOUDEVENTS_JSON;
    ce_specversion: '1.0';
    ce_id: string;
    ce_source: string;
    ce_type: string;
  };
}

/** Header value as Kafka clients deliver it (kafkajs gives Buffers, sometimes arrays). */
export type IncomingHeaderValue = Buffer | string | readonly (Buffer | string)[] | null | undefined;

/** A record as consumed. */
export interface IncomingKafkaRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Readonly<Record<string, IncomingHeaderValue>>;
}

/** Builds the Kafka record for a (valid) event. */
export function toKafkaRecord(event: KetenEvent): KafkaRecord {
  return {
    key: event.subject,
    value: Buffer.from(JSON.stringify(event), 'utf8'),
    headers: kafkaHeadersOf(event),
  };
}

/** The structured-mode headers of an event's record (for a value serialized elsewhere). */
export function kafkaHeadersOf(event: { id: string; source: string; type: string }): KafkaRecord['headers'] {
  return {
    'content-type': CLOUDEVENTS_JSON,
    ce_specversion: '1.0',
    ce_id: event.id,
    ce_source: event.source,
    ce_type: event.type,
  };
}

function headerString(value: IncomingHeaderValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  const first = (value as readonly (Buffer | string)[])[0];
  return first === undefined ? undefined : headerString(first);
}

const LOWER_CASE = /^[^A-Z]*$/;

/** A `ce_*` header, when present, must equal the event's attribute. */
function checkHeader(
  violations: Violation[],
  headers: Record<string, string | undefined>,
  name: 'ce_id' | 'ce_source' | 'ce_type',
  value: string,
) {
  const actual = headers[name];
  if (actual !== undefined && actual !== value) {
    violations.push(
      wireViolation(`headers.${name}`, 'header-matches', `must equal the event's ${name.slice(3)}`),
    );
  }
}

function wireViolation(field: string, rule: string, message: string): Violation {
  return { field, rule, message: `${field}: ${message}` };
}

/**
 * Reads a consumed record: checks the structured-mode content type, parses the value, validates the
 * event and checks that key and `ce_*` headers agree with it. Never throws.
 */
export function fromKafkaRecord(record: IncomingKafkaRecord): ValidationResult<KetenEvent> {
  const read = readKafkaRecord(record);
  return read.ok ? { ok: true, event: read.event } : read;
}

/**
 * {@link fromKafkaRecord}, plus the record value as text: the event exactly as it is in the log.
 * The contract's data schemas are strict and nothing in them transforms or defaults, so this text
 * and the validated event are the same JSON; a consumer that stores the event (the projection's
 * timeline) uses it instead of serialising the event again.
 */
export function readKafkaRecord(
  record: IncomingKafkaRecord,
): { ok: true; event: KetenEvent; text: string } | { ok: false; violations: Violation[] } {
  const headers: Record<string, string | undefined> = {};
  const given = record.headers;
  // for..in, and lower-casing only names that need it: this runs once per consumed record.
  if (given)
    for (const name in given) {
      if (!Object.hasOwn(given, name)) continue;
      headers[LOWER_CASE.test(name) ? name : name.toLowerCase()] = headerString(given[name]);
    }

  const contentType = headers['content-type'];
  if (contentType === undefined || !contentType.startsWith(CLOUDEVENTS_JSON)) {
    return {
      ok: false,
      violations: [
        wireViolation(
          'headers.content-type',
          'structured-mode',
          `must be ${CLOUDEVENTS_JSON} (binary mode is not part of the contract)`,
        ),
      ],
    };
  }
  if (record.value === null) {
    return {
      ok: false,
      violations: [wireViolation('value', 'required', 'is required (the whole CloudEvent)')],
    };
  }
  const text = typeof record.value === 'string' ? record.value : record.value.toString('utf8');
  // The size rule on the bytes in the log, instead of serialising the parsed event once more.
  const size = typeof record.value === 'string' ? Buffer.byteLength(text, 'utf8') : record.value.length;
  const tooLarge =
    size > MAX_EVENT_BYTES
      ? [wireViolation('value', 'max-size', `must be at most ${MAX_EVENT_BYTES} bytes (is ${size})`)]
      : [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, violations: [wireViolation('value', 'json', 'must be a JSON CloudEvent')] };
  }
  const result = validateEvent(raw, { checkSize: false });
  if (!result.ok) return { ok: false, violations: [...tooLarge, ...result.violations] };
  if (tooLarge.length > 0) return { ok: false, violations: tooLarge };

  const event = result.event;
  const violations: Violation[] = [];
  const key = headerString(record.key);
  if (key !== event.subject) {
    violations.push(wireViolation('key', 'key-is-subject', 'must equal the subject (chain case id)'));
  }
  checkHeader(violations, headers, 'ce_id', event.id);
  checkHeader(violations, headers, 'ce_source', event.source);
  checkHeader(violations, headers, 'ce_type', event.type);
  return violations.length > 0 ? { ok: false, violations } : { ok: true, event, text };
}
