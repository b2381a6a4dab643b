import { toViolations } from '@ketenhub/events';
import { AppError } from '@ketenhub/service';
import type { z } from 'zod';

/** Parses query or path parameters; a bad value is a 400 naming the field and the rule. */
export function parseParams<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'query' | 'path',
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const violations = toViolations(r.error.issues, [where], value);
  throw new AppError('invalid-request', violations.map((v) => v.message).join('; '), { violations });
}
