import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, bearerToken } from '@ketenhub/service';
import type { RequestHandler } from 'express';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Requires the operator token. Both sides are hashed first so the comparison is constant time
 * regardless of length (timingSafeEqual needs equal lengths; comparing raw strings of different
 * length would leak the token's length, and `===` leaks the matching prefix).
 */
export function requireAdmin(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, _res, next) => {
    const given = digest(bearerToken(req.header('authorization')));
    if (!timingSafeEqual(given, expected)) {
      throw new AppError('unauthenticated', 'the operator token is not valid');
    }
    next();
  };
}
