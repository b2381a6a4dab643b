import { randomUUID } from 'node:crypto';
import { toKafkaRecord } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createPublisher, topicOffsets } from '@ketenhub/kafka';
import { createLogger, createMetrics } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { startCasesWorker } from '../src/cases/cases.worker';
import { addSystem, newCaseId, post, startGateway } from './harness';

const gemeente = exampleOrganisations.gemeente;
const zorg = exampleOrganisations.zorgaanbieder;

describe('case-book worker', () => {
  test('learns chain cases opened and joined by records that did not pass this gateway', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const gw = await startGateway({ kafka: kafka.client, db: testDb.db, prefix, topic });
    const z = addSystem(gw.directory, {
      oin: zorg.oin,
      name: zorg.systeem,
      roles: ['zorgaanbieder'],
      domains: ['wmo'],
      publishes: ['nl.ketens.deelnemer-aangesloten'],
    });
    const metrics = createMetrics('gateway');
    const worker = await startCasesWorker({
      config: {
        databaseUrl: testDb.url,
        brokers: kafka.brokers,
        topics: [gw.domainTopic('wmo')],
        groupId: `${prefix}-cases`,
        logLevel: 'silent',
      },
      logger: createLogger({ service: 'gateway-test', level: 'silent' }),
      metrics,
    });
    try {
      // Another instance (or a replay) put these on the domain topic; this gateway never saw them.
      const caseId = newCaseId();
      const otherCase = newCaseId();
      const opened = (subject: string) =>
        makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject, as: 'gemeente' });
      const joined = (subject: string) =>
        makeEvent('nl.ketens.deelnemer-aangesloten', undefined, { subject, as: 'zorgaanbieder' });
      const join = { ...joined(caseId), id: randomUUID(), source: z.source };
      // The case is unknown here: joining it is refused.
      const before = await post(gw.url, z.token, join);
      expect(before.status).toBe(422);
      expect(before.body.errors[0]).toMatchObject({ field: 'subject', rule: 'case-unknown' });

      const publisher = await createPublisher(kafka.client);
      const filler = () =>
        Array.from({ length: 150 }, () =>
          makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: newCaseId(), as: 'gemeente' }),
        );
      // Filler on both sides: the worker's decoder skips it, and the stored positions must still
      // move past it (every partition ends with skipped records).
      await publisher.publish(
        [...filler(), opened(caseId), opened(otherCase), joined(otherCase), ...filler()].map((e) => ({
          topic: gw.domainTopic('wmo'),
          ...toKafkaRecord(e),
        })),
      );
      await publisher.close();

      const deadline = Date.now() + 30_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await post(gw.url, z.token, join)).status;
        if (status === 202) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(202);
      const participants = async (id: string) =>
        (
          await sql<{ oin: string }>`
            select oin from gateway.case_participants where case_id = ${id} order by oin`.execute(testDb.db)
        ).rows.map((r) => r.oin);
      expect(await participants(caseId)).toEqual([gemeente.oin, zorg.oin].sort());
      await expect
        .poll(() => participants(otherCase), { timeout: 10_000 })
        .toEqual([gemeente.oin, zorg.oin].sort());
      await expect.poll(() => worker.isReady(), { timeout: 10_000 }).toBe(true);
      // The filler was passed over undecoded (the thread's decoder filter), the case records read.
      const consumed = await metrics.registry.getSingleMetricAsString('ketenhub_events_consumed_total');
      expect(consumed).toMatch(/ketenhub_events_consumed_total\{[^}]*outcome="skipped"[^}]*\} 300(\n|$)/);
      expect(consumed).toMatch(/ketenhub_events_consumed_total\{[^}]*outcome="applied"[^}]*\} [34](\n|$)/);
      const end = (await topicOffsets(kafka.client, gw.domainTopic('wmo'))).reduce(
        (sum, o) => sum + Number(o.high),
        0,
      );
      const stored = async () =>
        Number(
          (
            await sql<{ n: string }>`
              select coalesce(sum(next_offset), 0) as n from gateway.consumer_positions
              where group_id = ${`${prefix}-cases`}`.execute(testDb.db)
          ).rows[0]?.n,
        );
      await expect.poll(stored, { timeout: 15_000 }).toBe(end);
    } finally {
      await worker.stop();
      await gw.close();
    }
    expect(worker.isReady()).toBe(false);
    expect(worker.failure()).toBeUndefined();
  });
});
