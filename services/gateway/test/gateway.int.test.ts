import { randomUUID } from 'node:crypto';
import { toKnownSystem } from '@ketenhub/directory';
import type { EventType, KetenEvent } from '@ketenhub/events';
import { exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { topicOffsets } from '@ketenhub/kafka';
import { signDevToken } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { sql } from 'kysely';
import { CHECK_POOL_MIN_BYTES } from '../src/ingest/check/check-pool';
import { checkEvent } from '../src/ingest/check/checks';
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
const cakOrg = exampleOrganisations.cak;
const otherZorg = { oin: '00000099200000007000', systeem: 'ecd-ander' };
/** A neighbouring municipality: may own participation by its role, once it has full access. */
const buur = { oin: '00000099100000011000', systeem: 'zaaksysteem-buur' };

interface World {
  gw: TestGateway;
  /** The municipality that opens the cases and owns participation in them. */
  g: TestSystem;
  z: TestSystem;
  cak: TestSystem;
  outsider: TestSystem;
  neighbour: TestSystem;
}

/** The systems of the tests, as the registry would let them register (catalog publishers). */
function registerSystems(directory: TestGateway['directory']): Omit<World, 'gw'> {
  const g = addSystem(directory, {
    oin: gemeente.oin,
    name: gemeente.systeem,
    roles: ['gemeente'],
    domains: ['wmo'],
    publishes: [
      'nl.ketens.ketenzaak-geopend',
      'nl.ketens.deelnemer-aangesloten',
      'nl.ketens.deelnemer-uitgenodigd',
      'nl.ketens.toegang-gewijzigd',
      'nl.ketens.deelnemer-verwijderd',
      'nl.wmo.melding-ontvangen',
      'nl.wmo.onderzoek-gestart',
    ],
  });
  const z = addSystem(directory, {
    oin: zorg.oin,
    name: zorg.systeem,
    roles: ['zorgaanbieder'],
    domains: ['wmo'],
    publishes: ['nl.ketens.uitnodiging-aanvaard', 'nl.wmo.zorg-gestart'],
  });
  const cak = addSystem(directory, {
    oin: cakOrg.oin,
    name: cakOrg.systeem,
    roles: ['cak'],
    domains: ['wmo'],
    publishes: [
      'nl.ketens.uitnodiging-aanvaard',
      'nl.ketens.uitnodiging-afgewezen',
      'nl.wmo.retourbericht-verzonden',
    ],
  });
  const outsider = addSystem(directory, {
    oin: otherZorg.oin,
    name: otherZorg.systeem,
    roles: ['zorgaanbieder'],
    domains: ['wmo'],
    publishes: ['nl.ketens.uitnodiging-aanvaard', 'nl.wmo.zorg-gestart'],
  });
  const neighbour = addSystem(directory, {
    oin: buur.oin,
    name: buur.systeem,
    roles: ['gemeente'],
    domains: ['wmo'],
    publishes: [
      'nl.ketens.ketenzaak-geopend',
      'nl.ketens.deelnemer-aangesloten',
      'nl.ketens.deelnemer-uitgenodigd',
      'nl.ketens.toegang-gewijzigd',
      'nl.wmo.melding-ontvangen',
    ],
  });
  return { g, z, cak, outsider, neighbour };
}

async function world(args: Parameters<typeof startGateway>[0]): Promise<World> {
  const gw = await startGateway(args);
  return { gw, ...registerSystems(gw.directory) };
}

const opening = (caseId: string, id = randomUUID()) =>
  makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: caseId, id, as: 'gemeente' });
/** The municipality adds an organisation (by default the care provider) to the case. */
const adding = (
  caseId: string,
  who: { oin: string; systeem: string; rol?: 'zorgaanbieder' | 'gemeente' | 'cak' } = zorg,
  toegang: 'beperkt' | 'volledig' = 'beperkt',
  source = gemeente.source,
) =>
  makeEvent(
    'nl.ketens.deelnemer-aangesloten',
    {
      oin: who.oin,
      rol: who.rol ?? 'zorgaanbieder',
      systeem: who.systeem,
      zaakreferentie: 'CL-88231',
      toegang,
    },
    { subject: caseId, id: randomUUID(), source },
  );
const removing = (caseId: string, oin = zorg.oin, id = randomUUID()) =>
  makeEvent(
    'nl.ketens.deelnemer-verwijderd',
    { oin, rol: 'zorgaanbieder', reden: 'Zorg overgedragen' },
    { subject: caseId, id, source: gemeente.source },
  );
const melding = (caseId: string, id = randomUUID()) =>
  makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, id, as: 'gemeente' });
const zorgGestart = (caseId: string, source: string, id = randomUUID()) =>
  makeEvent('nl.wmo.zorg-gestart', undefined, { subject: caseId, id, source });

const ids = (records: { value: Buffer | null }[]) =>
  records.map((r) => (JSON.parse(String(r.value)) as KetenEvent).id).sort();

/** Records in every partition of `topic` (its end offsets): what reached Kafka at all. */
const recordCount = async (client: Parameters<typeof topicOffsets>[0], topic: string) =>
  (await topicOffsets(client, topic)).reduce((sum, o) => sum + Number(o.high), 0);

describe('POST /events', () => {
  test('opens a case, adds the provider, which publishes on it: each event in the wmo topic exactly once', async ({
    kafka,
    testDb,
    prefix,
    groupId,
    topic,
  }) => {
    const { gw, g, z } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    try {
      const caseId = newCaseId();
      const events = [opening(caseId), melding(caseId)];
      for (const e of events) expect((await post(gw.url, g.token, e)).status).toBe(202);
      // The municipality adds the provider, which publishes right after, through the same gateway:
      // no wait for the consumer.
      const join = adding(caseId);
      const joined = await post(gw.url, g.token, join);
      expect(joined.status).toBe(202);
      expect(joined.body).toEqual({ id: join.id, source: g.source, status: 'accepted' });
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
    const { gw, g } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
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
    const { gw, g, z } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    try {
      const caseId = newCaseId();
      const open = opening(caseId);
      expect((await post(gw.url, g.token, open)).status).toBe(202);
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
      expect(ids(records)).toEqual([open.id, ok.id].sort());
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
    const { gw, g } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
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
    const args = { kafka: kafka.client, databaseUrl: testDb.url, prefix, topic };
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
    if (!checked.ok) throw new Error(checked.refusal.detail);
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
    const { gw, g } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
      markDelayMs: 60_000,
    });
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

    const again = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
      markDelayMs: 50,
    });
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

  // With a check thread and without. The thread takes bodies of CHECK_POOL_MIN_BYTES and more, so
  // these are padded to that (trailing whitespace is valid JSON); without threads they are checked
  // in the request thread, as every smaller body is.
  const padded = (events: unknown[]) => `${JSON.stringify(events)}${' '.repeat(CHECK_POOL_MIN_BYTES)}`;
  test.for([1, 0])(
    'batches answer per event: 202 when all pass, 207 with problems otherwise (%i check threads)',
    async (checkThreads, { kafka, testDb, prefix, groupId, topic }) => {
      const { gw, g } = await world({
        kafka: kafka.client,
        databaseUrl: testDb.url,
        prefix,
        topic,
        checkThreads,
      });
      expect(gw.checkPool?.threads().length ?? 0).toBe(checkThreads);
      try {
        const caseId = newCaseId();
        // Open, then two domain events, in one batch: the opening counts for the events after it.
        const good = [
          opening(caseId),
          melding(caseId),
          makeEvent('nl.wmo.onderzoek-gestart', undefined, { subject: caseId, id: randomUUID() }),
        ];
        const all = await post(gw.url, g.token, padded(good), 'application/cloudevents-batch+json');
        expect(all.status).toBe(202);
        expect(all.body.results.map((r: { status: number }) => r.status)).toEqual([202, 202, 202]);

        const bad = melding(caseId);
        bad.data.gemeentecode = '12';
        const mixed = await post(
          gw.url,
          g.token,
          padded([melding(caseId), bad, { ...melding(caseId), type: 'nl.wmo.zorg-gestart' as EventType }]),
          'application/cloudevents-batch+json',
        );
        expect(mixed.status).toBe(207);
        expect(mixed.body.results.map((r: { status: number }) => r.status)).toEqual([202, 422, 403]);
        expect(mixed.body.results[1].problem.errors[0]).toMatchObject({ field: 'data.gemeentecode' });

        expect((await post(gw.url, g.token, [], 'application/cloudevents-batch+json')).status).toBe(400);
        expect((await post(gw.url, g.token, good, 'application/cloudevents+json')).status).toBe(400);
        const records = await readTopic(kafka.client, gw.domainTopic('wmo'), `${groupId}-read`);
        expect(records).toHaveLength(4);
        // The two padded batches went to the thread when there was one.
        expect(gw.checkPool?.stats.threaded ?? 0).toBe(checkThreads > 0 ? 2 : 0);
      } finally {
        await gw.close();
      }
    },
  );

  test('429 with Retry-After over the rate limit', async ({ kafka, testDb, prefix, topic }) => {
    const { gw, g } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
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
    const { gw, g } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
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

describe('participation: granted by an owner, never claimed (issue 12)', () => {
  const invitation = (caseId: string, uitnodigingId: string) =>
    makeEvent(
      'nl.ketens.deelnemer-uitgenodigd',
      { uitnodigingId, oin: cakOrg.oin, rol: 'cak', toegang: 'beperkt' },
      { subject: caseId, id: randomUUID(), source: gemeente.source },
    );
  const acceptance = (caseId: string, uitnodigingId: string, by: TestSystem, systeem: string) =>
    makeEvent(
      'nl.ketens.uitnodiging-aanvaard',
      { uitnodigingId, systeem, zaakreferentie: 'EB-2026-771203' },
      { subject: caseId, id: randomUUID(), source: by.source },
    );
  const retour = (caseId: string, by: TestSystem) =>
    makeEvent(
      'nl.wmo.retourbericht-verzonden',
      { heenbericht: 'WMO405', retourcodes: ['0200'], geaccepteerd: true },
      { subject: caseId, id: randomUUID(), source: by.source },
    );
  const accessChange = (caseId: string, by: TestSystem, oin: string, rol: 'gemeente' | 'zorgaanbieder') =>
    makeEvent(
      'nl.ketens.toegang-gewijzigd',
      { oin, rol, toegang: 'volledig' },
      { subject: caseId, id: randomUUID(), source: by.source },
    );
  const rule = (answer: Awaited<ReturnType<typeof post>>) =>
    `${answer.status} ${answer.body.errors?.[0]?.rule}`;

  test('an organisation that knows a case id cannot join it or publish on it; nothing of it reaches Kafka', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const { gw, g, z, outsider, neighbour } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    try {
      const caseId = newCaseId();
      expect((await post(gw.url, g.token, opening(caseId))).status).toBe(202);
      const before = await recordCount(kafka.client, gw.domainTopic('wmo'));

      const notAdded = await post(gw.url, z.token, zorgGestart(caseId, z.source));
      expect(notAdded.status).toBe(403);
      expect(notAdded.headers.get('content-type')).toContain('application/problem+json');
      expect(notAdded.body.errors).toEqual([
        {
          field: 'subject',
          rule: 'geen-deelnemer',
          message: expect.stringContaining('an owner of the case must add or invite it first'),
        },
      ]);
      expect(rule(await post(gw.url, outsider.token, zorgGestart(caseId, outsider.source)))).toBe(
        '403 geen-deelnemer',
      );
      // The old way in: adding itself, even as an owner role with full access.
      const selfJoin = adding(caseId, { ...buur, rol: 'gemeente' }, 'volledig', neighbour.source);
      expect(rule(await post(gw.url, neighbour.token, selfJoin))).toBe('403 geen-deelnemer');
      const selfInvite = makeEvent(
        'nl.ketens.deelnemer-uitgenodigd',
        { uitnodigingId: randomUUID(), oin: buur.oin, rol: 'gemeente', toegang: 'volledig' },
        { subject: caseId, id: randomUUID(), source: neighbour.source },
      );
      expect(rule(await post(gw.url, neighbour.token, selfInvite))).toBe('403 geen-deelnemer');
      // Accepting an invitation nobody made.
      const claimed = acceptance(caseId, randomUUID(), outsider, otherZorg.systeem);
      expect(rule(await post(gw.url, outsider.token, claimed))).toBe('403 onbekende-uitnodiging');

      expect(await recordCount(kafka.client, gw.domainTopic('wmo'))).toBe(before);
    } finally {
      await gw.close();
    }
  });

  test('a participant cannot add others or raise its own access; an owner can, and then it owns', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const { gw, g, neighbour } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    try {
      const caseId = newCaseId();
      expect((await post(gw.url, g.token, opening(caseId))).status).toBe(202);
      // The neighbouring municipality takes part, with limited access: no owner of participation.
      expect((await post(gw.url, g.token, adding(caseId, { ...buur, rol: 'gemeente' }))).status).toBe(202);
      const before = await recordCount(kafka.client, gw.domainTopic('wmo'));
      const addsOther = adding(caseId, zorg, 'volledig', neighbour.source);
      const refused = await post(gw.url, neighbour.token, addsOther);
      expect(refused.status).toBe(403);
      expect(refused.body.errors[0]).toMatchObject({ field: 'type', rule: 'geen-deelname-eigenaar' });
      const raisesOwn = accessChange(caseId, neighbour, buur.oin, 'gemeente');
      expect(rule(await post(gw.url, neighbour.token, raisesOwn))).toBe('403 geen-deelname-eigenaar');
      expect(
        rule(
          await post(gw.url, neighbour.token, {
            ...invitation(caseId, randomUUID()),
            source: neighbour.source,
          }),
        ),
      ).toBe('403 geen-deelname-eigenaar');
      expect(await recordCount(kafka.client, gw.domainTopic('wmo'))).toBe(before);

      // The opener raises it to full access: as a gemeente with full access it now owns participation,
      // and may add others, but still not change its own participation.
      expect((await post(gw.url, g.token, accessChange(caseId, g, buur.oin, 'gemeente'))).status).toBe(202);
      expect(
        (await post(gw.url, neighbour.token, adding(caseId, zorg, 'beperkt', neighbour.source))).status,
      ).toBe(202);
      expect(
        rule(await post(gw.url, neighbour.token, accessChange(caseId, neighbour, buur.oin, 'gemeente'))),
      ).toBe('403 eigen-deelname');
    } finally {
      await gw.close();
    }
  });

  test('an invitation is accepted by a system of the invited organisation in the invited role only', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const { gw, g, z, cak } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    // Another system of the CAK's own organisation, registered in another role.
    const cakPortal = addSystem(gw.directory, {
      oin: cakOrg.oin,
      name: 'ieb-portaal',
      roles: ['zorgaanbieder'],
      domains: ['wmo'],
      publishes: ['nl.ketens.uitnodiging-aanvaard'],
    });
    try {
      const caseId = newCaseId();
      const uitnodigingId = randomUUID();
      expect((await post(gw.url, g.token, opening(caseId))).status).toBe(202);
      expect((await post(gw.url, g.token, invitation(caseId, uitnodigingId))).status).toBe(202);
      // Invited is not taking part yet.
      expect(rule(await post(gw.url, cak.token, retour(caseId, cak)))).toBe('403 geen-deelnemer');

      const byOther = await post(gw.url, z.token, acceptance(caseId, uitnodigingId, z, zorg.systeem));
      expect(byOther.status).toBe(403);
      expect(byOther.body.errors[0]).toMatchObject({ field: 'source', rule: 'niet-de-genodigde' });
      const wrongRole = await post(
        gw.url,
        cakPortal.token,
        acceptance(caseId, uitnodigingId, cakPortal, 'ieb-portaal'),
      );
      expect(wrongRole.status).toBe(403);
      expect(wrongRole.body.errors[0]).toMatchObject({ field: 'source', rule: 'registered-role' });
      expect(wrongRole.body.errors[0].message).toContain('cak');

      expect(
        (await post(gw.url, cak.token, acceptance(caseId, uitnodigingId, cak, cakOrg.systeem))).status,
      ).toBe(202);
      expect((await post(gw.url, cak.token, retour(caseId, cak))).status).toBe(202);
      // Once: a second acceptance (a new event, not a re-send) finds the invitation answered.
      expect(
        rule(await post(gw.url, cak.token, acceptance(caseId, uitnodigingId, cak, cakOrg.systeem))),
      ).toBe('403 uitnodiging-niet-open');
    } finally {
      await gw.close();
    }
  });

  test('an added organisation is named with a system registered at the hub, in a role it registered', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const { gw, g, z } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    try {
      const caseId = newCaseId();
      // The opener's own role must be one its system registered.
      const asAuthority = makeEvent(
        'nl.ketens.ketenzaak-geopend',
        {
          domein: 'wmo',
          oin: gemeente.oin,
          rol: 'bevoegd-gezag',
          systeem: gemeente.systeem,
          zaakreferentie: 'Z-1',
        },
        { subject: caseId, id: randomUUID(), source: g.source },
      );
      const wrongOpener = await post(gw.url, g.token, asAuthority);
      expect(wrongOpener.status).toBe(403);
      expect(wrongOpener.body.errors[0]).toMatchObject({ field: 'data.rol', rule: 'registered-role' });
      expect((await post(gw.url, g.token, opening(caseId))).status).toBe(202);

      const unknown = await post(gw.url, g.token, adding(caseId, { oin: zorg.oin, systeem: 'onbekend' }));
      expect(unknown.status).toBe(403);
      expect(unknown.body.errors[0]).toMatchObject({ field: 'data.systeem', rule: 'unknown-system' });
      const asCak = await post(gw.url, g.token, adding(caseId, { ...zorg, rol: 'cak' }));
      expect(asCak.status).toBe(403);
      expect(asCak.body.errors[0]).toMatchObject({ field: 'data.rol', rule: 'registered-role' });
      gw.directory.apply({ ...z.record, revoked: true, tokenSha256: null });
      expect(rule(await post(gw.url, g.token, adding(caseId)))).toBe('403 unknown-system');
      gw.directory.apply(z.record);
      expect((await post(gw.url, g.token, adding(caseId))).status).toBe(202);
    } finally {
      await gw.close();
    }
  });

  test('a batch may open a case, add and invite in one go: each event counts for the ones after it', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const { gw, g, z } = await world({
      kafka: kafka.client,
      databaseUrl: testDb.url,
      prefix,
      topic,
    });
    try {
      const caseId = newCaseId();
      const batch = [opening(caseId), adding(caseId), invitation(caseId, randomUUID()), melding(caseId)];
      const answer = await post(gw.url, g.token, batch, 'application/cloudevents-batch+json');
      expect(answer.status).toBe(202);
      expect((await post(gw.url, z.token, zorgGestart(caseId, z.source))).status).toBe(202);
      // Removing and then adding again in one batch: the add follows the removal.
      const again = await post(
        gw.url,
        g.token,
        [removing(caseId), adding(caseId), removing(caseId)],
        'application/cloudevents-batch+json',
      );
      expect(again.body.results.map((r: { status: number }) => r.status)).toEqual([202, 202, 202]);
      expect(rule(await post(gw.url, z.token, zorgGestart(caseId, z.source)))).toBe('403 geen-deelnemer');
    } finally {
      await gw.close();
    }
  });

  test('two instances on one database: a grant through one counts at once on the other, a removal within moments', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const args = { kafka: kafka.client, databaseUrl: testDb.url, prefix, topic };
    const a = await world(args);
    const b = await startGateway(args);
    for (const s of [a.g, a.z, a.cak, a.outsider, a.neighbour]) b.directory.apply(s.record);
    const { g, z } = a;
    try {
      const caseId = newCaseId();
      expect((await post(a.gw.url, g.token, opening(caseId))).status).toBe(202);
      expect((await post(a.gw.url, g.token, melding(caseId))).status).toBe(202);
      // A has the case cached without the provider; the grant goes through B. A answers from the
      // database before it refuses, so the provider's very next event passes there.
      expect((await post(b.url, g.token, adding(caseId))).status).toBe(202);
      expect((await post(a.gw.url, z.token, zorgGestart(caseId, z.source))).status).toBe(202);

      // A now has the provider cached as a participant. The removal goes through B.
      const removal = removing(caseId);
      const removed = await post(b.url, g.token, removal);
      expect(removed.status).toBe(202);
      const started = Date.now();
      let answer = await post(a.gw.url, z.token, zorgGestart(caseId, z.source));
      while (answer.status === 202 && Date.now() - started < 5_000) {
        await new Promise((r) => setTimeout(r, 20));
        answer = await post(a.gw.url, z.token, zorgGestart(caseId, z.source));
      }
      expect(rule(answer)).toBe('403 geen-deelnemer');
      // Within moments: the notice of B's acceptor reaches A as its commit does.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(rule(await post(b.url, z.token, zorgGestart(caseId, z.source)))).toBe('403 geen-deelnemer');

      // A re-sent removal is answered as the first time, on either instance (it is not judged
      // again: the provider is gone); other content under its id is 409.
      for (const url of [a.gw.url, b.url]) {
        const resent = await post(url, g.token, removal);
        expect(resent.status).toBe(202);
        expect(resent.body).toEqual(removed.body);
      }
      const changed = { ...removal, data: { ...removal.data, reden: 'Anders' } };
      expect(rule(await post(a.gw.url, g.token, changed))).toBe('409 unique-id');
    } finally {
      await b.close();
      await a.gw.close();
    }
  });
});
