import { validateEvent } from '@ketenhub/events';
import { describe, expect, test } from 'vitest';
import { fold } from './evolve';
import { summarise } from './summary';
import {
  event,
  given,
  omgevingswetLifecycle,
  orgs,
  testBsn,
  testContext,
  wmoLifecycle,
  zorgGestopt,
} from './testing';
import { toView } from './view';

const wmoId = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const owId = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const wmo = wmoLifecycle(wmoId);
const ow = omgevingswetLifecycle(owId);
const upTo = (events: typeof wmo, type: string) =>
  events.slice(0, events.findIndex((e) => e.type === type) + 1);
const klokVan = (s: ReturnType<typeof fold>, day: string, soort: string) =>
  toView(s, day).klokken.find((k) => k.soort === soort);

describe('fixtures', () => {
  test('every lifecycle event is valid under the contract', () => {
    for (const e of [...wmo, ...ow]) {
      const r = validateEvent(e);
      expect(r.ok ? [] : r.violations, e.type).toEqual([]);
    }
  });
});

describe('WMO: melding to eigen bijdrage', () => {
  test('given the opening, when the melding arrives, then the onderzoek clock runs 6 weeks', () => {
    given(upTo(wmo, 'nl.ketens.ketenzaak-geopend'))
      .when(wmo[1] as (typeof wmo)[number])
      .thenState((s) => {
        expect(s.fase).toBe('melding');
        expect(s.client.bsn).toBe(testBsn);
        expect(klokVan(s, '2026-03-10', 'wmo-onderzoek')).toMatchObject({
          deadline: '2026-04-13',
          dagenOver: 34,
          verlopen: false,
          grondslag: 'Wmo 2015 art. 2.3.2 lid 1',
        });
      });
  });

  test('the onderzoek clock stops when it is finished; the aanvraag starts the 2-week beschikking clock', () => {
    given(upTo(wmo, 'nl.wmo.onderzoek-afgerond'))
      .when(wmo[4] as (typeof wmo)[number])
      .thenState((s) => {
        expect(s.fase).toBe('aanvraag');
        expect(klokVan(s, '2026-03-25', 'wmo-onderzoek')).toMatchObject({ status: 'gestopt', tijdig: true });
        expect(klokVan(s, '2026-03-25', 'wmo-beschikking')).toMatchObject({
          deadline: '2026-04-07',
          dagenOver: 13,
        });
      });
  });

  test('the beschikking clock can be extended once (Awb 4:14); a second extension is a conflict', () => {
    const ext = (id: string, until: string) =>
      event(
        wmoId,
        'nl.wmo.beschikkingstermijn-verlengd',
        { mededelingsdatum: '2026-04-03', nieuweEinddatum: until, reden: 'advies' },
        { from: 'gemeente', at: '2026-04-03', id },
      );
    given(upTo(wmo, 'nl.wmo.aanvraag-ontvangen'))
      .when(ext('v1', '2026-04-21'), ext('v2', '2026-05-30'))
      .thenState((s) => {
        expect(klokVan(s, '2026-04-10', 'wmo-beschikking')).toMatchObject({
          deadline: '2026-04-21',
          verlengd: true,
        });
        expect(s.conflicten.map((c) => c.reden)).toEqual(['al-verlengd']);
      });
  });

  test('full lifecycle: toewijzing, start of care, eigen bijdrage, declaratie', () => {
    const s = fold(wmoId, wmo, testContext);
    expect(s.fase).toBe('zorg');
    expect(s.access.deelnames.map((d) => d.rol).sort()).toEqual(['cak', 'gemeente', 'zorgaanbieder']);
    expect(s.wmo.toewijzingen['400123456']).toMatchObject({
      productcategorie: '02',
      retour: { geaccepteerd: true },
    });
    expect(s.wmo.zorg['400123456']).toMatchObject({ begindatum: '2026-04-08' });
    expect(s.wmo.eigenBijdrage['02']).toMatchObject({
      ingangsdatum: '2026-04-08',
      aanleidingStart: 'start-zorg',
    });
    expect(s.wmo.declaraties['DCL-2026-04-0031']?.antwoord?.toegekendBedragInCenten).toBe(78_400);
    expect(s.conflicten).toEqual([]);
    expect(summarise(s).volgendeDeadline).toBeNull();
  });

  test('eigen bijdrage gestopt keeps the start and adds the end for its product category', () => {
    const stop = event(
      wmoId,
      'nl.wmo.eigen-bijdrage-gestopt',
      {
        bsn: testBsn,
        gemeentecode: '0999',
        productcategorie: '02',
        einddatum: '2026-09-30',
        aanleiding: 'stop-zorg',
      },
      { from: 'gemeente', at: '2026-10-01' },
    );
    const s = fold(wmoId, [...wmo, stop], testContext);
    expect(s.wmo.eigenBijdrage['02']).toEqual({
      gemeentecode: '0999',
      ingangsdatum: '2026-04-08',
      aanleidingStart: 'start-zorg',
      einddatum: '2026-09-30',
      aanleidingStop: 'stop-zorg',
    });
  });

  test('stop of care closes the case', () => {
    given(wmo)
      .when(zorgGestopt(wmoId))
      .thenState((s) => {
        expect(s.fase).toBe('afgesloten');
        expect(s.geslotenOp).toBe('2026-09-30T12:00:00Z');
      });
  });

  test('ownership: a care provider cannot set the toewijzing; the gemeente cannot report start of care', () => {
    given(wmo)
      .when(
        event(
          wmoId,
          'nl.wmo.toewijzing-verzonden',
          {
            bsn: testBsn,
            gemeentecode: '0999',
            zorgaanbieder: '98123456',
            toewijzing: {
              toewijzingNummer: 400123456,
              productcategorie: '02',
              productcode: '02A05',
              ingangsdatum: '2026-04-06',
              omvang: { volume: 40, eenheid: 'uur', frequentie: 'per-week' },
              toewijzingsdatum: '2026-04-02',
            },
          },
          { from: 'zorgaanbieder', at: '2026-05-10' },
        ),
        event(
          wmoId,
          'nl.wmo.zorg-gestart',
          {
            toewijzingNummer: 400123456,
            zorgaanbieder: '98123456',
            productcategorie: '02',
            productcode: '02A05',
            begindatum: '2026-01-01',
          },
          { from: 'gemeente', at: '2026-05-11' },
        ),
      )
      .thenState((s) => {
        expect(s.wmo.toewijzingen['400123456']?.omvang?.volume).toBe(4);
        expect(s.wmo.zorg['400123456']?.begindatum).toBe('2026-04-08');
        expect(s.conflicten.map((c) => [c.type, c.reden, c.feit, c.rollen])).toEqual([
          ['nl.wmo.toewijzing-verzonden', 'geen-eigenaar', 'toewijzing', ['zorgaanbieder']],
          ['nl.wmo.zorg-gestart', 'geen-eigenaar', 'werkelijke start zorg', ['gemeente']],
        ]);
      });
  });

  test('an organisation that does not take part changes nothing', () => {
    given(wmo)
      .when(
        event(
          wmoId,
          'nl.wmo.onderzoek-afgerond',
          { einddatum: '2026-01-01', verslagVerstrekt: false },
          { from: 'buitenstaander', at: '2026-05-01' },
        ),
      )
      .thenState((s) => {
        expect(s.wmo.onderzoek?.einddatum).toBe('2026-03-23');
        expect(s.conflicten[0]).toMatchObject({ reden: 'geen-deelnemer', rollen: [] });
      });
  });
});

describe('Omgevingswet: request to objection', () => {
  test('the regular term is 8 weeks; the supplement suspends it (Awb 4:15)', () => {
    given(upTo(ow, 'nl.omgevingswet.aanvulling-gevraagd'))
      .when()
      .thenState((s) => {
        expect(s.fase).toBe('aanvulling');
        expect(klokVan(s, '2026-03-12', 'omgevingswet-beslistermijn-regulier')).toMatchObject({
          status: 'opgeschort',
          opgeschorteDagenTotNu: 3,
          verlopen: false,
        });
      });
    given(upTo(ow, 'nl.omgevingswet.aanvulling-gevraagd'))
      .when(ow[5] as (typeof ow)[number])
      .thenState((s) => {
        // 27 April (Koningsdag) + 6 suspended days = 3 May (Sunday) -> Monday 4 May is a decree
        // day [verify], 5 May a holiday -> Wednesday 6 May.
        expect(klokVan(s, '2026-03-20', 'omgevingswet-beslistermijn-regulier')).toMatchObject({
          status: 'loopt',
          opgeschorteDagen: 6,
          termijnEinde: '2026-05-03',
          deadline: '2026-05-06',
        });
        expect(klokVan(s, '2026-03-20', 'omgevingswet-aanvulling')).toMatchObject({
          status: 'gestopt',
          tijdig: true,
        });
      });
  });

  test('the single extension by at most 6 weeks', () => {
    const ext = (id: string, weken: number) =>
      event(
        owId,
        'nl.omgevingswet.beslistermijn-verlengd',
        { mededelingsdatum: '2026-04-20', verlengingInWeken: weken, nieuweEinddatum: '2026-06-14' },
        { from: 'bevoegd-gezag', at: '2026-04-20', id },
      );
    given(upTo(ow, 'nl.omgevingswet.aanvulling-ontvangen'))
      .when(ext('x1', 6), ext('x2', 3))
      .thenState((s) => {
        expect(klokVan(s, '2026-04-21', 'omgevingswet-beslistermijn-regulier')).toMatchObject({
          termijnEinde: '2026-06-14',
          deadline: '2026-06-15',
          verlengd: true,
        });
        expect(s.conflicten.map((c) => c.reden)).toEqual(['al-verlengd']);
      });
  });

  test('advice with consent, decision, publication, objection', () => {
    const s = fold(owId, ow, testContext);
    expect(s.conflicten).toEqual([]);
    expect(s.fase).toBe('bezwaar');
    expect(s.omgevingswet.adviezen['AV-1']?.gegeven).toMatchObject({
      strekking: 'positief-met-voorwaarden',
      door: orgs.adviseur.oin,
    });
    expect(s.omgevingswet.instemmingen['IV-1']?.besluit).toMatchObject({ uitkomst: 'verleend' });
    expect(s.actieverzoeken['3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b']?.status).toBe('GEREED');
    expect(klokVan(s, '2026-05-20', 'omgevingswet-beslistermijn-regulier')).toMatchObject({
      status: 'gestopt',
      tijdig: true,
    });
    expect(klokVan(s, '2026-05-20', 'omgevingswet-bezwaar')).toMatchObject({
      deadline: '2026-06-04',
      dagenOver: 15,
    });
  });

  test('a refused consent blocks the permit: granting anyway is flagged', () => {
    const withRefusal = ow.map((e) =>
      e.type === 'nl.omgevingswet.instemming-verleend'
        ? event(
            owId,
            'nl.omgevingswet.instemming-geweigerd',
            {
              instemmingsverzoekId: 'IV-1',
              besluitdatum: '2026-04-20',
              motivering: 'Strijdig met instructieregels',
            },
            { from: 'adviseur', at: '2026-04-20', id: e.id },
          )
        : e,
    );
    const s = fold(owId, withRefusal, testContext);
    expect(s.conflicten.map((c) => c.reden)).toEqual(['verleend-ondanks-geweigerde-instemming']);
  });

  test('only the adviser asked may answer; only the receiver of an actieverzoek may take it in hand', () => {
    const joinOther = event(
      owId,
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: orgs.andereAdviseur.oin,
        rol: 'adviseur',
        systeem: 'adviesportaal',
        zaakreferentie: 'X',
        toegang: 'beperkt',
      },
      { from: 'bevoegd-gezag', at: '2026-03-04' },
    );
    given([...upTo(ow, 'nl.omgevingswet.advies-gevraagd'), joinOther])
      .when(
        event(
          owId,
          'nl.omgevingswet.advies-gegeven',
          { adviesverzoekId: 'AV-1', adviesdatum: '2026-03-20', strekking: 'negatief' },
          { from: 'andereAdviseur', at: '2026-03-20' },
        ),
        event(
          owId,
          'nl.ketens.actieverzoek-geweigerd',
          { actieverzoekId: '3b1f6c0e-2d4a-4e8b-9f1a-5c7d8e9f0a1b', status: 'GEWEIGERD' },
          { from: 'andereAdviseur', at: '2026-03-20' },
        ),
      )
      .thenState((s) => {
        expect(s.omgevingswet.adviezen['AV-1']?.gegeven).toBeUndefined();
        expect(s.conflicten.map((c) => c.reden)).toEqual(['niet-de-gevraagde-adviseur', 'niet-de-ontvanger']);
      });
  });

  test('withdrawal stops every running clock and closes the case', () => {
    given(upTo(ow, 'nl.omgevingswet.aanvulling-gevraagd'))
      .when(
        event(
          owId,
          'nl.omgevingswet.aanvraag-ingetrokken',
          { intrekkingsdatum: '2026-03-20' },
          { from: 'bevoegd-gezag', at: '2026-03-20' },
        ),
      )
      .thenState((s) => {
        expect(s.fase).toBe('ingetrokken');
        expect(Object.values(s.klokken).every((k) => k?.gestoptOp === '2026-03-20')).toBe(true);
        expect(summarise(s).volgendeDeadline).toBeNull();
      });
  });

  test("the hub's termijn-verstreken is recorded on the clock; others may not send it", () => {
    const verstreken = (from: 'ketenhub' | 'gemeente') =>
      event(
        wmoId,
        'nl.ketens.termijn-verstreken',
        {
          termijn: 'wmo-onderzoek',
          grondslag: 'Wmo 2015 art. 2.3.2 lid 1',
          startdatum: '2026-03-02',
          termijnEinde: '2026-04-13',
          opgeschorteDagen: 0,
          verlengd: false,
          klok: 'Europe/Amsterdam',
        },
        { from, at: '2026-04-14' },
      );
    given(upTo(wmo, 'nl.wmo.onderzoek-gestart'))
      .when(verstreken('gemeente'), verstreken('ketenhub'))
      .thenState((s) => {
        expect(s.klokken['wmo-onderzoek']?.verstrekenGemeld).toEqual(['2026-04-13']);
        expect(summarise(s)).toMatchObject({ volgendeDeadline: '2026-04-13', teMeldenDeadline: null });
        expect(s.conflicten.map((c) => c.reden)).toEqual(['geen-eigenaar']);
      });
  });
});

describe('order and duplicates', () => {
  test('the case is the fold of its events in log order: the same log gives the same state', () => {
    expect(JSON.stringify(fold(wmoId, wmo, testContext))).toBe(JSON.stringify(fold(wmoId, wmo, testContext)));
  });

  test('duplicates (same source and id) are folded once, wherever they reappear', () => {
    const once = fold(owId, ow, testContext);
    const twice = fold(owId, [...ow, ...ow.slice(3, 9)], testContext);
    expect(twice).toEqual(once);
    expect(twice.aantalEvents).toBe(ow.length);
  });

  test('an event before the opening (in the log) grants nothing and changes nothing', () => {
    const s = fold(wmoId, [wmo[1], wmo[0]] as typeof wmo, testContext);
    expect(s.domein).toBe('wmo');
    expect(s.wmo.melding).toBeUndefined();
    expect(s.conflicten.map((c) => [c.type, c.reden, c.toegang])).toEqual([
      ['nl.wmo.melding-ontvangen', 'geen-deelnemer', true],
    ]);
  });

  test('a backdated event of a removed participant is refused: the log decides, not `time`', () => {
    const removal = event(
      wmoId,
      'nl.ketens.deelnemer-verwijderd',
      { oin: orgs.zorgaanbieder.oin, rol: 'zorgaanbieder' },
      { from: 'gemeente', at: '2026-06-01' },
    );
    // Claims to have happened before the removal (and before most of the case).
    const backdated = zorgGestopt(wmoId, '2026-04-09');
    const s = fold(wmoId, [...upTo(wmo, 'nl.wmo.zorg-gestart'), removal, backdated], testContext);
    expect(s.wmo.zorg['400123456']?.einddatum).toBeUndefined();
    expect(s.conflicten.map((c) => c.reden)).toEqual(['geen-deelnemer']);
  });

  test('self-joining grants nothing; owners decide participation and access', () => {
    const self = event(
      owId,
      'nl.ketens.deelnemer-aangesloten',
      {
        oin: orgs.andereAdviseur.oin,
        rol: 'adviseur',
        systeem: 'adviesportaal',
        zaakreferentie: 'VR-1',
        toegang: 'volledig',
      },
      { from: 'andereAdviseur', at: '2026-03-02T09:00:00Z' },
    );
    given(upTo(ow, 'nl.omgevingswet.aanvraag-ontvangen'))
      .when(self)
      .thenState((s) => {
        expect(s.access.deelnames.some((d) => d.oin === orgs.andereAdviseur.oin)).toBe(false);
        expect(s.conflicten.map((c) => c.reden)).toEqual(['geen-deelnemer']);
      });
  });
});
