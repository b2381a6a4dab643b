import {
  type CaseDomain,
  catalog,
  definitionsOf,
  type EventDefinition,
  type EventType,
  type PublisherRole,
  publisherRoles,
  toKafkaRecord,
  wmoProductcategorieen,
} from '@ketenhub/events';
import { makeEvent } from '@ketenhub/events/testing';
import { allSchemas, type JsonSchema, schemaFileName } from './schemas';

/**
 * AsyncAPI 3.0 documents, generated from the event catalog. One per chain domain (its topic carries the
 * domain's events and the chain-level events of its cases) plus `ketens`, which describes the chain-level
 * events on both topics.
 */

/** Names of the generated documents. */
export const documentNames = ['wmo', 'omgevingswet', 'ketens'] as const;

/** A generated document. */
export type DocumentName = (typeof documentNames)[number];

/** Options for {@link buildDocument}. */
export interface DocumentOptions {
  /** Partitions per topic in the Kafka channel binding. Default {@link DEFAULT_PARTITIONS}. */
  partitions?: number;
  /** Kafka bootstrap address of the `local` server. Default 127.0.0.1:9092. */
  localKafka?: string;
}

/** Default partitions per topic: cases spread over partitions; one case stays in one (key = case id). */
export const DEFAULT_PARTITIONS = 6;

/** Where the document refers to schema files (relative to the documents folder). */
export const SCHEMA_REF_PREFIX = '../schemas/';

const CONTRACT_VERSION = '0.1.0';

const titles: Record<DocumentName, string> = {
  wmo: 'Ketenhub WMO events',
  omgevingswet: 'Ketenhub Omgevingswet events',
  ketens: 'Ketenhub chain-level events',
};

const intros: Record<DocumentName, string> = {
  wmo:
    'Events of WMO chain cases (Wet maatschappelijke ondersteuning 2015): melding, onderzoek, aanvraag, ' +
    'beschikking, toewijzing (iWmo), start/stop of care, declaratie and eigen bijdrage (iEb, CAK). ' +
    'The `wmo` topic also carries the chain-level `nl.ketens.*` events of WMO cases.',
  omgevingswet:
    'Events of Omgevingswet permit chain cases: request via the DSO, supplements, advice and consent, ' +
    'draft decision and views, decision, publication and legal remedies. The `omgevingswet` topic also ' +
    'carries the chain-level `nl.ketens.*` events of permit cases.',
  ketens:
    'Chain-level events, independent of the domain: opening and joining a chain case, actieverzoeken and ' +
    'their statuses, shared documents (references only) and the legal clock events the hub emits. They ' +
    'travel on the topic of the case’s domain (`wmo` or `omgevingswet`), so all events of one chain case ' +
    'are in one partition, in order.',
};

const envelopeNotes = [
  '',
  '## Envelope (CloudEvents 1.0, NL GOV profile)',
  '- Structured mode: the Kafka record value is the whole CloudEvent as JSON, `content-type: application/cloudevents+json`.',
  '- Record key and CloudEvent `subject`: the chain case id (UUID). Never a BSN.',
  '- Headers `ce_type`, `ce_id`, `ce_source`, `ce_specversion` allow routing without parsing the value.',
  '- `source`: `urn:nld:oin:<OIN>:systeem:<name>`; `source` + `id` is unique, a re-sent event keeps its id.',
  '- `time`: registration time in the source system; real-world dates are in `data`.',
  '- `sequence` (+ `sequencetype: Integer`) counts per source from 1; `traceparent` carries W3C trace context.',
  '- At most 64 KB per event; larger or sensitive content goes by `dataref`.',
  '- Types: `nl.<domain>.<object>-<past-participle>`; a breaking change gets a new type with a `.v<N>` suffix and both versions are published for a while.',
].join('\n');

function topicsOf(name: DocumentName): CaseDomain[] {
  return name === 'ketens' ? ['wmo', 'omgevingswet'] : [name];
}

function definitionsIn(name: DocumentName): EventDefinition[] {
  return name === 'ketens' ? definitionsOf('ketens') : [...definitionsOf('ketens'), ...definitionsOf(name)];
}

/** Markdown description of one message: meaning, publishers, clock effect, personal data. */
export function messageDescription(d: EventDefinition): string {
  const lines = [
    d.description.nl,
    '',
    `*${d.description.en}*`,
    '',
    `- **Published by:** ${d.publishers.join(', ')}`,
    `- **Consumed by:** ${d.consumers.join(', ')}`,
    `- **Effect on legal clocks:** ${d.clockEffect}`,
    `- **Personal data:** ${d.personalData ? 'yes (BSN in data; deliver need-to-know only)' : 'no'}`,
  ];
  if (d.sets) lines.push(`- **Sets fact:** ${d.sets.fact} (owner: ${d.sets.owners.join(', ')})`);
  if (d.standaardbericht) lines.push(`- **Standard message:** ${d.standaardbericht}`);
  return lines.join('\n');
}

function exampleFor(type: EventType, topic: CaseDomain) {
  const subject =
    topic === 'wmo' ? '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f' : '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
  const event = makeEvent(type, undefined, {
    subject,
    sequence: '1',
    sequencetype: 'Integer',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
  // A chain case opened on the omgevingswet topic is an omgevingswet case.
  if (type === 'nl.ketens.ketenzaak-geopend' && topic === 'omgevingswet') {
    const data = event.data as Record<string, unknown>;
    Object.assign(data, {
      domein: 'omgevingswet',
      rol: 'bevoegd-gezag',
      oin: '00000099400000004000',
      systeem: 'vth',
      zaakreferentie: 'OLO-2026-4711',
      procedure: 'regulier',
    });
  }
  const record = toKafkaRecord(event as Parameters<typeof toKafkaRecord>[0]);
  return { name: 'voorbeeld', summary: `Example ${type}`, headers: { ...record.headers }, payload: event };
}

function headersSchema(type: string): JsonSchema {
  return {
    type: 'object',
    properties: {
      'content-type': { type: 'string', const: 'application/cloudevents+json' },
      ce_specversion: { type: 'string', const: '1.0' },
      ce_type: { type: 'string', const: type },
      ce_id: { type: 'string' },
      ce_source: { type: 'string' },
    },
    required: ['content-type', 'ce_type', 'ce_id', 'ce_source'],
  };
}

function operationId(role: PublisherRole, action: 'send' | 'receive', topic: CaseDomain): string {
  const camel = role.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return `${camel}${action === 'send' ? 'Publishes' : 'Receives'}${topic === 'wmo' ? 'Wmo' : 'Omgevingswet'}`;
}

/**
 * Builds one AsyncAPI 3.0 document. Payloads are `$ref`s to the generated JSON Schema files
 * (`../schemas/<type>.json`): local files only, never http.
 */
export function buildDocument(name: DocumentName, options: DocumentOptions = {}): Record<string, unknown> {
  const partitions = options.partitions ?? DEFAULT_PARTITIONS;
  const definitions = definitionsIn(name);
  const topics = topicsOf(name);

  const messages: Record<string, unknown> = {};
  for (const d of definitions) {
    messages[d.type] = {
      name: d.type,
      title: d.type,
      summary: d.description.en,
      description: messageDescription(d),
      contentType: 'application/cloudevents+json',
      headers: headersSchema(d.type),
      payload: {
        schemaFormat: 'application/schema+json;version=draft-07',
        schema: { $ref: `${SCHEMA_REF_PREFIX}${schemaFileName(d.type)}` },
      },
      bindings: {
        kafka: {
          key: { type: 'string', format: 'uuid', description: 'Chain case id' },
          bindingVersion: '0.5.0',
        },
      },
      examples: [exampleFor(d.type as EventType, topics[0]!)],
      tags: [{ name: d.domain }, ...(d.personalData ? [{ name: 'persoonsgegevens' }] : [])],
    };
  }

  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const topic of topics) {
    channels[topic] = {
      address: topic,
      title: `Kafka topic ${topic}`,
      description:
        `All events of ${topic} chain cases, including their chain-level nl.ketens.* events. ` +
        'Record key = chain case id, so each case is ordered within one partition. Retention is unlimited: ' +
        'the topic is the replayable history of every chain case.',
      messages: Object.fromEntries(
        definitions.map((d) => [d.type, { $ref: `#/components/messages/${d.type}` }]),
      ),
      bindings: {
        kafka: {
          topic,
          partitions,
          topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': -1 },
          bindingVersion: '0.5.0',
        },
      },
    };
    for (const role of publisherRoles) {
      for (const action of ['send', 'receive'] as const) {
        const list = definitions.filter((d) =>
          (action === 'send' ? d.publishers : d.consumers).includes(role as never),
        );
        if (list.length === 0) continue;
        operations[operationId(role, action, topic)] = {
          action,
          channel: { $ref: `#/channels/${topic}` },
          title: `${role} ${action === 'send' ? 'publishes' : 'receives'} on ${topic}`,
          summary:
            action === 'send'
              ? `Event types a ${role} may publish on ${topic} (the gateway checks the source's role).`
              : `Event types a ${role} typically consumes from ${topic} (subject to its access level).`,
          messages: list.map((d) => ({ $ref: `#/channels/${topic}/messages/${d.type}` })),
          tags: [{ name: role }],
        };
      }
    }
  }

  return {
    asyncapi: '3.0.0',
    id: `urn:ketenhub:contract:${name}`,
    info: {
      title: titles[name],
      version: CONTRACT_VERSION,
      description: `${intros[name]}\n${envelopeNotes}${name === 'wmo' ? productcategorieNote() : ''}`,
      license: {
        name: 'EUPL-1.2',
        url: 'https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12',
      },
      tags: [{ name: 'ketens' }, ...(name === 'ketens' ? [] : [{ name }])],
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      local: {
        host: options.localKafka ?? '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'Local single-node KRaft broker (npm run kafka:start)',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

function productcategorieNote(): string {
  const rows = Object.entries(wmoProductcategorieen)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, name]) => `- ${code} ${name}`);
  return `\n\n## WMO020 product categories accepted\n${rows.join('\n')}`;
}

/**
 * The document with every schema `$ref` replaced by the schema itself: what the gateway serves at
 * `GET /asyncapi/<name>` so a consumer needs no second request.
 */
export function bundledDocument(name: DocumentName, options: DocumentOptions = {}): Record<string, unknown> {
  const schemas = allSchemas();
  const doc = buildDocument(name, options);
  const inline = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(inline);
    if (value && typeof value === 'object') {
      const ref = (value as { $ref?: unknown }).$ref;
      if (typeof ref === 'string' && ref.startsWith(SCHEMA_REF_PREFIX)) {
        const schema = schemas[ref.slice(SCHEMA_REF_PREFIX.length)];
        if (!schema) throw new Error(`bundledDocument: no schema ${ref}`);
        return schema;
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inline(v)]));
    }
    return value;
  };
  return inline(doc) as Record<string, unknown>;
}

/** The catalog entry of a type (re-exported for the docs generator). */
export function definitionFor(type: EventType): EventDefinition {
  return catalog[type] as EventDefinition;
}
