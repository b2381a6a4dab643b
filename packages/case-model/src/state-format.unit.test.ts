import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Verdict } from '@ketenhub/access';
import { catalog, type EventType, eventTypes, type KetenEvent, type PublisherRole } from '@ketenhub/events';
import {
  exampleCaseIds,
  exampleData,
  exampleOrganisations,
  makeEvent,
  omgevingswetLifecycle as owChain,
  wmoLifecycle as wmoChain,
} from '@ketenhub/events/testing';
import { expect, test } from 'vitest';
import { fold } from './evolve';
import type { Plaats } from './state';
import { summarise, verstrekenKlokken } from './summary';
import { omgevingswetLifecycle, seenTimeline, testContext, wmoLifecycle } from './testing';
import { toView } from './view';
import { filterCase, resolveAccess } from './viewer';

/**
 * The stored state format (STATE_FORMAT in versions/versions.ts) must not change by accident: a
 * changed serialization of the same events forces every installation to rebuild. This folds
 * realistic chains, and every event type from every role on top of them (owners' facts, conflicts,
 * participation, clocks), and compares the JSON of the state, the derived columns, the view of a
 * day and what each role sees with a fixture written by the code before a refactoring.
 *
 * Only when the format is meant to change (and STATE_FORMAT with it): UPDATE_STATE_FIXTURE=1.
 */

const fixtureUrl = new URL('./state-format.generated.json', import.meta.url);
const roles = Object.keys(exampleOrganisations) as PublisherRole[];
const days = ['2026-03-10', '2026-04-20', '2026-06-01', '2027-01-15'];

/** Every type with its example data, from every role, on `caseId`: `minute` keeps times apart. */
function everyTypeFromEveryRole(caseId: string, day: string, reverse: boolean): KetenEvent[] {
  const types = reverse ? [...eventTypes].reverse() : [...eventTypes];
  const out: KetenEvent[] = [];
  for (const type of types) {
    const publishers = catalog[type as EventType].publishers as readonly PublisherRole[];
    // Its publishers (their events change the case), then one role that may not publish it (a conflict).
    const outsider = roles.find((r) => !publishers.includes(r));
    for (const as of [...publishers, ...(outsider ? [outsider] : [])]) {
      const n = out.length;
      const time = `${day}T${String(8 + (Math.floor(n / 60) % 12)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:00.000Z`;
      out.push(
        makeEvent(type, structuredClone(exampleData[type]) as never, {
          subject: caseId,
          as,
          time,
        }) as KetenEvent,
      );
    }
  }
  return out;
}

function scenarios(): Record<string, KetenEvent[]> {
  const wmoId = exampleCaseIds.wmo;
  const owId = exampleCaseIds.omgevingswet;
  const wmo = wmoChain(wmoId);
  const ow = owChain(owId);
  return {
    'wmo-chain': wmo,
    'wmo-chain-verlengd': wmoChain(wmoId, { verlengd: true }),
    'ow-chain-regulier': ow,
    'ow-chain-uitgebreid': owChain(owId, { procedure: 'uitgebreid' }),
    'projection-wmo': wmoLifecycle(wmoId),
    'projection-ow': omgevingswetLifecycle(owId),
    'wmo-then-every-type': [...wmo, ...everyTypeFromEveryRole(wmoId, '2026-07-01', false)],
    'wmo-then-every-type-reversed': [...wmo, ...everyTypeFromEveryRole(wmoId, '2026-07-01', true)],
    'ow-then-every-type': [...ow, ...everyTypeFromEveryRole(owId, '2026-07-01', false)],
    'ow-then-every-type-reversed': [...ow, ...everyTypeFromEveryRole(owId, '2026-07-01', true)],
    'every-type-without-opening': everyTypeFromEveryRole(wmoId, '2026-03-01', false).filter(
      (e) => e.type !== 'nl.ketens.ketenzaak-geopend',
    ),
    'ow-half-then-repeats': [...ow.slice(0, 9), ...ow, ...ow.slice(2, 5)],
  };
}

function observe(events: KetenEvent[]) {
  const caseId = events[0]?.subject ?? 'none';
  const plaatsen: Plaats[] = events.map((_, i) => ({ topic: 'ketenhub.wmo', partitie: 3, offset: 1000 + i }));
  const verdicts: string[] = [];
  const state = fold(caseId, events, testContext, null, plaatsen, (_e, _s, v: Verdict) => {
    verdicts.push(v.ok ? 'ok' : v.regel);
  });
  // Incremental: half folded, the rest continued from the stored JSON (what the projector does).
  const half = Math.floor(events.length / 2);
  const first = JSON.parse(JSON.stringify(fold(caseId, events.slice(0, half), testContext, null, plaatsen)));
  const continued = fold(caseId, events.slice(half), testContext, first, plaatsen.slice(half));
  const perDay = days.map((day) => {
    const view = toView(state, day);
    const seen = Object.fromEntries(
      roles.map((role) => {
        const access = resolveAccess({ oin: exampleOrganisations[role].oin, roles: [role] }, state);
        if (!access) return [role, null];
        const timeline = seenTimeline(state, events, access);
        return [
          role,
          { case: filterCase(view, access), timeline: timeline.length, laatste: timeline.at(-1) },
        ];
      }),
    );
    return { day, view, verstreken: verstrekenKlokken(state, day), seen };
  });
  const stateJson = JSON.stringify(state);
  return {
    /** The stored state in full: a change shows in the diff of the fixture. */
    state: JSON.parse(stateJson) as unknown,
    /** The rest as digests of its exact JSON, to keep the fixture small. */
    sha256: {
      state: sha256(stateJson),
      continued: sha256(JSON.stringify(continued)),
      summary: sha256(JSON.stringify(summarise(state))),
      verdicts: sha256(verdicts.join(',')),
      perDay: sha256(JSON.stringify(perDay)),
    },
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test('the same events give byte for byte the state, columns and views of the fixture', () => {
  const actual = Object.fromEntries(
    Object.entries(scenarios()).map(([name, events]) => [name, observe(events)]),
  );
  const text = `${JSON.stringify(actual, null, 1)}\n`;
  if (process.env.UPDATE_STATE_FIXTURE === '1') writeFileSync(fixtureUrl, text);
  const expected = JSON.parse(readFileSync(fixtureUrl, 'utf8')) as typeof actual;
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const [name, a] of Object.entries(actual)) {
    const e = expected[name];
    // JSON.parse keeps the key order of the text, so this compares the stored bytes.
    expect(JSON.stringify(a.state), `${name}: stored state`).toBe(JSON.stringify(e?.state));
    expect(a.sha256, name).toEqual(e?.sha256);
  }
});
