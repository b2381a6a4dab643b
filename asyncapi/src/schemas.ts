import {
  catalog,
  type EventDefinition,
  type EventType,
  EXTENSION_NAME_PATTERN,
  envelopeSchema,
  eventDefinitions,
  toJsonSchema,
} from '@ketenhub/events';

/**
 * JSON Schemas (draft-07) generated from the zod schemas in @ketenhub/events: the zod catalog is the one
 * source of truth; these files are derived and checked for drift in CI.
 *
 * zod refinements (11-proef, OIN structure, cross-field rules such as omvang XOR budget where JSON Schema
 * cannot say it) are not expressible here, so the JSON Schema is a little more lenient than zod.
 */

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

const JSON_SCHEMA_DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** Extension attributes: CloudEvents naming rule, and values of the types CloudEvents allows. */
function withExtensionRules(schema: JsonSchema): JsonSchema {
  return {
    ...schema,
    propertyNames: { pattern: EXTENSION_NAME_PATTERN.source },
    additionalProperties: { type: ['string', 'integer', 'boolean'] },
  };
}

/** The envelope alone (data unconstrained): what every event on every topic satisfies. */
export function envelopeJsonSchema(): JsonSchema {
  const schema = withExtensionRules(toJsonSchema(envelopeSchema));
  const properties = { ...(schema.properties as Record<string, unknown>), data: {} };
  return {
    $schema: JSON_SCHEMA_DRAFT_07,
    $id: 'envelope.json',
    title: 'CloudEvent (NL GOV profile) envelope',
    ...stripSchemaKeyword(schema),
    properties,
    required: [...new Set([...((schema.required as string[]) ?? []), 'data'])],
  };
}

/** JSON Schema of `data` for one type. */
export function dataJsonSchema(type: EventType): JsonSchema {
  return stripSchemaKeyword(toJsonSchema(catalog[type].data));
}

/**
 * The whole structured-mode CloudEvent of one type (the Kafka record value): envelope attributes,
 * `type` fixed to the type name and `data` per the type's schema. Self-contained, no $refs.
 */
export function eventJsonSchema(type: EventType): JsonSchema {
  const definition = catalog[type] as EventDefinition;
  const envelope = envelopeJsonSchema();
  const properties = envelope.properties as Record<string, JsonSchema>;
  return {
    $schema: JSON_SCHEMA_DRAFT_07,
    $id: `${type}.json`,
    title: type,
    description: definition.description.en,
    type: 'object',
    properties: {
      ...properties,
      type: { type: 'string', const: type },
      data: dataJsonSchema(type),
    },
    required: envelope.required,
    propertyNames: envelope.propertyNames,
    additionalProperties: envelope.additionalProperties,
  };
}

function stripSchemaKeyword(schema: JsonSchema): JsonSchema {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/** File name (inside `schemas/`) of a type's event schema. */
export function schemaFileName(type: string): string {
  return `${type}.json`;
}

let cached: Record<string, JsonSchema> | undefined;

/** All generated schema files: name -> schema. Computed once per process; treat as read-only. */
export function allSchemas(): Readonly<Record<string, JsonSchema>> {
  if (!cached) {
    const out: Record<string, JsonSchema> = { 'envelope.json': envelopeJsonSchema() };
    for (const d of eventDefinitions) out[schemaFileName(d.type)] = eventJsonSchema(d.type);
    cached = out;
  }
  return cached;
}
