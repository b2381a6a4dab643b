import { createServer } from 'node:http';
import { openWebhookAuth } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { notificatiesApiValidator } from '@ketenhub/zgw-notificaties/testing';
import { sql } from 'kysely';
import { subscriptionsTopicName } from '../src/subscriptions/state-topic';
import { type Json, readTopic, startRegistry } from './harness';

const adminToken = 'operator-token-for-tests-0123456789abcdef';
const webhookKey = 'webhook-master-key-for-tests-0123456789';
const official = notificatiesApiValidator();

const municipality = {
  oin: '00000099100000001000',
  name: 'zaaksysteem',
  roles: ['gemeente'],
  domains: ['wmo'],
  publishes: ['nl.ketens.ketenzaak-geopend', 'nl.wmo.melding-ontvangen'],
  consumes: ['nl.wmo.melding-ontvangen', 'nl.wmo.beschikking-afgegeven', 'nl.ketens.deelnemer-aangesloten'],
};
const provider = {
  oin: '00000099200000002000',
  name: 'ecd',
  roles: ['zorgaanbieder'],
  domains: ['wmo'],
  publishes: ['nl.ketens.uitnodiging-aanvaard'],
  consumes: ['nl.wmo.toewijzing-verzonden'],
};

/** A ZGW consumer's callback: answers Open Notificaties' test notification 204 with its auth value, 403 without. */
async function startZgwCallback(expectedAuth: () => string) {
  const received: { auth: string | undefined; body: Json }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body: text ? JSON.parse(text) : {} });
      res.writeHead(req.headers.authorization === expectedAuth() ? 204 : 403).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (path = '/notificaties') => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the Open Notificaties-compatible façade (/api/v1)', () => {
  test('kanalen, abonnementen: auth, validation against the official schema, CRUD, the auth value never shown and stored sealed', async ({
    kafka,
    testDb,
    prefix,
  }) => {
    const registry = await startRegistry({
      kafka: kafka.client,
      db: testDb.db,
      topicPrefix: `${prefix}.`,
      adminToken,
      webhookKey,
      allowLocalHttp: true,
    });
    let auth = 'Bearer zgw-consumer-secret-0123456789';
    const callback = await startZgwCallback(() => auth);
    try {
      const system = await registry.call('POST', '/systems', municipality);
      const other = await registry.call('POST', '/systems', provider);
      expect(system.status).toBe(201);
      const token = system.body.token as string;
      const api = (method: string, path: string, body?: unknown, t: string | null = token) =>
        registry.call(method, `/api/v1${path}`, body, t);

      // Authentication: the system's own registry token; the operator token is not one.
      for (const t of [null, 'khs_not-a-token', adminToken]) {
        const refused = await api('GET', '/abonnement', undefined, t);
        expect(refused.status).toBe(401);
        expect(official.validate('Fout', refused.body)).toEqual([]);
        expect(refused.body.code).toBe('not_authenticated');
      }
      const raw = await fetch(`${registry.url}/api/v1/kanaal`);
      expect(raw.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      // Kanalen: the hub's domains, filter keys = kenmerken names.
      const kanalen = await api('GET', '/kanaal');
      expect(kanalen.status).toBe(200);
      expect(kanalen.body).toHaveLength(2);
      for (const k of kanalen.body as unknown as Json[]) expect(official.validate('Kanaal', k)).toEqual([]);
      const wmo = (kanalen.body as unknown as Json[]).find((k) => k.naam === 'wmo') as Json;
      expect(wmo.filters).toEqual(['type', 'bron', 'bronorganisatie']);
      expect((await api('GET', '/kanaal?naam=omgevingswet')).body).toEqual([
        expect.objectContaining({ naam: 'omgevingswet' }),
      ]);
      const one = await api('GET', new URL(wmo.url).pathname.replace('/api/v1', ''));
      expect(one.body).toEqual(wmo);
      expect((await api('GET', '/kanaal/3f9e8d7c-6b5a-4e3d-9c2b-1a0f9e8d7c6b')).status).toBe(404);

      const notJson = await fetch(`${registry.url}/api/v1/abonnement`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: 'callbackUrl=x',
      });
      expect(notJson.status).toBe(415);
      expect(official.validate('Fout', await notJson.json())).toEqual([]);

      // Validation: 400 ValidatieFout with invalidParams naming field and rule.
      const invalid = async (body: unknown, names: string[]) => {
        const answer = await api('POST', '/abonnement', body);
        expect(answer.status).toBe(400);
        expect(official.validate('ValidatieFout', answer.body)).toEqual([]);
        expect(answer.body.invalidParams.map((p: Json) => `${p.name} ${p.code}`)).toEqual(names);
      };
      await invalid({ auth, kanalen: [{ naam: 'wmo' }] }, ['callbackUrl required']);
      await invalid({ callbackUrl: callback.url(), auth: 'x'.repeat(1001), kanalen: [{ naam: 'wmo' }] }, [
        'auth max',
      ]);
      await invalid({ callbackUrl: callback.url(), auth, kanalen: [{ naam: 'zaken' }] }, [
        'kanalen.0.naam kanaal-onbekend',
      ]);
      await invalid(
        { callbackUrl: callback.url(), auth, kanalen: [{ naam: 'wmo', filters: { zaaktype: 'x' } }] },
        ['kanalen.0.filters.zaaktype filter-onbekend'],
      );
      await invalid({ callbackUrl: callback.url(), auth, kanalen: [] }, ['kanalen min']);
      await invalid({ callbackUrl: 'ftp://zgw.example/cb', auth, kanalen: [{ naam: 'wmo' }] }, [
        'callbackUrl url-scheme',
      ]);
      await invalid(
        {
          callbackUrl: callback.url(),
          auth,
          kanalen: [{ naam: 'wmo', filters: { type: 'nl.omgevingswet.besluit-genomen' } }],
        },
        ['kanalen.0.filters.type type-onbekend'],
      );
      // The callback must accept Open Notificaties' test notification with the auth value.
      await invalid({ callbackUrl: callback.url(), auth: 'Bearer wrong', kanalen: [{ naam: 'wmo' }] }, [
        'callbackUrl callback-test',
      ]);
      expect(callback.received.at(-1)?.body).toMatchObject({ kanaal: 'test', actie: 'create' });

      // What the system does not consume is refused (403), not silently narrowed.
      const notConsumed = await api('POST', '/abonnement', {
        callbackUrl: callback.url(),
        auth,
        kanalen: [{ naam: 'omgevingswet' }],
      });
      expect(notConsumed.status).toBe(403);
      expect(official.validate('Fout', notConsumed.body)).toEqual([]);
      const typeNotConsumed = await api('POST', '/abonnement', {
        callbackUrl: callback.url(),
        auth,
        kanalen: [{ naam: 'wmo', filters: { type: 'nl.wmo.zorg-gestart' } }],
      });
      expect(typeNotConsumed.status).toBe(403);
      expect(typeNotConsumed.body.errors).toEqual([
        expect.objectContaining({ field: 'kanalen.0', rule: 'consumes' }),
      ]);

      // Create: 201 with Location, the official Abonnement shape, the auth value never echoed.
      const request = {
        callbackUrl: callback.url(),
        auth,
        kanalen: [{ naam: 'wmo', filters: { bronorganisatie: '00000099100000001000' } }],
      };
      expect(official.validate('Abonnement', request)).toEqual([]);
      const created = await api('POST', '/abonnement', request);
      expect(created.status).toBe(201);
      expect(official.validate('Abonnement', created.body)).toEqual([]);
      expect(JSON.stringify(created.body)).not.toContain('zgw-consumer-secret');
      expect(created.body).toMatchObject({
        callbackUrl: callback.url(),
        auth: '********',
        authIngesteld: true,
        kanalen: request.kanalen,
      });
      const id = String(created.body.url).split('/').at(-1) as string;
      const location = await fetch(`${registry.url}/api/v1/abonnement`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          ...request,
          kanalen: [{ naam: 'wmo', filters: { type: 'nl.wmo.melding-ontvangen' } }],
        }),
      });
      expect(location.status).toBe(201);
      expect(location.headers.get('location')).toMatch(/\/api\/v1\/abonnement\/[0-9a-f-]{36}$/);
      expect(location.headers.get('api-version')).toBe('1.0.0');
      const second = (await location.json()) as Json;

      // Stored sealed: the column is not the value, and opens with the key and the id only.
      const stored = await sql<{ auth_sealed: string; types: string[]; format: string }>`
        select auth_sealed, types, format from registry.subscriptions where id = ${id}`.execute(testDb.db);
      const row = stored.rows[0] as { auth_sealed: string; types: string[]; format: string };
      expect(row.format).toBe('zgw');
      expect(row.auth_sealed).not.toContain(auth);
      expect(row.auth_sealed).not.toContain('zgw-consumer-secret');
      expect(openWebhookAuth(webhookKey, id, row.auth_sealed)).toBe(auth);
      expect(row.types).toEqual([...municipality.consumes].sort());
      // The operator's view says a value is set, without it.
      const operatorView = await registry.call('GET', `/systems/${system.body.id}/subscriptions/${id}`);
      expect(operatorView.body).toMatchObject({ format: 'zgw', authSet: true });
      expect(JSON.stringify(operatorView.body)).not.toContain('zgw-consumer-secret');
      // The state topic carries the sealed value only.
      const records = await readTopic(
        kafka.client,
        subscriptionsTopicName(`${prefix}.`),
        `${prefix}-read-zgw`,
      );
      const record = JSON.parse(
        records
          .filter((r) => r.key === id)
          .at(-1)
          ?.value?.toString() ?? '{}',
      ) as Json;
      expect(record).toMatchObject({ format: 'zgw', kanalen: request.kanalen, authSealed: row.auth_sealed });
      expect(records.map((r) => r.value?.toString()).join('')).not.toContain('zgw-consumer-secret');

      // Read and list: the system's own only.
      const list = await api('GET', '/abonnement');
      expect(list.body).toHaveLength(2);
      for (const a of list.body as unknown as Json[]) expect(official.validate('Abonnement', a)).toEqual([]);
      expect((await api('GET', `/abonnement/${id}`)).body).toEqual(created.body);
      const otherToken = other.body.token as string;
      expect((await api('GET', `/abonnement/${id}`, undefined, otherToken)).status).toBe(404);
      expect((await api('GET', '/abonnement', undefined, otherToken)).body).toEqual([]);
      expect((await api('DELETE', `/abonnement/${id}`, undefined, otherToken)).status).toBe(404);

      // PUT what was read (the mask keeps the stored value); PATCH the kanalen: the types follow.
      const put = await api('PUT', `/abonnement/${id}`, { ...created.body, kanalen: [{ naam: 'wmo' }] });
      expect(put.status).toBe(200);
      expect(official.validate('Abonnement', put.body)).toEqual([]);
      expect(put.body.kanalen).toEqual([{ naam: 'wmo', filters: {} }]);
      const afterPut = await sql<{ auth_sealed: string }>`
        select auth_sealed from registry.subscriptions where id = ${id}`.execute(testDb.db);
      expect(openWebhookAuth(webhookKey, id, afterPut.rows[0]?.auth_sealed ?? '')).toBe(auth);
      const patched = await api('PATCH', `/abonnement/${id}`, {
        kanalen: [{ naam: 'wmo', filters: { type: 'nl.wmo.beschikking-afgegeven' } }],
      });
      expect(patched.status).toBe(200);
      expect(patched.body.callbackUrl).toBe(callback.url());
      const types = await sql<{
        types: string[];
      }>`select types from registry.subscriptions where id = ${id}`.execute(testDb.db);
      expect(types.rows[0]?.types).toEqual(['nl.wmo.beschikking-afgegeven']);
      // A new auth value: the callback is asked again with it, then it is what is stored.
      auth = 'Bearer rotated-consumer-secret-987654';
      const rotated = await api('PATCH', `/abonnement/${id}`, { auth });
      expect(rotated.status).toBe(200);
      expect(callback.received.at(-1)?.auth).toBe(auth);
      const afterPatch = await sql<{ auth_sealed: string }>`
        select auth_sealed from registry.subscriptions where id = ${id}`.execute(testDb.db);
      expect(openWebhookAuth(webhookKey, id, afterPatch.rows[0]?.auth_sealed ?? '')).toBe(auth);
      const badPatch = await api('PATCH', `/abonnement/${id}`, { callbackUrl: 'not a url' });
      expect(badPatch.status).toBe(400);
      expect(official.validate('ValidatieFout', badPatch.body)).toEqual([]);

      // Delete: 204, then gone (and the operator's list no longer shows it).
      const deleted = await api('DELETE', `/abonnement/${id}`);
      expect(deleted.status).toBe(204);
      expect((await api('GET', `/abonnement/${id}`)).status).toBe(404);
      expect((await api('GET', '/abonnement')).body).toEqual([expect.objectContaining({ url: second.url })]);

      // A revoked system's token opens nothing.
      expect((await registry.call('POST', `/systems/${system.body.id}/revoke`, {})).status).toBeLessThan(300);
      expect((await api('GET', '/abonnement')).status).toBe(401);
    } finally {
      await callback.close();
      await registry.close();
    }
  });
});
