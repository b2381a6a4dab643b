import { randomUUID } from 'node:crypto';
import {
  newCaseId,
  omgevingswetLifecycle,
  orgs,
  testBsn,
  wmoLifecycle,
  zorgGestopt,
} from '@ketenhub/case-model/testing';
import { describe, expect, test } from '@ketenhub/testkit';
import { adminToken, type Json, pseudonymKey, readSse, startProjection } from '../../test/harness';
import { pseudonymise } from '../processing-log/processing-log';

describe('read API over real Kafka and PostgreSQL', () => {
  test('access rules, processing log, problems and live updates', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const p = await startProjection({ kafka: kafka.client, db: testDb.db, url: testDb.url, prefix, topic });
    try {
      const wmoId = newCaseId();
      const owId = newCaseId();
      const wmoEvents = wmoLifecycle(wmoId);
      const owEvents = omgevingswetLifecycle(owId);
      await p.publish('wmo', wmoEvents);
      await p.publish('omgevingswet', owEvents);
      await p.waitForEvents(wmoId, wmoEvents.length);
      await p.waitForEvents(owId, owEvents.length);

      const gemeente = await p.token('gemeente', ['gemeente']);
      const zorg = await p.token('zorgaanbieder', ['zorgaanbieder']);
      const cak = await p.token('cak', ['cak']);
      const bg = await p.token('bevoegd-gezag', ['bevoegd-gezag']);
      const adviseur = await p.token('adviseur', ['adviseur']);
      const outsider = await p.token('buitenstaander', ['gemeente', 'adviseur']);
      const wrongRole = await p.token('zorgaanbieder', ['cak']);

      // --- authentication and problems
      expect((await p.get(`/cases/${wmoId}`)).status).toBe(401);
      expect((await p.get(`/cases/${wmoId}`, 'not-a-jwt')).status).toBe(401);
      const bad = await p.get('/cases/12345', gemeente);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(bad.body?.errors[0]).toMatchObject({ field: 'path.id', rule: 'uuid' });
      const badQuery = await p.get('/cases?fase=nope&limit=1000&bsn=1', gemeente);
      expect(badQuery.status).toBe(400);
      expect(
        badQuery.body?.errors.map((e: { field: string; rule: string }) => `${e.field}:${e.rule}`).sort(),
      ).toEqual(['query.bsn:unknown-field', 'query.fase:enum', 'query.limit:max']);
      const notMine = await p.get('/cases?rol=cak', gemeente);
      expect(notMine.body?.errors[0]).toMatchObject({ field: 'query.rol', rule: 'own-role' });

      // --- rule 1: only participants (404, not 403), and only in a role the token holds
      for (const path of [`/cases/${wmoId}`, `/cases/${wmoId}/events`, `/cases/${wmoId}/stream`]) {
        expect((await p.get(path, outsider)).status).toBe(404);
      }
      expect((await p.get(`/cases/${randomUUID()}`, gemeente)).status).toBe(404);
      expect((await p.get(`/cases/${wmoId}`, wrongRole)).status).toBe(404);
      expect((await p.get(`/cases/${owId}`, gemeente)).status).toBe(404);
      expect((await p.get('/cases', outsider)).body?.items).toEqual([]);

      // --- rule 2 per role
      const g = (await p.get(`/cases/${wmoId}`, gemeente)).body;
      expect(g).toMatchObject({
        domein: 'wmo',
        fase: 'zorg',
        client: { bsn: testBsn },
        jouwRollen: ['gemeente'],
      });
      expect(g?.wmo.onderzoek).toBeDefined();
      expect(g?.klokken.map((k: { soort: string }) => k.soort)).toEqual(['wmo-onderzoek', 'wmo-beschikking']);

      const z = (await p.get(`/cases/${wmoId}`, zorg)).body;
      expect(z?.wmo.toewijzingen['400123456']).toBeDefined();
      expect(z?.wmo.onderzoek).toBeUndefined();
      expect(z?.wmo.melding).toBeUndefined();
      const zTimeline = (await p.get(`/cases/${wmoId}/events`, zorg)).body?.items.map(
        (e: { type: string }) => e.type,
      );
      expect(zTimeline).toContain('nl.wmo.toewijzing-verzonden');
      expect(zTimeline).not.toContain('nl.wmo.onderzoek-afgerond');

      const c = (await p.get(`/cases/${wmoId}`, cak)).body;
      expect(c?.wmo).toEqual({
        beschikking: expect.any(Object),
        zorg: { '400123456': { begindatum: '2026-04-08' } },
        eigenBijdrage: { '02': expect.objectContaining({ ingangsdatum: '2026-04-08' }) },
      });
      expect(c?.client.bsn).toBe(testBsn);

      const b = (await p.get(`/cases/${owId}`, bg)).body;
      expect(b?.documenten.map((d: { documentId: string }) => d.documentId).sort()).toEqual([
        'DOC-1',
        'DOC-2',
      ]);
      expect(b?.fase).toBe('bezwaar');
      const a = (await p.get(`/cases/${owId}`, adviseur)).body;
      expect(a?.jouwToegang).toBe('beperkt');
      expect(a?.documenten.map((d: { documentId: string }) => d.documentId)).toEqual(['DOC-1']);
      expect(a?.client).toEqual({});
      const aTimeline = (await p.get(`/cases/${owId}/events`, adviseur)).body?.items;
      expect(
        aTimeline.filter((e: { type: string }) => e.type === 'nl.ketens.document-toegevoegd'),
      ).toHaveLength(1);
      const gTimeline = (await p.get(`/cases/${wmoId}/events`, gemeente)).body?.items;
      expect(gTimeline).toHaveLength(wmoEvents.length);
      expect(gTimeline[0]).toMatchObject({
        organisatie: orgs.gemeente.oin,
        type: 'nl.ketens.ketenzaak-geopend',
      });
      expect(JSON.stringify((await p.get(`/cases/${wmoId}/events`, zorg)).body)).toContain(testBsn);

      // --- list and filters
      const list = (await p.get('/cases?domein=wmo', gemeente)).body;
      expect(list?.items.map((i: { id: string }) => i.id)).toEqual([wmoId]);
      expect((await p.get('/cases?fase=bezwaar', bg)).body?.items.map((i: { id: string }) => i.id)).toEqual([
        owId,
      ]);
      expect((await p.get('/cases?zaakreferentie=CL-88231', zorg)).body?.items).toHaveLength(1);
      expect((await p.get('/cases?zaakreferentie=NOPE', zorg)).body?.items).toHaveLength(0);
      expect((await p.get('/cases?rol=adviseur', adviseur)).body?.items).toHaveLength(1);
      expect((await p.get('/cases?overdue=true', bg)).body?.items).toHaveLength(0);

      // --- processing log: every read, pseudonymised subject, trace id, reader
      const traceId = 'abcdef0123456789abcdef0123456789';
      await p.get(`/cases/${wmoId}`, zorg, { traceparent: `00-${traceId}-0123456789abcdef-01` });
      expect((await p.get(`/admin/processing-log?case=${wmoId}`, gemeente)).status).toBe(401);
      const log = (await p.get(`/admin/processing-log?case=${wmoId}`, adminToken)).body?.items;
      const entry = log.find((l: { trace_id: string }) => l.trace_id === traceId);
      expect(entry).toMatchObject({
        operatie: 'GET /cases/{id}',
        organisatie_oin: orgs.zorgaanbieder.oin,
        gebruiker: 'user-zorgaanbieder',
        betrokkene: pseudonymise(pseudonymKey, testBsn),
        status: 'OK',
      });
      expect(JSON.stringify(log)).not.toContain(testBsn);
      expect(log.filter((l: { operatie: string }) => l.operatie === 'GET /cases').length).toBeGreaterThan(0);

      // --- live updates: one case and all cases
      const seen: { event: string; id?: string; data: Json }[] = [];
      const all: { data: Json }[] = [];
      const one = await readSse(`${p.url}/cases/${wmoId}/stream`, zorg, (e) => {
        seen.push(e);
        return seen.length >= 2;
      });
      const every = await readSse(`${p.url}/cases/stream`, gemeente, (e) => {
        all.push(e);
        return true;
      });
      expect(one.status).toBe(200);
      await one.opened;
      await every.opened;
      await p.publish('wmo', [zorgGestopt(wmoId)]);
      await Promise.all([one.done, every.done]);
      expect(seen[0]?.data.fase).toBe('zorg');
      expect(seen[1]?.data).toMatchObject({
        fase: 'afgesloten',
        wmo: { zorg: { '400123456': { einddatum: '2026-09-30' } } },
      });
      expect(seen[1]?.data.wmo.onderzoek).toBeUndefined();
      expect(all[0]?.data).toMatchObject({ id: wmoId, fase: 'afgesloten' });
      // Reads were served from the case cache since the first GET; the notification that fed the
      // streams removed the case from it, so a read now shows the change too.
      expect((await p.get(`/cases/${wmoId}`, gemeente)).body?.fase).toBe('afgesloten');

      expect((await p.get('/openapi.json')).status).toBe(401);
      expect((await p.get('/openapi.json', gemeente)).body?.openapi).toBe('3.1.0');
    } finally {
      await p.close();
    }
  });
});
