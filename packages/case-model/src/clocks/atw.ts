import { addDays, type IsoDate, weekday } from './calendar';
import { feestdagOp } from './feestdagen';

/** Why a day is not a working day, for the explanation next to a shifted deadline. */
export type GeenWerkdag =
  | { reden: 'zaterdag' | 'zondag' }
  | { reden: 'feestdag'; naam: string; verify: boolean };

/**
 * Whether `date` is a Saturday, Sunday or (Algemene termijnenwet) holiday; `'onbekend'` for a
 * holiday in a year the calendar does not cover (weekends are still known).
 */
export function geenWerkdag(date: IsoDate): GeenWerkdag | null | 'onbekend' {
  const day = weekday(date);
  if (day === 6) return { reden: 'zaterdag' };
  if (day === 0) return { reden: 'zondag' };
  const feestdag = feestdagOp(date);
  if (feestdag === 'onbekend') return 'onbekend';
  if (feestdag) return { reden: 'feestdag', naam: feestdag.naam, verify: feestdag.verify === true };
  return null;
}

export interface AtwUitkomst {
  /** The last day of the term after the Algemene termijnenwet (art. 1 lid 1). */
  einde: IsoDate;
  /** The days skipped, in order; empty when the term already ended on a working day. */
  overgeslagen: { datum: IsoDate; reden: GeenWerkdag }[];
  /** True when a day was checked in a year the holiday calendar does not cover. */
  kalenderOntbreekt: boolean;
}

/**
 * Algemene termijnenwet art. 1 lid 1: a statutory term that would end on a Saturday, Sunday or
 * public holiday runs until the end of the next day that is none of these. (Art. 2 adds that such
 * a term lasts at least two working days; irrelevant for the weeks- and months-long terms here.)
 */
export function verlengTotWerkdag(einde: IsoDate): AtwUitkomst {
  const overgeslagen: AtwUitkomst['overgeslagen'] = [];
  let kalenderOntbreekt = false;
  let day = einde;
  // Bounded: the longest run of non-working days in the table is 4 (Easter weekend + Monday).
  for (let i = 0; i < 14; i++) {
    const status = geenWerkdag(day);
    if (status === 'onbekend') {
      kalenderOntbreekt = true;
      break;
    }
    if (status === null) break;
    overgeslagen.push({ datum: day, reden: status });
    day = addDays(day, 1);
  }
  return { einde: day, overgeslagen, kalenderOntbreekt };
}
