import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  assertNever,
  catalog,
  EVENT_TYPE_SCHEME,
  eventDefinitions,
  eventTypes,
  type KetenEvent,
  mayConsume,
  mayPublish,
  TYPE_PATTERN,
  validateEvent,
} from './index';
import { exampleData, makeEvent } from './testing';

/** Collects every property name in a JSON Schema, at any depth. */
function propertyNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) propertyNames(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'properties' && v && typeof v === 'object') for (const name of Object.keys(v)) out.add(name);
      propertyNames(v, out);
    }
  }
  return out;
}

describe('catalog', () => {
  it('has unique types that follow nl.<domain>.<object>-<past-participle>', () => {
    expect(new Set(eventTypes).size).toBe(eventTypes.length);
    for (const type of eventTypes) {
      expect(type).toMatch(EVENT_TYPE_SCHEME);
      expect(type).toMatch(TYPE_PATTERN);
      expect(type.split('.')[1]).toBe(catalog[type].domain);
    }
  });

  it('documents every type: meaning in Dutch and English, publishers, consumers, clock effect', () => {
    for (const d of eventDefinitions) {
      expect(d.description.nl.length, d.type).toBeGreaterThan(20);
      expect(d.description.en.length, d.type).toBeGreaterThan(20);
      expect(d.publishers.length, d.type).toBeGreaterThan(0);
      expect(d.consumers.length, d.type).toBeGreaterThan(0);
      expect(d.clockEffect.length, d.type).toBeGreaterThan(3);
    }
  });

  it('only the hub publishes termijn-verstreken', () => {
    expect(catalog['nl.ketens.termijn-verstreken'].publishers).toEqual(['ketenhub']);
    expect(mayPublish('nl.wmo.zorg-gestart', 'zorgaanbieder')).toBe(true);
    expect(mayPublish('nl.wmo.zorg-gestart', 'gemeente')).toBe(false);
    expect(mayPublish('nl.omgevingswet.advies-gegeven', 'adviseur')).toBe(true);
  });

  it('a role receives what the catalog addresses to it or what it may publish itself, nothing more', () => {
    expect(mayConsume('nl.wmo.toewijzing-verzonden', 'zorgaanbieder')).toBe(true);
    expect(mayConsume('nl.wmo.toewijzing-verzonden', 'gemeente')).toBe(true); // it publishes them
    expect(mayConsume('nl.wmo.onderzoek-gestart', 'zorgaanbieder')).toBe(false);
    expect(mayConsume('nl.wmo.toewijzing-verzonden', 'cak')).toBe(false);
    expect(mayConsume('nl.wmo.eigen-bijdrage-gestart', 'cak')).toBe(true);
  });

  it('BSN appears only in the data of types marked as carrying personal data', () => {
    const withBsn = eventDefinitions
      .filter((d) => propertyNames(z.toJSONSchema(d.data, { target: 'draft-7', io: 'input' })).has('bsn'))
      .map((d) => d.type);
    const personal = eventDefinitions.filter((d) => d.personalData).map((d) => d.type);
    expect(withBsn.sort()).toEqual(personal.sort());
    expect(personal.sort()).toEqual(
      [
        'nl.wmo.eigen-bijdrage-gestart',
        'nl.wmo.eigen-bijdrage-gestopt',
        'nl.wmo.melding-ontvangen',
        'nl.wmo.toewijzing-verzonden',
      ].sort(),
    );
  });

  it('covers the lifecycles of DOMAIN.md sections 4 and 5', () => {
    const required = [
      'nl.ketens.ketenzaak-geopend',
      'nl.ketens.deelnemer-aangesloten',
      'nl.ketens.actieverzoek-verzonden',
      'nl.ketens.document-toegevoegd',
      'nl.ketens.termijn-verstreken',
      'nl.wmo.melding-ontvangen',
      'nl.wmo.onderzoek-gestart',
      'nl.wmo.onderzoek-afgerond',
      'nl.wmo.aanvraag-ontvangen',
      'nl.wmo.beschikking-afgegeven',
      'nl.wmo.beschikkingstermijn-verlengd',
      'nl.wmo.toewijzing-verzonden',
      'nl.wmo.retourbericht-verzonden',
      'nl.wmo.zorg-gestart',
      'nl.wmo.zorg-gestopt',
      'nl.wmo.toewijzing-aangevraagd',
      'nl.wmo.toewijzingswijziging-aangevraagd',
      'nl.wmo.verzoek-beantwoord',
      'nl.wmo.declaratie-ingediend',
      'nl.wmo.declaratie-beantwoord',
      'nl.wmo.eigen-bijdrage-gestart',
      'nl.wmo.eigen-bijdrage-gestopt',
      'nl.omgevingswet.aanvraag-ontvangen',
      'nl.omgevingswet.ontvangst-bevestigd',
      'nl.omgevingswet.aanvulling-gevraagd',
      'nl.omgevingswet.aanvulling-ontvangen',
      'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld',
      'nl.omgevingswet.beslistermijn-verlengd',
      'nl.omgevingswet.advies-gevraagd',
      'nl.omgevingswet.advies-gegeven',
      'nl.omgevingswet.instemming-gevraagd',
      'nl.omgevingswet.instemming-verleend',
      'nl.omgevingswet.instemming-geweigerd',
      'nl.omgevingswet.ontwerpbesluit-ter-inzage-gelegd',
      'nl.omgevingswet.zienswijze-ontvangen',
      'nl.omgevingswet.besluit-genomen',
      'nl.omgevingswet.besluit-bekendgemaakt',
      'nl.omgevingswet.bezwaar-ingesteld',
      'nl.omgevingswet.beroep-ingesteld',
      'nl.omgevingswet.aanvraag-ingetrokken',
    ];
    expect(eventTypes).toEqual(expect.arrayContaining(required));
    const statuses = eventDefinitions
      .filter((d) => d.type.startsWith('nl.ketens.actieverzoek-'))
      .map((d) => (d.data as z.ZodObject).shape.status.def.values[0]);
    expect(statuses.sort()).toEqual([
      'GEREED',
      'GEREEDGEMELD',
      'GEWEIGERD',
      'INGETROKKEN',
      'IN_BEHANDELING',
      'OPEN',
    ]);
  });

  it('every example validates', () => {
    for (const type of eventTypes) {
      const r = validateEvent(makeEvent(type, exampleData[type] as never));
      expect(r.ok ? [] : r.violations, type).toEqual([]);
    }
  });

  it('KetenEvent narrows on type in an exhaustive switch', () => {
    // Compile-time check: a new type without a case breaks this function's build.
    function kind(event: KetenEvent): string {
      switch (event.type) {
        case 'nl.ketens.ketenzaak-geopend':
          return event.data.domein;
        case 'nl.ketens.deelnemer-aangesloten':
        case 'nl.ketens.deelnemer-uitgenodigd':
        case 'nl.ketens.uitnodiging-aanvaard':
        case 'nl.ketens.uitnodiging-afgewezen':
        case 'nl.ketens.uitnodiging-ingetrokken':
        case 'nl.ketens.toegang-gewijzigd':
        case 'nl.ketens.deelnemer-verwijderd':
        case 'nl.ketens.actieverzoek-verzonden':
        case 'nl.ketens.actieverzoek-in-behandeling-genomen':
        case 'nl.ketens.actieverzoek-geweigerd':
        case 'nl.ketens.actieverzoek-ingetrokken':
        case 'nl.ketens.actieverzoek-gereedgemeld':
        case 'nl.ketens.actieverzoek-afgerond':
        case 'nl.ketens.document-toegevoegd':
        case 'nl.ketens.termijn-verstreken':
        case 'nl.ketens.ingebrekestelling-ontvangen':
          return 'keten';
        case 'nl.wmo.toewijzing-verzonden':
          return String(event.data.toewijzing.toewijzingNummer);
        case 'nl.wmo.melding-ontvangen':
        case 'nl.wmo.onderzoek-gestart':
        case 'nl.wmo.onderzoek-afgerond':
        case 'nl.wmo.aanvraag-ontvangen':
        case 'nl.wmo.beschikkingstermijn-verlengd':
        case 'nl.wmo.beschikking-afgegeven':
        case 'nl.wmo.retourbericht-verzonden':
        case 'nl.wmo.zorg-gestart':
        case 'nl.wmo.zorg-gestopt':
        case 'nl.wmo.toewijzing-aangevraagd':
        case 'nl.wmo.toewijzingswijziging-aangevraagd':
        case 'nl.wmo.verzoek-beantwoord':
        case 'nl.wmo.declaratie-ingediend':
        case 'nl.wmo.declaratie-beantwoord':
        case 'nl.wmo.eigen-bijdrage-gestart':
        case 'nl.wmo.eigen-bijdrage-gestopt':
          return 'wmo';
        case 'nl.omgevingswet.aanvraag-ontvangen':
          return event.data.procedure;
        case 'nl.omgevingswet.conceptverzoek-ontvangen':
        case 'nl.omgevingswet.ontvangst-bevestigd':
        case 'nl.omgevingswet.aanvulling-gevraagd':
        case 'nl.omgevingswet.aanvulling-ontvangen':
        case 'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld':
        case 'nl.omgevingswet.beslistermijn-verlengd':
        case 'nl.omgevingswet.advies-gevraagd':
        case 'nl.omgevingswet.advies-gegeven':
        case 'nl.omgevingswet.instemming-gevraagd':
        case 'nl.omgevingswet.instemming-verleend':
        case 'nl.omgevingswet.instemming-geweigerd':
        case 'nl.omgevingswet.ontwerpbesluit-ter-inzage-gelegd':
        case 'nl.omgevingswet.zienswijze-ontvangen':
        case 'nl.omgevingswet.besluit-genomen':
        case 'nl.omgevingswet.besluit-bekendgemaakt':
        case 'nl.omgevingswet.bezwaar-ingesteld':
        case 'nl.omgevingswet.beroep-ingesteld':
        case 'nl.omgevingswet.aanvraag-ingetrokken':
          return 'omgevingswet';
        default:
          return assertNever(event);
      }
    }
    expect(kind(makeEvent('nl.wmo.toewijzing-verzonden'))).toBe('400123456');
    expect(kind(makeEvent('nl.omgevingswet.aanvraag-ontvangen'))).toBe('regulier');
  });
});
