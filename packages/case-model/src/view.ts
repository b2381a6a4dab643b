import { dwangsomInEuro, type IsoDate, type KlokStand, klokStand } from './clocks';
import type { CaseState, Klok } from './state';

/**
 * The joined case as the API shows it on a given day: the stored facts plus, per clock, the
 * deadline, days left, suspended days and overdue, computed for `vandaag` (Europe/Amsterdam).
 * Access filtering (src/access) runs on this shape.
 */
export type KlokView = KlokStand & {
  verstrekenGemeld: IsoDate[];
  voorTermijn?: string;
  dwangsom?: { dagen: number; bedrag: number };
};

export type CaseView = Omit<CaseState, 'klokken' | 'laatste'> & {
  klokken: KlokView[];
  overdue: boolean;
  /** The day the clock values were computed for. */
  peildatum: IsoDate;
};

export function toView(s: CaseState, vandaag: IsoDate): CaseView {
  const { laatste: _laatste, klokken, ...rest } = s;
  const views = (Object.values(klokken) as Klok[]).map((k): KlokView => {
    const stand = klokStand(k, vandaag);
    return {
      ...stand,
      verstrekenGemeld: k.verstrekenGemeld,
      ...(k.voorTermijn ? { voorTermijn: k.voorTermijn } : {}),
      ...(k.soort === 'ingebrekestelling' ? { dwangsom: dwangsomInEuro(k, vandaag) } : {}),
    };
  });
  views.sort((a, b) => (a.start === b.start ? (a.soort < b.soort ? -1 : 1) : a.start < b.start ? -1 : 1));
  return { ...rest, klokken: views, overdue: views.some((k) => k.verlopen), peildatum: vandaag };
}
