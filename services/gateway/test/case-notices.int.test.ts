import { randomUUID } from 'node:crypto';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { addSystem, newCaseId, post, startGateway } from './harness';

const gemeente = exampleOrganisations.gemeente;
const zorg = exampleOrganisations.zorgaanbieder;

describe('case notices', () => {
  test('a lost LISTEN connection is opened again, and a change through another instance counts after it', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const args = { kafka: kafka.client, databaseUrl: testDb.url, prefix, topic };
    const a = await startGateway(args);
    const b = await startGateway(args);
    const g = addSystem(a.directory, {
      oin: gemeente.oin,
      name: gemeente.systeem,
      roles: ['gemeente'],
      domains: ['wmo'],
      publishes: [
        'nl.ketens.ketenzaak-geopend',
        'nl.ketens.deelnemer-aangesloten',
        'nl.ketens.deelnemer-verwijderd',
      ],
    });
    const z = addSystem(a.directory, {
      oin: zorg.oin,
      name: zorg.systeem,
      roles: ['zorgaanbieder'],
      domains: ['wmo'],
      publishes: ['nl.wmo.zorg-gestart'],
    });
    for (const s of [g, z]) b.directory.apply(s.record);
    const zorgGestart = (subject: string) =>
      makeEvent('nl.wmo.zorg-gestart', undefined, { subject, id: randomUUID(), source: z.source });
    try {
      const caseId = newCaseId();
      const open = makeEvent('nl.ketens.ketenzaak-geopend', undefined, {
        subject: caseId,
        id: randomUUID(),
        as: 'gemeente',
      });
      const add = makeEvent('nl.ketens.deelnemer-aangesloten', undefined, {
        subject: caseId,
        id: randomUUID(),
        source: g.source,
      });
      for (const e of [open, add]) expect((await post(a.url, g.token, e)).status).toBe(202);
      expect((await post(a.url, z.token, zorgGestart(caseId))).status).toBe(202);

      // The server ends the listening sessions (a failover, a restart of PostgreSQL).
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name = 'ketenhub-gateway-listen'`.execute(
        testDb.db,
      );
      await expect.poll(() => a.notices.isConnected(), { timeout: 5_000, interval: 5 }).toBe(false);
      await expect.poll(() => a.notices.isConnected(), { timeout: 10_000 }).toBe(true);

      // A had the provider cached as a participant; the removal through B counts on A.
      const removal = makeEvent(
        'nl.ketens.deelnemer-verwijderd',
        { oin: zorg.oin, rol: 'zorgaanbieder' },
        { subject: caseId, id: randomUUID(), source: g.source },
      );
      expect((await post(b.url, g.token, removal)).status).toBe(202);
      await expect
        .poll(async () => (await post(a.url, z.token, zorgGestart(caseId))).body.errors?.[0]?.rule, {
          timeout: 2_000,
          interval: 20,
        })
        .toBe('geen-deelnemer');
    } finally {
      await b.close();
      await a.close();
    }
  });
});
