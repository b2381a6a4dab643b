import { randomUUID } from 'node:crypto';
import type { EventType, KetenEvent } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { signDevToken } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { checkEvent } from '../src/ingest/checks';
import { toKnownSystem } from '../src/systems/system-record';
import {
  addSystem,
  devSecret,
  newCaseId,
  post,
  readTopic,
  startGateway,
  type TestGateway,
  type TestSystem,
} from './harness';

const gemeente = exampleOrganisations.gemeente;
const zorg = exampleOrganisations.zorgaanbieder;
const otherZorg = { oin: '00000099200000007000', systeem: 'ecd-ander' };

interface World {
  gw: TestGateway;
  g: TestSystem;
  z: TestSystem;
  outsider: TestSystem;
}

async function world(args: Parameters<typeof startGateway>[0]): Promise<World> {
  const gw = await startGateway(args);
  const g = addSystem(gw.directory, {
    oin: gemeente.oin,
    name: gemeente.systeem,
    roles: ['gemeente'],
    domains: ['wmo'],
    publishes: [
      'nl.ketens.ketenzaak-geopend',
      'nl.ketens.deelnemer-aangesloten',
      'nl.wmo.melding-ontvangen',
      'nl.wmo.onderzoek-gestart',
    ],
  });
  const z = addSystem(gw.directory, {
    oin: zorg.oin,
    name: zorg.systeem,
    roles: ['zorgaanbieder'],
    domains: ['wmo'],
    publishes: ['nl.ketens.deelnemer-aangesloten', 'nl.wmo.zorg-gestart'],
  });
  const outsider = addSystem(gw.directory, {
    oin: otherZorg.oin,
    name: otherZorg.systeem,
    roles: ['zorgaanbieder'],
    domains: ['wmo'],
    publishes: ['nl.wmo.zorg-gestart'],
  });
  return { gw, g, z, outsider };
}

const opening = (caseId: string, id = randomUUID()) =>
  makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: caseId, id, as: 'gemeente' });
const joining = (caseId: string, id = randomUUID()) =>
  makeEvent('nl.ketens.deelnemer-aangesloten', undefined, { subject: caseId, id, as: 'zorgaanbieder' });
const melding = (caseId: string, id = randomUUID()) =>
  makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, id, as: 'gemeente' });
const zorgGestart = (caseId: string, source: string, id = randomUUID()) =>
  makeEvent('nl.wmo.zorg-gestart', undefined, { subject: caseId, id, source });

const ids = (records: { value: Buffer | null }[]) =>
  records.map((r) => (JSON.parse(String(r.value)) as KetenEvent).id).sort();

describe('POST /events', () => {
  test('opens a case, joins it and publishes on it: each event in the wmo topic exactly once', async ({
    kafka,
    testDb,
    prefix,
    groupId,
    topic,
  }) => {
    const { gw, g, z } = await world({ kafka: kafka.client, db: testDb.db, prefix, topic });
    try {
      const caseId = newCaseId();
      const events = [opening(caseId), melding(caseId)];
      for (const e of events) expect((await post(gw.url, g.token, e)).status).toBe(202);
      // The provider joins right after the opening, through the same gateway: no wait for the consumer.
      const join = joining(caseId);
      const joined = await post(gw.url, z.token, join);
      expect(joined.status).toBe(202);
      expect(joined.body).toEqual({ id: join.id, source: z.source, status: 'accepted' });
      const start = zorgGestart(caseId, z.source);
      expect((await post(gw.url, z.token, start)).status).toBe(202);

      const records = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`);
      expect(ids(records)).toEqual([...events, join, start].map((e) => e.id).sort());
      for (const r of records) {
        expect(r.key).toBe(caseId);
        expect(r.headers['content-type']).toBe('application/cloudevents+json');
        expect(r.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-/);
      }
      // Order within the case holds: one key, one partition.
      expect(new Set(records.map((r) => r.partition)).size).toBe(1);
      expect(records.map((r) => JSON.parse(String(r.value)).id)).toEqual(
        [...events, join, start].map((e) => e.id),
      );
    } finally {
      await gw.close();
    }
  });

  test('401 without or with an unknown token; 403 for a case-worker token', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const { gw, g } = await world({ kafka: kafka.client, db: testDb.db, prefix, topic });
    try {
      const e = opening(newCaseId());
      const none = await post(gw.url, undefined, e);
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      expect(none.body.type).toBe('https://ketenhub.nl/problems/unauthenticated');
      expect((await post(gw.url, 'khs_not-a-real-token', e)).status).toBe(401);

      const worker = await signDevToken(devSecret, {
        sub: 'medewerker-1',
        oin: gemeente.oin,
        roles: ['gemeente'],
      });
      const asWorker = await post(gw.url, worker, e);
      expect(asWorker.status).toBe(403);
      expect(asWorker.body.errors).toEqual([
        expect.objectContaining({ field: 'authorization', rule: 'system-token' }),
      ]);

      expect((await post(gw.url, g.token, e)).status).toBe(202);
    } finally {
      await gw.close();
    }
  });

  test('403 for another system source or a type not registered, 422 for the contract, 413, 415', async ({
    kafka,
    testDb,
    prefix,
    groupId,
    topic,
  }) => {
    const { gw, g, z } = await world({ kafka: kafka.client, db: testDb.db, prefix, topic });
    try {
      const caseId = newCaseId();
      // Another system's source: the provider posing as the municipality.
      const spoofed = await post(gw.url, z.token, { ...zorgGestart(caseId, z.source), source: g.source });
      expect(spoofed.status).toBe(403);
      expect(spoofed.body.errors[0]).toMatchObject({ field: 'source', rule: 'own-source' });

      // Another system's type: the provider publishing the municipality's melding with its own source.
      const otherType = await post(gw.url, z.token, { ...melding(caseId), source: z.source });
      expect(otherType.status).toBe(403);
      expect(otherType.body.errors[0]).toMatchObject({ field: 'type', rule: 'registered-type' });

      // Contract: a BSN failing the 11-proef, and a BSN as subject.
      const badBsn = melding(caseId);
      badBsn.data.bsn = '123456789';
      const invalid = await post(gw.url, g.token, badBsn);
      expect(invalid.status).toBe(422);
      expect(invalid.body.errors).toEqual([
        expect.objectContaining({ field: 'data.bsn', rule: 'bsn-11-proef' }),
      ]);
      const bsnSubject = await post(gw.url, g.token, { ...melding(caseId), subject: '999993653' });
      expect(bsnSubject.status).toBe(422);
      expect(bsnSubject.body.errors[0]).toMatchObject({ field: 'subject', rule: 'no-bsn' });

      // Size: valid by contract (an extension attribute) but over 64 KB.
      const big = await post(gw.url, g.token, { ...melding(caseId), padding: 'x'.repeat(70_000) });
      expect(big.status).toBe(413);
      expect(big.body.errors[0]).toMatchObject({ rule: 'max-size' });

      // Content type.
      const plain = await post(gw.url, g.token, melding(caseId), 'application/json');
      expect(plain.status).toBe(415);
      expect((await post(gw.url, g.token, 'not json')).status).toBe(400);

      // The passing case after all refusals; nothing refused reached Kafka.
      const ok = melding(caseId);
      expect((await post(gw.url, g.token, ok, 'application/cloudevents+json; charset=utf-8')).status).toBe(
        202,
      );
      const records = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`);
      expect(ids(records)).toEqual([ok.id]);
    } finally {
      await gw.close();
    }
  });

  test('403 for an organisation outside an existing chain case, until it joins', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const { gw, g, z, outsider } = await world({ kafka: kafka.client, db: testDb.db, prefix, topic });
    try {
      const caseId = newCaseId();
      expect((await post(gw.url, g.token, opening(caseId))).status).toBe(202);
      const notJoined = await post(gw.url, z.token, zorgGestart(caseId, z.source));
      expect(notJoined.status).toBe(403);
      expect(notJoined.body.errors[0]).toMatchObject({ field: 'subject', rule: 'participant' });
      expect((await post(gw.url, outsider.token, zorgGestart(caseId, outsider.source))).status).toBe(403);

      // The outsider cannot join as someone else: data.oin is the provider's, not its own.
      expect((await post(gw.url, z.token, joining(caseId))).status).toBe(202);
      expect((await post(gw.url, z.token, zorgGestart(caseId, z.source))).status).toBe(202);
      expect((await post(gw.url, outsider.token, zorgGestart(caseId, outsider.source))).status).toBe(403);

      // Joining a case nobody opened, and a second opening of an open case.
      const unknown = await post(gw.url, z.token, joining(newCaseId()));
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors[0]).toMatchObject({ rule: 'case-unknown' });
      const again = await post(gw.url, g.token, opening(caseId));
      expect(again.status).toBe(409);
      expect(again.body.errors[0]).toMatchObject({ rule: 'case-exists' });
    } finally {
      await gw.close();
    }
  });

  test('a re-sent event answers as the first time and adds nothing; other content under the id is 409', async ({
    kafka,
    testDb,
    prefix,
    groupId,
    topic,
  }) => {
    const { gw, g } = await world({ kafka: kafka.client, db: testDb.db, prefix, topic });
    try {
      const caseId = newCaseId();
      const open = opening(caseId);
      const first = await post(gw.url, g.token, open);
      const second = await post(gw.url, g.token, open);
      expect({ status: first.status, body: first.body }).toMatchObject({ status: 202 });
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.body).toEqual(first.body);

      const m = melding(caseId);
      // Concurrent re-sends of one event: one record.
      const concurrent = await Promise.all(Array.from({ length: 5 }, () => post(gw.url, g.token, m)));
      expect(concurrent.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);

      const changed = { ...m, data: { ...m.data, meldingsdatum: '2026-03-03' } };
      const conflict = await post(gw.url, g.token, changed);
      expect(conflict.status).toBe(409);
      expect(conflict.body.errors[0]).toMatchObject({ field: 'id', rule: 'unique-id' });

      const records = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`);
      expect(ids(records)).toEqual([open.id, m.id].sort());
    } finally {
      await gw.close();
    }
  });

  test('after a restart a re-send of a confirmed event adds nothing, and an event claimed but never confirmed is published once', async ({
    kafka,
    testDb,
    prefix,
    groupId,
    topic,
  }) => {
    const args = { kafka: kafka.client, db: testDb.db, prefix, topic };
    const first = await world(args);
    const caseId = newCaseId();
    const open = opening(caseId);
    const m = melding(caseId);
    const never = melding(caseId);
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      expect((await post(first.gw.url, first.g.token, open)).status).toBe(202);
      answer = await post(first.gw.url, first.g.token, m);
      expect(answer.status).toBe(202);
    } finally {
      await first.gw.close();
    }
    // A process that claimed `never` and died before Kafka confirmed it: the row names an attempt
    // that was never recorded as published.
    const checked = checkEvent(toKnownSystem(first.g.record), never);
    if (checked instanceof Error) throw checked;
    await sql`insert into gateway.received (key, source, id, content_sha256, attempt)
      values (${checked.key}::uuid, ${never.source}, ${never.id}, ${checked.hash}, ${randomUUID()}::uuid)`.execute(
      testDb.db,
    );

    const second = await world(args);
    try {
      const again = await post(second.gw.url, second.g.token, m);
      expect(again.status).toBe(202);
      expect(again.body).toEqual(answer.body);
      expect((await post(second.gw.url, second.g.token, never)).status).toBe(202);
      expect((await post(second.gw.url, second.g.token, never)).status).toBe(202);
    } finally {
      await second.gw.close();
    }
    const records = await readTopic(kafka.client, second.gw.domainTopic('wmo'), `${groupId}-read`);
    expect(ids(records)).toEqual([open.id, m.id, never.id].sort());
    const unconfirmed = await sql<{ n: number }>`select count(*)::int as n from gateway.received r
      where not r.accepted and not exists (select 1 from gateway.published p where p.attempt = r.attempt)`.execute(
      testDb.db,
    );
    expect(unconfirmed.rows[0]?.n).toBe(0);
  });

  test('a confirmation is recorded in the next flush’s transaction, or on its own when none comes', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    // A long wait, so the next flush surely comes first; then a short one, for the case without.
    const { gw, g } = await world({ kafka: kafka.client, db: testDb.db, prefix, topic, markDelayMs: 60_000 });
    const caseId = newCaseId();
    const open = opening(caseId);
    const m = melding(caseId);
    const rowOf = async (id: string) =>
      (
        await sql<{ attempt: string; xmin: string }>`select attempt, xmin::text as xmin from gateway.received
          where id = ${id}`.execute(testDb.db)
      ).rows[0];
    const confirmation = async (attempt: string) =>
      (
        await sql<{
          xmin: string;
        }>`select xmin::text as xmin from gateway.published where attempt = ${attempt}::uuid`.execute(
          testDb.db,
        )
      ).rows[0];
    try {
      expect((await post(gw.url, g.token, open)).status).toBe(202);
      const opened = await rowOf(open.id);
      // Not recorded yet: it waits for a flush to take it along.
      expect(await confirmation(opened!.attempt)).toBeUndefined();
      expect((await post(gw.url, g.token, m)).status).toBe(202);
      // Recorded by the statement that claimed the next event: the same transaction.
      expect((await confirmation(opened!.attempt))?.xmin).toBe((await rowOf(m.id))!.xmin);
    } finally {
      await gw.close();
    }
    // close() recorded the last one.
    expect(await confirmation((await rowOf(m.id))!.attempt)).toBeDefined();

    const again = await world({ kafka: kafka.client, db: testDb.db, prefix, topic, markDelayMs: 50 });
    try {
      const alone = melding(caseId);
      expect((await post(again.gw.url, again.g.token, alone)).status).toBe(202);
      const row = await rowOf(alone.id);
      const deadline = Date.now() + 5_000;
      while (!(await confirmation(row!.attempt)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      // Recorded on its own, in a later transaction than the claim.
      expect((await confirmation(row!.attempt))?.xmin).not.toBe(row!.xmin);
    } finally {
      await again.gw.close();
    }
  });

  // With a check thread (the harness sends every batch there) and without (as bodies under 16 KiB go).
  test.for([1, 0])(
    'batches answer per event: 202 when all pass, 207 with problems otherwise (%i check threads)',
    async (checkThreads, { kafka, testDb, prefix, groupId, topic }) => {
      const { gw, g } = await world({ kafka: kafka.client, db: testDb.db, prefix, topic, checkThreads });
      expect(gw.checkPool?.threads().length ?? 0).toBe(checkThreads);
      try {
        const caseId = newCaseId();
        // Open, then two domain events, in one batch: the opening counts for the events after it.
        const good = [
          opening(caseId),
          melding(caseId),
          makeEvent('nl.wmo.onderzoek-gestart', undefined, { subject: caseId, id: randomUUID() }),
        ];
        const all = await post(gw.url, g.token, good, 'application/cloudevents-batch+json');
        expect(all.status).toBe(202);
        expect(all.body.results.map((r: { status: number }) => r.status)).toEqual([202, 202, 202]);

        const bad = melding(caseId);
        bad.data.gemeentecode = '12';
        const mixed = await post(
          gw.url,
          g.token,
          [melding(caseId), bad, { ...melding(caseId), type: 'nl.wmo.zorg-gestart' as EventType }],
          'application/cloudevents-batch+json',
        );
        expect(mixed.status).toBe(207);
        expect(mixed.body.results.map((r: { status: number }) => r.status)).toEqual([202, 422, 403]);
        expect(mixed.body.results[1].problem.errors[0]).toMatchObject({ field: 'data.gemeentecode' });

        expect((await post(gw.url, g.token, [], 'application/cloudevents-batch+json')).status).toBe(400);
        expect((await post(gw.url, g.token, good, 'application/cloudevents+json')).status).toBe(400);
        const records = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`);
        expect(records).toHaveLength(4);
      } finally {
        await gw.close();
      }
    },
  );

  test('429 with Retry-After over the rate limit', async ({ kafka, testDb, prefix, topic }) => {
    const { gw, g } = await world({
      kafka: kafka.client,
      db: testDb.db,
      prefix,
      topic,
      ratePerS: 1,
      burst: 2,
    });
    try {
      const caseId = newCaseId();
      expect((await post(gw.url, g.token, opening(caseId))).status).toBe(202);
      expect((await post(gw.url, g.token, melding(caseId))).status).toBe(202);
      const limited = await post(gw.url, g.token, melding(caseId));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.body.type).toBe('https://ketenhub.nl/problems/rate-limited');
    } finally {
      await gw.close();
    }
  });

  test('serves the contract to known callers only', async ({ kafka, testDb, prefix, topic }) => {
    const { gw, g } = await world({ kafka: kafka.client, db: testDb.db, prefix, topic });
    try {
      expect((await fetch(`${gw.url}/asyncapi/wmo`)).status).toBe(401);
      const doc = await fetch(`${gw.url}/asyncapi/wmo`, { headers: { authorization: `Bearer ${g.token}` } });
      expect(doc.status).toBe(200);
      expect(await doc.json()).toMatchObject({ asyncapi: expect.stringMatching(/^3\./) });
      const worker = await signDevToken(devSecret, { sub: 'm', oin: gemeente.oin, roles: ['gemeente'] });
      const html = await fetch(`${gw.url}/docs/`, { headers: { authorization: `Bearer ${worker}` } });
      expect(html.status).toBe(200);
      expect(await html.text()).toContain('<html');
      const yaml = await fetch(`${gw.url}/asyncapi/omgevingswet`, {
        headers: { authorization: `Bearer ${g.token}`, accept: 'application/yaml' },
      });
      expect(await yaml.text()).toMatch(/^asyncapi:/m);
      expect(
        (await fetch(`${gw.url}/asyncapi/nope`, { headers: { authorization: `Bearer ${g.token}` } })).status,
      ).toBe(404);
    } finally {
      await gw.close();
    }
  });
});
