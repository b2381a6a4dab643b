import { describe, expect, it } from 'vitest';
import { eventTypes, type KetenEvent, validateEvent } from '../index';
import { exampleCaseIds, makeEvent, omgevingswetLifecycle, until, wmoLifecycle } from './index';

const lifecycles: [string, KetenEvent[]][] = [
  ['wmo', wmoLifecycle(exampleCaseIds.wmo)],
  ['wmo verlengd', wmoLifecycle(exampleCaseIds.wmo, { verlengd: true })],
  ['omgevingswet regulier', omgevingswetLifecycle(exampleCaseIds.omgevingswet)],
  [
    'omgevingswet uitgebreid',
    omgevingswetLifecycle(exampleCaseIds.omgevingswet, { procedure: 'uitgebreid' }),
  ],
];

describe.each(lifecycles)('%s lifecycle', (_name, events) => {
  it('validates end to end', () => {
    for (const e of events) {
      const r = validateEvent(e);
      expect(r.ok ? [] : r.violations, e.type).toEqual([]);
    }
  });
  it('opens the chain case first, one subject, increasing time, unique ids', () => {
    expect(events[0]?.type).toBe('nl.ketens.ketenzaak-geopend');
    expect(new Set(events.map((e) => e.subject)).size).toBe(1);
    const times = events.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });
  it('numbers events per source from 1', () => {
    const bySource = new Map<string, number[]>();
    for (const e of events) bySource.set(e.source, [...(bySource.get(e.source) ?? []), Number(e.sequence)]);
    for (const seqs of bySource.values()) expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});

describe('fixtures', () => {
  it('are deterministic', () => {
    expect(wmoLifecycle(exampleCaseIds.wmo)).toEqual(wmoLifecycle(exampleCaseIds.wmo));
    expect(makeEvent('nl.wmo.zorg-gestart').id).toBe(makeEvent('nl.wmo.zorg-gestart').id);
  });
  it('a different case id gives different event ids', () => {
    const other = wmoLifecycle('5b7f6c1e-0d2a-4f3b-8c9d-1e2f3a4b5c6d');
    expect(other[0]?.id).not.toBe(wmoLifecycle(exampleCaseIds.wmo)[0]?.id);
  });
  it('lifecycles together use most of the catalog', () => {
    const used = new Set(lifecycles.flatMap(([, evs]) => evs.map((e) => e.type)));
    const unused = eventTypes.filter((t) => !used.has(t));
    // Exceptional paths have examples (exampleData) but are not part of a happy-path lifecycle.
    expect(unused.sort()).toEqual(
      [
        'nl.ketens.actieverzoek-geweigerd',
        'nl.ketens.actieverzoek-ingetrokken',
        'nl.ketens.deelnemer-verwijderd',
        'nl.ketens.ingebrekestelling-ontvangen',
        'nl.ketens.termijn-verstreken',
        'nl.ketens.toegang-gewijzigd',
        'nl.ketens.uitnodiging-afgewezen',
        'nl.ketens.uitnodiging-ingetrokken',
        'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld',
        'nl.omgevingswet.aanvraag-ingetrokken',
        'nl.omgevingswet.conceptverzoek-ontvangen',
        'nl.omgevingswet.instemming-geweigerd',
        'nl.wmo.toewijzing-aangevraagd',
      ].sort(),
    );
  });
  it('until() cuts a lifecycle for given/when/then', () => {
    const given = until(wmoLifecycle(exampleCaseIds.wmo), 'nl.wmo.aanvraag-ontvangen');
    expect(given.at(-1)?.type).toBe('nl.wmo.aanvraag-ontvangen');
  });
});
