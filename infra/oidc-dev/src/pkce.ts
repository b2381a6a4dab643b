import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Proof Key for Code Exchange (RFC 7636), the part of the authorization code flow that binds a
 * code to the browser that asked for it: the page sends `code_challenge = BASE64URL(SHA-256(verifier))`
 * with the authorization request and the verifier itself with the token request, so a code that
 * leaks through the redirect (history, logs, a malicious extension) is worthless on its own.
 */

/** RFC 7636 section 4.1: 43 to 128 characters of the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** A S256 challenge is the base64url of 32 bytes: 43 characters, no padding. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export type PkceCheck = { ok: true } | { ok: false; reason: string };

export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Whether an authorization request's challenge can be checked later; only S256 is offered. */
export function checkChallenge(challenge: string | undefined, method: string | undefined): PkceCheck {
  if (!challenge) return { ok: false, reason: 'code_challenge is required (PKCE)' };
  // "plain" would send the verifier itself through the browser's address bar.
  if (method !== 'S256') return { ok: false, reason: 'code_challenge_method must be S256' };
  if (!CHALLENGE.test(challenge)) return { ok: false, reason: 'code_challenge is not a S256 challenge' };
  return { ok: true };
}

/** The token request's verifier against the challenge stored with the code. */
export function verifyPkce(verifier: string | undefined, challenge: string): PkceCheck {
  if (!verifier) return { ok: false, reason: 'code_verifier is required' };
  if (!VERIFIER.test(verifier)) return { ok: false, reason: 'code_verifier is malformed' };
  const expected = Buffer.from(challenge, 'ascii');
  const actual = Buffer.from(s256Challenge(verifier), 'ascii');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, reason: 'code_verifier does not match the code_challenge' };
  }
  return { ok: true };
}

/**
 * Whether a requested redirect URI is one registered for the client. Exact match, except that a
 * loopback http URI matches on any port (RFC 8252 section 7.3): the hub's page runs on whatever
 * port this machine gave it, and nothing but this machine can receive a loopback redirect.
 */
export function redirectUriAllowed(registered: readonly string[], requested: string): boolean {
  let asked: URL;
  try {
    asked = new URL(requested);
  } catch {
    return false;
  }
  if (asked.hash) return false;
  return registered.some((r) => {
    if (r === requested) return true;
    const reg = new URL(r);
    const loopback = (u: URL) =>
      u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]');
    return (
      loopback(reg) &&
      loopback(asked) &&
      reg.hostname === asked.hostname &&
      reg.pathname === asked.pathname &&
      reg.search === asked.search
    );
  });
}
