import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { s256Challenge } from './pkce';
import { type DevIdp, startDevIdp } from './provider';

/** The provider's endpoints over real HTTP on loopback, as the case workers' page uses them. */
let idp: DevIdp;
const redirectUri = 'http://127.0.0.1:8081/ui/';
const user = {
  sub: 'consulent-wmo',
  name: 'Fatima Consulent',
  oin: '00000099100000001000',
  organisatie: 'Gemeente Voorbeeldstad',
  functie: 'WMO-consulent',
  roles: ['gemeente'],
};

beforeAll(async () => {
  idp = await startDevIdp({
    users: [user],
    clients: [{ clientId: 'ketenhub', redirectUris: ['http://127.0.0.1/ui/'] }],
    tokenTtlS: 120,
  });
});
afterAll(() => idp.close());

function authorizeParams(challenge: string, extra: Record<string, string> = {}) {
  return new URLSearchParams({
    response_type: 'code',
    client_id: 'ketenhub',
    redirect_uri: redirectUri,
    scope: 'openid profile',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
}

/** The login page's form, submitted for the demo user: the code from the redirect. */
async function codeFor(challenge: string): Promise<string> {
  const form = authorizeParams(challenge);
  form.set('gebruiker', user.sub);
  const res = await fetch(`${idp.issuer}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location') ?? '');
  expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
  expect(back.searchParams.get('state')).toBe('st-1');
  expect(back.searchParams.get('iss')).toBe(idp.issuer);
  return back.searchParams.get('code') ?? '';
}

const exchange = (fields: Record<string, string>) =>
  fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { origin: 'http://127.0.0.1:8081' },
    body: new URLSearchParams({ client_id: 'ketenhub', redirect_uri: redirectUri, ...fields }),
  });

describe('the development OpenID Connect provider', () => {
  test('discovery names its endpoints and offers only the code flow with S256', async () => {
    const doc = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    expect(doc).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/authorize`,
      token_endpoint: `${idp.issuer}/token`,
      jwks_uri: idp.jwksUrl,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
  });

  test('the login page lists the demo users; an unregistered redirect_uri is shown an error, not redirected', async () => {
    const page = await fetch(`${idp.issuer}/authorize?${authorizeParams(s256Challenge('v'.repeat(43)))}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Fatima Consulent');
    const evil = await fetch(
      `${idp.issuer}/authorize?${authorizeParams(s256Challenge('v'.repeat(43)), { redirect_uri: 'http://evil.example/ui/' })}`,
      { redirect: 'manual' },
    );
    expect(evil.status).toBe(400);
    expect(evil.headers.get('location')).toBeNull();
    const noPkce = authorizeParams('');
    noPkce.delete('code_challenge');
    const refused = await fetch(`${idp.issuer}/authorize?${noPkce}`, { redirect: 'manual' });
    expect(refused.status).toBe(302);
    expect(new URL(refused.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_request');
  });

  test('a code is exchanged only with its verifier, and only once', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const wrong = await exchange({
      grant_type: 'authorization_code',
      code: await codeFor(s256Challenge(verifier)),
      code_verifier: randomBytes(32).toString('base64url'),
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });

    const code = await codeFor(s256Challenge(verifier));
    const ok = await exchange({ grant_type: 'authorization_code', code, code_verifier: verifier });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8081');
    const tokens = (await ok.json()) as { access_token: string; id_token: string; refresh_token: string };
    const again = await exchange({ grant_type: 'authorization_code', code, code_verifier: verifier });
    expect(again.status).toBe(400);

    // The access token is what the hub verifies: RS256 from the JWKS, audience ketenhub, the claims it needs.
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(idp.jwksUrl)), {
      issuer: idp.issuer,
      audience: 'ketenhub',
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({ sub: user.sub, oin: user.oin, roles: ['gemeente'], name: user.name });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(120);
    expect(decodeJwt(tokens.id_token)).toMatchObject({ nonce: 'n-1', aud: 'ketenhub', iss: idp.issuer });

    // Refresh tokens rotate: each works once.
    const refreshed = await exchange({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    const reused = await exchange({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(reused.status).toBe(400);
  });

  test('a code for one redirect_uri is not exchanged for another', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const res = await exchange({
      grant_type: 'authorization_code',
      code: await codeFor(s256Challenge(verifier)),
      code_verifier: verifier,
      redirect_uri: 'http://127.0.0.1:9999/ui/',
    });
    expect(res.status).toBe(400);
  });
});
