import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCaseWorkerVerifier, devIssuer, signDevToken } from './auth';
import { commonEnv, loadEnv } from './env';
import { AppError, toProblem } from './errors';
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
  const verifier = createCaseWorkerVerifier([{ issuer: devIssuer, audience: 'ketenhub', secret }]);

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
});
