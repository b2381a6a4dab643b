import type { Termijnsoort } from '@ketenhub/events';
import { verlengTotWerkdag } from './atw';
import { addDays, addMonths, addWeeks, daysBetween, type IsoDate } from './calendar';

/**
 * Legal clocks (DOMAIN.md section 6): per kind the term, the article it comes from, whether the
 * Algemene termijnenwet shifts its end, whether it can be suspended and how it can be extended.
 */

/**
 * How a term is counted.
 * - `dag-na`: "within N weeks after receipt / publication": counting starts the day after the
 *   start date, so the term ends N weeks later on the same weekday as the start date (Awb 6:8 lid 1
 *   for bezwaar; the same reading for "na ontvangst").
 * - `zelfde-dag`: the term starts on the start date itself (Awb 3:16 lid 2: ter inzage "met ingang
 *   van de dag waarop"), so it ends the day before that weekday.
 * - `vast`: the end date is set by the act itself (the date by which a supplement is due).
 */
export type Termijn =
  | { eenheid: 'weken' | 'maanden'; aantal: number; telling: 'dag-na' | 'zelfde-dag' }
  | { eenheid: 'vast' };

export type VerlengingsRegel =
  | { soort: 'weken'; maxWeken: number; grondslag: string }
  | { soort: 'tot-datum'; grondslag: string };

export interface KlokRegel {
  termijn: Termijn;
  /** Source article; [verify] where DOMAIN.md or the contract say so. */
  grondslag: string;
  /** Algemene termijnenwet applies (terms set in a law, not by an authority's own choice). */
  atw: boolean;
  /** Awb 4:15: suspension while a requested supplement is outstanding. */
  opschortbaar: boolean;
  verlenging: VerlengingsRegel | null;
}

export const klokRegels: Readonly<Record<Termijnsoort, KlokRegel>> = {
  'wmo-onderzoek': {
    termijn: { eenheid: 'weken', aantal: 6, telling: 'dag-na' },
    grondslag: 'Wmo 2015 art. 2.3.2 lid 1',
    atw: true,
    opschortbaar: false,
    verlenging: null,
  },
  'wmo-beschikking': {
    termijn: { eenheid: 'weken', aantal: 2, telling: 'dag-na' },
    grondslag: 'Wmo 2015 art. 2.3.5 lid 2',
    atw: true,
    opschortbaar: true,
    // Awb 4:14 lid 3: when a decision cannot be given in time, the authority names a reasonable
    // new date; so the extension is a date, not a number of weeks.
    verlenging: { soort: 'tot-datum', grondslag: 'Awb art. 4:14 lid 3' },
  },
  'omgevingswet-beslistermijn-regulier': {
    termijn: { eenheid: 'weken', aantal: 8, telling: 'dag-na' },
    grondslag: 'Omgevingswet art. 16.64 lid 1',
    atw: true,
    opschortbaar: true,
    verlenging: { soort: 'weken', maxWeken: 6, grondslag: 'Omgevingswet art. 16.64 lid 2' },
  },
  'omgevingswet-beslistermijn-uitgebreid': {
    termijn: { eenheid: 'maanden', aantal: 6, telling: 'dag-na' },
    grondslag: 'Awb art. 3:18 lid 1',
    // Atw art. 4 leaves terms of three months or more out of the weekend and holiday extension (two
    // commentaries agree; the lid is not yet read in the law text [verify lid]): a six-month term
    // that ends on a Saturday ends on that Saturday.
    atw: false,
    opschortbaar: true,
    verlenging: { soort: 'weken', maxWeken: 6, grondslag: 'Awb art. 3:18 lid 2' },
  },
  'omgevingswet-aanvulling': {
    termijn: { eenheid: 'vast' },
    grondslag: 'Awb art. 4:5',
    // Atw art. 1 lid 1 extends terms "in een wet gesteld" (a formal law or an AMvB); a term the
    // authority sets itself under Awb 4:5 is not one of them.
    atw: false,
    opschortbaar: false,
    verlenging: null,
  },
  'omgevingswet-zienswijzen': {
    termijn: { eenheid: 'weken', aantal: 6, telling: 'zelfde-dag' },
    grondslag: 'Awb art. 3:16 lid 1 en 2',
    atw: true,
    opschortbaar: false,
    verlenging: null,
  },
  'omgevingswet-bezwaar': {
    termijn: { eenheid: 'weken', aantal: 6, telling: 'dag-na' },
    grondslag: 'Awb art. 6:7 en 6:8 lid 1',
    atw: true,
    opschortbaar: false,
    verlenging: null,
  },
  'omgevingswet-beroep': {
    termijn: { eenheid: 'weken', aantal: 6, telling: 'dag-na' },
    grondslag: 'Awb art. 6:7 en 6:8 lid 1',
    atw: true,
    opschortbaar: false,
    verlenging: null,
  },
  ingebrekestelling: {
    termijn: { eenheid: 'weken', aantal: 2, telling: 'dag-na' },
    grondslag: 'Awb art. 4:17 lid 3',
    atw: true,
    opschortbaar: false,
    verlenging: null,
  },
};

/** One suspension for a supplement (Awb 4:15 lid 1 onder a). */
export interface Opschorting {
  /** Day the applicant was asked to supplement (Awb 4:5). */
  verzoekdatum: IsoDate;
  /** Date by which the supplement was due, when one was set. */
  uiterlijkeAanleverdatum?: IsoDate;
  /** Day the supplement arrived; absent while it is outstanding. */
  ontvangstdatum?: IsoDate;
}

/**
 * The single day-count convention for suspensions, reported next to every clock in the API.
 *
 * Awb 4:15 lid 1: the term is suspended "met ingang van de dag na die waarop de aanvrager is
 * uitgenodigd de aanvraag aan te vullen, tot de dag waarop de aanvraag is aangevuld of de daarvoor
 * gestelde termijn ongebruikt is verstreken". "Tot" excludes the named day: the suspension covers
 * the day after the request up to and including the day before the supplement arrives, and the
 * term runs again on the day of arrival. When the set date passes first, the term runs again on
 * the day after that date, whether or not a late supplement comes afterwards.
 */
export const OPSCHORTING_DAGTELLING = 'awb-4:15-dag-na-verzoek-tot-ontvangstdag' as const;

/** The day the term runs again, or null while that is not known yet. */
export function hervatOp(o: Opschorting): IsoDate | null {
  const naVerstrijken =
    o.uiterlijkeAanleverdatum === undefined ? null : addDays(o.uiterlijkeAanleverdatum, 1);
  if (o.ontvangstdatum === undefined) return naVerstrijken;
  return naVerstrijken !== null && naVerstrijken < o.ontvangstdatum ? naVerstrijken : o.ontvangstdatum;
}

/**
 * Suspended days under {@link OPSCHORTING_DAGTELLING}: the days from the day after the request up
 * to the day before the term runs again. `tot` is that resume day. Never negative (a supplement on
 * the day of the request or the day after suspends nothing).
 */
export function opgeschorteDagen(verzoekdatum: IsoDate, tot: IsoDate): number {
  return Math.max(0, daysBetween(verzoekdatum, tot) - 1);
}

/** The pure facts of one clock, as the joined case stores them. JSON-serialisable. */
export interface KlokFeiten {
  soort: Termijnsoort;
  /** The start date (receipt, melding, bekendmaking, first day ter inzage). */
  start: IsoDate;
  /** End set by the act itself, for `vast` terms. */
  vastEinde?: IsoDate;
  opschortingen: Opschorting[];
  /** The single extension: a number of weeks or a new end date. */
  verlenging: { weken: number } | { totEnMet: IsoDate } | null;
  /** Day of the stop event (decision, withdrawal, supplement received). */
  gestoptOp: IsoDate | null;
  stopreden?: string;
}

export interface TermijnBerekening {
  soort: Termijnsoort;
  grondslag: string;
  start: IsoDate;
  /** End of the plain term, before suspensions, extension and Atw. */
  basisEinde: IsoDate;
  /** Days suspended by suspensions that have ended (or will end on a known day). */
  opgeschorteDagen: number;
  /** A suspension with no known end: the deadline cannot be known yet. */
  opschortingOnbepaald: boolean;
  verlengd: boolean;
  /** End after suspensions and extension, before the Algemene termijnenwet. */
  termijnEinde: IsoDate;
  /** The last day to act: `termijnEinde`, moved to the next working day when the Atw applies. */
  deadline: IsoDate | null;
  atwVerschoven: { van: IsoDate; overgeslagen: { datum: IsoDate; reden: string }[] } | null;
  dagtelling: typeof OPSCHORTING_DAGTELLING;
  waarschuwingen: string[];
}

function plainEnd(regel: KlokRegel, feiten: KlokFeiten): IsoDate {
  const t = regel.termijn;
  if (t.eenheid === 'vast') return feiten.vastEinde ?? feiten.start;
  const end = t.eenheid === 'weken' ? addWeeks(feiten.start, t.aantal) : addMonths(feiten.start, t.aantal);
  return t.telling === 'zelfde-dag' ? addDays(end, -1) : end;
}

/**
 * The deadline of a clock from its facts alone (no `now`): deterministic, so it can be stored,
 * indexed and turned into an idempotent `termijn-verstreken` event.
 */
export function berekenTermijn(feiten: KlokFeiten): TermijnBerekening {
  const regel = klokRegels[feiten.soort];
  const waarschuwingen: string[] = [];
  const basisEinde = plainEnd(regel, feiten);
  let dagen = 0;
  let onbepaald = false;
  for (const o of feiten.opschortingen) {
    const tot = hervatOp(o);
    if (tot === null) onbepaald = true;
    else dagen += opgeschorteDagen(o.verzoekdatum, tot);
  }
  let einde = addDays(basisEinde, dagen);
  const v = feiten.verlenging;
  if (v) {
    if ('weken' in v) einde = addWeeks(einde, v.weken);
    else if (v.totEnMet > einde) einde = v.totEnMet;
    else waarschuwingen.push(`verlenging tot ${v.totEnMet} ligt niet na het termijneinde ${einde}`);
  }
  let deadline: IsoDate | null = einde;
  let atwVerschoven: TermijnBerekening['atwVerschoven'] = null;
  if (regel.atw) {
    const atw = verlengTotWerkdag(einde);
    if (atw.kalenderOntbreekt) waarschuwingen.push(`feestdagenkalender ontbreekt voor ${einde.slice(0, 4)}`);
    if (atw.overgeslagen.length > 0) {
      atwVerschoven = {
        van: einde,
        overgeslagen: atw.overgeslagen.map((d) => ({
          datum: d.datum,
          reden: d.reden.reden === 'feestdag' ? d.reden.naam : d.reden.reden,
        })),
      };
    }
    deadline = atw.einde;
  }
  if (onbepaald) deadline = null;
  return {
    soort: feiten.soort,
    grondslag: regel.grondslag,
    start: feiten.start,
    basisEinde,
    opgeschorteDagen: dagen,
    opschortingOnbepaald: onbepaald,
    verlengd: v !== null,
    termijnEinde: einde,
    deadline,
    atwVerschoven,
    dagtelling: OPSCHORTING_DAGTELLING,
    waarschuwingen,
  };
}

export type KlokStatus = 'loopt' | 'opgeschort' | 'gestopt';

/** A clock as the API shows it on day `vandaag` (Europe/Amsterdam). */
export interface KlokStand extends TermijnBerekening {
  status: KlokStatus;
  /** Including a running suspension up to today. */
  opgeschorteDagenTotNu: number;
  /** Calendar days from today to the deadline; negative once overdue; null when stopped or unknown. */
  dagenOver: number | null;
  /** Running and past its deadline. */
  verlopen: boolean;
  gestoptOp: IsoDate | null;
  /** For a stopped clock: whether it stopped on or before its deadline. */
  tijdig: boolean | null;
}

/** The view of a clock on `vandaag`; `vandaag` is always passed in (no clock reads inside). */
export function klokStand(feiten: KlokFeiten, vandaag: IsoDate): KlokStand {
  const berekening = berekenTermijn(feiten);
  const lopend = feiten.opschortingen.find((o) => {
    const tot = hervatOp(o);
    return o.verzoekdatum < vandaag && (tot === null || tot > vandaag);
  });
  let totNu = 0;
  for (const o of feiten.opschortingen) {
    const tot = hervatOp(o);
    // A suspension still running counts the days up to and including today.
    const eind = tot !== null && tot <= vandaag ? tot : addDays(vandaag, 1);
    if (o.verzoekdatum < vandaag) totNu += opgeschorteDagen(o.verzoekdatum, eind);
  }
  const status: KlokStatus = feiten.gestoptOp !== null ? 'gestopt' : lopend ? 'opgeschort' : 'loopt';
  const deadline = berekening.deadline;
  const dagenOver = status === 'gestopt' || deadline === null ? null : daysBetween(vandaag, deadline);
  return {
    ...berekening,
    status,
    opgeschorteDagenTotNu: totNu,
    dagenOver,
    verlopen: status === 'loopt' && deadline !== null && vandaag > deadline,
    gestoptOp: feiten.gestoptOp,
    tijdig: feiten.gestoptOp === null || deadline === null ? null : feiten.gestoptOp <= deadline,
  };
}

/**
 * Dwangsom bij niet tijdig beslissen (Awb 4:17): after the 2 weeks of the ingebrekestelling, per
 * day EUR 23 for days 1-14, EUR 35 for days 15-28 and EUR 45 for days 29-42; at most EUR 1,442.
 * `totEnMet` is today or the day of the decision, whichever is first.
 */
export function dwangsomInEuro(
  ingebrekestelling: KlokFeiten,
  vandaag: IsoDate,
): { dagen: number; bedrag: number } {
  const deadline = berekenTermijn(ingebrekestelling).deadline;
  if (deadline === null) return { dagen: 0, bedrag: 0 };
  const tot = ingebrekestelling.gestoptOp ?? vandaag;
  const dagen = Math.min(42, Math.max(0, daysBetween(deadline, tot)));
  let bedrag = 0;
  for (let d = 1; d <= dagen; d++) bedrag += d <= 14 ? 23 : d <= 28 ? 35 : 45;
  return { dagen, bedrag };
}
