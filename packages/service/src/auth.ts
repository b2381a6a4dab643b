import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { AppError } from './errors';

/**
 * A case worker as the hub sees them: the organisation (OIN) they act for, their roles in the
 * chain, and a pseudonymous subject for the processing log.
 */
export interface CaseWorker {
  kind: 'case-worker';
  /** Subject (user id at the organisation's identity provider). */
  sub: string;
  oin: string;
  roles: string[];
  issuer: string;
  /** Display name, when the IdP sends one; for the UI only. */
  name?: string;
  /** When the token expires (its `exp`): open streams end then. */
  expiresAtMs: number;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  oin: z.string().regex(/^\d{20}$/, 'must be a 20-digit OIN'),
  roles: z.array(z.string().min(1)).min(1),
  name: z.string().optional(),
});

/**
 * Which organisations an issuer may speak for: a list of OINs, or a pattern (a regular expression
 * matched against the whole OIN). An organisation's identity provider asserts its own OIN (and
 * perhaps its sub-OINs), never another's: a token naming an OIN outside its binding is refused.
 */
export type OinBinding = { oins: string[] } | { oinPattern: string };

/**
 * A trusted issuer of case-worker tokens. Production: an organisation's identity provider with
 * its JWKS URL (asymmetric keys). Development and tests: the hub's own dev issuer, HS256 with a
 * shared secret (`KETENHUB_DEV_TOKEN_SECRET`), switched off unless dev tokens are enabled.
 */
export type IssuerConfig = (
  | { issuer: string; audience: string; jwksUrl: string }
  | { issuer: string; audience: string; secret: string }
) &
  OinBinding;

export const devIssuer = 'urn:ketenhub:dev-issuer';

/** The dev issuer speaks only for test organisations (OIN prefix 00000099, DOMAIN.md section 2). */
export const devIssuerOinPattern = '00000099\\d{12}';

function oinMatcher(binding: OinBinding): (oin: string) => boolean {
  if ('oins' in binding) {
    const set = new Set(binding.oins);
    return (oin) => set.has(oin);
  }
  const re = new RegExp(`^(?:${binding.oinPattern})$`);
  return (oin) => re.test(oin);
}
export const caseWorkerAudience = 'ketenhub';

export interface CaseWorkerVerifier {
  verify(token: string): Promise<CaseWorker>;
}

/**
 * Verified tokens are remembered until they expire (at most `cacheSize` of them): a case worker's
 * browser sends the same token with every request and SSE reconnect, and a signature check per
 * request was the largest single CPU cost of a cached read. Only successful checks are kept, and a
 * kept token is still refused the moment its `exp` passes.
 */
export function createCaseWorkerVerifier(issuers: IssuerConfig[], cacheSize = 10_000): CaseWorkerVerifier {
  const verified = new Map<string, { worker: CaseWorker; expiresAtMs: number }>();
  const keys = new Map<
    string,
    { audience: string; key: JWTVerifyGetKey | Uint8Array; mayAssert: (oin: string) => boolean }
  >();
  for (const cfg of issuers) {
    keys.set(cfg.issuer, {
      audience: cfg.audience,
      key: 'secret' in cfg ? new TextEncoder().encode(cfg.secret) : createRemoteJWKSet(new URL(cfg.jwksUrl)),
      mayAssert: oinMatcher(cfg),
    });
  }
  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit) {
        if (Date.now() < hit.expiresAtMs) return hit.worker;
        verified.delete(token);
      }
      let issuer: string | undefined;
      try {
        const [, payload] = token.split('.');
        issuer = (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as JWTPayload).iss;
      } catch {
        throw new AppError('unauthenticated', 'the bearer token is not a JWT');
      }
      const entry = issuer ? keys.get(issuer) : undefined;
      if (!entry || !issuer)
        throw new AppError('unauthenticated', 'the token issuer is not trusted by this hub');
      let payload: JWTPayload;
      try {
        const verified =
          entry.key instanceof Uint8Array
            ? await jwtVerify(token, entry.key, { issuer, audience: entry.audience, algorithms: ['HS256'] })
            : await jwtVerify(token, entry.key, { issuer, audience: entry.audience });
        payload = verified.payload;
      } catch (error) {
        throw new AppError('unauthenticated', `the token is not valid: ${(error as Error).message}`);
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) {
        throw new AppError('unauthenticated', 'the token lacks the claims sub, oin (20 digits) and roles', {
          violations: claims.error.issues.map((i) => ({
            field: `token.${i.path.join('.')}`,
            rule: 'claim',
            message: `token.${i.path.join('.')}: ${i.message}`,
          })),
        });
      }
      if (!entry.mayAssert(claims.data.oin)) {
        throw new AppError('unauthenticated', 'the token issuer may not speak for this organisation', {
          violations: [
            {
              field: 'token.oin',
              rule: 'issuer-oin',
              message: `token.oin: ${issuer} is not bound to organisation ${claims.data.oin}`,
            },
          ],
        });
      }
      // A token that never expires would keep a stream (and a stolen token) open for ever.
      if (typeof payload.exp !== 'number') {
        throw new AppError('unauthenticated', 'the token has no expiry (exp)', {
          violations: [{ field: 'token.exp', rule: 'required', message: 'token.exp: is required' }],
        });
      }
      // Frozen: the same object answers every request that carries this token.
      const worker: CaseWorker = Object.freeze({
        kind: 'case-worker' as const,
        issuer,
        ...claims.data,
        roles: Object.freeze([...claims.data.roles]) as string[],
        expiresAtMs: payload.exp * 1000,
      });
      if (verified.size >= cacheSize) {
        const oldest = verified.keys().next().value;
        if (oldest !== undefined) verified.delete(oldest);
      }
      verified.set(token, { worker, expiresAtMs: payload.exp * 1000 });
      return worker;
    },
  };
}

/** Signs a development case-worker token (the registry's `POST /dev/tokens`, tests). */
export async function signDevToken(
  secret: string,
  claims: { sub: string; oin: string; roles: string[]; name?: string },
  ttlSeconds = 8 * 3600,
): Promise<string> {
  return new SignJWT({ oin: claims.oin, roles: claims.roles, ...(claims.name ? { name: claims.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(devIssuer)
    .setAudience(caseWorkerAudience)
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(secret));
}

/** The bearer token of an Authorization header, or a 401. */
export function bearerToken(header: string | undefined): string {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) throw new AppError('unauthenticated', 'send Authorization: Bearer <token>');
  return m[1];
}

/** Auth variables shared by every service that serves case workers. */
export const authEnv = z.object({
  /**
   * Trusted identity providers as JSON: `[{"issuer","audience","jwksUrl","oins"|"oinPattern"}]`.
   * Each names the organisations it may speak for (`oins`: a list, or `oinPattern`: a regular
   * expression for the whole OIN). Case-worker tokens must carry `sub`, `oin`, `roles` and `exp`.
   */
  KETENHUB_JWT_ISSUERS: z
    .string()
    .default('[]')
    .transform((raw, ctx) => {
      const base = { issuer: z.string().min(1), audience: z.string().min(1), jwksUrl: z.url() };
      const oin = z.string().regex(/^\d{20}$/, 'must be a 20-digit OIN');
      const pattern = z.string().refine(
        (p) => {
          try {
            new RegExp(p);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be a regular expression' },
      );
      try {
        return z
          .array(
            z.union([
              z.strictObject({ ...base, oins: z.array(oin).min(1) }),
              z.strictObject({ ...base, oinPattern: pattern }),
            ]),
          )
          .parse(JSON.parse(raw));
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a JSON array of {issuer,audience,jwksUrl} with "oins" (a list) or "oinPattern": ${String(error)}`,
        });
        return z.NEVER;
      }
    }),
  /** Development tokens (`POST /dev/tokens` on the registry): on in `npm start` and tests only. */
  KETENHUB_DEV_TOKENS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** HS256 secret of the dev issuer; required when dev tokens are on. */
  KETENHUB_DEV_TOKEN_SECRET: z.string().min(32, 'at least 32 characters').optional(),
});
export type AuthEnv = z.infer<typeof authEnv>;

/** The issuer list a service trusts, from its parsed auth env. */
export function issuersFromEnv(env: AuthEnv): IssuerConfig[] {
  const issuers: IssuerConfig[] = [...env.KETENHUB_JWT_ISSUERS];
  if (env.KETENHUB_DEV_TOKENS) {
    if (!env.KETENHUB_DEV_TOKEN_SECRET)
      throw new Error('KETENHUB_DEV_TOKENS=true needs KETENHUB_DEV_TOKEN_SECRET');
    issuers.push({
      issuer: devIssuer,
      audience: caseWorkerAudience,
      secret: env.KETENHUB_DEV_TOKEN_SECRET,
      oinPattern: devIssuerOinPattern,
    });
  }
  return issuers;
}
