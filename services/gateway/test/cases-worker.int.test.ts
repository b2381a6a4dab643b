import { randomUUID } from 'node:crypto';
import { type KetenEvent, toKafkaRecord } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createPublisher, deleteConsumerGroup, topicOffsets } from '@ketenhub/kafka';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { addSystem, newCaseId, post, startGateway, type TestGateway } from './harness';

const gemeente = exampleOrganisations.gemeente;
const zorg = exampleOrganisations.zorgaanbieder;
const cak = exampleOrganisations.cak;

const opened = (subject: string) =>
  makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject, id: randomUUID(), as: 'gemeente' });
/** `who` added to the case, published by `by`: the municipality (an owner), or itself. */
const added = (subject: string, who: typeof zorg, rol: 'zorgaanbieder' | 'cak', by = gemeente.source) =>
  makeEvent(
    'nl.ketens.deelnemer-aangesloten',
    { oin: who.oin, rol, systeem: who.systeem, zaakreferentie: 'REF-1', toegang: 'volledig' },
    { subject, id: randomUUID(), source: by },
  );
const filler = () =>
  Array.from({ length: 150 }, () =>
    makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: newCaseId(), as: 'gemeente' }),
  );

/** The rows of these cases as the fold reads them: per case, in log order. */
const rowsOf = async (db: Kysely<unknown>, caseIds: string[]) =>
  (
    await sql<{ case_id: string; key: string; kafka_offset: string | null; type: string }>`
      select case_id, key, kafka_offset, event->>'type' as type from gateway.case_access_events
      where case_id = any(${caseIds}::uuid[])
      order by case_id, kafka_offset nulls last, seq`.execute(db)
  ).rows;

async function writePastTheGateway(
  gw: TestGateway,
  brokers: KetenEvent[],
  kafka: Parameters<typeof createPublisher>[0],
) {
  const publisher = await createPublisher(kafka);
  await publisher.publish(brokers.map((e) => ({ topic: gw.domainTopic('wmo'), ...toKafkaRecord(e) })));
  await publisher.close();
}

describe('cases consumer', () => {
  test('records access events that never passed a gateway, in log order; an old self-join grants nothing', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const gw = await startGateway({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    const z = addSystem(gw.directory, {
      oin: zorg.oin,
      name: zorg.systeem,
      roles: ['zorgaanbieder'],
      domains: ['wmo'],
      publishes: ['nl.wmo.zorg-gestart'],
    });
    const c = addSystem(gw.directory, {
      oin: cak.oin,
      name: cak.systeem,
      roles: ['cak'],
      domains: ['wmo'],
      publishes: ['nl.wmo.retourbericht-verzonden'],
    });
    // The gateway's own consumer thread, as production runs it (src/service.ts).
    const worker = gw.casesWorker;
    const groupId = `${prefix}.gateway-access`;
    const zorgGestart = (subject: string) =>
      makeEvent('nl.wmo.zorg-gestart', undefined, { subject, id: randomUUID(), source: z.source });
    const retour = (subject: string) =>
      makeEvent(
        'nl.wmo.retourbericht-verzonden',
        { heenbericht: 'WMO405', retourcodes: ['0200'], geaccepteerd: true },
        { subject, id: randomUUID(), source: c.source },
      );
    try {
      const caseId = newCaseId();
      const otherCase = newCaseId();
      // The case is unknown here.
      const before = await post(gw.url, z.token, zorgGestart(caseId));
      expect(before.status).toBe(422);
      expect(before.body.errors[0]).toMatchObject({ field: 'subject', rule: 'case-unknown' });

      // The log as the old rules let it be written, straight to Kafka (another producer, a replay):
      // the provider joined on its own; the municipality added the CAK. Filler on both sides: the
      // worker's decoder skips it, and the stored positions must still move past it.
      await writePastTheGateway(
        gw,
        [
          ...filler(),
          opened(caseId),
          added(caseId, zorg, 'zorgaanbieder', zorg.source),
          added(caseId, cak, 'cak'),
          opened(otherCase),
          added(otherCase, zorg, 'zorgaanbieder'),
          ...filler(),
        ],
        kafka.client,
      );

      // Once the consumer recorded the opening the case is known, and the self-join is no grant.
      await expect
        .poll(async () => (await post(gw.url, z.token, zorgGestart(caseId))).body.errors?.[0]?.rule, {
          timeout: 30_000,
          interval: 250,
        })
        .toBe('geen-deelnemer');
      // Every record read, skipped ones included: the positions reach the end of the log.
      const end = (await topicOffsets(kafka.client, gw.domainTopic('wmo'))).reduce(
        (sum, o) => sum + Number(o.high),
        0,
      );
      const stored = async () =>
        Number(
          (
            await sql<{ n: string }>`
              select coalesce(sum(next_offset), 0) as n from gateway.consumer_positions
              where group_id = ${groupId}`.execute(testDb.db)
          ).rows[0]?.n,
        );
      await expect.poll(stored, { timeout: 15_000 }).toBe(end);
      expect((await post(gw.url, c.token, retour(caseId))).status).toBe(202);
      expect((await post(gw.url, z.token, zorgGestart(otherCase))).status).toBe(202);

      const rows = await rowsOf(testDb.db, [caseId]);
      expect(rows.map((r) => r.type)).toEqual([
        'nl.ketens.ketenzaak-geopend',
        'nl.ketens.deelnemer-aangesloten',
        'nl.ketens.deelnemer-aangesloten',
      ]);
      const offsets = rows.map((r) => Number(r.kafka_offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));

      await expect.poll(() => worker.isReady(), { timeout: 10_000 }).toBe(true);
      // The filler (and the two events accepted above) passed undecoded; the access records were read.
      const consumed = () => gw.metrics.registry.getSingleMetricAsString('ketenhub_events_consumed_total');
      await expect
        .poll(consumed, { timeout: 10_000 })
        .toMatch(/ketenhub_events_consumed_total\{[^}]*outcome="skipped"[^}]*\} 302(\n|$)/);
      expect(await consumed()).toMatch(
        /ketenhub_events_consumed_total\{[^}]*outcome="applied"[^}]*\} 5(\n|$)/,
      );
    } finally {
      await gw.close();
    }
    expect(worker.isReady()).toBe(false);
    expect(worker.failure()).toBeUndefined();
  });

  test('a consumer under a group Kafka has no offsets for rebuilds the table from the log: the same rows, the same decisions', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const gw = await startGateway({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    const g = addSystem(gw.directory, {
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
    const z = addSystem(gw.directory, {
      oin: zorg.oin,
      name: zorg.systeem,
      roles: ['zorgaanbieder'],
      domains: ['wmo'],
      publishes: ['nl.wmo.zorg-gestart'],
    });
    const zorgGestart = (subject: string) =>
      makeEvent('nl.wmo.zorg-gestart', undefined, { subject, id: randomUUID(), source: z.source });
    const caseId = newCaseId();
    const kept = newCaseId();
    try {
      // Accepted through this gateway (rows without an offset until the consumer reaches them) and
      // written past it.
      for (const e of [
        opened(caseId),
        added(caseId, zorg, 'zorgaanbieder'),
        opened(kept),
        added(kept, zorg, 'zorgaanbieder'),
      ])
        expect((await post(gw.url, g.token, e)).status).toBe(202);
      const removal = makeEvent(
        'nl.ketens.deelnemer-verwijderd',
        { oin: zorg.oin, rol: 'zorgaanbieder' },
        { subject: caseId, id: randomUUID(), source: gemeente.source },
      );
      await writePastTheGateway(gw, [removal, ...filler()], kafka.client);
      await expect
        .poll(
          async () => (await rowsOf(testDb.db, [caseId, kept])).filter((r) => r.kafka_offset !== null).length,
          {
            timeout: 30_000,
          },
        )
        .toBe(5);
      const before = await rowsOf(testDb.db, [caseId, kept]);
      expect(before.every((r) => r.kafka_offset !== null)).toBe(true);
    } finally {
      await gw.close();
    }

    // Rebuild: the table emptied (as the migration that introduced it left it), the group's
    // positions gone, and its offsets in Kafka too: the gateway's consumer starts under a group Kafka
    // has no offsets for, as it did under its new name after that migration.
    const before = await rowsOf(testDb.db, [caseId, kept]);
    await sql`delete from gateway.case_access_events`.execute(testDb.db);
    await sql`delete from gateway.consumer_positions`.execute(testDb.db);
    expect(await deleteConsumerGroup(kafka.client, `${prefix}.gateway-access`)).toBe('deleted');
    const rebuilt = await startGateway({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    for (const s of [g, z]) rebuilt.directory.apply(s.record);
    try {
      await expect.poll(() => rowsOf(testDb.db, [caseId, kept]), { timeout: 30_000 }).toEqual(before);
      expect((await post(rebuilt.url, z.token, zorgGestart(caseId))).body.errors?.[0]?.rule).toBe(
        'geen-deelnemer',
      );
      expect((await post(rebuilt.url, z.token, zorgGestart(kept))).status).toBe(202);
    } finally {
      await rebuilt.close();
    }
  });
});
