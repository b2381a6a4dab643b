import { validateEvent } from '@ketenhub/events';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { buildDocument, documentNames } from './document';
import { allSchemas, type JsonSchema } from './schemas';

// @asyncapi/parser does not check examples against payloads for AsyncAPI 3, so this test does: every
// example must satisfy the generated JSON Schema (ajv) and the zod schema it was generated from.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const schemas = allSchemas();
const validators = new Map(Object.entries(schemas).map(([file, schema]) => [file, ajv.compile(schema)]));

type Message = {
  payload: { schema: { $ref: string } };
  headers: JsonSchema;
  examples: { headers: unknown; payload: unknown }[];
};

const cases = documentNames.flatMap((name) => {
  const messages = (buildDocument(name).components as { messages: Record<string, Message> }).messages;
  return Object.entries(messages).map(([type, m]) => [name, type, m] as const);
});

describe('message examples', () => {
  it.each(cases)('%s: %s example passes ajv and zod', (_doc, type, message) => {
    const file = message.payload.schema.$ref.replace('../schemas/', '');
    const validate = validators.get(file);
    expect(validate, file).toBeDefined();
    const validateHeaders = ajv.compile(message.headers);
    expect(message.examples.length).toBeGreaterThan(0);
    for (const example of message.examples) {
      expect(validate!(example.payload) ? [] : validate!.errors).toEqual([]);
      expect(validateHeaders(example.headers) ? [] : validateHeaders.errors).toEqual([]);
      const zod = validateEvent(example.payload);
      expect(zod.ok ? [] : zod.violations).toEqual([]);
      expect((example.payload as { type: string }).type).toBe(type);
    }
  });

  it('the JSON Schemas reject what the contract rejects structurally', () => {
    const validate = validators.get('nl.wmo.toewijzing-verzonden.json')!;
    const example = (buildDocument('wmo').components as { messages: Record<string, Message> }).messages[
      'nl.wmo.toewijzing-verzonden'
    ]!.examples[0]!.payload as { data: { toewijzing: Record<string, unknown> } };
    const both = structuredClone(example);
    both.data.toewijzing.budgetInCenten = 1000; // omvang XOR budget
    expect(validate(both)).toBe(false);
    const badSubject = { ...structuredClone(example), subject: '999993653' };
    expect(validate(badSubject)).toBe(false);
    const badExtension = { ...structuredClone(example), Bad_Name: 'x' };
    expect(validate(badExtension)).toBe(false);
  });
});
