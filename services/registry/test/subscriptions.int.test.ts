import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@ketenhub/db';
import { createPublisher, ensureTopics, type KafkaClient } from '@ketenhub/kafka';
import { deriveSigningSecret } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { type Kysely, sql } from 'kysely';
import { registryMigrations, registrySchema } from '../src/migrations';
import { subscriptionsTopicName, subscriptionsTopicSpec } from '../src/subscriptions/state-topic';
import { standardSecretForm } from '../src/subscriptions/subscriptions.service';
import { readTopic, startHandshakeReceiver, startRegistry as startTestRegistry } from './harness';

const adminToken = 'operator-token-for-tests-0123456789abcdef';
const webhookKey = 'webhook-master-key-for-tests-0123456789';

// Without local http no receiver of a test can answer the handshake (they all listen on loopback),
// so that registry skips it; the handshake itself has its own test below.
const startRegistry = (kafka: KafkaClient, db: Kysely<unknown>, prefix: string, allowLocalHttp = true) =>
  startTestRegistry({
    kafka,
    db,
    topicPrefix: `${prefix}.`,
    adminToken,
    webhookKey,
    allowLocalHttp,
    handshake: allowLocalHttp,
  });

const provider = {
  oin: '00000099200000002000',
  name: 'ecd',
  roles: ['zorgaanbieder'],
  domains: ['wmo'],
  // Joining is an owner's act now; a provider answers its invitation.
  publishes: ['nl.ketens.uitnodiging-aanvaard', 'nl.wmo.zorg-gestart'],
  consumes: ['nl.wmo.toewijzing-verzonden', 'nl.ketens.deelnemer-aangesloten'],
};

describe('webhook subscriptions in the registry', () => {
  test('create, validate, list, rotate, pause, delete; the secret is derived, shown once and stored nowhere', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const registry = await startRegistry(kafka.client, testDb.db, prefix);
    const receiver = await startHandshakeReceiver();
    try {
      const system = await registry.call('POST', '/systems', provider);
      expect(system.status).toBe(201);
      const base = `/systems/${system.body.id}/subscriptions`;

      expect((await registry.call('POST', base, { url: 'http://127.0.0.1:9/x' }, null)).status).toBe(401);
      expect(
        (
          await registry.call('POST', `/systems/${randomUUID()}/subscriptions`, {
            url: 'https://a.example/x',
          })
        ).status,
      ).toBe(404);

      const notConsumed = await registry.call('POST', base, {
        url: 'https://ecd.example/hooks',
        types: ['nl.wmo.toewijzing-verzonden', 'nl.wmo.melding-ontvangen'],
      });
      expect(notConsumed.status).toBe(400);
      expect(notConsumed.body.type).toBe('https://ketenhub.nl/problems/invalid-request');
      expect(notConsumed.body.errors).toEqual([
        expect.objectContaining({ field: 'types.1', rule: 'consumes' }),
      ]);
      const ftp = await registry.call('POST', base, { url: 'ftp://ecd.example/hooks' });
      expect(ftp.body.errors).toEqual([expect.objectContaining({ field: 'url', rule: 'url-scheme' })]);
      const plainHttp = await registry.call('POST', base, { url: 'http://ecd.example/hooks' });
      expect(plainHttp.body.errors).toEqual([expect.objectContaining({ field: 'url', rule: 'url-scheme' })]);
      const metadata = await registry.call('POST', base, { url: 'https://169.254.169.254/latest' });
      expect(metadata.body.errors).toEqual([expect.objectContaining({ field: 'url', rule: 'url-host' })]);
      // Private and unique-local addresses (SSRF into the operator's network), by address.
      for (const url of ['https://10.1.2.3/hooks', 'https://192.168.0.10/hooks', 'https://[fd00::1]/hooks']) {
        const inside = await registry.call('POST', base, { url });
        expect(inside.status, url).toBe(400);
        expect(inside.body.errors, url).toEqual([
          expect.objectContaining({ field: 'url', rule: 'url-target' }),
        ]);
      }
      const extra = await registry.call('POST', base, { url: 'https://ecd.example/hooks', secret: 'mine' });
      expect(extra.status).toBe(400);

      const created = await registry.call('POST', base, { url: receiver.url() });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        systemId: system.body.id,
        url: receiver.url(),
        types: provider.consumes,
        status: 'active',
        secretVersion: 1,
        previousSecretValidUntil: null,
      });
      const secret = created.body.secret as string;
      // Standard Webhooks' form: whsec_ + base64 of the 32 key bytes; the key is the derived one.
      expect(secret).toBe(standardSecretForm(deriveSigningSecret(webhookKey, created.body.id, 1)));
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(receiver.asked).toEqual([{ method: 'OPTIONS', origin: 'ketenhub.test', path: '/hooks' }]);
      const one = `${base}/${created.body.id}`;

      // Never shown again, and nowhere in the database (no column holds it or anything signing).
      const listed = await registry.call('GET', base);
      expect(listed.body.subscriptions).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect((await registry.call('GET', one)).body.secret).toBeUndefined();
      const dump = await sql<{
        row: string;
      }>`select row_to_json(s)::text as row from registry.subscriptions s`.execute(testDb.db);
      expect(dump.rows[0]?.row).not.toContain(secret.slice(6));

      const rotated = await registry.call('POST', `${one}/secret`, { graceSeconds: 600 });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secretVersion).toBe(2);
      expect(rotated.body.secret).toBe(
        standardSecretForm(deriveSigningSecret(webhookKey, created.body.id, 2)),
      );
      expect(Date.parse(rotated.body.previousSecretValidUntil) - Date.now()).toBeGreaterThan(590_000);

      expect((await registry.call('POST', `${one}/pause`)).body.status).toBe('paused');
      expect((await registry.call('POST', `${one}/resume`)).body.status).toBe('active');
      expect((await registry.call('DELETE', one)).body.status).toBe('deleted');
      expect((await registry.call('GET', one)).status).toBe(404);
      expect((await registry.call('GET', base)).body.subscriptions).toHaveLength(0);

      // The dispatcher's view: one record per change, the last one says deleted.
      const records = (await readTopic(kafka.client, subscriptionsTopicName(`${prefix}.`), `${prefix}-read`))
        .filter((r) => r.key === created.body.id)
        .map((r) => JSON.parse(r.value?.toString() ?? '{}'));
      expect(records.map((r) => [r.status, r.secretVersion, r.revision])).toEqual([
        ['active', 1, 1],
        ['active', 2, 2],
        ['paused', 2, 3],
        ['active', 2, 4],
        ['deleted', 2, 5],
      ]);
      expect(records[0]).toMatchObject({
        version: 1,
        oin: provider.oin,
        roles: ['zorgaanbieder'],
        systemRevoked: false,
      });
      expect(JSON.stringify(records)).not.toContain('whsec_');
    } finally {
      await registry.close();
      await receiver.close();
    }
  });

  test('records of a registry from before the access model (no roles) are superseded on the next start', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const topicPrefix = `${prefix}.`;
    // The tests of a file share its database: start this one from an empty registry schema.
    await sql`drop schema if exists ${sql.id(registrySchema)} cascade`.execute(testDb.db);
    // The older registry: its schema, one system with one subscription, and its record on the topic.
    const before = Object.fromEntries(
      Object.entries(registryMigrations).filter(([name]) => name < '2026-12-03'),
    );
    await migrateToLatest(testDb.db, before, { schema: registrySchema });
    const systemId = randomUUID();
    const subscriptionId = randomUUID();
    await sql`insert into registry.systems (id, oin, name, roles, domains, publishes, consumes, token_sha256)
      values (${systemId}, ${provider.oin}, 'ecd-old', ${['zorgaanbieder']}, ${['wmo']}, ${[]},
        ${['nl.wmo.toewijzing-verzonden']}, ${'0'.repeat(64)})`.execute(testDb.db);
    await sql`insert into registry.subscriptions (id, system_id, url, types, revision)
      values (${subscriptionId}, ${systemId}, 'https://ecd.example/hooks', ${['nl.wmo.toewijzing-verzonden']}, 3)`.execute(
      testDb.db,
    );
    await ensureTopics(kafka.client, [subscriptionsTopicSpec(topicPrefix)]);
    const publisher = await createPublisher(kafka.client);
    const { roles: _roles, ...oldShape } = {
      version: 1,
      id: subscriptionId,
      systemId,
      oin: provider.oin,
      roles: [],
      url: 'https://ecd.example/hooks',
      types: ['nl.wmo.toewijzing-verzonden'],
      status: 'active',
      systemRevoked: false,
      secretVersion: 1,
      previousSecretValidUntil: null,
      revision: 3,
      updatedAt: new Date().toISOString(),
    };
    await publisher.publish([
      { topic: subscriptionsTopicName(topicPrefix), key: subscriptionId, value: JSON.stringify(oldShape) },
    ]);
    await publisher.close();

    // The new registry starts: migrations, then the republish it does before it listens.
    const registry = await startRegistry(kafka.client, testDb.db, prefix);
    try {
      const records = (await readTopic(kafka.client, subscriptionsTopicName(topicPrefix), `${prefix}-read`))
        .filter((r) => r.key === subscriptionId)
        .map((r) => JSON.parse(r.value?.toString() ?? '{}'));
      expect(records).toHaveLength(2);
      expect(records[0].roles).toBeUndefined();
      // Newer than the old record, so a dispatcher keeping the highest revision keeps this one.
      expect(records[1]).toMatchObject({ id: subscriptionId, roles: ['zorgaanbieder'], revision: 4 });
    } finally {
      await registry.close();
    }
  });

  test('loopback URLs only with local http on; revoking the system republishes its subscriptions as revoked', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const strict = await startRegistry(kafka.client, testDb.db, prefix, false);
    try {
      const system = await strict.call('POST', '/systems', { ...provider, name: 'ecd-2' });
      const base = `/systems/${system.body.id}/subscriptions`;
      const local = await strict.call('POST', base, { url: 'http://localhost:8080/hooks' });
      expect(local.body.errors).toEqual([expect.objectContaining({ field: 'url', rule: 'url-host' })]);
      const created = await strict.call('POST', base, {
        url: 'https://ecd.example/hooks',
        types: ['nl.wmo.toewijzing-verzonden'],
      });
      expect(created.status).toBe(201);
      expect(created.body.types).toEqual(['nl.wmo.toewijzing-verzonden']);

      await strict.call('POST', `/systems/${system.body.id}/revoke`);
      const records = (await readTopic(kafka.client, subscriptionsTopicName(`${prefix}.`), `${prefix}-read`))
        .filter((r) => r.key === created.body.id)
        .map((r) => JSON.parse(r.value?.toString() ?? '{}'));
      expect(records.at(-1)).toMatchObject({ status: 'active', systemRevoked: true, revision: 2 });
      // A revoked system gets no new subscriptions.
      expect((await strict.call('POST', base, { url: 'https://ecd.example/other' })).status).toBe(409);
    } finally {
      await strict.close();
    }
  });

  test('receivers inside networks the operator allows (KETENHUB_WEBHOOK_ALLOW_NETWORKS), and nowhere else inside', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const registry = await startTestRegistry({
      kafka: kafka.client,
      db: testDb.db,
      topicPrefix: `${prefix}.`,
      adminToken,
      webhookKey,
      allowLocalHttp: false,
      // Nothing listens at these addresses: no handshake (it has its own test).
      handshake: false,
      allowNetworks: ['10.1.0.0/16', 'fd12:3456::/48'],
    });
    try {
      const system = await registry.call('POST', '/systems', { ...provider, name: 'ecd-vpn' });
      const base = `/systems/${system.body.id}/subscriptions`;
      for (const url of ['https://10.1.2.3/hooks', 'https://[fd12:3456::7]/hooks']) {
        const inside = await registry.call('POST', base, { url });
        expect(inside.status, `${url}: ${JSON.stringify(inside.body)}`).toBe(201);
      }
      for (const url of ['https://10.2.0.1/hooks', 'https://192.168.1.1/hooks', 'https://[fd00::1]/hooks']) {
        const outside = await registry.call('POST', base, { url });
        expect(outside.status, url).toBe(400);
        expect(outside.body.errors, url).toEqual([
          expect.objectContaining({ field: 'url', rule: 'url-target' }),
        ]);
      }
      const metadata = await registry.call('POST', base, { url: 'https://169.254.169.254/latest' });
      expect(metadata.body.errors).toEqual([expect.objectContaining({ field: 'url', rule: 'url-host' })]);
    } finally {
      await registry.close();
    }
  });

  test('the CloudEvents handshake: a receiver that does not consent is refused, naming the rule; its allowed rate and a backfill reach the record', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const registry = await startRegistry(kafka.client, testDb.db, prefix);
    const answers: Record<
      string,
      (origin: string | undefined) => { status: number; headers?: Record<string, string> }
    > = {
      '/plain': () => ({ status: 204 }),
      '/other-origin': () => ({ status: 200, headers: { 'webhook-allowed-origin': 'someone-else.example' } }),
      '/bad-rate': () => ({
        status: 200,
        headers: { 'webhook-allowed-origin': '*', 'webhook-allowed-rate': 'lots' },
      }),
      '/rated': (origin) => ({
        status: 200,
        headers: { 'webhook-allowed-origin': origin ?? '', 'webhook-allowed-rate': '120' },
      }),
    };
    let path = '';
    const receiver = await startHandshakeReceiver((origin) => (answers[path] ?? answers['/plain'])!(origin));
    try {
      const system = await registry.call('POST', '/systems', { ...provider, name: 'ecd-handshake' });
      const base = `/systems/${system.body.id}/subscriptions`;
      const ask = async (p: string, extra: Record<string, unknown> = {}) => {
        path = p;
        return registry.call('POST', base, { url: receiver.url(p), ...extra });
      };
      for (const p of ['/plain', '/other-origin', '/bad-rate']) {
        const refused = await ask(p);
        expect(refused.status, p).toBe(400);
        expect(refused.body.type).toBe('https://ketenhub.nl/problems/invalid-request');
        expect(refused.body.errors, p).toEqual([
          expect.objectContaining({ field: 'url', rule: 'webhook-handshake' }),
        ]);
      }
      // Nobody listening at all.
      const nobody = await registry.call('POST', base, { url: 'http://127.0.0.1:9/hooks' });
      expect(nobody.body.errors).toEqual([
        expect.objectContaining({ field: 'url', rule: 'webhook-handshake' }),
      ]);
      expect((await registry.call('GET', base)).body.subscriptions).toEqual([]);

      const bad = await ask('/rated', { backfill: { from: 'yesterday' } });
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'backfill.from' })]);
      const rated = await ask('/rated', { backfill: { from: '2026-01-01T00:00:00Z' } });
      expect(rated.status).toBe(201);
      expect(rated.body).toMatchObject({ allowedRate: 120, backfill: { from: '2026-01-01T00:00:00Z' } });
      const all = await ask('/rated', { backfill: true });
      expect(all.body).toMatchObject({ allowedRate: 120, backfill: { from: null } });
      const none = await ask('/rated');
      expect(none.body).toMatchObject({ backfill: null });
      const records = (
        await readTopic(kafka.client, subscriptionsTopicName(`${prefix}.`), `${prefix}-hs`)
      ).map((r) => JSON.parse(r.value?.toString() ?? '{}'));
      expect(records.find((r) => r.id === rated.body.id)).toMatchObject({
        allowedRate: 120,
        backfill: { from: '2026-01-01T00:00:00Z' },
      });
      expect(records.find((r) => r.id === none.body.id)).toMatchObject({ allowedRate: 120, backfill: null });
      expect(receiver.asked.every((a) => a.method === 'OPTIONS' && a.origin === 'ketenhub.test')).toBe(true);
    } finally {
      await registry.close();
      await receiver.close();
    }
  });
});
