import { createHash, randomBytes } from 'node:crypto';

/** Recognisable prefix: secret scanners and people can tell a Ketenhub system token from other secrets. */
export const systemTokenPrefix = 'khs_';

/** A new system token: 256 random bits, base64url. Shown once; only its hash is stored. */
export function newSystemToken(): string {
  return `${systemTokenPrefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 of a system token, hex. A plain fast hash is right here, unlike for passwords: the token
 * is 256 random bits, so there is nothing to guess from a leaked hash (no dictionary, 2^256
 * candidates), and slow hashes (bcrypt/argon2) would only add milliseconds to every request the
 * gateway authenticates. The gateway computes the same hash and looks it up.
 */
export function hashSystemToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
