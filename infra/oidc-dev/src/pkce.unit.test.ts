import { describe, expect, test } from 'vitest';
import { checkChallenge, redirectUriAllowed, s256Challenge, verifyPkce } from './pkce';

describe('PKCE (RFC 7636)', () => {
  // The example of RFC 7636 appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  test('S256 of the RFC example', () => {
    expect(s256Challenge(verifier)).toBe(challenge);
  });

  test('the right verifier passes, anything else does not', () => {
    expect(verifyPkce(verifier, challenge)).toEqual({ ok: true });
    expect(verifyPkce(`${verifier.slice(0, -1)}l`, challenge)).toEqual({
      ok: false,
      reason: 'code_verifier does not match the code_challenge',
    });
    expect(verifyPkce(undefined, challenge)).toMatchObject({
      ok: false,
      reason: 'code_verifier is required',
    });
    // The challenge itself is no verifier (a code and a challenge seen in the address bar are not enough).
    expect(verifyPkce(challenge, challenge).ok).toBe(false);
  });

  test('verifiers outside 43-128 unreserved characters are refused before hashing', () => {
    expect(verifyPkce('a'.repeat(42), s256Challenge('a'.repeat(42))).ok).toBe(false);
    expect(verifyPkce('a'.repeat(129), s256Challenge('a'.repeat(129))).ok).toBe(false);
    expect(verifyPkce(`${'a'.repeat(42)}+`, s256Challenge(`${'a'.repeat(42)}+`)).ok).toBe(false);
    expect(verifyPkce('a'.repeat(128), s256Challenge('a'.repeat(128)))).toEqual({ ok: true });
  });

  test('only S256 challenges are taken', () => {
    expect(checkChallenge(challenge, 'S256')).toEqual({ ok: true });
    expect(checkChallenge(verifier, 'plain').ok).toBe(false);
    expect(checkChallenge(undefined, 'S256').ok).toBe(false);
    expect(checkChallenge('kort', 'S256').ok).toBe(false);
  });
});

describe('redirect URIs', () => {
  const registered = ['http://127.0.0.1/ui/', 'https://hub.example.nl/ui/'];

  test('loopback matches on any port, other hosts exactly', () => {
    expect(redirectUriAllowed(registered, 'http://127.0.0.1:8081/ui/')).toBe(true);
    expect(redirectUriAllowed(registered, 'http://127.0.0.1:39123/ui/')).toBe(true);
    expect(redirectUriAllowed(registered, 'https://hub.example.nl/ui/')).toBe(true);
    expect(redirectUriAllowed(registered, 'https://hub.example.nl:8443/ui/')).toBe(false);
  });

  test('another path, host, scheme or a fragment is refused', () => {
    expect(redirectUriAllowed(registered, 'http://127.0.0.1:8081/elders/')).toBe(false);
    expect(redirectUriAllowed(registered, 'http://127.0.0.2:8081/ui/')).toBe(false);
    expect(redirectUriAllowed(registered, 'http://evil.example/ui/')).toBe(false);
    expect(redirectUriAllowed(registered, 'http://127.0.0.1:8081/ui/#x')).toBe(false);
    expect(redirectUriAllowed(registered, 'niet een adres')).toBe(false);
  });
});
