import { z } from 'zod';
import { isBsn, oinProblem } from './identifiers';
import { addRuleIssue, pattern, pushRuleIssue, rules } from './rules';

/**
 * The CloudEvents 1.0 envelope with the NL GOV profile rules (DOMAIN.md section 3).
 *
 * Data is validated separately per type (see `catalog.ts`), so the gateway can reject a wrong source or
 * unknown type before it looks at the payload.
 */

/** Largest accepted event, serialized as UTF-8 JSON. Larger or sensitive payloads go by `dataref`. */
export const MAX_EVENT_BYTES = 64 * 1024;

/** The only `datacontenttype` the contract uses. */
export const DATA_CONTENT_TYPE = 'application/json';

/** Content type of a structured-mode CloudEvent (HTTP body or Kafka record value). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/** `source` grammar: organisation (OIN) then system. It names a producer, never data. */
export const SOURCE_PATTERN = /^urn:nld:oin:(\d{20}):systeem:([a-z0-9][a-z0-9._-]{0,62})$/;

/**
 * Generic `type` grammar: reverse DNS starting with `nl.`, lower case, optionally one `.v<N>` suffix
 * (N >= 2) for a breaking change. The catalog narrows this to `nl.<domain>.<object>-<past-participle>`.
 */
export const TYPE_PATTERN =
  /^nl(\.[a-z][a-z0-9]*)+(\.[a-z][a-z0-9]*(-[a-z0-9]+)+)(\.v[2-9]|\.v[1-9][0-9]+)?$/;

/** W3C Trace Context `traceparent`, version 00. */
export const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** CloudEvents extension attribute names: lower-case a-z and 0-9, at most 20 characters. */
export const EXTENSION_NAME_PATTERN = /^[a-z0-9]{1,20}$/;

/** Attributes defined by CloudEvents core and the extensions the profile uses. */
export const knownAttributes = [
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
  'dataref',
  'sequence',
  'sequencetype',
  'traceparent',
  'tracestate',
  'data',
] as const;
const knownAttributeSet: ReadonlySet<string> = new Set(knownAttributes);

/** A standalone run of exactly 9 digits: what a BSN looks like inside a longer string. */
const NINE_DIGITS = /(?<!\d)\d{9}(?!\d)/g;
const HAS_NINE_DIGITS = /(?<!\d)\d{9}(?!\d)/;

/** Builds a source URN from an OIN and a system name. */
export function sourceFor(oin: string, systeem: string): string {
  return `urn:nld:oin:${oin}:systeem:${systeem}`;
}

/** Splits a source URN; undefined when it does not follow the grammar. */
export function parseSource(source: string): { oin: string; systeem: string } | undefined {
  const m = SOURCE_PATTERN.exec(source);
  return m ? { oin: m[1]!, systeem: m[2]! } : undefined;
}

/**
 * The OIN problem of a source, remembered: a hub sees a few hundred sources, and every event at
 * every edge asked again (a pattern match and the OIN rules per event showed up in catch-up).
 */
const sourceProblems = new Map<string, string | undefined>();
function sourceProblem(source: string): string | undefined {
  if (sourceProblems.has(source)) return sourceProblems.get(source);
  const parsed = parseSource(source);
  // Only sources that fit the pattern (under 100 characters) are remembered: any other string
  // gets its pattern error anyway, and could be as long as the record.
  if (!parsed) return undefined;
  const problem = oinProblem(parsed.oin);
  if (sourceProblems.size >= 10_000) sourceProblems.clear();
  sourceProblems.set(source, problem);
  return problem;
}

const sourceSchema = pattern(SOURCE_PATTERN, 'source', 'must be urn:nld:oin:<OIN>:systeem:<name>')
  .check((payload) => {
    const problem = sourceProblem(payload.value);
    if (problem) pushRuleIssue(payload, 'oin', `OIN in source ${problem}`);
  })
  .meta({
    description: 'Producer: organisation (OIN) and system, urn:nld:oin:<OIN>:systeem:<name>',
    examples: ['urn:nld:oin:00000099123456789000:systeem:zaaksysteem'],
  });

/** zod's own UUID pattern, tested directly: a nested safeParse per event allocated a result each time. */
const UUID_PATTERN = z.uuid()._zod.def.pattern ?? /^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/;

const subjectSchema = z
  .string({ error: 'must be a string' })
  .check((payload) => {
    // A UUID is accepted as it is: random UUIDs contain runs of nine decimal digits about 3% of the
    // time, and those are hex noise, not BSNs. Anything else is refused; when it looks like a BSN
    // (a 9-digit run) the error says so, because subjects end up in logs, Kafka keys and URLs.
    const value = payload.value;
    if (UUID_PATTERN.test(value)) return;
    if (HAS_NINE_DIGITS.test(value)) {
      pushRuleIssue(
        payload,
        'no-bsn',
        'must be the chain case id (UUID), never a BSN or other 9-digit number',
      );
      return;
    }
    pushRuleIssue(payload, 'uuid', 'must be the chain case id (UUID)');
  })
  .meta({ format: 'uuid', description: 'The chain case id (ketenzaak UUID); also the Kafka record key' });

const datarefSchema = z
  .url({ error: 'must be an absolute URL' })
  .check(
    rules((value, ctx) => {
      for (const m of value.matchAll(NINE_DIGITS)) {
        if (isBsn(m[0])) {
          addRuleIssue(ctx, [], 'no-bsn', 'must not contain a BSN: a BSN is never part of a URL');
          return;
        }
      }
    }),
  )
  .meta({ description: 'Claim check: link back to the producer for content too large or sensitive to send' });

/**
 * Envelope schema (data left `unknown`). Extension attributes are allowed but their names must follow
 * the CloudEvents naming rule and their values must be strings, integers or booleans.
 */
export const envelopeSchema = z
  .looseObject({
    specversion: z.literal('1.0', { error: 'must be "1.0"' }),
    id: z
      .string({ error: 'must be a string' })
      .min(1, { error: 'must not be empty' })
      .max(200, { error: 'must be at most 200 characters' })
      .meta({
        description: 'Unique per source; a re-sent event keeps its id so consumers can drop duplicates',
      }),
    source: sourceSchema,
    type: pattern(
      TYPE_PATTERN,
      'type-name',
      'must be reverse DNS nl.<domain>.<object>-<past-participle>, optionally .v<N>',
    ).meta({ description: 'Event type; look its meaning up in the AsyncAPI catalog' }),
    time: z.iso.datetime({ offset: true, error: 'must be an RFC 3339 timestamp with time zone' }).meta({
      description: 'When the event was registered in the source system (real-world dates are in data)',
    }),
    subject: subjectSchema,
    datacontenttype: z.literal(DATA_CONTENT_TYPE, { error: `must be "${DATA_CONTENT_TYPE}"` }),
    dataschema: z.url({ error: 'must be an absolute URL' }).optional(),
    dataref: datarefSchema.optional(),
    sequence: pattern(
      /^[1-9]\d{0,9}$/,
      'sequence',
      'must be a positive integer written as a string, starting at 1',
    )
      .optional()
      .meta({ description: 'Position of this event for resynchronisation; compare numerically' }),
    sequencetype: z.literal('Integer', { error: 'must be "Integer"' }).optional(),
    traceparent: pattern(
      TRACEPARENT_PATTERN,
      'traceparent',
      'must be a W3C traceparent 00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>',
    )
      .optional()
      .meta({ description: 'W3C Trace Context across hops (Logboek Dataverwerkingen)' }),
    tracestate: z
      .string({ error: 'must be a string' })
      .max(512, { error: 'must be at most 512 characters (W3C Trace Context tracestate)' })
      .optional(),
    data: z.unknown(),
  })
  .superRefine(
    (event, ctx) => {
      // Runs even when attributes above failed (see `when`), so every broken rule is reported at once;
      // values may therefore have any type here.
      const e = event as Record<string, unknown>;
      if (e.data === undefined || e.data === null) {
        addRuleIssue(ctx, ['data'], 'required', 'is required');
      }
      if (e.sequence !== undefined && e.sequencetype === undefined) {
        addRuleIssue(ctx, ['sequencetype'], 'required', 'is required with sequence and must be "Integer"');
      }
      if (typeof e.sequence === 'string' && Number(e.sequence) > 2_147_483_647) {
        addRuleIssue(ctx, ['sequence'], 'sequence', 'must fit a signed 32-bit Integer');
      }
      if (typeof e.traceparent === 'string') {
        const m = TRACEPARENT_PATTERN.exec(e.traceparent);
        if (m && (/^0+$/.test(m[1]!) || /^0+$/.test(m[2]!))) {
          addRuleIssue(ctx, ['traceparent'], 'traceparent', 'trace-id and parent-id must not be all zeros');
        }
      }
      // for..in, not Object.entries: this runs for every event at every edge, and the pairs array
      // per event was a measurable share of the consumers' garbage.
      for (const name in e) {
        if (!Object.hasOwn(e, name) || knownAttributeSet.has(name)) continue;
        const value = e[name];
        if (!EXTENSION_NAME_PATTERN.test(name)) {
          addRuleIssue(
            ctx,
            [name],
            'extension-name',
            'extension name must be lower-case a-z0-9, at most 20 characters',
          );
        } else if (!isExtensionValue(value)) {
          addRuleIssue(
            ctx,
            [name],
            'extension-value',
            'extension value must be a string, integer or boolean',
          );
        } else if (typeof value === 'string' && [...value.matchAll(NINE_DIGITS)].some((m) => isBsn(m[0]))) {
          addRuleIssue(ctx, [name], 'no-bsn', 'must not contain a BSN: personal data belongs in data only');
        }
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

function isExtensionValue(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isInteger(value))
  );
}

/** Envelope attributes after validation; `data` is still unchecked. */
export type Envelope = z.output<typeof envelopeSchema>;

/** Attributes every contract event carries besides `type` and `data`. */
export interface EnvelopeAttributes {
  specversion: '1.0';
  id: string;
  source: string;
  time: string;
  subject: string;
  datacontenttype: typeof DATA_CONTENT_TYPE;
  dataschema?: string;
  dataref?: string;
  sequence?: string;
  sequencetype?: 'Integer';
  traceparent?: string;
  tracestate?: string;
}

/** Serialized size in bytes (UTF-8 JSON), as counted against {@link MAX_EVENT_BYTES}. */
export function serializedSize(event: unknown): number {
  return Buffer.byteLength(JSON.stringify(event) ?? '', 'utf8');
}
