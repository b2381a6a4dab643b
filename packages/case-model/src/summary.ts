import { klokSectie } from '@ketenhub/access';
import { berekenTermijn, type IsoDate } from './clocks';
import type { CaseState } from './state';

/**
 * Columns derived from the joined case for filtering and scanning (the JSON state stays the
 * source). Pure and deterministic: no `now`; "overdue" is `volgendeDeadline < today` at query time.
 */
export interface CaseSummary {
  domein: string | null;
  procedure: string | null;
  fase: string;
  geopendOp: string | null;
  geslotenOp: string | null;
  /** OINs taking part now: the access rule's first filter (GIN index). Removed ones are not. */
  deelnemerOins: string[];
  /** `<oin>:<rol>` per active participation, for "my organisation's role" filters. */
  deelnemerRollen: string[];
  /** Local case numbers of all participants. */
  zaakreferenties: string[];
  /** Earliest deadline of a running clock; the case is overdue when it lies before today. */
  volgendeDeadline: IsoDate | null;
  /**
   * The same per group of clocks a role may see (WMO clocks, Omgevingswet clocks, the
   * ingebrekestelling): a list shows each reader only the deadlines of the clocks it sees.
   */
  volgendeDeadlineWmo: IsoDate | null;
  volgendeDeadlineOw: IsoDate | null;
  volgendeDeadlineIngebrekestelling: IsoDate | null;
  /** Earliest passed-or-future deadline the hub has not yet reported with termijn-verstreken. */
  teMeldenDeadline: IsoDate | null;
}

export function summarise(s: CaseState): CaseSummary {
  let volgende: IsoDate | null = null;
  let teMelden: IsoDate | null = null;
  const perGroep: Record<'klokken-wmo' | 'klokken-ow' | 'ingebrekestellingen', IsoDate | null> = {
    'klokken-wmo': null,
    'klokken-ow': null,
    ingebrekestellingen: null,
  };
  for (const klok of Object.values(s.klokken)) {
    if (!klok || klok.gestoptOp !== null) continue;
    const deadline = berekenTermijn(klok).deadline;
    if (deadline === null) continue;
    if (volgende === null || deadline < volgende) volgende = deadline;
    const groep = klokSectie(klok.soort) as keyof typeof perGroep;
    const huidig = perGroep[groep];
    if (huidig === null || deadline < huidig) perGroep[groep] = deadline;
    if (!klok.verstrekenGemeld.includes(deadline) && (teMelden === null || deadline < teMelden))
      teMelden = deadline;
  }
  const actief = s.access.deelnames.filter((d) => d.status === 'actief');
  return {
    domein: s.domein,
    procedure: s.procedure,
    fase: s.fase,
    geopendOp: s.geopendOp,
    geslotenOp: s.geslotenOp,
    deelnemerOins: [...new Set(actief.map((d) => d.oin))].sort(),
    deelnemerRollen: [...new Set(actief.map((d) => `${d.oin}:${d.rol}`))].sort(),
    zaakreferenties: [...new Set(actief.flatMap((d) => (d.zaakreferentie ? [d.zaakreferentie] : [])))].sort(),
    volgendeDeadline: volgende,
    volgendeDeadlineWmo: perGroep['klokken-wmo'],
    volgendeDeadlineOw: perGroep['klokken-ow'],
    volgendeDeadlineIngebrekestelling: perGroep.ingebrekestellingen,
    teMeldenDeadline: teMelden,
  };
}

/** Clocks of a case whose deadline passed before `vandaag` and were not reported yet. */
export function verstrekenKlokken(s: CaseState, vandaag: IsoDate) {
  const out: { klok: NonNullable<CaseState['klokken'][keyof CaseState['klokken']]>; deadline: IsoDate }[] =
    [];
  for (const klok of Object.values(s.klokken)) {
    if (!klok || klok.gestoptOp !== null) continue;
    const deadline = berekenTermijn(klok).deadline;
    if (deadline !== null && deadline < vandaag && !klok.verstrekenGemeld.includes(deadline))
      out.push({ klok, deadline });
  }
  return out;
}
