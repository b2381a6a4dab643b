import { createHash } from 'node:crypto';
import { AppError } from '@ketenhub/service';
import type { Request } from 'express';

/** SHA-256 (hex) of an abonnement's auth value, as configured in `callbackAuthSha256`. */
export function hashCallbackAuth(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Which source a callback comes from, by its Authorization header: Open Notificaties sends the
 * abonnement's `auth` value verbatim, so each source's abonnement gets a value of its own and the
 * connector keeps only its hash. Looking the hash up leaks nothing about a configured value's bytes
 * (the comparison is between digests of high-entropy secrets, as the registry does for tokens).
 */
export function createCallbackAuth(hashes: ReadonlyMap<string, string>) {
  return (req: Request): string => {
    const header = req.header('authorization');
    if (!header) {
      throw new AppError('unauthenticated', 'the callback needs the Authorization header of its abonnement');
    }
    const bron = hashes.get(hashCallbackAuth(header));
    if (!bron)
      throw new AppError('unauthenticated', 'the Authorization header matches no configured abonnement');
    return bron;
  };
}
