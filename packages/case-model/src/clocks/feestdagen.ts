/**
 * Public holidays under the Algemene termijnenwet, as DATA (DOMAIN.md section 6: "keep the holiday
 * calendar as data, not code"). A term that would end on one of these days (or a Saturday or
 * Sunday) runs to the next working day.
 *
 * - `atw-art-3`: art. 3 lid 1 Algemene termijnenwet: Nieuwjaarsdag, tweede Paas- en Pinksterdag,
 *   beide Kerstdagen, Hemelvaartsdag, de dag waarop de verjaardag van de Koning wordt gevierd
 *   (27 April; 26 April when the 27th is a Sunday) and 5 mei (every year, not only lustrum years).
 *   Goede Vrijdag is equated with them by art. 3 lid 2 (the law itself, not a decree).
 * - `besluit-gelijkstelling`: days a royal decree (art. 3 lid 3) equates with a holiday for a period of years
 *   (the Friday after Hemelvaartsdag; a Monday or Friday next to a holiday on a Tuesday or
 *   Thursday). Every such day is marked `verify: true`: check the decree in force
 *   ("Besluit gelijkstelling dagen Algemene termijnenwet", Staatsblad) before relying on it.
 *
 * Written out per year from Easter Sunday (2024-03-31, 2025-04-20, 2026-04-05, 2027-03-28,
 * 2028-04-16, 2029-04-01, 2030-04-21); a unit test recomputes them from Easter to catch typos.
 * Extend the table before 2031: outside it, {@link feestdagOp} reports the year as not covered.
 */

export interface Feestdag {
  datum: string;
  naam: string;
  grondslag: 'atw-art-3' | 'besluit-gelijkstelling';
  /** True for decree days that must be checked against the decree in force. */
  verify?: true;
}

const atw = (datum: string, naam: string): Feestdag => ({ datum, naam, grondslag: 'atw-art-3' });
const besluit = (datum: string, naam: string): Feestdag => ({
  datum,
  naam,
  grondslag: 'besluit-gelijkstelling',
  verify: true,
});

export const feestdagenPerJaar: Readonly<Record<number, readonly Feestdag[]>> = {
  2024: [
    atw('2024-01-01', 'Nieuwjaarsdag'),
    atw('2024-03-29', 'Goede Vrijdag'),
    atw('2024-04-01', 'Tweede Paasdag'),
    atw('2024-04-27', 'Koningsdag'),
    atw('2024-05-05', 'Bevrijdingsdag'),
    atw('2024-05-09', 'Hemelvaartsdag'),
    besluit('2024-05-10', 'Vrijdag na Hemelvaartsdag'),
    atw('2024-05-20', 'Tweede Pinksterdag'),
    atw('2024-12-25', 'Eerste Kerstdag'),
    atw('2024-12-26', 'Tweede Kerstdag'),
    besluit('2024-12-27', 'Vrijdag na Tweede Kerstdag'),
  ],
  2025: [
    atw('2025-01-01', 'Nieuwjaarsdag'),
    atw('2025-04-18', 'Goede Vrijdag'),
    atw('2025-04-21', 'Tweede Paasdag'),
    atw('2025-04-26', 'Koningsdag'),
    atw('2025-05-05', 'Bevrijdingsdag'),
    atw('2025-05-29', 'Hemelvaartsdag'),
    besluit('2025-05-30', 'Vrijdag na Hemelvaartsdag'),
    atw('2025-06-09', 'Tweede Pinksterdag'),
    atw('2025-12-25', 'Eerste Kerstdag'),
    atw('2025-12-26', 'Tweede Kerstdag'),
  ],
  2026: [
    atw('2026-01-01', 'Nieuwjaarsdag'),
    besluit('2026-01-02', 'Vrijdag na Nieuwjaarsdag'),
    atw('2026-04-03', 'Goede Vrijdag'),
    atw('2026-04-06', 'Tweede Paasdag'),
    atw('2026-04-27', 'Koningsdag'),
    besluit('2026-05-04', 'Maandag voor Bevrijdingsdag'),
    atw('2026-05-05', 'Bevrijdingsdag'),
    atw('2026-05-14', 'Hemelvaartsdag'),
    besluit('2026-05-15', 'Vrijdag na Hemelvaartsdag'),
    atw('2026-05-25', 'Tweede Pinksterdag'),
    atw('2026-12-25', 'Eerste Kerstdag'),
    atw('2026-12-26', 'Tweede Kerstdag'),
  ],
  2027: [
    atw('2027-01-01', 'Nieuwjaarsdag'),
    atw('2027-03-26', 'Goede Vrijdag'),
    atw('2027-03-29', 'Tweede Paasdag'),
    besluit('2027-04-26', 'Maandag voor Koningsdag'),
    atw('2027-04-27', 'Koningsdag'),
    atw('2027-05-05', 'Bevrijdingsdag'),
    atw('2027-05-06', 'Hemelvaartsdag'),
    besluit('2027-05-07', 'Vrijdag na Hemelvaartsdag'),
    atw('2027-05-17', 'Tweede Pinksterdag'),
    atw('2027-12-25', 'Eerste Kerstdag'),
    atw('2027-12-26', 'Tweede Kerstdag'),
  ],
  2028: [
    atw('2028-01-01', 'Nieuwjaarsdag'),
    atw('2028-04-14', 'Goede Vrijdag'),
    atw('2028-04-17', 'Tweede Paasdag'),
    atw('2028-04-27', 'Koningsdag'),
    besluit('2028-04-28', 'Vrijdag na Koningsdag'),
    atw('2028-05-05', 'Bevrijdingsdag'),
    atw('2028-05-25', 'Hemelvaartsdag'),
    besluit('2028-05-26', 'Vrijdag na Hemelvaartsdag'),
    atw('2028-06-05', 'Tweede Pinksterdag'),
    atw('2028-12-25', 'Eerste Kerstdag'),
    atw('2028-12-26', 'Tweede Kerstdag'),
  ],
  2029: [
    atw('2029-01-01', 'Nieuwjaarsdag'),
    atw('2029-03-30', 'Goede Vrijdag'),
    atw('2029-04-02', 'Tweede Paasdag'),
    atw('2029-04-27', 'Koningsdag'),
    atw('2029-05-05', 'Bevrijdingsdag'),
    atw('2029-05-10', 'Hemelvaartsdag'),
    besluit('2029-05-11', 'Vrijdag na Hemelvaartsdag'),
    atw('2029-05-21', 'Tweede Pinksterdag'),
    besluit('2029-12-24', 'Maandag voor Eerste Kerstdag'),
    atw('2029-12-25', 'Eerste Kerstdag'),
    atw('2029-12-26', 'Tweede Kerstdag'),
    besluit('2029-12-31', 'Maandag voor Nieuwjaarsdag'),
  ],
  2030: [
    atw('2030-01-01', 'Nieuwjaarsdag'),
    atw('2030-04-19', 'Goede Vrijdag'),
    atw('2030-04-22', 'Tweede Paasdag'),
    atw('2030-04-27', 'Koningsdag'),
    atw('2030-05-05', 'Bevrijdingsdag'),
    atw('2030-05-30', 'Hemelvaartsdag'),
    besluit('2030-05-31', 'Vrijdag na Hemelvaartsdag'),
    atw('2030-06-10', 'Tweede Pinksterdag'),
    atw('2030-12-25', 'Eerste Kerstdag'),
    atw('2030-12-26', 'Tweede Kerstdag'),
    besluit('2030-12-27', 'Vrijdag na Tweede Kerstdag'),
  ],
};

const byDate = new Map<string, Feestdag>(
  Object.values(feestdagenPerJaar)
    .flat()
    .map((f) => [f.datum, f]),
);

/** First and last year the table covers. */
export const kalenderJaren = {
  van: Math.min(...Object.keys(feestdagenPerJaar).map(Number)),
  tot: Math.max(...Object.keys(feestdagenPerJaar).map(Number)),
};

/**
 * The holiday on `date`, `null` when it is none, or `'onbekend'` when the table does not cover the
 * year (callers then report that the deadline may be off, rather than silently guessing).
 */
export function feestdagOp(date: string): Feestdag | null | 'onbekend' {
  const year = Number(date.slice(0, 4));
  if (year < kalenderJaren.van || year > kalenderJaren.tot) return 'onbekend';
  return byDate.get(date) ?? null;
}
