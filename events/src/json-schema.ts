import { z } from 'zod';

/**
 * JSON Schema (draft-07, as AsyncAPI and ajv expect) of a contract schema. Lives here so packages that
 * publish the contract (asyncapi/) need no zod of their own and always convert with the same options.
 * Refinements (11-proef, OIN structure, cross-field rules) cannot be expressed and are left out: zod
 * stays the stricter validator.
 */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  // io 'input': the shape a producer must send (no transforms or defaults in the contract).
  return z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
