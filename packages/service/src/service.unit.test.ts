import express from 'express';
import { SignJWT } from 'jose';
import { describe, expect, it, test } from 'vitest';
import { z } from 'zod';
import { authEnv, createCaseWorkerVerifier, devIssuer, devIssuerOinPattern, signDevToken } from './auth';
import { commonEnv, hubEnv, loadEnv } from './env';
import { AppError, problemMiddleware, toProblem } from './errors';
import { closeServer, listen } from './http';
import { createLogger } from './logger';
import { childTrace, formatTraceparent, parseTraceparent } from './trace';

const secret = 'a-development-secret-of-at-least-32-chars';

describe('env', () => {
  it('applies defaults and coerces numbers', () => {
    const env = loadEnv(commonEnv, { KAFKA_PARTITIONS: '12' });
    expect(env.KAFKA_PARTITIONS).toBe(12);
    expect(env.KAFKA_BROKERS).toBe('127.0.0.1:9092');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\//);
  });

  it('names every bad variable at once', () => {
    expect(() => loadEnv(commonEnv, { KAFKA_PARTITIONS: '0', LOG_LEVEL: 'loud' })).toThrow(
      /KAFKA_PARTITIONS[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*KAFKA_PARTITIONS/,
    );
  });

  it('extends per service', () => {
    const schema = commonEnv.extend({ PORT: z.coerce.number().default(8080) });
    expect(loadEnv(schema, {}).PORT).toBe(8080);
  });

  it('refuses a renamed variable with its new name, even when everything else parses', () => {
    const schema = commonEnv.extend(hubEnv.shape);
    expect(loadEnv(schema, { KETENHUB_HUB_OIN: '00000001234567890000' }).KETENHUB_HUB_OIN).toBe(
      '00000001234567890000',
    );
    expect(() => loadEnv(schema, { PROJECTION_HUB_OIN: '00000001234567890000' })).toThrow(
      /PROJECTION_HUB_OIN: renamed KETENHUB_HUB_OIN/,
    );
    expect(() => loadEnv(schema, { GATEWAY_HUB_OIN: '1', LOG_LEVEL: 'loud' })).toThrow(
      /GATEWAY_HUB_OIN: renamed KETENHUB_HUB_OIN[\s\S]*LOG_LEVEL/,
    );
  });
});

describe('problem details', () => {
  it('renders violations as RFC 9457 errors with field and rule', () => {
    const problem = toProblem(
      new AppError('invalid-event', 'the event is not valid', {
        violations: [
          { field: 'source', rule: 'format', message: 'source: must be urn:nld:oin:<OIN>:systeem:<name>' },
        ],
      }),
      '/events',
    );
    expect(problem).toEqual({
      type: 'https://ketenhub.nl/problems/invalid-event',
      title: 'Invalid event',
      status: 422,
      detail: 'the event is not valid',
      instance: '/events',
      errors: [
        { field: 'source', rule: 'format', message: 'source: must be urn:nld:oin:<OIN>:systeem:<name>' },
      ],
    });
  });
});

describe('trace context', () => {
  it('parses a valid traceparent and rejects all-zero ids', () => {
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(tp)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: '01',
    });
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
  });

  it('continues the trace with a new span', () => {
    const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const child = childTrace(parent);
    expect(child.traceId).toBe(parent?.traceId);
    expect(child.spanId).not.toBe(parent?.spanId);
    expect(formatTraceparent(child)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  });

  it('draws new ids from the random pool across its refills, each one different', () => {
    // 3,000 new traces use 72 KB of random bytes: the 4 KiB pool is refilled many times.
    const seen = new Set<string>();
    for (let i = 0; i < 3_000; i++) {
      const trace = childTrace();
      expect(formatTraceparent(trace)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      seen.add(trace.traceId);
      seen.add(trace.spanId);
    }
    expect(seen.size).toBe(6_000);
  });
});

describe('case-worker tokens', () => {
  const verifier = createCaseWorkerVerifier([
    { issuer: devIssuer, audience: 'ketenhub', secret, oinPattern: devIssuerOinPattern },
  ]);

  it('accepts a dev token and returns organisation and roles', async () => {
    const token = await signDevToken(secret, {
      sub: 'consulent-1',
      oin: '00000099000000000001',
      roles: ['gemeente'],
    });
    await expect(verifier.verify(token)).resolves.toMatchObject({
      kind: 'case-worker',
      sub: 'consulent-1',
      oin: '00000099000000000001',
      roles: ['gemeente'],
    });
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signDevToken('another-secret-that-is-at-least-32-chars', {
      sub: 'x',
      oin: '00000099000000000001',
      roles: ['gemeente'],
    });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('rejects a token without a valid OIN claim', async () => {
    const token = await signDevToken(secret, { sub: 'x', oin: '123', roles: ['gemeente'] });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('remembers a verified token only until it expires, and never a refused one', async () => {
    const claims = { sub: 'kort', oin: '00000099000000000001', roles: ['gemeente'] };
    const token = await signDevToken(secret, claims, 1);
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'kort' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'kort' });
    // exp has second resolution: after 2 s the token is past it, remembered or not.
    await new Promise((r) => setTimeout(r, 2_000));
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthenticated' });

    const forged = await signDevToken('another-secret-that-is-at-least-32-chars', claims);
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('rejects what is not a JWT', async () => {
    await expect(verifier.verify('khs_not_a_jwt')).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  // Issue 12 item 4: each identity provider speaks only for the organisations it is bound to.
  const sign = (iss: string, key: string, claims: Record<string, unknown>, exp: boolean) => {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(iss)
      .setAudience('ketenhub')
      .setSubject('medewerker')
      .setIssuedAt();
    return (exp ? jwt.setExpirationTime('1h') : jwt).sign(new TextEncoder().encode(key));
  };
  const keyA = 'idp-a-secret-of-at-least-32-characters!!';
  const keyB = 'idp-b-secret-of-at-least-32-characters!!';
  const gemeente = '00000001001234567000';
  const zorg = '00000003012345670000';
  const bound = createCaseWorkerVerifier([
    { issuer: 'https://idp.gemeente.example', audience: 'ketenhub', secret: keyA, oins: [gemeente] },
    {
      issuer: 'https://idp.zorg.example',
      audience: 'ketenhub',
      secret: keyB,
      oinPattern: '000000030123456700\\d{2}',
    },
  ]);

  it('accepts a token of an issuer for an OIN it is bound to (list or pattern)', async () => {
    const a = await sign('https://idp.gemeente.example', keyA, { oin: gemeente, roles: ['gemeente'] }, true);
    await expect(bound.verify(a)).resolves.toMatchObject({ oin: gemeente, expiresAtMs: expect.any(Number) });
    const b = await sign('https://idp.zorg.example', keyB, { oin: zorg, roles: ['zorgaanbieder'] }, true);
    await expect(bound.verify(b)).resolves.toMatchObject({ oin: zorg });
  });

  it("refuses a token asserting another organisation's OIN, even one another trusted issuer may assert", async () => {
    const token = await sign(
      'https://idp.gemeente.example',
      keyA,
      { oin: zorg, roles: ['zorgaanbieder'] },
      true,
    );
    const error = await bound.verify(token).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unauthenticated' });
    expect((error as { extra: { violations?: { rule: string }[] } }).extra.violations?.[0]?.rule).toBe(
      'issuer-oin',
    );
    // The dev issuer speaks only for test organisations (00000099…).
    const dev = await signDevToken(secret, { sub: 'x', oin: gemeente, roles: ['gemeente'] });
    await expect(verifier.verify(dev)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a token without exp', async () => {
    const token = await sign(
      'https://idp.gemeente.example',
      keyA,
      { oin: gemeente, roles: ['gemeente'] },
      false,
    );
    const error = await bound.verify(token).catch((e: unknown) => e);
    expect((error as { extra: { violations?: { field: string }[] } }).extra.violations?.[0]?.field).toBe(
      'token.exp',
    );
  });

  it('KETENHUB_JWT_ISSUERS needs every issuer bound to OINs', () => {
    const parse = (v: unknown) => authEnv.safeParse({ KETENHUB_JWT_ISSUERS: JSON.stringify(v) });
    const base = { issuer: 'https://idp.example', audience: 'ketenhub', jwksUrl: 'https://idp.example/jwks' };
    expect(parse([base]).success).toBe(false);
    expect(parse([{ ...base, oins: ['123'] }]).success).toBe(false);
    expect(parse([{ ...base, oinPattern: '(' }]).success).toBe(false);
    expect(parse([{ ...base, oins: [gemeente] }]).success).toBe(true);
    expect(parse([{ ...base, oinPattern: '00000001\\d{12}' }]).success).toBe(true);
  });
});

describe('problemMiddleware and an unreachable database', () => {
  test('answers 503 with Retry-After, not 500: the caller may try again', async () => {
    const app = express();
    app.get('/x', () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    app.get('/bug', () => {
      throw new TypeError('a bug');
    });
    app.use(problemMiddleware(createLogger({ service: 'test', level: 'silent' })));
    const { server, port } = await listen(app, 0);
    try {
      const down = await fetch(`http://127.0.0.1:${port}/x`);
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      expect(down.headers.get('content-type')).toContain('application/problem+json');
      expect((await fetch(`http://127.0.0.1:${port}/bug`)).status).toBe(500);
    } finally {
      await closeServer(server);
    }
  });
});
