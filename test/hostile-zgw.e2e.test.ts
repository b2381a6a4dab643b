import { randomBytes } from 'node:crypto';
import { zaakNotificatie } from '@ketenhub/connector-zgw/testing';
import { test as base, describe, expect } from '@ketenhub/testkit';
import fc from 'fast-check';
import { badUuid, call, expectProblem, pathSegment, RUNS, reportTally, weirdText } from './support/hostile';
import { type HubProcesses, runHub } from './support/hub';
import { connectOpenZaak } from './support/zgw-connector';

/**
 * Hostile input at the ZGW connector (issue 16 item 4, "the connectors of other issues"): its
 * Notificaties callback as Open Notificaties would call it, and its operator API. Every refusal a
 * 4xx problem+json naming field and rule; a notification that passes the Notificaties API schema may
 * be answered 204 (kept for the operator if it cannot be mapped), never 5xx; the connector stays up.
 */
const test = base.extend<{ hub: HubProcesses }>({
  hub: [
    async ({ testDb, kafka }, use) => runHub({ testDb, kafka }, ['registry', 'gateway'], use),
    { scope: 'file' },
  ],
});

const gemeenteOin = '00000099100000001000';
const callbackAuth = `Bearer ${randomBytes(24).toString('hex')}`;
const operatorToken = randomBytes(24).toString('hex');

describe('hostile input at the ZGW connector', () => {
  test('its callback and its operator API answer 4xx problem+json (or 204 for a well-formed notification), never 5xx', async ({
    hub,
    testDb,
  }) => {
    const { zgw, catalogus, connector, close } = await connectOpenZaak(hub, testDb.url, {
      oin: gemeenteOin,
      callbackAuth,
      operatorToken,
    });
    try {
      const zaak = zgw.zaak(String(catalogus.wmo.zaaktype.url), {
        identificatie: 'ZAAK-2026-0000999',
        registratiedatum: '2026-03-02',
      });
      const valid = zaakNotificatie(zaak, 'create') as unknown as Record<string, unknown>;
      const notify = (body: string, headers: Record<string, string>) =>
        call('zgw-callback', `${connector.url}/notificaties`, { method: 'POST', headers, body });
      const asOpenNotificaties = { authorization: callbackAuth, 'content-type': 'application/json' };

      // Who may call: only the abonnement's Authorization value.
      for (const authorization of [
        undefined,
        'Bearer wrong',
        callbackAuth.toUpperCase(),
        `${callbackAuth}0`,
        callbackAuth.slice(0, -1),
      ]) {
        const a = await notify(JSON.stringify(valid), {
          'content-type': 'application/json',
          ...(authorization ? { authorization } : {}),
        });
        expect(a.status, String(authorization)).toBe(401);
        expectProblem(a, `auth ${authorization}`, false);
      }
      // Not JSON, or not a JSON body at all.
      for (const [body, contentType] of [
        ['{"kanaal":', 'application/json'],
        ['kanaal=zaken', 'application/x-www-form-urlencoded'],
        ['<notificatie/>', 'application/xml'],
        ['x'.repeat(70 * 1024), 'application/json'],
      ] as const) {
        const a = await notify(body, { ...asOpenNotificaties, 'content-type': contentType });
        expectProblem(a, `${contentType} ${body.slice(0, 20)}`, false);
      }

      /** Mutations of a valid notification: each breaks the Notificaties API schema. */
      const field = fc.constantFrom(
        'kanaal',
        'hoofdObject',
        'resource',
        'resourceUrl',
        'actie',
        'aanmaakdatum',
        'kenmerken',
      );
      const breaking = fc.oneof(
        fc.record({
          field,
          value: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer())),
        }),
        field.map((f) => ({ field: f, value: undefined })),
        fc.record({
          field: fc.constantFrom('hoofdObject', 'resourceUrl'),
          value: fc.oneof(weirdText, fc.constantFrom('not a url', 'javascript:alert(1)', '')),
        }),
        fc.record({
          field: fc.constant('aanmaakdatum'),
          value: fc.oneof(weirdText, fc.constantFrom('2026-13-45T25:61:00Z', 'gisteren', '')),
        }),
      );
      await fc.assert(
        fc.asyncProperty(breaking, async (m) => {
          const body = { ...valid };
          if (m.value === undefined) delete body[m.field];
          else body[m.field] = m.value;
          const text = JSON.stringify(body);
          const a = await notify(text, asOpenNotificaties);
          // A value the schema takes (e.g. a weird but URL-shaped string) is stored for the
          // operator: 204. Everything else names the field.
          if (a.status === 204) return;
          expect(a.status, text.slice(0, 200)).toBe(400);
          expectProblem(a, text.slice(0, 120));
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
      // Text no database takes, in every string field: refused or stored, never a 5xx.
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('kanaal', 'resource', 'actie'),
          fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\u202e\u2066', "'; drop table x; --"),
          async (f, value) => {
            const a = await notify(JSON.stringify({ ...valid, [f]: value }), asOpenNotificaties);
            if (a.status !== 204) expectProblem(a, `${f} ${JSON.stringify(value)}`);
          },
        ),
        { numRuns: 30 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(weirdText, fc.oneof(weirdText, fc.integer()), { maxKeys: 5 }),
          async (k) => {
            const a = await notify(JSON.stringify({ ...valid, kenmerken: k }), asOpenNotificaties);
            if (a.status !== 204) expectProblem(a, JSON.stringify(k).slice(0, 80));
          },
        ),
        { numRuns: Math.ceil(RUNS / 4) },
      );

      // The operator API: its own token only, hostile paths, bodies and queries.
      const operator = (method: string, path: string, body?: unknown, token = operatorToken) =>
        call('zgw-operator', `${connector.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      for (const token of ['', 'wrong', hub.adminToken, callbackAuth.replace('Bearer ', '')]) {
        expectProblem(
          await operator('GET', '/onverwerkt', undefined, token),
          `token ${token.slice(0, 6)}`,
          false,
        );
      }
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(badUuid, weirdText, fc.constantFrom('https://evil.example/zaken/1', '..%2F..%2Fetc')),
          fc.oneof(
            fc.json().map((j) => JSON.parse(j) as unknown),
            fc.record({ ketenzaakId: badUuid, domein: weirdText }, { requiredKeys: [] }),
          ),
          async (zaakRef, body) => {
            const path = `/links/${pathSegment(zaakRef || 'x')}`;
            expectProblem(
              await operator('PUT', path, body),
              `PUT ${path} ${JSON.stringify(body).slice(0, 60)}`,
            );
          },
        ),
        { numRuns: Math.ceil(RUNS / 4) },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.record(
            {
              limit: fc.oneof(fc.integer(), weirdText, fc.constant('1e9')),
              voor: fc.oneof(weirdText, fc.constant('99999999999999999999')),
              status: weirdText,
            },
            { requiredKeys: [] },
          ),
          async (q) => {
            const params = new URLSearchParams(
              Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]),
            );
            const a = await operator('GET', `/onverwerkt?${params}`);
            if (a.status !== 200) expectProblem(a, params.toString().slice(0, 80));
          },
        ),
        { numRuns: Math.ceil(RUNS / 4) },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.json().map((j) => JSON.parse(j) as unknown),
          async (body) => {
            const a = await operator('POST', '/onverwerkt/opnieuw', body);
            if (a.status !== 200) expectProblem(a, JSON.stringify(body).slice(0, 80));
          },
        ),
        { numRuns: Math.ceil(RUNS / 4) },
      );

      expect((await fetch(`${connector.url}/health/ready`)).status).toBe(200);
      reportTally('hostile input at the ZGW connector');
    } finally {
      await close();
    }
  });
});
