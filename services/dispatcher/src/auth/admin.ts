import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError, bearerToken } from '@ketenhub/service';
import type { RequestHandler } from 'express';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Requires the operator token (`KETENHUB_ADMIN_TOKEN`). Digests of equal length are compared, so
 * the check takes the same time whatever the length or prefix of a wrong token.
 */
export function requireAdmin(adminToken: string): RequestHandler {
  const expected = sha256(adminToken);
  return (req, _res, next) => {
    if (!timingSafeEqual(sha256(bearerToken(req.header('authorization'))), expected)) {
      throw new AppError('unauthenticated', 'the operator token is not valid');
    }
    next();
  };
}
