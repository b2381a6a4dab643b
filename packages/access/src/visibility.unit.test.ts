import { type EventData, type EventType, type KetenEvent, sourceFor } from '@ketenhub/events';
import {
  makeEvent,
  omgevingswetLifecycle,
  exampleOrganisations as org,
  stableUuid,
  wmoLifecycle,
} from '@ketenhub/events/testing';
import { describe, expect, it } from 'vitest';
import { resolveAccess, type Viewer } from './sections';
import { givenCase } from './testing';

const WMO = '11111111-2222-4333-8444-555555555555';
const OW = '22222222-3333-4444-8555-666666666666';

const viewer = (role: keyof typeof org): Viewer => ({ oin: org[role].oin, roles: [role] });
const typesOf = (events: readonly KetenEvent[], indexes: number[]) => [
  ...new Set(indexes.map((i) => events[i]!.type)),
];

let n = 0;
function ev<T extends EventType>(
  type: T,
  data: EventData<T>,
  as: keyof typeof org | { source: string },
  subject = WMO,
): KetenEvent {
  n++;
  return makeEvent(type, data, {
    subject,
    source: typeof as === 'string' ? org[as].source : as.source,
    time: `2026-06-01T10:${String(n % 60).padStart(2, '0')}:00.000Z`,
    id: stableUuid(`vis-${n}`),
  }) as KetenEvent;
}

describe('WMO: each role sees its sections, by every exit', () => {
  const events = wmoLifecycle(WMO);
  const c = givenCase(events);

  it('the gemeente sees every event of its case', () => {
    expect(c.readable(viewer('gemeente'))).toHaveLength(events.length);
    expect(c.delivered(viewer('gemeente'))).toHaveLength(events.length);
  });

  it('the care provider never sees the melding or the onderzoek, and nothing from before it was added', () => {
    const read = typesOf(events, c.readable(viewer('zorgaanbieder')));
    expect(read).not.toContain('nl.wmo.melding-ontvangen');
    expect(read).not.toContain('nl.wmo.onderzoek-gestart');
    expect(read).not.toContain('nl.wmo.onderzoek-afgerond');
    expect(read).not.toContain('nl.wmo.eigen-bijdrage-gestart');
    expect(read).toContain('nl.wmo.toewijzing-verzonden');
    expect(read).toContain('nl.wmo.beschikking-afgegeven');
    const delivered = c.delivered(viewer('zorgaanbieder'));
    const joined = events.findIndex(
      (e) => e.type === 'nl.ketens.deelnemer-aangesloten' && e.data.oin === org.zorgaanbieder.oin,
    );
    // Webhooks start at its admission (its own admission included): nothing from before it took part.
    expect(Math.min(...delivered)).toBe(joined);
  });

  it('the CAK gets the beschikking and the eigen bijdrage, and of the care only its dates', () => {
    const read = c.readable(viewer('cak'));
    expect(typesOf(events, read)).not.toContain('nl.wmo.declaratie-ingediend');
    expect(typesOf(events, read)).not.toContain('nl.wmo.toewijzing-verzonden');
    expect(typesOf(events, read)).toContain('nl.wmo.beschikking-afgegeven');
    const stop = events.findIndex((e) => e.type === 'nl.wmo.zorg-gestopt');
    expect(c.zicht(viewer('cak'), stop, 'lezen')).toEqual({
      zicht: 'beperkt',
      data: { toewijzingNummer: 400123456, einddatum: expect.any(String) },
      redactie: 'zorg-datums',
      conflict: false,
    });
  });

  it('an outsider, or a worker of a participant acting in a role it does not have there, sees nothing', () => {
    const outsider = { oin: '00000099700000007000', roles: ['gemeente', 'zorgaanbieder', 'cak'] };
    expect(c.readable(outsider)).toEqual([]);
    expect(c.delivered(outsider)).toEqual([]);
    expect(resolveAccess({ oin: org.zorgaanbieder.oin, roles: ['gemeente'] }, c.state)).toBeNull();
  });

  it('a second care provider added later does not read the first one’s declaraties and care', () => {
    const other = { oin: '00000099200000012000', source: sourceFor('00000099200000012000', 'ecd2') };
    const later = [
      ...events,
      ev(
        'nl.ketens.deelnemer-aangesloten',
        { oin: other.oin, rol: 'zorgaanbieder', systeem: 'ecd2', zaakreferentie: 'B-1', toegang: 'beperkt' },
        'gemeente',
      ),
    ];
    const read = typesOf(later, givenCase(later).readable({ oin: other.oin, roles: ['zorgaanbieder'] }));
    expect(read).not.toContain('nl.wmo.declaratie-ingediend');
    expect(read).not.toContain('nl.wmo.zorg-gestart');
    expect(read).toContain('nl.wmo.toewijzing-verzonden');
  });

  it('a removed provider gets its removal, then nothing; its reads end', () => {
    const removal = ev(
      'nl.ketens.deelnemer-verwijderd',
      { oin: org.zorgaanbieder.oin, rol: 'zorgaanbieder', reden: 'overgedragen' },
      'gemeente',
    );
    const after = ev(
      'nl.wmo.beschikking-afgegeven',
      {
        beschikkingsnummer: 'BS-2',
        besluitdatum: '2026-06-01',
        besluit: 'afgewezen',
        voorzieningen: [],
      } as unknown as EventData<'nl.wmo.beschikking-afgegeven'>,
      'gemeente',
    );
    const log = [...events, removal, after];
    const r = givenCase(log);
    const delivered = r.delivered(viewer('zorgaanbieder'));
    expect(delivered).toContain(log.length - 2);
    expect(delivered).not.toContain(log.length - 1);
    expect(r.readable(viewer('zorgaanbieder'))).toEqual([]);
  });

  it('an event from a publisher that was not entitled is never delivered and is read as a conflict', () => {
    const forged = ev(
      'nl.wmo.melding-ontvangen',
      { bsn: '999990019', gemeentecode: '0999', meldingsdatum: '2026-06-01' },
      'zorgaanbieder',
    );
    const log = [...events, forged];
    const r = givenCase(log);
    expect(r.verdicts.at(-1)?.ok).toBe(false);
    expect(r.zicht(viewer('gemeente'), log.length - 1, 'levering')).toBeNull();
    expect(r.zicht(viewer('gemeente'), log.length - 1, 'lezen')).toMatchObject({ conflict: true });
    expect(r.zicht(viewer('zorgaanbieder'), log.length - 1, 'lezen')).toBeNull();
  });
});

describe('Omgevingswet: documents, actieverzoeken, advice and invitations', () => {
  const events = omgevingswetLifecycle(OW, { procedure: 'uitgebreid' });
  const c = givenCase(events);
  const strict = (as: keyof typeof org) =>
    ev(
      'nl.ketens.document-toegevoegd',
      {
        documentId: 'DOC-STRIKT',
        titel: 'Constructieve berekening',
        documentUrl: 'https://vth.voorbeeldstad.example/docs/1',
        mediatype: 'application/pdf',
        vertrouwelijkheid: 'strikt',
      },
      as,
      OW,
    );

  it('a limited-access partner never gets a strictly confidential document; full access does', () => {
    const log = [...events, strict('bevoegd-gezag')];
    const r = givenCase(log);
    const i = log.length - 1;
    for (const uitgang of ['lezen', 'levering'] as const) {
      expect(r.zicht(viewer('adviseur'), i, uitgang)).toBeNull();
      expect(r.zicht(viewer('omgevingsdienst'), i, uitgang)).not.toBeNull();
    }
  });

  it('an actieverzoek reaches only its sender and receiver', () => {
    const verzonden = events.findIndex((e) => e.type === 'nl.ketens.actieverzoek-verzonden');
    const answered = events.findIndex((e) => e.type === 'nl.ketens.actieverzoek-gereedgemeld');
    for (const i of [verzonden, answered]) {
      expect(c.zicht(viewer('omgevingsdienst'), i, 'levering')).not.toBeNull();
      expect(c.zicht(viewer('adviseur'), i, 'levering')).not.toBeNull();
      expect(c.zicht(viewer('bevoegd-gezag'), i, 'levering')).toBeNull();
    }
  });

  it('advisers see only their own advice and consent; the authority sees all', () => {
    const water = { oin: '00000099600000016000', source: sourceFor('00000099600000016000', 'waterschap') };
    const log = [
      ...events,
      ev(
        'nl.ketens.deelnemer-aangesloten',
        { oin: water.oin, rol: 'adviseur', systeem: 'waterschap', zaakreferentie: 'WS', toegang: 'beperkt' },
        'bevoegd-gezag',
        OW,
      ),
      ev(
        'nl.omgevingswet.advies-gevraagd',
        { adviesverzoekId: 'AV-W', adviseur: water.oin, verzoekdatum: '2026-06-01', onderwerp: 'Water' },
        'bevoegd-gezag',
        OW,
      ),
      ev(
        'nl.omgevingswet.advies-gegeven',
        { adviesverzoekId: 'AV-W', adviesdatum: '2026-06-02', strekking: 'positief' },
        water,
        OW,
      ),
    ];
    const r = givenCase(log);
    const adviceTypes = /advies-|instemming-/;
    const seen = (v: Viewer) => r.readable(v).filter((i) => adviceTypes.test(log[i]!.type));
    const mine = seen(viewer('adviseur'));
    const waters = seen({ oin: water.oin, roles: ['adviseur'] });
    expect(mine.length).toBeGreaterThan(0);
    expect(waters).toEqual([log.length - 2, log.length - 1]);
    expect(mine.some((i) => waters.includes(i))).toBe(false);
    expect(seen(viewer('bevoegd-gezag'))).toEqual([...mine, ...waters].sort((a, b) => a - b));
  });

  it('an invitation reaches the invitee before it takes part, and the owners, but no other partner', () => {
    const invite = events.findIndex((e) => e.type === 'nl.ketens.deelnemer-uitgenodigd');
    const before = givenCase(events.slice(0, invite + 1));
    expect(before.zicht(viewer('adviseur'), invite, 'levering')).not.toBeNull();
    expect(resolveAccess(viewer('adviseur'), before.state)).toBeNull();
    expect(before.zicht(viewer('bevoegd-gezag'), invite, 'levering')).not.toBeNull();
    expect(before.zicht(viewer('omgevingsdienst'), invite, 'levering')).not.toBeNull();
  });

  it('an adviser sees the Omgevingswet clock events but not the ingebrekestelling', () => {
    const verstreken = (termijn: 'omgevingswet-beslistermijn-uitgebreid' | 'ingebrekestelling') =>
      ev(
        'nl.ketens.termijn-verstreken',
        {
          termijn,
          grondslag: 'x',
          startdatum: '2026-03-02',
          termijnEinde: '2026-09-02',
          opgeschorteDagen: 0,
          verlengd: false,
          klok: 'Europe/Amsterdam',
        },
        'ketenhub',
        OW,
      );
    const log = [
      ...events,
      verstreken('omgevingswet-beslistermijn-uitgebreid'),
      verstreken('ingebrekestelling'),
    ];
    const r = givenCase(log);
    expect(r.zicht(viewer('adviseur'), log.length - 2, 'levering')).not.toBeNull();
    expect(r.zicht(viewer('adviseur'), log.length - 1, 'levering')).toBeNull();
    expect(r.zicht(viewer('bevoegd-gezag'), log.length - 1, 'levering')).not.toBeNull();
  });
});
