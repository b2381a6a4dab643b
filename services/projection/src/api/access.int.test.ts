import {
  event,
  newCaseId,
  omgevingswetLifecycle,
  orgs,
  testBsn,
  wmoLifecycle,
} from '@ketenhub/case-model/testing';
import { signDevToken } from '@ketenhub/service';
import { describe, expect, test } from '@ketenhub/testkit';
import { devSecret, type Json, readSse, startProjection } from '../../test/harness';

/**
 * Issue 12's attacks against every read route of the projection, with the events written to
 * Kafka directly (as a misbehaving producer, an old log or a bypassed gateway would): the one
 * access rule decides in the fold, and no route shows what it refused.
 */
describe('the one access rule at every read route (real Kafka and PostgreSQL)', () => {
  test('outsiders, self-joins, own access, strictly confidential documents, removal, issuers and expiry', async ({
    kafka,
    testDb,
    prefix,
    topic,
  }) => {
    const p = await startProjection({ kafka: kafka.client, db: testDb.db, url: testDb.url, prefix, topic });
    try {
      const owId = newCaseId();
      const wmoId = newCaseId();
      const ow = omgevingswetLifecycle(owId);
      const selfJoin = event(
        owId,
        'nl.ketens.deelnemer-aangesloten',
        {
          oin: orgs.buitenstaander.oin,
          rol: 'bevoegd-gezag',
          systeem: 'crm',
          zaakreferentie: 'X-1',
          toegang: 'volledig',
        },
        { from: 'buitenstaander', at: '2026-03-05' },
      );
      const raiseOwn = event(
        owId,
        'nl.ketens.toegang-gewijzigd',
        { oin: orgs.adviseur.oin, rol: 'adviseur', toegang: 'volledig' },
        { from: 'adviseur', at: '2026-03-06' },
      );
      await p.publish('omgevingswet', [...ow, selfJoin, raiseOwn]);
      await p.waitForEvents(owId, ow.length + 2);

      const outsider = await p.token('buitenstaander', ['bevoegd-gezag', 'gemeente']);
      const adviseur = await p.token('adviseur', ['adviseur']);
      const bg = await p.token('bevoegd-gezag', ['bevoegd-gezag']);

      // An organisation that knows the case id and joined itself: 404 everywhere, not listed.
      for (const path of [`/cases/${owId}`, `/cases/${owId}/events`, `/cases/${owId}/stream`]) {
        expect((await p.get(path, outsider)).status).toBe(404);
      }
      expect((await p.get('/cases', outsider)).body?.items).toEqual([]);
      // The owners see both attempts as conflicts; the adviser's access did not change.
      const bgCase = (await p.get(`/cases/${owId}`, bg)).body;
      expect(bgCase?.conflicten.map((c: { reden: string }) => c.reden)).toEqual([
        'geen-deelnemer',
        'geen-deelname-eigenaar',
      ]);
      expect(bgCase?.deelnemers.map((d: { oin: string }) => d.oin)).not.toContain(orgs.buitenstaander.oin);
      expect((await p.get(`/cases/${owId}`, adviseur)).body?.jouwToegang).toBe('beperkt');

      // A limited-access partner never gets a strictly confidential document: not in the case,
      // not in the timeline, not on its stream, not anywhere in the bytes it receives.
      const received: string[] = [];
      const stream = await readSse(`${p.url}/cases/${owId}/stream`, adviseur, (e) => {
        received.push(JSON.stringify(e.data));
        return received.length >= 2;
      });
      await stream.opened;
      const strict = event(
        owId,
        'nl.ketens.document-toegevoegd',
        {
          documentId: 'DOC-GEHEIM',
          titel: 'Strikt vertrouwelijk rapport',
          documentUrl: 'https://vth.voorbeeldstad.example/documenten/geheim',
          mediatype: 'application/pdf',
          vertrouwelijkheid: 'strikt',
        },
        { from: 'bevoegd-gezag', at: '2026-05-01' },
      );
      const regular = event(
        owId,
        'nl.ketens.document-toegevoegd',
        {
          documentId: 'DOC-OPENBAAR',
          titel: 'Situatietekening',
          documentUrl: 'https://vth.voorbeeldstad.example/documenten/tekening',
          mediatype: 'application/pdf',
          vertrouwelijkheid: 'regulier',
        },
        { from: 'bevoegd-gezag', at: '2026-05-01' },
      );
      await p.publish('omgevingswet', [strict, regular]);
      await p.waitForEvents(owId, ow.length + 4);
      await stream.done;
      const bytes = [
        JSON.stringify((await p.get(`/cases/${owId}`, adviseur)).body),
        JSON.stringify((await p.get(`/cases/${owId}/events?limit=1000`, adviseur)).body),
        ...received,
      ].join('\n');
      expect(bytes).toContain('DOC-OPENBAAR');
      expect(bytes).not.toContain('DOC-GEHEIM');
      expect(JSON.stringify((await p.get(`/cases/${owId}`, bg)).body)).toContain('DOC-GEHEIM');

      // A removed participant reads nothing from its removal on, and its stream stays silent.
      const removedSeen: Json[] = [];
      const removedStream = await readSse(
        `${p.url}/cases/${owId}/stream`,
        adviseur,
        (e) => {
          removedSeen.push(e.data);
          return false;
        },
        6_000,
      );
      await removedStream.opened;
      await p.publish('omgevingswet', [
        event(
          owId,
          'nl.ketens.deelnemer-verwijderd',
          { oin: orgs.adviseur.oin, rol: 'adviseur', reden: 'advies uitgebracht' },
          { from: 'bevoegd-gezag', at: '2026-05-02' },
        ),
        event(
          owId,
          'nl.omgevingswet.besluit-genomen',
          { besluitdatum: '2026-05-03', uitkomst: 'verleend' },
          { from: 'bevoegd-gezag', at: '2026-05-03' },
        ),
      ]);
      await p.waitForEvents(owId, ow.length + 6);
      for (const path of [`/cases/${owId}`, `/cases/${owId}/events`, `/cases/${owId}/stream`]) {
        expect((await p.get(path, adviseur)).status).toBe(404);
      }
      expect((await p.get('/cases', adviseur)).body?.items).toEqual([]);
      await removedStream.done;
      // Only the state it had before (the stream's first message); nothing after its removal.
      expect(removedSeen.length).toBe(1);

      // A token from an issuer that is not bound to the OIN it asserts: 401 (the dev issuer
      // speaks for test organisations only).
      const foreign = await signDevToken(devSecret, {
        sub: 'x',
        oin: '00000001001234567000',
        roles: ['bevoegd-gezag'],
      });
      const refused = await p.get(`/cases/${owId}`, foreign);
      expect(refused.status).toBe(401);
      expect(refused.body?.errors[0]).toMatchObject({ field: 'token.oin', rule: 'issuer-oin' });

      // A stream ends when its token expires.
      const shortLived = await signDevToken(
        devSecret,
        { sub: 'kort', oin: orgs['bevoegd-gezag'].oin, roles: ['bevoegd-gezag'] },
        2,
      );
      const events: string[] = [];
      const started = Date.now();
      const expiring = await readSse(
        `${p.url}/cases/stream`,
        shortLived,
        (e) => {
          events.push(e.event);
          return false;
        },
        15_000,
      );
      await expiring.done;
      expect(events).toContain('token-verlopen');
      expect(Date.now() - started).toBeLessThan(10_000);

      // Lists show only deadlines of clocks the reader sees: the running onderzoek clock is the
      // gemeente's, not the care provider's (an early WMO case: melding, then the provider added).
      const early = wmoLifecycle(wmoId).slice(0, 3);
      await p.publish('wmo', [
        ...early,
        event(
          wmoId,
          'nl.ketens.deelnemer-aangesloten',
          {
            oin: orgs.zorgaanbieder.oin,
            rol: 'zorgaanbieder',
            systeem: 'ecd',
            zaakreferentie: 'CL-1',
            toegang: 'beperkt',
          },
          { from: 'gemeente', at: '2026-03-06' },
        ),
      ]);
      await p.waitForEvents(wmoId, 4);
      const gemeente = await p.token('gemeente', ['gemeente']);
      const zorg = await p.token('zorgaanbieder', ['zorgaanbieder']);
      const gItem = (await p.get('/cases?domein=wmo', gemeente)).body?.items[0];
      const zItem = (await p.get('/cases?domein=wmo', zorg)).body?.items[0];
      expect(gItem).toMatchObject({ id: wmoId, volgendeDeadline: '2026-04-13', overdue: true });
      expect(zItem).toMatchObject({ id: wmoId, volgendeDeadline: null, overdue: false });
      expect((await p.get('/cases?overdue=true', gemeente)).body?.items).toHaveLength(1);
      expect((await p.get('/cases?overdue=true', zorg)).body?.items).toHaveLength(0);
      expect(JSON.stringify((await p.get(`/cases/${wmoId}`, zorg)).body)).not.toContain('wmo-onderzoek');
      expect(JSON.stringify((await p.get(`/cases/${wmoId}`, gemeente)).body)).toContain(testBsn);
    } finally {
      await p.close();
    }
  });
});
