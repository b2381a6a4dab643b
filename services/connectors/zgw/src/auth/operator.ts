import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, bearerToken } from '@ketenhub/service';
import type { RequestHandler } from 'express';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Requires the connector's operator token. Both sides are hashed before the constant-time
 * comparison, so neither the token's length nor a matching prefix leaks through timing.
 */
export function requireOperator(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const given = digest(bearerToken(req.header('authorization')));
    if (!timingSafeEqual(given, expected))
      throw new AppError('unauthenticated', 'the operator token is not valid');
    next();
  };
}
