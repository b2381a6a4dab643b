import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@ketenhub/db';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { receivedKey } from '../src/ingest/accept/received.table';
import { checkEvent } from '../src/ingest/check/checks';
import { gatewayMigrations, gatewaySchema } from '../src/migrations';
import { addSystem, newCaseId, post, readTopic, startGateway } from './harness';

const gemeente = exampleOrganisations.gemeente;

/** The migrations up to (not including) `name`: the schema as an older gateway left it. */
const before = (name: string) =>
  Object.fromEntries(Object.entries(gatewayMigrations).filter(([n]) => n < name));

describe('gateway migrations', () => {
  test('the digest key: existing rows get the key the gateway computes, and re-sends of them stay duplicates', async ({
    kafka,
    testDb,
    prefix,
    topic,
    groupId,
  }) => {
    await migrateToLatest(testDb.db, before('2026-11-29T0200_received_key'), { schema: gatewaySchema });
    // Ids as a client may choose them: the digest must agree with the JavaScript one for each.
    const ids = ['plain', 'ünïcødé-€-😀', 'quote\'and"double', 'back\\slash', 'spa ce', randomUUID()];
    const source = gemeente.source;
    for (const id of ids) {
      await sql`insert into gateway.received (source, id, content_sha256, accepted)
        values (${source}, ${id}, ${'x'.repeat(64)}, true)`.execute(testDb.db);
    }
    // An event an older gateway accepted and confirmed: its row, with the real content hash.
    const caseId = newCaseId();
    const open = makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: caseId, as: 'gemeente' });
    const checked = checkEvent({ source, publishes: new Set([open.type]) }, open);
    if (!checked.ok) throw new Error(checked.refusal.detail);
    await sql`insert into gateway.received (source, id, content_sha256, accepted)
      values (${open.source}, ${open.id}, ${checked.hash}, true)`.execute(testDb.db);

    await migrateToLatest(testDb.db, gatewayMigrations, { schema: gatewaySchema });
    const rows = await sql<{ key: string; id: string }>`
      select key, id from gateway.received where source = ${source}`.execute(testDb.db);
    expect(rows.rows).toHaveLength(ids.length + 1);
    for (const row of rows.rows) expect(row.key).toBe(receivedKey(source, row.id));
    // The key is the primary key now.
    await expect(
      sql`insert into gateway.received (key, source, id, content_sha256)
        values (${receivedKey(source, 'plain')}::uuid, 'x', 'y', 'z')`.execute(testDb.db),
    ).rejects.toThrow(/received_pk/);

    const gw = await startGateway({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    try {
      const g = addSystem(gw.directory, {
        oin: gemeente.oin,
        name: gemeente.systeem,
        roles: ['gemeente'],
        domains: ['wmo'],
        publishes: ['nl.ketens.ketenzaak-geopend'],
      });
      // Its row was written before the migration: the key it got there must find it.
      const again = await post(gw.url, g.token, open);
      expect(again.status).toBe(202);
      const changed = { ...open, time: '2026-03-02T10:00:00.000Z' };
      expect((await post(gw.url, g.token, changed)).status).toBe(409);
    } finally {
      await gw.close();
    }
    // Answered from the table: nothing was written to Kafka.
    expect(await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`)).toEqual([]);
  });

  test('access events: the case tables of the old rule go, and the positions of the consumer that filled them', async ({
    testDb,
  }) => {
    // From scratch: this file's database is shared by its tests.
    await sql`drop schema if exists gateway cascade`.execute(testDb.db);
    await migrateToLatest(testDb.db, before('2026-12-03T1200_case_access_events'), { schema: gatewaySchema });
    const caseId = newCaseId();
    await sql`insert into gateway.cases (case_id, domain, opened_by)
      values (${caseId}, 'wmo', ${gemeente.oin})`.execute(testDb.db);
    await sql`insert into gateway.case_participants (case_id, oin, role)
      values (${caseId}, '00000099200000002000', 'zorgaanbieder')`.execute(testDb.db);
    for (const group of ['gateway-cases', 'acc.gateway-cases', 'acc.gateway-ingress.some-system'])
      await sql`insert into gateway.consumer_positions (group_id, topic, partition, next_offset)
        values (${group}, 'acc.wmo', 0, 42)`.execute(testDb.db);

    await migrateToLatest(testDb.db, gatewayMigrations, { schema: gatewaySchema });
    const tables = await sql<{ name: string }>`
      select table_name as name from information_schema.tables where table_schema = 'gateway'
      order by table_name`.execute(testDb.db);
    const names = tables.rows.map((r) => r.name);
    expect(names).toContain('case_access_events');
    expect(names).not.toContain('cases');
    expect(names).not.toContain('case_participants');
    const groups = await sql<{ group_id: string }>`
      select group_id from gateway.consumer_positions order by group_id`.execute(testDb.db);
    // Only the old case book's consumer starts over (under its new group, see src/service.ts).
    expect(groups.rows.map((r) => r.group_id)).toEqual(['acc.gateway-ingress.some-system']);
    // The self-join among the old participants is not carried over: the new table starts empty.
    const rows = await sql<{ n: number }>`select count(*)::int as n from gateway.case_access_events`.execute(
      testDb.db,
    );
    expect(rows.rows[0]?.n).toBe(0);
  });
});
