// The case worker's session: an OpenID Connect authorization code flow with PKCE against the
// organisation's identity provider (the page is a public client: no secret, so the code is bound to
// this browser by the verifier), the tokens it returns, and their refresh. A pasted token (for
// developers) has no refresh and ends when it expires.
//
// Tokens live in sessionStorage: gone when the tab closes, never sent anywhere but in the
// Authorization header of this origin's API calls.

const sessieKey = 'ketenhub.sessie';
const loginKey = 'ketenhub.login';

function b64url(bytes) {
  let text = '';
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(bytes = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function claims(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    );
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function redirectUri() {
  return `${location.origin}/ui/`;
}

async function discovery(issuer) {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`De identiteitsprovider antwoordt niet (${res.status}).`);
  const doc = await res.json();
  if (doc.issuer !== issuer) throw new Error('De identiteitsprovider noemt zich anders dan verwacht.');
  return doc;
}

/** Sends the browser to the provider's login; it comes back to /ui/ with a code. */
export async function startLogin(provider) {
  const doc = await discovery(provider.issuer);
  const verifier = random(32);
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = random(16);
  const nonce = random(16);
  sessionStorage.setItem(
    loginKey,
    JSON.stringify({
      verifier,
      state,
      nonce,
      issuer: provider.issuer,
      clientId: provider.clientId,
      tokenEndpoint: doc.token_endpoint,
      terug: location.hash,
    }),
  );
  const url = new URL(doc.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: provider.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid profile',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/**
 * On return from the provider: checks state and issuer, exchanges the code with the verifier and
 * checks the id token's issuer, audience and nonce (it came straight from the token endpoint, so
 * TLS vouches for its origin). Returns true when a login was completed, throws when it failed.
 */
export async function completeLogin() {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return false;
  const pending = read(loginKey);
  sessionStorage.removeItem(loginKey);
  history.replaceState(null, '', `/ui/${pending?.terug ?? ''}`);
  if (!pending || params.get('state') !== pending.state)
    throw new Error('Inloggen mislukt: onbekend antwoord.');
  if (params.has('iss') && params.get('iss') !== pending.issuer)
    throw new Error('Inloggen mislukt: andere provider.');
  if (params.has('error')) {
    throw new Error(`Inloggen mislukt: ${params.get('error_description') ?? params.get('error')}`);
  }
  const tokens = await tokenRequest(pending.tokenEndpoint, {
    grant_type: 'authorization_code',
    code: params.get('code'),
    redirect_uri: redirectUri(),
    client_id: pending.clientId,
    code_verifier: pending.verifier,
  });
  const id = claims(tokens.id_token ?? '');
  const aud = Array.isArray(id?.aud) ? id.aud : [id?.aud];
  if (!id || id.iss !== pending.issuer || !aud.includes(pending.clientId) || id.nonce !== pending.nonce) {
    throw new Error('Inloggen mislukt: het id-token hoort niet bij deze aanvraag.');
  }
  store(tokens, pending);
  return true;
}

async function tokenRequest(endpoint, fields) {
  const res = await fetch(endpoint, { method: 'POST', body: new URLSearchParams(fields) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new Error(`De identiteitsprovider weigert: ${body.error_description ?? body.error ?? res.status}`);
  return body;
}

function store(tokens, provider) {
  sessionStorage.setItem(
    sessieKey,
    JSON.stringify({
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      tokenEndpoint: provider.tokenEndpoint,
      clientId: provider.clientId,
      issuer: provider.issuer,
    }),
  );
}

export function pasteToken(token) {
  sessionStorage.setItem(sessieKey, JSON.stringify({ accessToken: token, refreshToken: null }));
}

export function logout() {
  sessionStorage.removeItem(sessieKey);
}

export function loggedIn() {
  return Boolean(read(sessieKey)?.accessToken);
}

let refreshing = null;

/** A fresh access token from the refresh token (rotated by the provider), or null. */
export async function refresh() {
  const s = read(sessieKey);
  if (!s?.refreshToken) return null;
  // Two streams that end together share one refresh: the refresh token works once.
  refreshing ??= tokenRequest(s.tokenEndpoint, {
    grant_type: 'refresh_token',
    refresh_token: s.refreshToken,
    client_id: s.clientId,
  })
    .then((tokens) => {
      store(tokens, s);
      return tokens.access_token;
    })
    .catch(() => null)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** The access token to send; refreshed first when it expires within 20 seconds. */
export async function accessToken() {
  const s = read(sessieKey);
  if (!s?.accessToken) return null;
  const exp = claims(s.accessToken)?.exp;
  if (typeof exp === 'number' && exp * 1000 - Date.now() < 20_000 && s.refreshToken) {
    return (await refresh()) ?? s.accessToken;
  }
  return s.accessToken;
}

export function currentClaims() {
  const s = read(sessieKey);
  return s?.accessToken ? claims(s.accessToken) : null;
}
