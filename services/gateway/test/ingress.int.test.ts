import { randomUUID } from 'node:crypto';
import { toKafkaRecord } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createPublisher, topicOffsets } from '@ketenhub/kafka';
import { describe, expect, test } from '@ketenhub/testkit';
import { addSystem, newCaseId, readTopic, startGateway } from './harness';

describe('Kafka-native ingress', () => {
  test('forwards valid records, rejects the rest with the reason, each exactly once across a restart', async ({
    kafka,
    testDb,
    prefix,
    groupId,
    topic,
  }) => {
    const start = () => startGateway({ kafka: kafka.client, databaseUrl: testDb.url, prefix, topic });
    const gemeente = exampleOrganisations.gemeente;
    // The gateway's own ingress consumers (GATEWAY_INGRESS, on by default), as production runs them.
    let gw = await start();
    const producer = await createPublisher(kafka.client);
    try {
      const system = addSystem(gw.directory, {
        oin: gemeente.oin,
        name: gemeente.systeem,
        roles: ['gemeente'],
        domains: ['wmo'],
        publishes: ['nl.ketens.ketenzaak-geopend', 'nl.wmo.melding-ontvangen'],
        kafkaNative: true,
      });
      const ingressTopic = topic(`ingress.${system.id}`);
      const rejectsTopic = topic(`rejects.${system.id}`);
      const caseId = newCaseId();
      const open = makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: caseId, id: randomUUID() });
      const melding = makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, id: randomUUID() });
      const badBsn = makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, id: randomUUID() });
      badBsn.data.bsn = '111111111';
      const spoofed = makeEvent('nl.wmo.melding-ontvangen', undefined, {
        subject: caseId,
        id: randomUUID(),
        source: exampleOrganisations.zorgaanbieder.source,
      });
      const asRecord = (e: typeof open | typeof melding) => {
        const r = toKafkaRecord(e);
        return { topic: ingressTopic, key: r.key, value: r.value, headers: { ...r.headers } };
      };
      // Wait until the gateway's ingress consumer runs (it creates the topics when it learns the system).
      const deadline = Date.now() + 30_000;
      while (
        !(await topicOffsets(kafka.client, ingressTopic).catch(() => undefined)) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await producer.publish([
        asRecord(open),
        asRecord(melding),
        asRecord(melding), // a re-sent record: forwarded once
        { ...asRecord(badBsn), key: caseId },
        asRecord(spoofed),
        { ...asRecord(melding), key: randomUUID() }, // key is not the chain case id
        {
          topic: ingressTopic,
          key: caseId,
          value: 'not json',
          headers: { 'content-type': 'application/cloudevents+json' },
        },
        {
          topic: ingressTopic,
          key: caseId,
          value: JSON.stringify(melding),
          headers: { 'content-type': 'application/json' },
        },
      ]);

      const waitFor = async (name: string, count: number) => {
        const until = Date.now() + 30_000;
        for (;;) {
          const offsets = await topicOffsets(kafka.client, name);
          const n = offsets.reduce((s, o) => s + Number(o.high), 0);
          if (n >= count || Date.now() > until) return n;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      expect(await waitFor(gw.domainTopic('wmo'), 2)).toBe(2);
      expect(await waitFor(rejectsTopic, 5)).toBe(5);

      // A restarted gateway continues from its stored positions: nothing forwarded or rejected twice.
      await gw.close();
      gw = await start();
      gw.directory.apply(system.record);
      await producer.publish([
        asRecord(makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, id: randomUUID() })),
      ]);
      expect(await waitFor(gw.domainTopic('wmo'), 3)).toBe(3);
      await new Promise((r) => setTimeout(r, 1_000));

      const forwarded = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-fwd`);
      expect(forwarded).toHaveLength(3);
      expect(forwarded.slice(0, 2).map((r) => JSON.parse(String(r.value)).id)).toEqual([open.id, melding.id]);
      const rejects = await readTopic(kafka.client, rejectsTopic, `${groupId}-rej`);
      expect(rejects).toHaveLength(5);
      const rules = rejects.map((r) => {
        const body = JSON.parse(String(r.value)) as {
          problem: { status: number; errors?: { rule: string }[] };
        };
        return `${body.problem.status}:${body.problem.errors?.[0]?.rule}`;
      });
      // Records of one key keep their order. The record with the wrong key sits in whichever
      // partition its random key hashes to, so its reject may come before or after the others:
      // Kafka orders per partition, not across partitions.
      expect(rules).toContain('422:key-is-subject');
      expect(rules.filter((r) => r !== '422:key-is-subject')).toEqual([
        '422:bsn-11-proef',
        '403:own-source',
        '400:json',
        '415:media-type',
      ]);
    } finally {
      await producer.close();
      await gw.close();
    }
  });
});
