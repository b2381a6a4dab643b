import { describe, expect, test } from 'vitest';
import { fold } from './evolve';
import { omgevingswetLifecycle, orgs, seenTimeline, testBsn, testContext, wmoLifecycle } from './testing';
import { toView } from './view';
import { filterCase, resolveAccess, type Viewer } from './viewer';

const wmoId = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
const owId = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const wmoEvents = wmoLifecycle(wmoId);
const owEvents = omgevingswetLifecycle(owId);
const wmo = fold(wmoId, wmoEvents, testContext);
const ow = fold(owId, owEvents, testContext);
const day = '2026-05-20';

const viewer = (name: keyof typeof orgs, roles: string[]): Viewer => ({ oin: orgs[name].oin, roles });
const see = (state: typeof wmo, v: Viewer) => {
  const access = resolveAccess(v, state);
  if (!access) return null;
  return filterCase(toView(state, day), access);
};
const timeline = (state: typeof wmo, events: typeof wmoEvents, v: Viewer) => {
  const access = resolveAccess(v, state);
  if (!access) return null;
  return seenTimeline(state, events, access);
};

describe('rule 1: only participants, in a role their token holds', () => {
  test('an organisation not taking part gets nothing (404)', () => {
    expect(see(wmo, viewer('buitenstaander', ['gemeente']))).toBeNull();
    expect(see(wmo, viewer('adviseur', ['adviseur']))).toBeNull();
  });
  test('a participating organisation whose case worker lacks the role gets nothing', () => {
    expect(see(wmo, viewer('zorgaanbieder', ['cak']))).toBeNull();
  });
});

describe('WMO roles', () => {
  test('gemeente sees everything, including BSN and onderzoek', () => {
    const c = see(wmo, viewer('gemeente', ['gemeente']));
    expect(c?.client.bsn).toBe(testBsn);
    expect(c?.wmo.onderzoek).toBeDefined();
    expect(c?.wmo.melding).toBeDefined();
    expect(c?.klokken.map((k) => k.soort)).toEqual(['wmo-onderzoek', 'wmo-beschikking']);
  });
  test('zorgaanbieder sees the toewijzing and BSN, not the onderzoek, melding or eigen bijdrage', () => {
    const c = see(wmo, viewer('zorgaanbieder', ['zorgaanbieder']));
    expect(c?.wmo.toewijzingen?.['400123456']).toBeDefined();
    expect(c?.client.bsn).toBe(testBsn);
    expect(c?.wmo.onderzoek).toBeUndefined();
    expect(c?.wmo.melding).toBeUndefined();
    expect(c?.wmo.aanvraag).toBeUndefined();
    expect(c?.wmo.eigenBijdrage).toBeUndefined();
    expect(c?.klokken).toEqual([]);
    const types = timeline(wmo, wmoEvents, viewer('zorgaanbieder', ['zorgaanbieder']))?.map((e) => e.type);
    expect(types).not.toContain('nl.wmo.onderzoek-afgerond');
    expect(types).not.toContain('nl.wmo.melding-ontvangen');
    expect(types).toContain('nl.wmo.toewijzing-verzonden');
  });
  test('CAK sees only what the eigen bijdrage needs', () => {
    const c = see(wmo, viewer('cak', ['cak']));
    expect(c?.wmo.eigenBijdrage?.['02']).toBeDefined();
    expect(c?.client.bsn).toBe(testBsn);
    expect(c?.wmo.zorg).toEqual({ '400123456': { begindatum: '2026-04-08' } });
    expect(c?.wmo.toewijzingen).toBeUndefined();
    expect(c?.wmo.declaraties).toBeUndefined();
    expect(c?.wmo.onderzoek).toBeUndefined();
    expect(c?.conflicten).toBeUndefined();
    const t = timeline(wmo, wmoEvents, viewer('cak', ['cak'])) ?? [];
    expect(t.map((e) => e.type)).not.toContain('nl.wmo.declaratie-ingediend');
    expect(t.find((e) => e.type === 'nl.wmo.zorg-gestart')).toMatchObject({
      data: { toewijzingNummer: 400123456, begindatum: '2026-04-08' },
      redactie: 'zorg-datums',
    });
  });
});

describe('Omgevingswet roles and access levels', () => {
  test('bevoegd gezag and omgevingsdienst see all, including strictly confidential documents', () => {
    for (const v of [
      viewer('bevoegd-gezag', ['bevoegd-gezag']),
      viewer('omgevingsdienst', ['omgevingsdienst']),
    ]) {
      const c = see(ow, v);
      expect(c?.documenten.map((d) => d.documentId).sort()).toEqual(['DOC-1', 'DOC-2']);
      expect(c?.omgevingswet.aanvullingen).toHaveLength(1);
      expect(c?.klokken.length).toBeGreaterThan(0);
    }
  });
  test('a limited-access adviser does not see strict documents, nor requests of others', () => {
    const v = viewer('adviseur', ['adviseur']);
    const c = see(ow, v);
    expect(c?.jouwToegang).toBe('beperkt');
    expect(c?.documenten.map((d) => d.documentId)).toEqual(['DOC-1']);
    expect(c?.omgevingswet.adviezen?.['AV-1']).toBeDefined();
    expect(c?.omgevingswet.aanvullingen).toBeUndefined();
    expect(c?.client).toEqual({});
    const t = timeline(ow, owEvents, v) ?? [];
    expect(t.filter((e) => e.type === 'nl.ketens.document-toegevoegd').map((e) => e.data.documentId)).toEqual(
      ['DOC-1'],
    );
    expect(t.map((e) => e.type)).not.toContain('nl.omgevingswet.aanvulling-gevraagd');
  });
  test('no role outside WMO receives a BSN in timeline data', () => {
    const t = timeline(wmo, wmoEvents, viewer('gemeente', ['gemeente'])) ?? [];
    expect(t.find((e) => e.type === 'nl.wmo.melding-ontvangen')?.data.bsn).toBe(testBsn);
  });
});
