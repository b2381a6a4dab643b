// A legal clock as a small picture and in words: start, suspensions, extension, deadline, days
// left, and the article it comes from. The numbers (deadline, suspended days, days left) are the
// API's; the picture only places them on a calendar line. Its geometry is set through the CSSOM
// (style.setProperty), which the page's CSP allows, as inline style attributes are not.
import { badge, dagen, datum, el, kortDatum } from './weergave.js';

export const klokNaam = {
  'wmo-onderzoek': 'Onderzoekstermijn',
  'wmo-beschikking': 'Beslistermijn beschikking',
  'omgevingswet-beslistermijn-regulier': 'Beslistermijn (regulier)',
  'omgevingswet-beslistermijn-uitgebreid': 'Beslistermijn (uitgebreid)',
  'omgevingswet-aanvulling': 'Termijn voor de aanvulling',
  'omgevingswet-zienswijzen': 'Zienswijzentermijn',
  'omgevingswet-bezwaar': 'Bezwaartermijn',
  'omgevingswet-beroep': 'Beroepstermijn',
  ingebrekestelling: 'Ingebrekestelling',
};

const DAG = 86_400_000;
const ms = (iso) => Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);
const plus = (iso, n) => new Date(ms(iso) + n * DAG).toISOString().slice(0, 10);

/** The clock's state in one badge. */
export function klokStatus(k) {
  if (k.status === 'gestopt')
    return k.tijdig === false ? badge('gestopt, te laat', 'warning') : badge('gestopt', 'neutral');
  if (k.verlopen) return badge(`verlopen, ${dagen(-k.dagenOver)} over tijd`, 'danger');
  if (k.status === 'opgeschort') return badge('opgeschort', 'warning');
  if (k.dagenOver !== null && k.dagenOver <= 7) return badge(`nog ${dagen(k.dagenOver)}`, 'warning');
  return badge('loopt', 'success');
}

/**
 * Suspensions on this clock's calendar line, from the requests for a supplement the case shows
 * (Awb 4:15: from the day after the request to the day before the supplement arrived, or to the
 * day set for it while it has not).
 */
function opschortingen(k, zaak) {
  if (!k.soort.startsWith('omgevingswet-beslistermijn')) return [];
  return (zaak.omgevingswet?.aanvullingen ?? [])
    .filter((a) => a.verzoekdatum >= k.start)
    .map((a) => {
      const naVerstrijken = plus(a.uiterlijkeAanleverdatum, 1);
      const hervat = a.ontvangstdatum && a.ontvangstdatum < naVerstrijken ? a.ontvangstdatum : naVerstrijken;
      return { van: plus(a.verzoekdatum, 1), tot: plus(hervat, -1), lopend: !a.ontvangstdatum, verzoek: a };
    })
    .filter((o) => o.tot >= o.van);
}

export function klokWeergave(k, zaak, termijnen) {
  const naam = klokNaam[k.soort] ?? k.soort;
  const regel = termijnen?.[k.soort];
  const eind = k.deadline ?? k.termijnEinde;
  const vandaag = zaak.peildatum;
  const laatste = [eind, vandaag, k.gestoptOp].filter(Boolean).sort().at(-1);
  const span = Math.max(1, (ms(laatste) - ms(k.start)) / DAG + 1);
  const pos = (iso) =>
    `${Math.min(100, Math.max(0, ((ms(iso) - ms(k.start)) / DAG / span) * 100)).toFixed(2)}%`;
  const stuk = (className, van, tot, label) => {
    const s = el('span', { className: `kh-balk__stuk ${className}`, attrs: { title: label } });
    s.style.setProperty('--van', pos(van));
    s.style.setProperty('--tot', pos(plus(tot, 1)));
    return s;
  };
  const pauzes = opschortingen(k, zaak);
  const balk = el('div', { className: 'kh-balk', attrs: { 'aria-hidden': 'true' } });
  balk.append(stuk('kh-balk__stuk--termijn', k.start, k.termijnEinde, 'termijn'));
  for (const p of pauzes) balk.append(stuk('kh-balk__stuk--opgeschort', p.van, p.tot, 'opgeschort'));
  if (k.verlengd) {
    const zonderVerlenging = plus(k.basisEinde, k.opgeschorteDagen);
    if (zonderVerlenging < k.termijnEinde) {
      balk.append(stuk('kh-balk__stuk--verlengd', plus(zonderVerlenging, 1), k.termijnEinde, 'verlenging'));
    }
  }
  if (k.deadline && k.deadline > k.termijnEinde) {
    balk.append(stuk('kh-balk__stuk--atw', plus(k.termijnEinde, 1), k.deadline, 'Algemene termijnenwet'));
  }
  const markeer = (className, iso, label) => {
    const m = el('span', { className: `kh-balk__punt ${className}`, attrs: { title: label } });
    m.style.setProperty('--op', pos(iso));
    balk.append(m);
  };
  if (k.deadline) markeer('kh-balk__punt--deadline', k.deadline, 'deadline');
  if (k.gestoptOp) markeer('kh-balk__punt--gestopt', k.gestoptOp, 'gestopt');
  markeer('kh-balk__punt--vandaag', vandaag, 'vandaag');

  const woorden = [];
  woorden.push(['Start', datum(k.start)]);
  const dagenOpgeschort = k.opgeschorteDagenTotNu ?? k.opgeschorteDagen ?? 0;
  if (pauzes.length > 0 || dagenOpgeschort > 0 || k.opschortingOnbepaald) {
    const perioden = pauzes
      .map((p) =>
        p.lopend
          ? `sinds ${kortDatum(p.van)}, uiterlijk tot ${kortDatum(p.tot)}`
          : `${kortDatum(p.van)} t/m ${kortDatum(p.tot)}`,
      )
      .join('; ');
    woorden.push([
      'Opgeschort',
      `${dagen(k.status === 'opgeschort' ? dagenOpgeschort : k.opgeschorteDagen)}${perioden ? ` (${perioden})` : ''}${k.status === 'opgeschort' ? ', loopt nog' : ''}`,
    ]);
  }
  if (k.verlengd) {
    const v = zaak.omgevingswet?.verlenging ?? zaak.wmo?.beschikkingstermijnVerlengd;
    woorden.push([
      'Verlengd',
      v?.verlengingInWeken
        ? `met ${v.verlengingInWeken} weken`
        : v?.nieuweEinddatum
          ? `tot ${datum(v.nieuweEinddatum)}`
          : 'ja',
    ]);
  }
  if (k.deadline) {
    const verschoven = k.atwVerschoven
      ? ` (verschoven van ${datum(k.atwVerschoven.van)}: ${k.atwVerschoven.overgeslagen.map((o) => o.reden).join(', ')})`
      : '';
    woorden.push(['Deadline', `${datum(k.deadline)}${verschoven}`]);
  } else if (k.opschortingOnbepaald) {
    woorden.push(['Deadline', 'nog niet bekend: de opschorting heeft geen einddatum']);
  }
  if (k.status === 'gestopt') {
    woorden.push([
      'Gestopt',
      `${datum(k.gestoptOp)}${k.tijdig === false ? ', na de deadline' : k.tijdig ? ', op tijd' : ''}`,
    ]);
  } else if (k.dagenOver !== null && k.dagenOver !== undefined) {
    woorden.push([
      'Dagen over',
      k.dagenOver >= 0 ? `nog ${dagen(k.dagenOver)}` : `${dagen(-k.dagenOver)} over tijd`,
    ]);
  }

  return el(
    'article',
    {
      className: `kh-klok${k.verlopen ? ' kh-klok--verlopen' : ''}${k.status === 'gestopt' ? ' kh-klok--gestopt' : ''}`,
      attrs: { 'data-soort': k.soort },
    },
    el('h3', { className: 'utrecht-heading-3 kh-klok__naam' }, `${naam} `, klokStatus(k)),
    el(
      'p',
      { className: 'utrecht-paragraph kh-klok__grondslag' },
      el('span', { text: regel?.termijn ? `${regel.termijn} · ` : '' }),
      el('span', { className: 'kh-grondslag', text: k.grondslag }),
    ),
    balk,
    el(
      'dl',
      { className: 'kh-klok__feiten' },
      ...woorden.flatMap(([term, waarde]) => [el('dt', { text: term }), el('dd', { text: waarde })]),
    ),
  );
}
