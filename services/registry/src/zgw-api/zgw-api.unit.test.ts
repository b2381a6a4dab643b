import { closeServer, createLogger, listen } from '@ketenhub/service';
import express from 'express';
import { Kysely, PostgresDialect } from 'kysely';
import { describe, expect, test } from 'vitest';
import type { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { RegistryDatabase } from '../systems/systems.table';
import { zgwApiRouter } from './zgw-api.routes';

// PostgreSQL gone: every connection attempt is refused, as pg reports it.
const unreachable = new Kysely<RegistryDatabase>({
  dialect: new PostgresDialect({
    pool: {
      connect: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
      end: async () => undefined,
    },
  }),
});

describe('the ZGW façade with PostgreSQL unreachable', () => {
  test('answers 503 with Retry-After in the ZGW error shape, like every service, not 500', async () => {
    const app = express();
    app.use(
      '/api/v1',
      zgwApiRouter({
        db: unreachable,
        subscriptions: {} as SubscriptionsService,
        logger: createLogger({ service: 'test', level: 'silent' }),
      }),
    );
    const { server, port } = await listen(app, 0);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/abonnement`, {
        headers: { authorization: 'Bearer khs_anything' },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('api-version')).toBe('1.0.0');
      expect(await res.json()).toMatchObject({ status: 503, code: 'unavailable' });
    } finally {
      await closeServer(server);
    }
  });
});
