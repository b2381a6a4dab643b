import { createHash, randomUUID } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import { exampleData, exampleOrganisations } from '@ketenhub/events/testing';
import { describe, expect, test } from '@ketenhub/testkit';
import pg from 'pg';
import {
  addSystem,
  newCaseId,
  readTopic,
  startGateway,
  type TestGateway,
} from '../../../services/gateway/test/harness';
import { createClient, EventValidationError, PublishError } from '../src/index';
import { createRelay, enqueue, ensureOutbox } from '../src/outbox/index';

const gemeente = exampleOrganisations.gemeente;

function registerGemeente(gw: TestGateway) {
  return addSystem(gw.directory, {
    oin: gemeente.oin,
    name: gemeente.systeem,
    roles: ['gemeente'],
    domains: ['wmo'],
    publishes: ['nl.ketens.ketenzaak-geopend', 'nl.wmo.melding-ontvangen', 'nl.wmo.onderzoek-gestart'],
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

const opening = (subject: string) => ({
  type: 'nl.ketens.ketenzaak-geopend' as const,
  subject,
  data: exampleData['nl.ketens.ketenzaak-geopend'],
});
const melding = (subject: string) => ({
  type: 'nl.wmo.melding-ontvangen' as const,
  subject,
  data: exampleData['nl.wmo.melding-ontvangen'],
});

describe('@ketenhub/client', () => {
  test('publishes typed events, validates locally, and reports refusals as problems', async ({
    kafka,
    testDb,
    prefix,
    topic,
    groupId,
  }) => {
    const gw = await startGateway({
      kafka: kafka.client,
      db: testDb.db,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    try {
      const system = registerGemeente(gw);
      const hub = createClient({ baseUrl: gw.url, token: system.token, source: system.source });
      const caseId = newCaseId();
      const opened = await hub.publish(opening(caseId));
      expect(opened).toMatchObject({ source: system.source, status: 'accepted' });

      const bad = melding(caseId);
      await expect(hub.publish({ ...bad, data: { ...bad.data, bsn: '123456789' } })).rejects.toBeInstanceOf(
        EventValidationError,
      );
      const refused = await hub.publish(opening(caseId)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PublishError);
      expect((refused as PublishError).status).toBe(409);
      expect((refused as PublishError).retryable).toBe(false);

      const batch = await hub.publishBatch([melding(caseId), melding(caseId)]);
      expect(batch.accepted).toBe(2);
      const records = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`);
      expect(records).toHaveLength(3);
    } finally {
      await gw.close();
    }
  });

  test('retries with the same id on 429 and network errors, honouring Retry-After', async ({
    kafka,
    testDb,
    prefix,
    topic,
    groupId,
  }) => {
    const gw = await startGateway({
      kafka: kafka.client,
      db: testDb.db,
      databaseUrl: testDb.url,
      prefix,
      topic,
      ratePerS: 1,
      burst: 1,
    });
    try {
      const system = registerGemeente(gw);
      const waits: number[] = [];
      let calls = 0;
      const hub = createClient({
        baseUrl: gw.url,
        token: system.token,
        source: system.source,
        // The first attempt of every publish fails before it reaches the hub, like a dropped connection.
        fetch: async (input, init) => {
          calls++;
          if (calls % 2 === 1 && calls < 4) throw new TypeError('fetch failed: ECONNRESET');
          return fetch(input, init);
        },
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((r) => setTimeout(r, ms));
        },
      });
      const caseId = newCaseId();
      await hub.publish(opening(caseId)); // network error, then 202
      const second = melding(caseId);
      await hub.publish(second); // network error, then 429 (bucket empty), then 202 after Retry-After
      expect(waits.some((ms) => ms >= 1_000)).toBe(true);
      const records = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`);
      expect(records).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });

  test('the outbox relay resumes after the hub was unreachable: nothing lost, nothing twice, in order', async ({
    kafka,
    testDb,
    prefix,
    topic,
    groupId,
  }) => {
    const pool = new pg.Pool({ connectionString: testDb.url, max: 4 });
    const port = await freePort();
    let gw: TestGateway | undefined;
    try {
      await ensureOutbox(pool, { schema: 'integrator_outbox' });
      // The integrator's client exists before the hub is reachable: the same URL throughout.
      const token = `khs_${randomUUID()}`;
      const source = `urn:nld:oin:${gemeente.oin}:systeem:${gemeente.systeem}`;
      const hub = createClient({
        baseUrl: `http://127.0.0.1:${port}`,
        token,
        source,
        retry: { maxAttempts: 1 },
      });
      const caseIds = [newCaseId(), newCaseId()];
      const expected: string[] = [];
      for (const caseId of caseIds) {
        const conn = await pool.connect();
        try {
          await conn.query('begin');
          for (const input of [opening(caseId), melding(caseId), melding(caseId)]) {
            const event = hub.prepare(input);
            await enqueue(conn, event, { schema: 'integrator_outbox' });
            expected.push(event.id);
          }
          await conn.query('commit');
        } finally {
          conn.release();
        }
      }
      // A rolled-back case change never leaves the outbox.
      const conn = await pool.connect();
      await conn.query('begin');
      await enqueue(conn, hub.prepare(opening(newCaseId())), { schema: 'integrator_outbox' });
      await conn.query('rollback');
      conn.release();

      const errors: unknown[] = [];
      const relays = [0, 1].map(() =>
        createRelay({
          pool,
          client: hub,
          schema: 'integrator_outbox',
          batchSize: 2,
          pollIntervalMs: 50,
          maxBackoffMs: 200,
          onError: (e) => errors.push(e),
        }),
      );
      await expect(relays[0]!.runOnce()).rejects.toBeInstanceOf(PublishError);
      for (const r of relays) r.start();
      await new Promise((r) => setTimeout(r, 500));
      expect(errors.length).toBeGreaterThan(0);

      // The hub comes up, with this system registered under the token the integrator already has.
      gw = await startGateway({
        kafka: kafka.client,
        db: testDb.db,
        databaseUrl: testDb.url,
        prefix,
        topic,
        port,
      });
      const system = registerGemeente(gw);
      gw.directory.apply({ ...system.record, tokenSha256: createHash('sha256').update(token).digest('hex') });

      const deadline = Date.now() + 30_000;
      for (;;) {
        const pending = await pool.query(
          `select count(*)::int as n from integrator_outbox.events where status <> 'sent'`,
        );
        if (pending.rows[0].n === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await Promise.all(relays.map((r) => r.stop()));

      const records = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`);
      const ids = records.map((r) => (JSON.parse(String(r.value)) as { id: string }).id);
      expect([...ids].sort()).toEqual([...expected].sort());
      // Per chain case, the order of the outbox.
      for (const caseId of caseIds) {
        const ofCase = records
          .filter((r) => r.key === caseId)
          .map((r) => (JSON.parse(String(r.value)) as { id: string }).id);
        expect(ofCase).toEqual(expected.filter((id) => ofCase.includes(id)));
        expect(ofCase).toHaveLength(3);
      }
    } finally {
      await gw?.close();
      await pool.end();
    }
  });
});
