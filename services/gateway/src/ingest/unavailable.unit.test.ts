import type { KnownSystem } from '@ketenhub/directory';
import { AppError, isDatabaseUnavailable } from '@ketenhub/service';
import { describe, expect, test } from 'vitest';
import type { CaseBook } from '../cases/case-book';
import type { Acceptor } from './accept/acceptor';
import type { Checked } from './check/checks';
import { createIngest } from './ingest';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  test('a server that is down, restarting or cut off', () => {
    expect(isDatabaseUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isDatabaseUnavailable(withCode('terminating connection due to administrator command', '57P01')),
    ).toBe(true);
    expect(isDatabaseUnavailable(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('connection failure', '08006'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: withCode('x', 'ECONNRESET') }))).toBe(true);
    expect(
      isDatabaseUnavailable(
        Object.assign(new AggregateError([withCode('a', 'ECONNREFUSED')]), { code: undefined }),
      ),
    ).toBe(true);
  });

  test('bugs and refusals of the query itself are not', () => {
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(withCode('duplicate key value violates unique constraint', '23505'))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(withCode('syntax error at or near "selct"', '42601'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('ingest while PostgreSQL is down', () => {
  const system = { source: 'urn:nld:oin:00000099100000001000:systeem:zaaksysteem' } as KnownSystem;
  const checked = [
    {
      ok: true,
      id: 'e1',
      source: system.source,
      subject: '11111111-2222-4333-8444-555555555555',
      type: 'nl.wmo.melding-ontvangen',
    },
  ] as unknown as Checked[];
  const ingestWith = (lookup: () => Promise<never>) => {
    let submitted = 0;
    const ingest = createIngest({
      caseBook: { lookup } as unknown as CaseBook,
      acceptor: {
        submit: async () => {
          submitted++;
          return [];
        },
      } as unknown as Acceptor,
      directory: {} as never,
      hubOin: '00000099900000009000',
      domainTopic: (d) => d,
      retryAfterS: 2,
    });
    return { ingest, submitted: () => submitted };
  };

  test('is refused as a whole with 503 + Retry-After, and nothing reaches the acceptor', async () => {
    const { ingest, submitted } = ingestWith(() =>
      Promise.reject(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')),
    );
    const refusal = await ingest(system, checked).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'unavailable', status: 503, extra: { retryAfterS: 2 } });
    expect(submitted()).toBe(0);
  });

  test('a bug stays a bug (500 at the edge)', async () => {
    const bug = new TypeError('boom');
    const { ingest } = ingestWith(() => Promise.reject(bug));
    await expect(ingest(system, checked)).rejects.toBe(bug);
  });
});
