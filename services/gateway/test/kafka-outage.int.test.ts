import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createKafkaClient } from '@ketenhub/kafka';
import { kafkaSh } from '@ketenhub/kafka/testing';
import { describe, expect, test } from '@ketenhub/testkit';
import { addSystem, newCaseId, post, readTopic, startGateway } from './harness';

/**
 * Kafka stopped in the middle of a run. Uses its own broker on port 19192 (never the shared one on
 * 9092, which every other test file is using at the same time).
 */
describe('Kafka outage', () => {
  // 180 s: two broker starts (10-17 s each on a loaded machine), and a close that waits for the
  // gateway's consumers still reconnecting then (measured: 10 s for the cases thread, up to 17 s
  // for the system directory's).
  test('503 while Kafka is down; every event accepted before and after is in Kafka exactly once', async ({
    testDb,
    prefix,
    groupId,
  }) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ketenhub-outage-'));
    const brokerEnv = { KAFKA_PORT: '19192', KAFKA_DATA_DIR: dataDir, KAFKA_HEAP: '384m' };
    await kafkaSh('start', brokerEnv);
    // Short backoffs so the producer finds the broker again within a second of its return.
    const kafka = createKafkaClient({
      brokers: ['127.0.0.1:19192'],
      clientId: 'outage-test',
      retry: { initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 },
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 5_000,
    });
    const gw = await startGateway({
      kafka,
      databaseUrl: testDb.url,
      prefix,
      publishTimeoutMs: 1_500,
    });
    try {
      const g = addSystem(gw.directory, {
        oin: exampleOrganisations.gemeente.oin,
        name: exampleOrganisations.gemeente.systeem,
        roles: ['gemeente'],
        domains: ['wmo'],
        publishes: ['nl.ketens.ketenzaak-geopend', 'nl.wmo.melding-ontvangen'],
      });
      const caseId = newCaseId();
      const melding = () =>
        makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, id: randomUUID() });
      const accepted = new Set<string>();

      const open = makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: caseId, id: randomUUID() });
      expect((await post(gw.url, g.token, open)).status).toBe(202);
      accepted.add(open.id);
      for (let i = 0; i < 5; i++) {
        const e = melding();
        expect((await post(gw.url, g.token, e)).status).toBe(202);
        accepted.add(e.id);
      }

      await kafkaSh('stop', brokerEnv);
      const refused = Array.from({ length: 3 }, melding);
      for (const e of refused) {
        const res = await post(gw.url, g.token, e);
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(res.body.type).toBe('https://ketenhub.nl/problems/unavailable');
      }
      // A re-send while still down is refused again, and must not become a second copy later.
      expect((await post(gw.url, g.token, refused[0])).status).toBe(503);

      await kafkaSh('start', brokerEnv);
      // The client's job: re-send the refused events with the same ids until they are accepted.
      const deadline = Date.now() + 60_000;
      for (const e of refused) {
        let status = 0;
        while (status !== 202 && Date.now() < deadline) {
          status = (await post(gw.url, g.token, e)).status;
          if (status !== 202) await new Promise((r) => setTimeout(r, 500));
        }
        expect(status).toBe(202);
        accepted.add(e.id);
      }
      for (let i = 0; i < 5; i++) {
        const e = melding();
        expect((await post(gw.url, g.token, e)).status).toBe(202);
        accepted.add(e.id);
      }

      const records = await readTopic(kafka, gw.domainTopic('wmo'), `${groupId}-read`);
      const counts = new Map<string, number>();
      for (const r of records) {
        const id = (JSON.parse(String(r.value)) as { id: string }).id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).toEqual([...accepted].sort());
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await gw.close().catch(() => undefined);
      await kafkaSh('stop', brokerEnv).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
