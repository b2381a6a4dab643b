import { randomUUID } from 'node:crypto';
import { eventTypes, mayPublish } from '@ketenhub/events';
import { exampleData, exampleOrganisations, makeEvent } from '@ketenhub/events/testing';
import { createKafkaClient, parseBrokers, topicOffsets } from '@ketenhub/kafka';
import { test as base, describe, expect } from '@ketenhub/testkit';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import {
  type Answer,
  badOin,
  badUuid,
  call,
  expectProblem,
  pathSegment,
  RUNS,
  reportTally,
  weirdText,
} from './support/hostile';
import { type HubProcesses, json, publishAccepted, runHub } from './support/hub';

/**
 * Hostile input against every HTTP API of the hub (issue 16, item 4), property based (fast-check):
 * thousands of malformed, oversized, mistyped, forged and injected requests. Every answer must be
 * a 4xx problem+json (never a 500, never a hang) whose errors name a field and a rule where the
 * request had fields; nothing reaches Kafka; every service still answers ready afterwards.
 */
const test = base.extend<{ hub: HubProcesses }>({
  hub: [
    async ({ testDb, kafka }, use) =>
      runHub({ testDb, kafka }, ['registry', 'gateway', 'projection', 'dispatcher'], use, {
        KETENHUB_WEBHOOK_LOCAL_HTTP: 'true',
        PROJECTION_DEADLINE_SCAN_MS: '0',
      }),
    { scope: 'file' },
  ],
});

describe('hostile input at every HTTP API', () => {
  test('gateway, projection, registry (and its ZGW façade) and dispatcher answer 4xx problem+json, nothing reaches Kafka', async ({
    hub,
    kafka,
  }) => {
    const admin = (path: string, body: unknown) =>
      fetch(`${hub.url('registry')}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const gemeente = exampleOrganisations.gemeente;
    const reg = await admin('/systems', {
      oin: gemeente.oin,
      name: gemeente.systeem,
      roles: ['gemeente'],
      domains: ['wmo'],
      publishes: eventTypes.filter((t) => mayPublish(t, 'gemeente') && !t.startsWith('nl.omgevingswet')),
      consumes: [],
    });
    expect(reg.status).toBe(201);
    const system = await json<{ id: string; token: string }>(reg);
    const caseId = randomUUID();
    await publishAccepted(
      hub,
      system.token,
      makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: caseId, as: 'gemeente' }),
      'the gateway knows the system',
    );
    const client = createKafkaClient({ brokers: parseBrokers(kafka.brokers), clientId: 'hostile' });
    const ends = async () =>
      JSON.stringify(
        await Promise.all(['wmo', 'omgevingswet'].map((d) => topicOffsets(client, `${hub.topicPrefix}${d}`))),
      );
    const before = await ends();

    // ---- gateway: POST /events
    const gatewayTypes = eventTypes.filter(
      (t) => mayPublish(t, 'gemeente') && !t.startsWith('nl.omgevingswet'),
    );
    const valid = (type: (typeof gatewayTypes)[number]) =>
      makeEvent(type, structuredClone(exampleData[type]) as never, {
        subject: caseId,
        as: 'gemeente',
        id: randomUUID(),
      }) as unknown as Record<string, unknown>;
    const post = (body: string, contentType: string, token: string | null = system.token) =>
      call('gateway', `${hub.url('gateway')}/events`, {
        method: 'POST',
        headers: {
          ...(contentType ? { 'content-type': contentType } : {}),
          ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      });
    /** Mutations that each break a rule of the contract or of the gateway, never none. */
    const mutation = fc.oneof(
      fc
        .record({
          field: fc.constantFrom('id', 'source', 'type', 'time', 'subject', 'specversion'),
          value: fc.oneof(
            fc.integer(),
            fc.boolean(),
            fc.constant(null),
            fc.array(fc.integer()),
            fc.dictionary(fc.string(), fc.integer()),
          ),
        })
        .map((m) => ({ ...m, kind: 'type' as const })),
      fc
        .constantFrom('id', 'source', 'type', 'time', 'subject', 'specversion', 'datacontenttype', 'data')
        .map((field) => ({ kind: 'remove' as const, field })),
      weirdText.map((value) => ({ kind: 'text' as const, value: `z${value}\u0000` })),
      badUuid.map((value) => ({ kind: 'subject' as const, value })),
      badOin.map((value) => ({ kind: 'source' as const, value: `urn:nld:oin:${value}:systeem:zaaksysteem` })),
      fc.string({ minLength: 513, maxLength: 700 }).map((value) => ({ kind: 'tracestate' as const, value })),
      fc
        .constantFrom('Upper', 'with_underscore', 'waytoolongextensionname1')
        .map((value) => ({ kind: 'extension' as const, value })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...gatewayTypes), mutation, async (type, m) => {
        const e = valid(type);
        switch (m.kind) {
          case 'type':
            e[m.field] = m.value;
            break;
          case 'remove':
            delete e[m.field];
            break;
          case 'text':
            // Into the first string of data, or a new attribute: both must be text.
            e.kenmerk = m.value;
            break;
          case 'subject':
            e.subject = m.value;
            break;
          case 'source':
            e.source = m.value;
            break;
          case 'tracestate':
            e.tracestate = m.value;
            break;
          case 'extension':
            e[m.value] = 'x';
            break;
        }
        const a = await post(JSON.stringify(e), 'application/cloudevents+json');
        expectProblem(a, `${type} ${JSON.stringify(m).slice(0, 80)}`);
      }),
      { numRuns: RUNS },
    );
    // Bodies that are not events at all, and the wrong envelope around good ones.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json().map((body) => ({ body, ct: 'application/cloudevents+json' })),
          fc.json().map((body) => ({ body, ct: 'application/cloudevents-batch+json' })),
          fc.string().map((body) => ({ body, ct: 'application/cloudevents+json' })),
          fc
            .constantFrom('text/plain', 'application/xml', '', 'application/json; charset=latin1')
            .map((ct) => ({
              body: JSON.stringify(valid('nl.wmo.onderzoek-gestart')),
              ct,
            })),
        ),
        async ({ body, ct }) => {
          const a = await post(body, ct);
          if (a.status === 202) {
            throw new Error(`accepted: ${body.slice(0, 200)}`);
          }
          if (a.status === 207) {
            // A batch answers per event: every one of them refused, each with its problem.
            const r = a.body as {
              accepted: number;
              results: { status: number; problem?: { errors?: unknown[] } }[];
            };
            expect(r.accepted).toBe(0);
            for (const x of r.results) {
              expect(x.status).toBeGreaterThanOrEqual(400);
              expect(x.status).toBeLessThan(500);
              expect(x.problem?.errors?.length ?? 0).toBeGreaterThan(0);
            }
            return;
          }
          expectProblem(a, `${ct} ${body.slice(0, 60)}`, false);
        },
      ),
      { numRuns: RUNS },
    );
    // Deep nesting, huge bodies and headers, forged tokens.
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expectProblem(await post(deep, 'application/cloudevents+json'), 'deeply nested', false);
    const deepData = valid('nl.wmo.onderzoek-gestart');
    deepData.data = JSON.parse(`${'{"a":'.repeat(500)}1${'}'.repeat(500)}`);
    expectProblem(await post(JSON.stringify(deepData), 'application/cloudevents+json'), 'deep data');
    expectProblem(
      await post('x'.repeat(2 * 1024 * 1024), 'application/cloudevents+json'),
      'huge body',
      false,
    );
    const hugeHeader = await fetch(`${hub.url('gateway')}/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${'a'.repeat(64 * 1024)}`,
        'content-type': 'application/cloudevents+json',
      },
      body: '{}',
    }).catch(() => undefined);
    if (hugeHeader) {
      expect(hugeHeader.status).toBeGreaterThanOrEqual(400);
      expect(hugeHeader.status).toBeLessThan(500);
    }
    const otherKey = new TextEncoder().encode('not-the-dev-secret-not-the-dev-secret-00');
    const forged = [
      null,
      'garbage',
      'khs_00000000000000000000000000000000000000000',
      await new SignJWT({ oin: gemeente.oin, roles: ['gemeente'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('urn:ketenhub:dev-issuer')
        .setAudience('ketenhub')
        .setExpirationTime('1h')
        .sign(otherKey),
      `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ oin: gemeente.oin, roles: ['gemeente'] })).toString('base64url')}.`,
    ];
    for (const token of forged) {
      expectProblem(
        await post(JSON.stringify(valid('nl.wmo.onderzoek-gestart')), 'application/cloudevents+json', token),
        `token ${String(token).slice(0, 20)}`,
        false,
      );
    }

    // ---- projection: reads with hostile parameters and tokens
    const worker = await json<{ token: string }>(
      await admin('/dev/tokens', { oin: gemeente.oin, sub: 'hostile', roles: ['gemeente'] }),
    );
    const read = (path: string, token: string | null = worker.token) =>
      call('projection', `${hub.url('projection')}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .record({
              k: fc.constantFrom(
                'domein',
                'fase',
                'overdue',
                'rol',
                'limit',
                'after',
                'zaakreferentie',
                'bsn',
                'x',
              ),
              v: fc.oneof(weirdText, fc.constantFrom('-1', '1e9', '101', 'abc', 'null', '')),
            })
            .map(
              ({ k, v }) =>
                `/cases?${new URLSearchParams({ [k]: k === 'zaakreferentie' ? 'x'.repeat(101) : v })}`,
            ),
          badUuid.map((id) => `/cases/${pathSegment(id || 'x')}`),
          badUuid.map((id) => `/cases/${pathSegment(id || 'x')}/events?limit=5`),
          fc.constantFrom('-5', '0', '1001', 'x', '1.5').map((l) => `/cases/${caseId}/events?limit=${l}`),
          fc.string().map((c) => `/feeds/${system.id}/events?after=${pathSegment(c || '!')}`),
          fc.constantFrom('0', '1001', '-1', 'many').map((l) => `/feeds/${system.id}/events?limit=${l}`),
          fc.constantFrom('31', '-1', 'forever').map((w) => `/feeds/${system.id}/events?wait=${w}`),
        ),
        async (path) => {
          const token = path.startsWith('/feeds') ? system.token : worker.token;
          const a = await read(path, token);
          expectProblem(a, path);
        },
      ),
      { numRuns: RUNS },
    );
    for (const token of forged) expectProblem(await read(`/cases/${caseId}`, token), 'forged token', false);
    // Another organisation's ids: a case it does not take part in is a 404, not a 403.
    const other = await json<{ token: string }>(
      await admin('/dev/tokens', {
        oin: exampleOrganisations.zorgaanbieder.oin,
        sub: 'x',
        roles: ['zorgaanbieder'],
      }),
    );
    expect((await read(`/cases/${caseId}`, other.token)).status).toBe(404);
    expect((await read(`/feeds/${randomUUID()}/events`, system.token)).status).toBe(403);

    // ---- registry: hostile registrations (nothing may be created)
    const systemsBefore = (
      await json<{ systems: unknown[] }>(
        await fetch(`${hub.url('registry')}/systems`, {
          headers: { authorization: `Bearer ${hub.adminToken}` },
        }),
      )
    ).systems.length;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json().map((b) => JSON.parse(b) as unknown),
          fc.record({
            oin: badOin,
            name: fc.oneof(weirdText, fc.constantFrom('Bad Name', '', 'x'.repeat(64))),
            roles: fc.oneof(fc.constant(['gemeente']), fc.array(weirdText)),
            domains: fc.oneof(fc.constant(['wmo']), fc.array(weirdText)),
            publishes: fc.array(weirdText, { maxLength: 3 }),
          }),
        ),
        async (body) => {
          const a = await call('registry', `${hub.url('registry')}/systems`, {
            method: 'POST',
            headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          expectProblem(a, JSON.stringify(body).slice(0, 80));
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
    const systemsAfter = (
      await json<{ systems: unknown[] }>(
        await fetch(`${hub.url('registry')}/systems`, {
          headers: { authorization: `Bearer ${hub.adminToken}` },
        }),
      )
    ).systems.length;
    expect(systemsAfter).toBe(systemsBefore);
    // Webhook URLs that point into the hub's own network are refused at subscription time.
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/hook',
      'https://192.168.1.10/hook',
      'https://[fd00::1]/hook',
      'https://[::ffff:169.254.169.254]/hook',
      'https://[::ffff:10.0.0.1]/hook',
      'https://user:pw@example.org/hook',
    ]) {
      const a = await call('registry', `${hub.url('registry')}/systems/${system.id}/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      expectProblem(a, url);
    }

    // ---- dispatcher: hostile operator requests
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badUuid.map((id) => ({ id: id || 'x', body: {} as unknown })),
          fc.json().map((b) => ({ id: randomUUID(), body: JSON.parse(b) as unknown })),
        ),
        async ({ id, body }) => {
          const a = await call(
            'dispatcher',
            `${hub.url('dispatcher')}/subscriptions/${pathSegment(id)}/replays`,
            {
              method: 'POST',
              headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            },
          );
          expectProblem(a, `${id} ${JSON.stringify(body).slice(0, 60)}`);
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
    expectProblem(
      await call('dispatcher', `${hub.url('dispatcher')}/subscriptions`, { headers: {} }),
      'no token',
      false,
    );

    // ---- registry's Open Notificaties façade (/api/v1): a ZGW consumer with its system's token
    const provider = exampleOrganisations.zorgaanbieder;
    const consumer = await json<{ id: string; token: string }>(
      await admin('/systems', {
        oin: provider.oin,
        name: provider.systeem,
        roles: ['zorgaanbieder'],
        domains: ['wmo'],
        publishes: [],
        consumes: ['nl.wmo.toewijzing-verzonden'],
      }),
    );
    const zgw = (method: string, path: string, body: string | undefined, headers: Record<string, string>) =>
      call('zgw-facade', `${hub.url('registry')}/api/v1${path}`, {
        method,
        headers,
        ...(body ? { body } : {}),
      });
    const asConsumer = { authorization: `Bearer ${consumer.token}`, 'content-type': 'application/json' };
    /** The ZGW error shape (Fout / ValidatieFout) as problem+json: invalidParams name a field and a rule. */
    const expectZgwProblem = (a: Answer, what: string) => {
      expectProblem(a, what, false);
      const params = (a.body as { invalidParams?: { name?: string; code?: string; reason?: string }[] })
        .invalidParams;
      for (const p of params ?? []) {
        expect(typeof p.name, what).toBe('string');
        expect(typeof p.code, what).toBe('string');
        expect(p.reason ?? '', what).toContain(p.name ?? '');
      }
    };
    const abonnement = fc.record(
      {
        callbackUrl: fc.oneof(
          weirdText,
          fc.constantFrom(
            'http://169.254.169.254/latest/meta-data',
            'https://10.0.0.1/callback',
            'https://[::ffff:127.0.0.1]/callback',
            'https://[fd00::1]/callback',
            'ftp://example.org/x',
            'https://user:pw@example.org/x',
          ),
        ),
        auth: fc.oneof(weirdText, fc.string({ minLength: 1001, maxLength: 1100 }), fc.integer()),
        kanalen: fc.oneof(
          fc.constant([]),
          fc.array(fc.record({ naam: fc.oneof(weirdText, fc.constantFrom('zaken', 'omgevingswet')) })),
          fc.constant([{ naam: 'wmo', filters: { type: 'nl.wmo.melding-ontvangen' } }]),
          fc.json().map((j) => JSON.parse(j) as unknown),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(abonnement, async (body) => {
        const text = JSON.stringify(body);
        expectZgwProblem(await zgw('POST', '/abonnement', text, asConsumer), `POST ${text.slice(0, 80)}`);
        expectZgwProblem(
          await zgw('PATCH', `/abonnement/${randomUUID()}`, text, asConsumer),
          `PATCH ${text.slice(0, 80)}`,
        );
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(badUuid, weirdText),
        fc.constantFrom('text/plain', 'application/xml', ''),
        async (id, contentType) => {
          expectZgwProblem(
            await zgw('GET', `/abonnement/${pathSegment(id || 'x')}`, undefined, asConsumer),
            `GET ${id}`,
          );
          expectZgwProblem(await zgw('GET', `/kanaal/${pathSegment(id || 'x')}`, undefined, asConsumer), id);
          expectZgwProblem(
            await zgw('POST', '/abonnement', '{"callbackUrl":"https://example.org"}', {
              authorization: `Bearer ${consumer.token}`,
              ...(contentType ? { 'content-type': contentType } : {}),
            }),
            `content-type ${contentType}`,
          );
        },
      ),
      { numRuns: Math.ceil(RUNS / 8) },
    );
    const badCredentials: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-token' },
      { authorization: `Bearer ${hub.adminToken}` },
      { authorization: `Basic ${Buffer.from('client:secret').toString('base64')}` },
    ];
    for (const headers of badCredentials) {
      expectZgwProblem(await zgw('GET', '/abonnement', undefined, headers), JSON.stringify(headers));
    }
    // Nothing was created for the consumer.
    const listed = await zgw('GET', '/abonnement', undefined, asConsumer);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([]);

    // Nothing of it reached Kafka, and every service still answers.
    expect(await ends()).toBe(before);
    for (const name of ['registry', 'gateway', 'projection', 'dispatcher'] as const) {
      expect((await fetch(`${hub.url(name)}/health/ready`)).status, name).toBe(200);
    }
    reportTally('hostile input, per API');
  });
});
