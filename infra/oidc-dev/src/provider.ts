import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { loginPage, problemPage } from './pages';
import { checkChallenge, redirectUriAllowed, verifyPkce } from './pkce';

/**
 * A small OpenID Connect provider for development: the identity provider of the hub's demo
 * organisations. It does what an organisation's real provider does for the case workers' page
 * (discovery, authorization code flow with PKCE, RS256 tokens from a published JWKS, refresh with
 * rotation), with one difference: instead of a password, the login page lets you pick a demo user
 * (an organisation and a role). It is not for production: no consent, no sessions, keys and
 * grants live in memory and are new at every start.
 */

/** A demo case worker: the claims the hub needs (`sub`, `oin`, `roles`) and a name to show. */
export interface DemoUser {
  sub: string;
  /** Display name of the person. */
  name: string;
  oin: string;
  /** Name of the organisation, for the login page. */
  organisatie: string;
  /** What the person does there, for the login page ("WMO-consulent"). */
  functie: string;
  roles: string[];
}

/** A relying party: the case workers' page of a hub. Public client (no secret), so PKCE is required. */
export interface OidcClient {
  clientId: string;
  redirectUris: string[];
}

export interface DevIdpOptions {
  users: readonly DemoUser[];
  clients: readonly OidcClient[];
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Audience of the access tokens: the hub (`ketenhub`), whatever the client id. */
  audience?: string;
  /** Lifetime of access and id tokens; a case stream ends when its token does. */
  tokenTtlS?: number;
  refreshTtlS?: number;
  /** Milliseconds since the epoch; tests pass their own. */
  now?: () => number;
}

export interface DevIdp {
  issuer: string;
  jwksUrl: string;
  close(): Promise<void>;
}

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce?: string;
  sub: string;
  expiresAtMs: number;
}

interface RefreshGrant {
  clientId: string;
  sub: string;
  expiresAtMs: number;
}

/** How long a code may wait for its token request (RFC 6749 section 4.1.2 advises at most 10 minutes). */
const CODE_TTL_MS = 60_000;

/** The OpenID Connect provider on its own HTTP server; resolves once it listens. */
export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  const now = options.now ?? Date.now;
  const audience = options.audience ?? 'ketenhub';
  const tokenTtlS = options.tokenTtlS ?? 600;
  const refreshTtlS = options.refreshTtlS ?? 8 * 3600;
  const users = new Map(options.users.map((u) => [u.sub, u]));
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  // Keys are made at start: nothing to configure, nothing on disk, and a restart logs everybody out.
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, CodeGrant>();
  const refreshTokens = new Map<string, RefreshGrant>();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${String(error)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${options.host ?? '127.0.0.1'}:${port}`;

  const discovery = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile'],
    claims_supported: ['sub', 'name', 'oin', 'roles', 'iss', 'aud', 'exp', 'iat', 'nonce'],
    authorization_response_iss_parameter_supported: true,
  };

  async function sign(claims: Record<string, unknown>, sub: string, aud: string): Promise<string> {
    const iat = Math.floor(now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(iat + tokenTtlS)
      .setJti(randomUUID())
      .sign(privateKey);
  }

  async function tokens(user: DemoUser, clientId: string, nonce?: string) {
    const refresh = randomBytes(32).toString('base64url');
    refreshTokens.set(refresh, { clientId, sub: user.sub, expiresAtMs: now() + refreshTtlS * 1000 });
    const person = { oin: user.oin, roles: user.roles, name: user.name };
    return {
      access_token: await sign(
        { ...person, client_id: clientId, scope: 'openid profile' },
        user.sub,
        audience,
      ),
      id_token: await sign({ ...person, ...(nonce ? { nonce } : {}) }, user.sub, clientId),
      token_type: 'Bearer',
      expires_in: tokenTtlS,
      refresh_token: refresh,
      scope: 'openid profile',
    };
  }

  /** The authorization request's parameters, checked in the order RFC 6749 section 4.1.2.1 asks. */
  function authorizationRequest(params: URLSearchParams):
    | { ok: false; status: number; message: string }
    | { ok: false; redirect: string }
    | {
        ok: true;
        client: OidcClient;
        redirectUri: string;
        state: string | null;
        nonce: string | null;
        challenge: string;
      } {
    const client = clients.get(params.get('client_id') ?? '');
    const redirectUri = params.get('redirect_uri') ?? '';
    // Until the redirect URI is known to be the client's, an error is shown here, never redirected:
    // otherwise this page would send people to any address it is given.
    if (!client) return { ok: false, status: 400, message: 'Onbekende client_id.' };
    if (!redirectUriAllowed(client.redirectUris, redirectUri)) {
      return { ok: false, status: 400, message: 'Deze redirect_uri is niet geregistreerd voor de client.' };
    }
    const state = params.get('state');
    const fail = (error: string, description: string) => {
      const back = new URL(redirectUri);
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
      if (state) back.searchParams.set('state', state);
      back.searchParams.set('iss', issuer);
      return { ok: false as const, redirect: back.toString() };
    };
    if (params.get('response_type') !== 'code') return fail('unsupported_response_type', 'only code');
    if (!(params.get('scope') ?? '').split(' ').includes('openid')) {
      return fail('invalid_scope', 'scope must include openid');
    }
    const pkce = checkChallenge(
      params.get('code_challenge') ?? undefined,
      params.get('code_challenge_method') ?? undefined,
    );
    if (!pkce.ok) return fail('invalid_request', pkce.reason);
    return {
      ok: true,
      client,
      redirectUri,
      state,
      nonce: params.get('nonce'),
      challenge: params.get('code_challenge') ?? '',
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /.well-known/openid-configuration') return sendJson(res, 200, discovery, req);
    if (route === 'GET /jwks') return sendJson(res, 200, { keys: [jwk] }, req);
    if (route === 'GET /authorize') {
      const checked = authorizationRequest(url.searchParams);
      if ('redirect' in checked) return redirect(res, checked.redirect);
      if (!checked.ok) return send(res, checked.status, HTML, problemPage(checked.message));
      return send(
        res,
        200,
        HTML,
        loginPage(options.users, url.searchParams, url.searchParams.get('login_hint')),
      );
    }
    if (route === 'POST /authorize') {
      const form = new URLSearchParams(await body(req));
      const checked = authorizationRequest(form);
      if ('redirect' in checked) return redirect(res, checked.redirect);
      if (!checked.ok) return send(res, checked.status, HTML, problemPage(checked.message));
      const user = users.get(form.get('gebruiker') ?? '');
      if (!user) return send(res, 400, HTML, problemPage('Kies een van de demogebruikers.'));
      const code = randomBytes(32).toString('base64url');
      codes.set(code, {
        clientId: checked.client.clientId,
        redirectUri: checked.redirectUri,
        challenge: checked.challenge,
        ...(checked.nonce ? { nonce: checked.nonce } : {}),
        sub: user.sub,
        expiresAtMs: now() + CODE_TTL_MS,
      });
      const back = new URL(checked.redirectUri);
      back.searchParams.set('code', code);
      if (checked.state) back.searchParams.set('state', checked.state);
      // RFC 9207: the page can tell which provider answered (mix-up attacks).
      back.searchParams.set('iss', issuer);
      return redirect(res, back.toString());
    }
    if (route === 'POST /token') return token(req, res, new URLSearchParams(await body(req)));
    if (route === 'GET /login.css') return send(res, 200, 'text/css; charset=utf-8', LOGIN_CSS);
    if (req.method === 'OPTIONS') return cors(req, res, 204);
    return send(res, 404, 'text/plain; charset=utf-8', 'not found');
  }

  async function token(req: http.IncomingMessage, res: http.ServerResponse, form: URLSearchParams) {
    const refuse = (status: number, error: string, description: string) =>
      sendJson(res, status, { error, error_description: description }, req);
    const clientId = form.get('client_id') ?? '';
    if (!clients.has(clientId)) return refuse(401, 'invalid_client', 'unknown client_id');
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      // A code is used once, whether the exchange succeeds or not (RFC 6749 section 4.1.2).
      codes.delete(code);
      if (!grant || grant.expiresAtMs < now()) return refuse(400, 'invalid_grant', 'unknown or expired code');
      if (grant.clientId !== clientId)
        return refuse(400, 'invalid_grant', 'code was issued to another client');
      if (grant.redirectUri !== form.get('redirect_uri')) {
        return refuse(400, 'invalid_grant', 'redirect_uri differs from the authorization request');
      }
      const pkce = verifyPkce(form.get('code_verifier') ?? undefined, grant.challenge);
      if (!pkce.ok) return refuse(400, 'invalid_grant', pkce.reason);
      const user = users.get(grant.sub);
      if (!user) return refuse(400, 'invalid_grant', 'user no longer exists');
      return sendJson(res, 200, await tokens(user, clientId, grant.nonce), req);
    }
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const grant = refreshTokens.get(presented);
      // Rotation: every refresh token works once, so a stolen copy dies with the next refresh.
      refreshTokens.delete(presented);
      if (!grant || grant.expiresAtMs < now() || grant.clientId !== clientId) {
        return refuse(400, 'invalid_grant', 'unknown, used or expired refresh token');
      }
      const user = users.get(grant.sub);
      if (!user) return refuse(400, 'invalid_grant', 'user no longer exists');
      return sendJson(res, 200, await tokens(user, clientId), req);
    }
    return refuse(400, 'unsupported_grant_type', 'authorization_code or refresh_token');
  }

  /**
   * The page exchanges codes from its own origin, so the token endpoint answers with CORS for
   * the origins of the registered redirect URIs (any port on loopback, as for the redirects).
   */
  function cors(req: http.IncomingMessage, res: http.ServerResponse, status?: number) {
    const origin = req.headers.origin;
    if (
      origin &&
      [...clients.values()].some((c) => redirectUriAllowed(c.redirectUris.map(originOf), `${origin}/`))
    ) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
      res.setHeader('access-control-allow-methods', 'GET, POST');
      res.setHeader('access-control-allow-headers', 'content-type');
    }
    if (status !== undefined) {
      res.statusCode = status;
      res.end();
    }
  }

  function sendJson(res: http.ServerResponse, status: number, value: unknown, req: http.IncomingMessage) {
    cors(req, res);
    res.setHeader('cache-control', 'no-store');
    send(res, status, 'application/json', JSON.stringify(value));
  }

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const HTML = 'text/html; charset=utf-8';

function originOf(uri: string): string {
  return `${new URL(uri).origin}/`;
}

function send(res: http.ServerResponse, status: number, type: string, text: string) {
  res.statusCode = status;
  res.setHeader('content-type', type);
  if (type === HTML) {
    res.setHeader(
      'content-security-policy',
      "default-src 'none'; style-src 'self'; form-action 'self' http://127.0.0.1:* http://localhost:*; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader('referrer-policy', 'no-referrer');
  }
  res.end(text);
}

function redirect(res: http.ServerResponse, location: string) {
  res.statusCode = 302;
  res.setHeader('location', location);
  res.setHeader('cache-control', 'no-store');
  res.end();
}

async function body(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const LOGIN_CSS = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f3f3f3; color: #1a1a1a; }
main { max-width: 46rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 4px; }
h1 { font-size: 1.5rem; margin-top: 0; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
ul { list-style: none; padding: 0; margin: 0; }
li { margin: 0.25rem 0; }
button { font: inherit; width: 100%; text-align: left; padding: 0.6rem 0.8rem; border: 1px solid #5a5a5a;
  border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #e8f0fb; }
button:focus-visible { outline: 3px solid #0b4fa8; outline-offset: 2px; }
.rol { color: #4a4a4a; }
.let-op { background: #fff4ce; padding: 0.5rem 0.8rem; border-left: 4px solid #8a6d00; }
`;
