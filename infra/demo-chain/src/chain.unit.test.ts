import { randomUUID } from 'node:crypto';
import { applyAccess, emptyAccess, zichtOpEvent } from '@ketenhub/access';
import { type KetenEvent, mayConsume, mayPublish, sourceFor, validateEvent } from '@ketenhub/events';
import { describe, expect, test } from 'vitest';
import { addDays, DemoCalendar } from './calendar';
import {
  aanvullingDuurtDagen,
  bevoegdGezagSystem,
  omgevingsdienstSystem,
  provincieSystem,
  waterschapSystem,
} from './omgevingswet';
import type { DemoKey } from './organisations';
import type { AnySystem, Plan } from './system';
import { cakSystem, declaratiePeriode, gemeenteSystem, zorgaanbiederSystem } from './wmo';

/**
 * The connectors' reactions, run against each other without a hub: every event they publish must
 * pass the contract and the hub's one access rule (@ketenhub/access, what the gateway asks), and
 * each system hears exactly what the rule would deliver to it by webhook. Time is a list of demo
 * days; a case starts on `start`.
 */
const hubOin = '00000099900000009000';
const start = '2026-03-02';

interface Published {
  day: number;
  by: DemoKey;
  event: KetenEvent;
}

function simulate(
  systems: Partial<Record<DemoKey, AnySystem>>,
  opener: { key: DemoKey; memory: unknown; step: unknown },
  options: { days?: number; inject?: (published: Published[], day: number) => KetenEvent | undefined } = {},
) {
  const caseId = randomUUID();
  const state = emptyAccess();
  const published: Published[] = [];
  const memory = new Map<DemoKey, unknown>([[opener.key, opener.memory]]);
  const queue: { day: number; seq: number; key: DemoKey; step: unknown }[] = [];
  let seq = 0;
  let day = 0;
  const ctx = () => ({ caseId, today: addDays(start, day), uuid: randomUUID });
  const push = (key: DemoKey, plans: Plan<unknown>[]) => {
    for (const p of plans) queue.push({ day: day + p.afterDays, seq: seq++, key, step: p.step });
    queue.sort((a, b) => a.day - b.day || a.seq - b.seq);
  };
  const memoryOf = (key: DemoKey, system: AnySystem) => {
    if (!memory.has(key)) memory.set(key, system.remember());
    return memory.get(key);
  };
  const publish = (by: DemoKey | 'hub', event: KetenEvent) => {
    const checked = validateEvent(event);
    expect(checked.ok, JSON.stringify(checked)).toBe(true);
    const verdict = applyAccess(state, event, { hubOin }, published.length + 1);
    expect(verdict, `${by} publishes ${event.type}`).toMatchObject({ ok: true });
    if (by !== 'hub') published.push({ day, by, event });
    // The webhooks: every system that subscribed to the type and may see the event now.
    for (const [key, system] of Object.entries(systems) as [DemoKey, AnySystem][]) {
      if (key === by || !system.consumes.includes(event.type)) continue;
      const zicht = zichtOpEvent(
        state,
        event,
        { oin: system.org.oin, roles: [system.org.rol] },
        {
          verdict,
          uitgang: 'levering',
        },
      );
      if (!zicht) continue;
      const received = { ...event, data: zicht.data };
      push(key, system.react(received, memoryOf(key, system), ctx()) as Plan<unknown>[]);
    }
  };
  push(opener.key, [{ afterDays: 0, step: opener.step }]);
  const lastDay = options.days ?? 40;
  while (day <= lastDay) {
    const due = queue[0];
    if (!due || due.day > day) {
      const extra = options.inject?.(published, day);
      if (extra) publish('hub', extra);
      day++;
      continue;
    }
    queue.shift();
    const system = systems[due.key] as AnySystem;
    const effect = system.carryOut(due.step, memoryOf(due.key, system), ctx());
    for (const e of effect.events) {
      const event = {
        specversion: '1.0',
        id: randomUUID(),
        source: sourceFor(system.org.oin, system.org.systeem),
        type: e.type,
        subject: caseId,
        time: `${addDays(start, day)}T09:00:00Z`,
        datacontenttype: 'application/json',
        data: e.data,
      } as KetenEvent;
      publish(due.key, event);
    }
    push(due.key, (effect.next ?? []) as Plan<unknown>[]);
  }
  return { published, state, types: published.map((p) => p.event.type) };
}

const wmo = { gemeente: gemeenteSystem, zorgaanbieder: zorgaanbiederSystem, cak: cakSystem };
const ow = {
  bevoegdGezag: bevoegdGezagSystem,
  omgevingsdienst: omgevingsdienstSystem,
  waterschap: waterschapSystem,
  provincie: provincieSystem,
};

describe('the demo systems register what they use', () => {
  test.each(Object.entries({ ...wmo, ...ow }))(
    '%s publishes only types of its role and receives only what it may',
    (_, system) => {
      for (const type of system.publishes) expect(mayPublish(type, system.org.rol), type).toBe(true);
      for (const type of system.consumes) expect(mayConsume(type, system.org.rol), type).toBe(true);
    },
  );
});

describe('the WMO chain', () => {
  test('melding to declaratie: the gemeente adds the provider, invites the CAK; every event passes the access rule', () => {
    const { published, types, state } = simulate(wmo, {
      key: 'gemeente',
      memory: gemeenteSystem.begin(7, 'normaal'),
      step: { soort: 'openen' },
    });
    expect(types).toEqual([
      'nl.ketens.ketenzaak-geopend',
      'nl.wmo.melding-ontvangen',
      'nl.wmo.onderzoek-gestart',
      'nl.wmo.onderzoek-afgerond',
      'nl.wmo.aanvraag-ontvangen',
      'nl.wmo.beschikking-afgegeven',
      'nl.ketens.deelnemer-aangesloten',
      'nl.wmo.toewijzing-verzonden',
      'nl.wmo.retourbericht-verzonden',
      'nl.wmo.zorg-gestart',
      'nl.wmo.retourbericht-verzonden',
      'nl.ketens.deelnemer-uitgenodigd',
      'nl.ketens.uitnodiging-aanvaard',
      'nl.wmo.eigen-bijdrage-gestart',
      'nl.wmo.retourbericht-verzonden',
      'nl.ketens.actieverzoek-verzonden',
      'nl.ketens.actieverzoek-in-behandeling-genomen',
      'nl.wmo.declaratie-ingediend',
      'nl.ketens.document-toegevoegd',
      'nl.ketens.actieverzoek-gereedgemeld',
      'nl.ketens.actieverzoek-afgerond',
      'nl.wmo.declaratie-beantwoord',
    ]);
    expect(new Set(published.map((p) => p.by))).toEqual(new Set(['gemeente', 'zorgaanbieder', 'cak']));
    expect(state.deelnames.map((d) => `${d.rol}:${d.via}`).sort()).toEqual([
      'cak:uitnodiging',
      'gemeente:geopend',
      'zorgaanbieder:toegevoegd',
    ]);
    // The onderzoek takes four days after it started; care starts two days after the toewijzing.
    const dayOf = (type: string) => published.find((p) => p.event.type === type)?.day;
    expect(dayOf('nl.wmo.onderzoek-afgerond')).toBe(5);
    expect((dayOf('nl.wmo.zorg-gestart') ?? 0) - (dayOf('nl.wmo.toewijzing-verzonden') ?? 0)).toBe(2);
  });

  test('a case on the waiting list stops after the onderzoek started and goes on once the hub reports the term passed', () => {
    const quiet = simulate(wmo, {
      key: 'gemeente',
      memory: gemeenteSystem.begin(8, 'wachtlijst'),
      step: { soort: 'openen' },
    });
    expect(quiet.types).toEqual([
      'nl.ketens.ketenzaak-geopend',
      'nl.wmo.melding-ontvangen',
      'nl.wmo.onderzoek-gestart',
    ]);

    const reported = simulate(
      wmo,
      { key: 'gemeente', memory: gemeenteSystem.begin(9, 'wachtlijst'), step: { soort: 'openen' } },
      {
        inject: (published, day) =>
          day === 10
            ? ({
                specversion: '1.0',
                id: randomUUID(),
                source: sourceFor(hubOin, 'ketenhub'),
                type: 'nl.ketens.termijn-verstreken',
                subject: published[0]?.event.subject ?? '',
                time: `${addDays(start, day)}T00:05:00Z`,
                datacontenttype: 'application/json',
                data: {
                  termijn: 'wmo-onderzoek',
                  grondslag: 'Wmo 2015 art. 2.3.2 lid 1',
                  startdatum: start,
                  termijnEinde: addDays(start, 42),
                  opgeschorteDagen: 0,
                  verlengd: false,
                  klok: 'Europe/Amsterdam',
                },
              } as KetenEvent)
            : undefined,
      },
    );
    expect(reported.types).toContain('nl.wmo.onderzoek-afgerond');
    expect(reported.types).toContain('nl.wmo.declaratie-beantwoord');
    // Two days to pick it up, one to finish the onderzoek.
    expect(reported.published.find((p) => p.event.type === 'nl.wmo.onderzoek-afgerond')?.day).toBe(13);
  });

  test('a declaratie stays within one calendar month', () => {
    expect(declaratiePeriode('2026-03-10', '2026-03-14')).toEqual({
      begindatum: '2026-03-10',
      einddatum: '2026-03-14',
    });
    expect(declaratiePeriode('2026-03-29', '2026-04-02')).toEqual({
      begindatum: '2026-04-01',
      einddatum: '2026-04-02',
    });
  });
});

describe('the Omgevingswet chain', () => {
  test('request to publication: supplement, two advisers invited, advice and consent, the decision put to the bevoegd gezag', () => {
    const { published, types, state } = simulate(ow, {
      key: 'bevoegdGezag',
      memory: bevoegdGezagSystem.begin(3),
      step: { soort: 'openen' },
    });
    expect(types).toEqual([
      'nl.ketens.ketenzaak-geopend',
      'nl.omgevingswet.aanvraag-ontvangen',
      'nl.ketens.deelnemer-aangesloten',
      'nl.omgevingswet.aanvulling-gevraagd',
      'nl.omgevingswet.ontvangst-bevestigd',
      'nl.omgevingswet.aanvulling-ontvangen',
      'nl.ketens.deelnemer-uitgenodigd',
      'nl.ketens.deelnemer-uitgenodigd',
      'nl.ketens.uitnodiging-aanvaard',
      'nl.omgevingswet.advies-gevraagd',
      'nl.ketens.uitnodiging-aanvaard',
      'nl.omgevingswet.instemming-gevraagd',
      'nl.omgevingswet.advies-gegeven',
      'nl.ketens.document-toegevoegd',
      'nl.omgevingswet.instemming-verleend',
      'nl.ketens.actieverzoek-verzonden',
      'nl.ketens.actieverzoek-in-behandeling-genomen',
      'nl.omgevingswet.besluit-genomen',
      'nl.ketens.actieverzoek-gereedgemeld',
      'nl.ketens.actieverzoek-afgerond',
      'nl.omgevingswet.besluit-bekendgemaakt',
    ]);
    expect(new Set(published.map((p) => p.by)).size).toBe(4);
    expect(state.deelnames.filter((d) => d.rol === 'adviseur').every((d) => d.via === 'uitnodiging')).toBe(
      true,
    );
    const asked = published.find((p) => p.event.type === 'nl.omgevingswet.aanvulling-gevraagd');
    const answered = published.find((p) => p.event.type === 'nl.omgevingswet.aanvulling-ontvangen');
    expect((answered?.day ?? 0) - (asked?.day ?? 0)).toBe(aanvullingDuurtDagen);
    expect((answered?.event.data as { ontvangstdatum?: string } | undefined)?.ontvangstdatum).toBe(
      addDays(start, answered?.day ?? 0),
    );
  });
});

describe('the demo calendar', () => {
  test('a case starts days back, a demo day passes per period, and it never passes the real today', () => {
    let now = Date.parse('2026-03-20T10:00:00Z');
    const calendar = new DemoCalendar({ daySeconds: 5, startDaysAgo: 14, now: () => now });
    calendar.begin('a');
    expect(calendar.today('a')).toBe('2026-03-06');
    now += 12_000;
    expect(calendar.today('a')).toBe('2026-03-08');
    now += 5_000 * 30;
    expect(calendar.today('a')).toBe('2026-03-20');
    expect(Date.parse(calendar.time('a'))).toBeLessThanOrEqual(now);
    expect(calendar.today('unknown')).toBe('2026-03-20');
  });

  test('a jump moves a case forward, never back, and times keep increasing', () => {
    let now = Date.parse('2026-03-20T10:00:00Z');
    const calendar = new DemoCalendar({ daySeconds: 5, startDaysAgo: 14, now: () => now });
    calendar.begin('a', 44);
    const first = calendar.time('a');
    calendar.jumpTo('a', 7);
    expect(calendar.today('a')).toBe('2026-03-13');
    calendar.jumpTo('a', 30);
    expect(calendar.today('a')).toBe('2026-03-13');
    now += 1_000;
    expect(calendar.time('a') > first).toBe(true);
  });
});
