import { createHash, randomUUID } from 'node:crypto';
// The gateway side of the registry's state topic: this test checks the two agree.
import { startDirectoryConsumer } from '@ketenhub/directory';
import { makeEvent } from '@ketenhub/events/testing';
import type { KafkaClient } from '@ketenhub/kafka';
import { createCaseWorkerVerifier, createLogger, devIssuer } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { newCaseId, post, startGateway } from '../../gateway/test/harness';
import { systemsTopicName } from '../src/systems/state-topic';
import { startRegistry as startTestRegistry } from './harness';

const adminToken = 'operator-token-for-tests-0123456789abcdef';
const devSecret = 'registry-dev-secret-of-at-least-32-chars';
const gemeenteOin = '00000099100000001000';
const zorgOin = '00000099200000002000';

const startRegistry = (kafka: KafkaClient, db: Kysely<unknown>, prefix: string, dev = true) =>
  startTestRegistry({
    kafka,
    db,
    topicPrefix: `${prefix}.`,
    adminToken,
    webhookKey: 'registry-test-webhook-key-0123456789abcd',
    ...(dev ? { devTokenSecret: devSecret } : {}),
  });

const gemeenteSystem = {
  oin: gemeenteOin,
  name: 'zaaksysteem',
  roles: ['gemeente'],
  domains: ['wmo'],
  publishes: ['nl.ketens.ketenzaak-geopend', 'nl.wmo.melding-ontvangen'],
  consumes: ['nl.wmo.zorg-gestart'],
};

describe('registry', () => {
  test('operator API: authentication, validation against the catalog, token shown once and stored hashed', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const registry = await startRegistry(kafka.client, testDb.db, prefix);
    try {
      expect((await registry.call('POST', '/systems', gemeenteSystem, null)).status).toBe(401);
      expect((await registry.call('POST', '/systems', gemeenteSystem, `${adminToken}x`)).status).toBe(401);
      expect((await registry.call('GET', '/systems', undefined, 'short')).status).toBe(401);

      // A care provider may not register a type only a municipality publishes.
      const wrongRole = await registry.call('POST', '/systems', {
        ...gemeenteSystem,
        oin: zorgOin,
        roles: ['zorgaanbieder'],
        publishes: ['nl.wmo.melding-ontvangen'],
      });
      expect(wrongRole.status).toBe(400);
      expect(wrongRole.body.errors).toEqual([
        expect.objectContaining({ field: 'publishes.0', rule: 'publisher-role' }),
      ]);
      const unknownType = await registry.call('POST', '/systems', {
        ...gemeenteSystem,
        publishes: ['nl.wmo.bestaat-niet'],
      });
      expect(unknownType.body.errors[0]).toMatchObject({ field: 'publishes.0', rule: 'unknown-type' });
      const otherDomain = await registry.call('POST', '/systems', {
        ...gemeenteSystem,
        publishes: ['nl.omgevingswet.aanvraag-ontvangen'],
      });
      expect(otherDomain.body.errors[0]).toMatchObject({ rule: 'domain' });
      // The onderzoek is the municipality's (and the hub's): a care provider may not receive it.
      const notItsToSee = await registry.call('POST', '/systems', {
        ...gemeenteSystem,
        oin: '00000099200000002000',
        name: 'ecd',
        roles: ['zorgaanbieder'],
        publishes: [],
        consumes: ['nl.wmo.toewijzing-verzonden', 'nl.wmo.onderzoek-gestart'],
      });
      expect(notItsToSee.status).toBe(400);
      expect(notItsToSee.body.errors).toEqual([
        expect.objectContaining({ field: 'consumes.1', rule: 'consumer-role' }),
      ]);
      const badOin = await registry.call('POST', '/systems', { ...gemeenteSystem, oin: '123' });
      expect(badOin.status).toBe(400);
      expect(badOin.body.errors[0]).toMatchObject({ field: 'oin' });

      const created = await registry.call('POST', '/systems', gemeenteSystem);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        source: `urn:nld:oin:${gemeenteOin}:systeem:zaaksysteem`,
        roles: ['gemeente'],
        revokedAt: null,
      });
      const token = created.body.token as string;
      expect(token).toMatch(/^khs_[A-Za-z0-9_-]{43}$/);
      expect((await registry.call('POST', '/systems', gemeenteSystem)).status).toBe(409);

      // Stored as SHA-256 only; list and get never show the token or its hash.
      const rows = await sql<{ token_sha256: string }>`select token_sha256 from registry.systems`.execute(
        testDb.db,
      );
      expect(rows.rows.map((r) => r.token_sha256)).toContain(
        createHash('sha256').update(token).digest('hex'),
      );
      const listed = await registry.call('GET', '/systems');
      expect(JSON.stringify(listed.body)).not.toContain(token);
      expect(JSON.stringify(listed.body)).not.toMatch(/sha256|[0-9a-f]{64}/);
      const got = await registry.call('GET', `/systems/${created.body.id}`);
      expect(got.body.token).toBeUndefined();
      expect((await registry.call('GET', `/systems/${randomUUID()}`)).status).toBe(404);

      const rotated = await registry.call('POST', `/systems/${created.body.id}/token`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.token).not.toBe(token);
      const revoked = await registry.call('POST', `/systems/${created.body.id}/revoke`);
      expect(revoked.body.revokedAt).not.toBeNull();
      expect((await registry.call('POST', `/systems/${created.body.id}/token`)).status).toBe(409);
    } finally {
      await registry.close();
    }
  });

  test('dev tokens are signed case-worker tokens, and only when dev tokens are on', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const on = await startRegistry(kafka.client, testDb.db, prefix, true);
    const off = await startRegistry(kafka.client, testDb.db, `${prefix}-off`, false);
    try {
      const res = await on.call('POST', '/dev/tokens', {
        oin: gemeenteOin,
        sub: 'medewerker-7',
        roles: ['gemeente'],
      });
      expect(res.status).toBe(201);
      const worker = await createCaseWorkerVerifier([
        { issuer: devIssuer, audience: 'ketenhub', secret: devSecret, oinPattern: '00000099\\d{12}' },
      ]).verify(res.body.token);
      expect(worker).toMatchObject({ sub: 'medewerker-7', oin: gemeenteOin, roles: ['gemeente'] });
      expect((await on.call('POST', '/dev/tokens', { oin: gemeenteOin, sub: 'x', roles: [] })).status).toBe(
        400,
      );
      expect(
        (await on.call('POST', '/dev/tokens', { oin: gemeenteOin, sub: 'x', roles: ['gemeente'] }, null))
          .status,
      ).toBe(401);
      expect(
        (await off.call('POST', '/dev/tokens', { oin: gemeenteOin, sub: 'x', roles: ['gemeente'] })).status,
      ).toBe(404);
    } finally {
      await on.close();
      await off.close();
    }
  });

  test('the gateway learns registrations, rotations and revocations from the state topic', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const registry = await startRegistry(kafka.client, testDb.db, prefix);
    const gw = await startGateway({ kafka: kafka.client, db: testDb.db, databaseUrl: testDb.url, prefix });
    // The hub's own systems register with the role ketenhub.
    const hub = await registry.call('POST', '/systems', {
      oin: '00000099900000009000',
      name: 'ketenhub',
      roles: ['ketenhub'],
      domains: ['wmo', 'omgevingswet'],
      publishes: ['nl.ketens.termijn-verstreken'],
    });
    expect(hub.status).toBe(201);
    // Registered before the gateway starts: found by reading the compacted topic from the start.
    const first = await registry.call('POST', '/systems', { ...gemeenteSystem, name: 'zaaksysteem-2' });
    expect(first.status).toBe(201);
    const directory = await startDirectoryConsumer({
      kafka: kafka.client,
      topic: systemsTopicName(`${prefix}.`),
      directory: gw.directory,
      logger: createLogger({ service: 'test', level: 'silent' }),
      groupPrefix: `${prefix}.`,
    });
    try {
      await directory.waitUntilCaughtUp(30_000);
      expect(directory.isCaughtUp()).toBe(true);
      const caseId = newCaseId();
      const source = first.body.source as string;
      const open = makeEvent('nl.ketens.ketenzaak-geopend', undefined, {
        subject: caseId,
        id: randomUUID(),
        source,
      });
      open.data.systeem = 'zaaksysteem-2';
      expect((await post(gw.url, first.body.token, open)).status).toBe(202);

      const eventually = async (check: () => Promise<boolean>) => {
        const deadline = Date.now() + 15_000;
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error('not reached in time');
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const melding = () =>
        makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId, id: randomUUID(), source });

      // A new token works at once: the registry answered after the record was in Kafka, and the
      // gateway reads up to the end of the topic before it refuses an unknown token.
      const rotated = await registry.call('POST', `/systems/${first.body.id}/token`);
      expect((await post(gw.url, rotated.body.token, melding())).status).toBe(202);
      expect((await post(gw.url, first.body.token, melding())).status).toBe(401);

      await registry.call('POST', `/systems/${first.body.id}/revoke`);
      await eventually(async () => (await post(gw.url, rotated.body.token, melding())).status === 401);
    } finally {
      await directory.stop();
      await gw.close();
      await registry.close();
    }
  });
});
