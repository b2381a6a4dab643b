import { describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES } from './envelope';
import { makeEvent } from './testing';
import { type Violation, validateEnvelope, validateEvent } from './validate';

const valid = () => makeEvent('nl.wmo.onderzoek-gestart') as unknown as Record<string, unknown>;

function violationsOf(raw: unknown): Violation[] {
  const r = validateEvent(raw);
  if (r.ok) throw new Error('expected violations');
  return r.violations;
}

/** Asserts that validating `raw` reports `rule` on `field`, with the field named in the message. */
function expectViolation(raw: unknown, field: string, rule: string): Violation {
  const v = violationsOf(raw).find((x) => x.field === field && x.rule === rule);
  expect(v, JSON.stringify(violationsOf(raw))).toBeDefined();
  expect(v!.message.startsWith(`${field || 'event'}: `)).toBe(true);
  return v!;
}

describe('validateEvent: envelope rules', () => {
  it('accepts a valid event', () => {
    const r = validateEvent(valid());
    expect(r.ok).toBe(true);
  });

  it.each([
    ['specversion', '0.3', 'enum'],
    ['id', '', 'min'],
    ['id', 42, 'type'],
    ['source', 'https://gemeente.example/zaken', 'source'],
    ['source', 'urn:nld:oin:00000099123456789000', 'source'],
    ['type', 'WmoMeldingOntvangen', 'type-name'],
    ['type', 'nl.wmo.melding-ontvangen.v1', 'type-name'],
    ['time', '2026-03-02 09:00', 'datetime'],
    ['time', '2026-03-02T09:00:00', 'datetime'],
    ['subject', 'ZAAK-1', 'uuid'],
    ['subject', '999993653', 'no-bsn'],
    ['subject', '123456789', 'no-bsn'],
    ['datacontenttype', 'application/xml', 'enum'],
    ['dataref', 'not a url', 'url'],
    ['dataref', 'https://zaken.example/personen/999993653', 'no-bsn'],
    ['sequence', '0', 'sequence'],
    ['sequence', 1, 'type'],
    ['sequence', '99999999999', 'sequence'],
    ['traceparent', '00-abc-def-01', 'traceparent'],
    ['traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'traceparent'],
  ])('%s = %j violates %s', (field, value, rule) => {
    const raw = { ...valid(), [field]: value };
    if (field === 'sequence') raw.sequencetype = 'Integer';
    const v = expectViolation(raw, field, rule);
    if (field === 'source' && rule === 'source') {
      expect(v.message).toBe('source: must be urn:nld:oin:<OIN>:systeem:<name>');
    }
  });

  it('accepts a UUID subject whose hex happens to hold nine decimal digits in a row', () => {
    // About 3% of random UUIDs do; they are chain case ids, not BSNs.
    const result = validateEvent({ ...valid(), subject: '0b6c1e2a-7d3f-4a5b-9c8d-123456789abc' });
    expect(result.ok).toBe(true);
  });

  it.each(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype'])(
    'reports a missing %s as required',
    (field) => {
      const raw = valid();
      delete raw[field];
      expectViolation(raw, field, 'required');
    },
  );

  it('requires data', () => {
    const raw = valid();
    delete raw.data;
    expectViolation(raw, 'data', 'required');
  });

  it('checks the OIN inside source', () => {
    const v = expectViolation(
      { ...valid(), source: 'urn:nld:oin:00000005123456789000:systeem:zaken' },
      'source',
      'oin',
    );
    expect(v.message).toContain('OIN');
  });

  it('requires sequencetype Integer with sequence', () => {
    expectViolation({ ...valid(), sequence: '1' }, 'sequencetype', 'required');
    expectViolation({ ...valid(), sequence: '1', sequencetype: 'String' }, 'sequencetype', 'enum');
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
  ])('refuses %s in any string, naming the field (rule unicode)', (_what, text) => {
    const event = makeEvent('nl.ketens.ketenzaak-geopend') as unknown as Record<string, unknown>;
    (event.data as Record<string, unknown>).zaakreferentie = text;
    expectViolation(event, 'data.zaakreferentie', 'unicode');
    expectViolation({ ...valid(), [`x${text}`]: 'y' }, `x${text}`, 'unicode');
  });

  it('accepts real text: pairs of surrogates (emoji), right-to-left marks, accents', () => {
    const event = makeEvent('nl.ketens.ketenzaak-geopend') as unknown as Record<string, unknown>;
    (event.data as Record<string, unknown>).zaakreferentie = 'Zaak \u200f\u05e9 \ud83d\ude00 één';
    expect(validateEvent(event).ok).toBe(true);
  });

  it('names the real rule of tracestate: its length, not its type', () => {
    const r = validateEvent({ ...valid(), tracestate: `k=${'v'.repeat(600)}` });
    expect(r.ok ? [] : r.violations).toEqual([
      expect.objectContaining({ field: 'tracestate', rule: 'max', message: expect.stringContaining('512') }),
    ]);
    expectViolation({ ...valid(), tracestate: 5 }, 'tracestate', 'type');
  });

  it('accepts a valid traceparent and extensions', () => {
    const r = validateEvent({
      ...valid(),
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      partitionkey: 'x',
      retries: 2,
    });
    expect(r.ok).toBe(true);
  });

  it.each([
    ['Foo', 'extension-name'],
    ['with_underscore', 'extension-name'],
    ['averyveryverylongname1', 'extension-name'],
  ])('extension name %s violates %s', (name, rule) => {
    expectViolation({ ...valid(), [name]: 'x' }, name, rule);
  });

  it('extension values must be string, integer or boolean and never a BSN', () => {
    expectViolation({ ...valid(), ext: { nested: true } }, 'ext', 'extension-value');
    expectViolation({ ...valid(), ext: 1.5 }, 'ext', 'extension-value');
    expectViolation({ ...valid(), burger: 'bsn 999993653' }, 'burger', 'no-bsn');
  });

  it('rejects events over 64 KB serialized', () => {
    const raw = { ...valid(), padding: 'x'.repeat(MAX_EVENT_BYTES) };
    expectViolation(raw, '', 'max-size');
  });

  it('reports an unknown type on type', () => {
    const v = expectViolation({ ...valid(), type: 'nl.wmo.taart-gebakken' }, 'type', 'unknown-type');
    expect(v.message).toContain('nl.wmo.taart-gebakken');
  });

  it('never throws, whatever the input', () => {
    for (const raw of [null, undefined, 42, 'event', [], [valid()], { data: 1n }]) {
      const r = validateEvent(raw);
      expect(r.ok).toBe(false);
    }
  });

  it('reports envelope and data violations together', () => {
    const raw = { ...valid(), source: 'x', data: { startdatum: '2026-02-30' } };
    const fields = violationsOf(raw).map((v) => v.field);
    expect(fields).toEqual(expect.arrayContaining(['source', 'data.startdatum']));
  });
});

describe('validateEnvelope', () => {
  it('ignores data so a gateway can check source and type first', () => {
    const r = validateEnvelope({ ...valid(), data: { nonsense: true } });
    expect(r.ok).toBe(true);
  });
  it('rejects a non-object', () => {
    const r = validateEnvelope('{}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.violations[0]?.rule).toBe('object');
  });
});

describe('validateEvent: data rules', () => {
  const wmo = (type: Parameters<typeof makeEvent>[0], patch: (d: Record<string, unknown>) => void) => {
    const e = makeEvent(type) as unknown as { data: Record<string, unknown> };
    patch(e.data);
    return e;
  };

  it('rejects unknown data fields (no stray personal data)', () => {
    expectViolation(
      wmo('nl.wmo.zorg-gestart', (d) => Object.assign(d, { bsn: '999993653' })),
      'data.bsn',
      'unknown-field',
    );
  });
  it('checks the BSN in melding', () => {
    expectViolation(
      wmo('nl.wmo.melding-ontvangen', (d) => Object.assign(d, { bsn: '123456789' })),
      'data.bsn',
      'bsn-11-proef',
    );
    expectViolation(
      wmo('nl.wmo.melding-ontvangen', (d) => Object.assign(d, { bsn: '000000000' })),
      'data.bsn',
      'bsn-11-proef',
    );
    expectViolation(
      wmo('nl.wmo.melding-ontvangen', (d) => Object.assign(d, { bsn: '12345' })),
      'data.bsn',
      'bsn',
    );
  });
  it('checks gemeentecode, AGB code and ISO dates', () => {
    expectViolation(
      wmo('nl.wmo.melding-ontvangen', (d) => Object.assign(d, { gemeentecode: '363' })),
      'data.gemeentecode',
      'gemeentecode',
    );
    expectViolation(
      wmo('nl.wmo.zorg-gestart', (d) => Object.assign(d, { zorgaanbieder: '123' })),
      'data.zorgaanbieder',
      'agb',
    );
    expectViolation(
      wmo('nl.wmo.zorg-gestart', (d) => Object.assign(d, { begindatum: '2026-02-30' })),
      'data.begindatum',
      'date',
    );
    expectViolation(
      wmo('nl.wmo.zorg-gestart', (d) => Object.assign(d, { begindatum: '02-03-2026' })),
      'data.begindatum',
      'date',
    );
  });
  it('checks OINs in data', () => {
    expectViolation(
      wmo('nl.ketens.deelnemer-aangesloten', (d) => Object.assign(d, { oin: '123' })),
      'data.oin',
      'oin',
    );
  });
  it('checks the toewijzing (WMO301)', () => {
    const t = (patch: Record<string, unknown>) =>
      wmo('nl.wmo.toewijzing-verzonden', (d) => Object.assign(d.toewijzing as object, patch));
    expectViolation(t({ productcategorie: '05' }), 'data.toewijzing.productcategorie', 'productcategorie');
    expectViolation(t({ productcategorie: '2' }), 'data.toewijzing.productcategorie', 'productcategorie');
    expectViolation(t({ toewijzingNummer: 1_000_000_000 }), 'data.toewijzing.toewijzingNummer', 'max');
    expectViolation(t({ toewijzingNummer: 12.5 }), 'data.toewijzing.toewijzingNummer', 'type');
    expectViolation(t({ productcode: 'abc' }), 'data.toewijzing.productcode', 'productcode');
    expectViolation(t({ budgetInCenten: 10_000 }), 'data.toewijzing.omvang', 'omvang-xor-budget');
    expectViolation(t({ omvang: undefined }), 'data.toewijzing.omvang', 'omvang-xor-budget');
    expectViolation(t({ einddatum: '2020-01-01' }), 'data.toewijzing.einddatum', 'date-order');
    expectViolation(
      t({ omvang: { volume: 4, eenheid: 'uur', frequentie: 'per-eeuw' } }),
      'data.toewijzing.omvang.frequentie',
      'enum',
    );
  });
  it('budget instead of omvang is valid', () => {
    const e = wmo('nl.wmo.toewijzing-verzonden', (d) => {
      const t = d.toewijzing as Record<string, unknown>;
      delete t.omvang;
      t.budgetInCenten = 250_000;
    });
    expect(validateEvent(e).ok).toBe(true);
  });
  it('WMO319 verzoekAntwoord is 1 or 2', () => {
    expectViolation(
      wmo('nl.wmo.verzoek-beantwoord', (d) => Object.assign(d, { verzoekAntwoord: 3 })),
      'data.verzoekAntwoord',
      'enum',
    );
  });
  it('a declaratie covers one calendar month and adds up', () => {
    expectViolation(
      wmo('nl.wmo.declaratie-ingediend', (d) => Object.assign(d, { einddatum: '2026-05-01' })),
      'data.einddatum',
      'one-month',
    );
    expectViolation(
      wmo('nl.wmo.declaratie-ingediend', (d) => Object.assign(d, { totaalBedragInCenten: 1 })),
      'data.totaalBedragInCenten',
      'totaal',
    );
  });
  it('a procedure belongs to an omgevingswet chain case only', () => {
    expectViolation(
      wmo('nl.ketens.ketenzaak-geopend', (d) => Object.assign(d, { procedure: 'regulier' })),
      'data.procedure',
      'procedure',
    );
  });
  it('document references never carry content or a BSN', () => {
    expectViolation(
      wmo('nl.ketens.document-toegevoegd', (d) => Object.assign(d, { inhoud: 'JVBERi0x' })),
      'data.inhoud',
      'unknown-field',
    );
    expectViolation(
      wmo('nl.ketens.document-toegevoegd', (d) =>
        Object.assign(d, { documentUrl: 'https://x.example/bsn/999993653' }),
      ),
      'data.documentUrl',
      'no-bsn',
    );
    expectViolation(
      wmo('nl.ketens.document-toegevoegd', (d) => Object.assign(d, { documentUrl: 'http://x.example/d' })),
      'data.documentUrl',
      'url',
    );
    expectViolation(
      wmo('nl.ketens.document-toegevoegd', (d) => Object.assign(d, { vertrouwelijkheid: 'geheim' })),
      'data.vertrouwelijkheid',
      'enum',
    );
  });
  it('actieverzoek status must match the event type', () => {
    expectViolation(
      wmo('nl.ketens.actieverzoek-geweigerd', (d) => Object.assign(d, { status: 'GEREED' })),
      'data.status',
      'enum',
    );
  });
  it('extension of the omgevingswet decision term is at most 6 weeks', () => {
    expectViolation(
      wmo('nl.omgevingswet.beslistermijn-verlengd', (d) => Object.assign(d, { verlengingInWeken: 8 })),
      'data.verlengingInWeken',
      'max',
    );
  });
  it('aanvulling: the deadline lies after the request', () => {
    expectViolation(
      wmo('nl.omgevingswet.aanvulling-gevraagd', (d) =>
        Object.assign(d, { uiterlijkeAanleverdatum: '2026-03-01' }),
      ),
      'data.uiterlijkeAanleverdatum',
      'date-order',
    );
  });
  it('reports a missing data field as required', () => {
    expectViolation(
      wmo('nl.omgevingswet.aanvraag-ontvangen', (d) => delete d.procedure),
      'data.procedure',
      'required',
    );
  });
});
