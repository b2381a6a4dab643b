import type { KetenEvent } from '@ketenhub/events';
import type { CaseState, Fase } from './state';

/** Facts derived from the others after every event, whatever it did. */
export function finish(s: CaseState, e: KetenEvent) {
  s.fase = faseVan(s);
  if (s.domein === 'wmo') s.geslotenOp = wmoGeslotenOp(s, e);
}

/**
 * A WMO case is closed when care was assigned and every assignment's care has stopped, or the
 * aanvraag was refused; it reopens when that stops being true (a new toewijzing).
 */
function wmoGeslotenOp(s: CaseState, e: KetenEvent): string | null {
  return wmoAfgesloten(s) ? (s.geslotenOp ?? e.time) : null;
}

/** Phase derived from the facts (not from the last event), so it cannot depend on arrival order. */
export function faseVan(s: CaseState): Fase {
  if (s.domein === null) return 'onvolledig';
  if (s.domein === 'wmo') {
    const w = s.wmo;
    const nrs = Object.keys(w.toewijzingen);
    if (s.geslotenOp !== null || wmoAfgesloten(s)) return 'afgesloten';
    if (Object.values(w.zorg).some((z) => z.begindatum !== undefined)) return 'zorg';
    if (nrs.length > 0) return 'toewijzing';
    if (w.beschikking) return 'beschikking';
    if (w.aanvraag) return 'aanvraag';
    if (w.onderzoek) return 'onderzoek';
    if (w.melding) return 'melding';
    return 'geopend';
  }
  const o = s.omgevingswet;
  if (o.ingetrokken) return 'ingetrokken';
  if (o.besluit?.soort === 'buiten-behandeling') return 'buiten-behandeling';
  if (Object.keys(o.beroepen).length > 0) return 'beroep';
  if (Object.keys(o.bezwaren).length > 0) return 'bezwaar';
  if (o.bekendmaking) return 'bekendgemaakt';
  if (o.besluit) return 'besluit';
  if (o.ontwerpbesluit) return 'ontwerpbesluit';
  if (o.aanvullingen.some((a) => a.ontvangstdatum === undefined)) return 'aanvulling';
  const adviesOpen =
    Object.values(o.adviezen).some((a) => a.gevraagd && !a.gegeven) ||
    Object.values(o.instemmingen).some((i) => i.gevraagd && !i.besluit);
  if (adviesOpen) return 'advies';
  if (o.aanvraag) return 'aanvraag';
  if (o.conceptverzoek) return 'vooroverleg';
  return 'geopend';
}

function wmoAfgesloten(s: CaseState): boolean {
  const nrs = Object.keys(s.wmo.toewijzingen);
  const zorgKlaar = nrs.length > 0 && nrs.every((nr) => s.wmo.zorg[nr]?.einddatum !== undefined);
  const afgewezen = s.wmo.beschikking?.besluit === 'afgewezen' && nrs.length === 0;
  return zorgKlaar || afgewezen;
}
