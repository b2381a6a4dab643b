import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Checks answers and bodies against the official Notificaties API 1.0 schemas (the fixture next to
 * this file, with its source and licence in README.md). For tests only: the services validate with
 * their own zod schemas, and these tests show the two agree.
 */
export type NotificatiesSchema =
  | 'Abonnement'
  | 'FilterGroup'
  | 'Kanaal'
  | 'Message'
  | 'Fout'
  | 'FieldValidationError'
  | 'ValidatieFout';

const document = JSON.parse(
  readFileSync(new URL('./notificaties-api-1.0.schemas.json', import.meta.url), 'utf8'),
) as { components: { schemas: Record<string, unknown> } };

// ajv-formats is CommonJS with a default export; under ESM interop it may come wrapped once.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

/**
 * `validate(name, value)` gives the schema errors as `path message` lines, [] when valid. A
 * response's `readOnly` fields are allowed (ajv only annotates them); for a request body, `auth`
 * is required and `url` would be ignored by the server.
 */
export function notificatiesApiValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'notificaties-api-1.0', components: document.components });
  const compiled = new Map<string, ValidateFunction>();
  const of = (name: NotificatiesSchema) => {
    let v = compiled.get(name);
    if (!v) {
      v = ajv.compile({ $ref: `notificaties-api-1.0#/components/schemas/${name}` });
      compiled.set(name, v);
    }
    return v;
  };
  return {
    validate(name: NotificatiesSchema, value: unknown): string[] {
      const v = of(name);
      if (v(value)) return [];
      return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
    },
  };
}
