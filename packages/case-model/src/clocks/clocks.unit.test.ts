import { describe, expect, test } from 'vitest';
import {
  addMonths,
  amsterdamDate,
  berekenTermijn,
  dwangsomInEuro,
  feestdagenPerJaar,
  type KlokFeiten,
  klokStand,
  OPSCHORTING_DAGTELLING,
  opgeschorteDagen,
  verlengTotWerkdag,
  weekday,
} from './index';

const klok = (f: Partial<KlokFeiten> & Pick<KlokFeiten, 'soort' | 'start'>): KlokFeiten => ({
  opschortingen: [],
  verlenging: null,
  gestoptOp: null,
  ...f,
});

describe('calendar', () => {
  test('the calendar day follows Europe/Amsterdam, not UTC', () => {
    // 22:30 UTC on 31 March 2026 is 00:30 on 1 April in Amsterdam (CEST, UTC+2).
    expect(amsterdamDate(new Date('2026-03-31T22:30:00Z'))).toBe('2026-04-01');
    // 23:30 UTC on 31 December is 00:30 on 1 January (CET, UTC+1).
    expect(amsterdamDate('2025-12-31T23:30:00Z')).toBe('2026-01-01');
    expect(amsterdamDate('2026-06-15T21:59:59Z')).toBe('2026-06-15');
  });

  test('months end on the same day of the month, or the last day of a shorter month', () => {
    expect(addMonths('2026-03-02', 6)).toBe('2026-09-02');
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
    expect(addMonths('2027-08-31', 6)).toBe('2028-02-29');
  });
});

describe('holiday calendar (data) matches Easter and the fixed days', () => {
  // Meeus/Jones/Butcher: used only to check the written-out table, never at run time.
  const easter = (y: number) => {
    const a = y % 19;
    const b = Math.floor(y / 100);
    const c = y % 100;
    const d = Math.floor(b / 4);
    const e = b % 4;
    const f = Math.floor((b + 8) / 25);
    const g = Math.floor((b - f + 1) / 3);
    const h = (19 * a + b - d - g + 15) % 30;
    const i = Math.floor(c / 4);
    const k = c % 4;
    const l = (32 + 2 * e + 2 * i - h - k) % 7;
    const m = Math.floor((a + 11 * h + 22 * l) / 451);
    const month = Math.floor((h + l - 7 * m + 114) / 31);
    const day = ((h + l - 7 * m + 114) % 31) + 1;
    return Date.UTC(y, month - 1, day);
  };
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const D = 86_400_000;
  for (const [year, days] of Object.entries(feestdagenPerJaar)) {
    test(`${year}`, () => {
      const y = Number(year);
      const e = easter(y);
      const byName = new Map(days.filter((d) => d.grondslag === 'atw-art-3').map((d) => [d.naam, d.datum]));
      expect(byName.get('Nieuwjaarsdag')).toBe(`${y}-01-01`);
      expect(byName.get('Goede Vrijdag')).toBe(iso(e - 2 * D));
      expect(byName.get('Tweede Paasdag')).toBe(iso(e + D));
      expect(byName.get('Hemelvaartsdag')).toBe(iso(e + 39 * D));
      expect(byName.get('Tweede Pinksterdag')).toBe(iso(e + 50 * D));
      expect(byName.get('Bevrijdingsdag')).toBe(`${y}-05-05`);
      expect(byName.get('Eerste Kerstdag')).toBe(`${y}-12-25`);
      expect(byName.get('Tweede Kerstdag')).toBe(`${y}-12-26`);
      const koningsdag = weekday(`${y}-04-27`) === 0 ? `${y}-04-26` : `${y}-04-27`;
      expect(byName.get('Koningsdag')).toBe(koningsdag);
      // Every decree day is flagged for verification.
      for (const d of days.filter((x) => x.grondslag === 'besluit-gelijkstelling'))
        expect(d.verify).toBe(true);
    });
  }
});

describe('Algemene termijnenwet art. 1', () => {
  test('a working day stays', () => {
    expect(verlengTotWerkdag('2026-03-04').einde).toBe('2026-03-04');
  });
  test('Saturday and Sunday run to Monday', () => {
    const r = verlengTotWerkdag('2026-03-07');
    expect(r.einde).toBe('2026-03-09');
    expect(r.overgeslagen.map((d) => d.reden)).toEqual([{ reden: 'zaterdag' }, { reden: 'zondag' }]);
  });
  test('Easter: Good Friday to Tuesday after Easter Monday', () => {
    expect(verlengTotWerkdag('2026-04-03').einde).toBe('2026-04-07');
  });
  test('Koningsdag on Sunday 27 April 2025 is celebrated (and counted) on Saturday 26 April', () => {
    expect(verlengTotWerkdag('2025-04-26').einde).toBe('2025-04-28');
  });
  test('5 mei counts every year', () => {
    expect(verlengTotWerkdag('2027-05-05').einde).toBe('2027-05-10'); // Wed 5 May, Thu Hemelvaart, Fri decree day, weekend
  });
  test('Christmas into the next year is followed', () => {
    expect(verlengTotWerkdag('2027-12-24').einde).toBe('2027-12-24');
    expect(verlengTotWerkdag('2027-12-25').einde).toBe('2027-12-27');
  });
  test('a year outside the table is reported, not guessed', () => {
    const r = verlengTotWerkdag('2031-01-01');
    expect(r.kalenderOntbreekt).toBe(true);
  });
});

describe(`suspension day count (${OPSCHORTING_DAGTELLING})`, () => {
  test('from the day after the request up to the day before arrival', () => {
    // Requested Monday 9 March, arrived Monday 16 March: 10..15 March suspended = 6 days.
    expect(opgeschorteDagen('2026-03-09', '2026-03-16')).toBe(6);
  });
  test('arrival the same day or the next day suspends nothing', () => {
    expect(opgeschorteDagen('2026-03-09', '2026-03-09')).toBe(0);
    expect(opgeschorteDagen('2026-03-09', '2026-03-10')).toBe(0);
    expect(opgeschorteDagen('2026-03-09', '2026-03-11')).toBe(1);
  });
});

describe('clocks', () => {
  test('WMO onderzoek: 6 weeks after the melding, same weekday', () => {
    const t = berekenTermijn(klok({ soort: 'wmo-onderzoek', start: '2026-03-02' }));
    expect(t.deadline).toBe('2026-04-13');
    expect(weekday(t.deadline ?? '')).toBe(weekday('2026-03-02'));
    expect(t.grondslag).toContain('2.3.2');
  });

  test('WMO beschikking: 2 weeks after the aanvraag; extension to a named date (Awb 4:14)', () => {
    const base = klok({ soort: 'wmo-beschikking', start: '2026-03-24' });
    expect(berekenTermijn(base).deadline).toBe('2026-04-07');
    const extended = berekenTermijn({ ...base, verlenging: { totEnMet: '2026-04-21' } });
    expect(extended.deadline).toBe('2026-04-21');
    expect(extended.verlengd).toBe(true);
  });

  test('Omgevingswet regular: 8 weeks, ending on Koningsdag 2026 runs to 28 April', () => {
    const t = berekenTermijn(klok({ soort: 'omgevingswet-beslistermijn-regulier', start: '2026-03-02' }));
    expect(t.termijnEinde).toBe('2026-04-27');
    expect(t.deadline).toBe('2026-04-28');
    expect(t.atwVerschoven?.overgeslagen).toEqual([{ datum: '2026-04-27', reden: 'Koningsdag' }]);
  });

  test('Omgevingswet regular with a suspension and the single 6-week extension', () => {
    const t = berekenTermijn(
      klok({
        soort: 'omgevingswet-beslistermijn-regulier',
        start: '2026-03-02',
        opschortingen: [
          { verzoekdatum: '2026-03-09', uiterlijkeAanleverdatum: '2026-03-30', ontvangstdatum: '2026-03-16' },
        ],
        verlenging: { weken: 6 },
      }),
    );
    // 27 April + 6 suspended days = 3 May; + 6 weeks = 14 June 2026, a Sunday -> Monday 15 June.
    expect(t.opgeschorteDagen).toBe(6);
    expect(t.termijnEinde).toBe('2026-06-14');
    expect(t.deadline).toBe('2026-06-15');
  });

  test('a supplement that never comes: the term runs again the day after the date set', () => {
    const t = berekenTermijn(
      klok({
        soort: 'omgevingswet-beslistermijn-regulier',
        start: '2026-03-02',
        opschortingen: [{ verzoekdatum: '2026-03-09', uiterlijkeAanleverdatum: '2026-03-30' }],
      }),
    );
    // Suspended 10..30 March = 21 days; 27 April + 21 = 18 May.
    expect(t.opgeschorteDagen).toBe(21);
    expect(t.deadline).toBe('2026-05-18');
  });

  test('a suspension with no end date set leaves the deadline open', () => {
    const t = berekenTermijn(
      klok({
        soort: 'wmo-beschikking',
        start: '2026-03-24',
        opschortingen: [{ verzoekdatum: '2026-03-25' }],
      }),
    );
    expect(t.deadline).toBeNull();
    expect(t.opschortingOnbepaald).toBe(true);
  });

  test('extended procedure: 6 months + 6 weeks', () => {
    const base = klok({ soort: 'omgevingswet-beslistermijn-uitgebreid', start: '2026-03-02' });
    expect(berekenTermijn(base).deadline).toBe('2026-09-02');
    expect(berekenTermijn({ ...base, verlenging: { weken: 6 } }).deadline).toBe('2026-10-14');
  });

  test('extended procedure: six months end on a Saturday too (Atw art. 4: no extension for terms of 3 months or more)', () => {
    const t = berekenTermijn(klok({ soort: 'omgevingswet-beslistermijn-uitgebreid', start: '2026-03-05' }));
    expect(t.deadline).toBe('2026-09-05'); // a Saturday
    expect(t.atwVerschoven).toBeNull();
    // The eight-week regular term still moves to the next working day (2026-10-03 is a Saturday).
    const regulier = berekenTermijn(
      klok({ soort: 'omgevingswet-beslistermijn-regulier', start: '2026-08-08' }),
    );
    expect(regulier.termijnEinde).toBe('2026-10-03');
    expect(regulier.deadline).toBe('2026-10-05');
  });

  test('zienswijzen: 6 weeks from the first day ter inzage (Awb 3:16), Atw applied', () => {
    const t = berekenTermijn(klok({ soort: 'omgevingswet-zienswijzen', start: '2026-05-04' }));
    expect(t.termijnEinde).toBe('2026-06-14');
    expect(t.deadline).toBe('2026-06-15');
  });

  test('bezwaar: 6 weeks from the day after bekendmaking (Awb 6:8)', () => {
    expect(berekenTermijn(klok({ soort: 'omgevingswet-bezwaar', start: '2026-04-23' })).deadline).toBe(
      '2026-06-04',
    );
  });

  test('view on a day: days left, overdue, stopped in time', () => {
    const f = klok({ soort: 'wmo-onderzoek', start: '2026-03-02' });
    expect(klokStand(f, '2026-04-10')).toMatchObject({ status: 'loopt', dagenOver: 3, verlopen: false });
    expect(klokStand(f, '2026-04-13')).toMatchObject({ dagenOver: 0, verlopen: false });
    expect(klokStand(f, '2026-04-14')).toMatchObject({ dagenOver: -1, verlopen: true });
    expect(klokStand({ ...f, gestoptOp: '2026-03-23' }, '2026-05-01')).toMatchObject({
      status: 'gestopt',
      verlopen: false,
      dagenOver: null,
      tijdig: true,
    });
  });

  test('a running suspension counts up to today and is not overdue', () => {
    const f = klok({
      soort: 'omgevingswet-beslistermijn-regulier',
      start: '2026-03-02',
      opschortingen: [{ verzoekdatum: '2026-03-09', uiterlijkeAanleverdatum: '2026-03-30' }],
    });
    const s = klokStand(f, '2026-03-12');
    expect(s.status).toBe('opgeschort');
    expect(s.opgeschorteDagenTotNu).toBe(3);
    expect(s.verlopen).toBe(false);
  });

  test('dwangsom: 23/35/45 per day, at most EUR 1,442', () => {
    const f = klok({ soort: 'ingebrekestelling', start: '2026-04-20' });
    // Deadline 4 May 2026 (Mon); the decree day Mon 4 May moves it to Wed 6 May (5 May is a holiday).
    expect(berekenTermijn(f).deadline).toBe('2026-05-06');
    expect(dwangsomInEuro(f, '2026-05-07')).toEqual({ dagen: 1, bedrag: 23 });
    expect(dwangsomInEuro(f, '2026-05-21')).toEqual({ dagen: 15, bedrag: 14 * 23 + 35 });
    expect(dwangsomInEuro(f, '2026-12-31')).toEqual({ dagen: 42, bedrag: 1442 });
  });
});
