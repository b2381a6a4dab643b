// The case worker's page: a worklist of the organisation's chain cases ordered by what needs
// attention, and one chain case in words (its clocks, sections, participants and timeline), both
// kept live by the API's event streams. Everything shown comes from the read API with the worker's
// token, which filters by organisation and role: what a role may not see never reaches this page.
import { klokNaam, klokWeergave } from './klok.js';
import * as sessie from './sessie.js';
import {
  badge,
  bedrag,
  dagen,
  datum,
  datumTijd,
  domeinNaam,
  el,
  faseNaam,
  gegevens,
  namenVan,
  oinVanSource,
  rolNaam,
  statusNaam,
  tabel,
  titelVan,
  toegangNaam,
  veiligeLink,
  viaNaam,
} from './weergave.js';

const $ = (id) => document.getElementById(id);

let catalogus = { typen: {}, termijnen: {}, organisaties: {} };
/** The worklist's cases by id, as the API last gave them. */
let zaken = new Map();
let filter = { zaakreferentie: '', domein: '' };
let lijstStream = null;
let zaakStream = null;
let huidigeZaak = null;

class Afgemeld extends Error {}

function toonFout(tekst) {
  $('melding').hidden = !tekst;
  $('melding-tekst').textContent = tekst ?? '';
}

function toon(sectie) {
  for (const id of ['inloggen', 'lijst', 'zaak']) $(id).hidden = id !== sectie;
  $('uitloggen').hidden = sectie === 'inloggen';
  $('wie').hidden = sectie === 'inloggen';
}

function mijnOin() {
  return sessie.currentClaims()?.oin ?? null;
}

async function api(path) {
  const call = async () =>
    fetch(path, { headers: { authorization: `Bearer ${await sessie.accessToken()}` } });
  let res = await call();
  if (res.status === 401 && (await sessie.refresh())) res = await call();
  if (res.status === 401) {
    stopStreams();
    sessie.logout();
    toonInloggen('Je sessie is verlopen of niet geldig: log opnieuw in.');
    throw new Afgemeld();
  }
  if (res.status === 404) throw new Error('Deze ketenzaak bestaat niet voor jouw organisatie.');
  if (!res.ok) {
    const problem = await res.json().catch(() => ({}));
    throw new Error(problem.title ?? `Fout ${res.status}`);
  }
  return res.json();
}

/**
 * Follows a server-sent event stream with the bearer token (EventSource cannot send one). When the
 * token expires the server ends the stream with `token-verlopen`: the stream is opened again with
 * a fresh token. A dropped connection is retried after a pause.
 */
function volg(path, opCase, live) {
  const controller = new AbortController();
  let pauze = 1000;
  const lees = async () => {
    while (!controller.signal.aborted) {
      let verlopen = false;
      try {
        const res = await fetch(path, {
          headers: { authorization: `Bearer ${await sessie.accessToken()}` },
          signal: controller.signal,
        });
        if (res.status === 401) {
          if (!(await sessie.refresh())) {
            live(false);
            return;
          }
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
        live(true);
        pauze = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let einde = buffer.indexOf('\n\n');
          while (einde >= 0) {
            const blok = buffer.slice(0, einde);
            buffer = buffer.slice(einde + 2);
            einde = buffer.indexOf('\n\n');
            const regels = blok.split('\n');
            const soort = regels
              .find((l) => l.startsWith('event:'))
              ?.slice(6)
              .trim();
            const data = regels
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trimStart())
              .join('\n');
            if (soort === 'token-verlopen') verlopen = true;
            else if (soort === 'case' && data) opCase(JSON.parse(data));
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      live(false);
      if (verlopen) {
        // A pasted token cannot be renewed: then the worker logs in again.
        if (!(await sessie.refresh())) {
          toonFout('Je sessie is verlopen: log opnieuw in om live te blijven volgen.');
          return;
        }
        continue;
      }
      await new Promise((r) => setTimeout(r, pauze));
      pauze = Math.min(pauze * 2, 30_000);
    }
  };
  void lees();
  return () => controller.abort();
}

function stopStreams() {
  lijstStream?.();
  lijstStream = null;
  zaakStream?.();
  zaakStream = null;
  $('live').hidden = true;
  $('lijst-live').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Login

function toonInloggen(tekst) {
  toon('inloggen');
  $('inlogfout').textContent = tekst ?? '';
}

async function laadProviders() {
  const opties = await fetch('aanmelden.json')
    .then((r) => r.json())
    .catch(() => []);
  const lijst = $('providers');
  lijst.replaceChildren();
  for (const p of opties) {
    const knop = el(
      'button',
      { className: 'utrecht-button utrecht-button--primary-action', attrs: { type: 'button' } },
      `Inloggen via ${new URL(p.issuer).host}`,
    );
    knop.addEventListener('click', () => {
      sessie.startLogin(p).catch((e) => {
        $('inlogfout').textContent = e.message;
      });
    });
    lijst.append(
      el(
        'li',
        { className: 'kh-provider' },
        knop,
        el('p', {
          className: 'utrecht-paragraph kh-provider__orgs',
          text: `Voor ${p.organisaties.join(', ')}`,
        }),
      ),
    );
  }
  $('geen-providers').hidden = opties.length > 0;
}

function toonWie() {
  const c = sessie.currentClaims();
  if (!c) return;
  const organisatie = catalogus.organisaties[c.oin] ?? `organisatie ${c.oin}`;
  const rollen = (c.roles ?? []).map((r) => rolNaam[r] ?? r).join(', ');
  $('wie').textContent = `${c.name ?? c.sub} · ${organisatie} · ${rollen}`;
}

// ---------------------------------------------------------------------------------------------
// Worklist

/** What needs this organisation's attention in a case, most urgent first. */
function aandacht(z) {
  const oin = mijnOin();
  const redenen = [];
  const lopend = (z.klokken ?? []).filter((k) => k.status !== 'gestopt');
  for (const k of lopend.filter((k) => k.verlopen)) {
    redenen.push({ rang: 0, tekst: `${klokNaam[k.soort] ?? k.soort} verlopen`, soort: 'danger' });
  }
  for (const a of z.actieverzoeken ?? []) {
    if (a.aan === oin && (a.status === 'OPEN' || a.status === 'IN_BEHANDELING')) {
      redenen.push({ rang: 1, tekst: 'Actieverzoek aan jou', soort: 'warning' });
    } else if (a.van === oin && a.status === 'GEREEDGEMELD') {
      redenen.push({ rang: 1, tekst: 'Actieverzoek gereedgemeld', soort: 'warning' });
    }
  }
  for (const k of lopend.filter((k) => !k.verlopen && k.dagenOver !== null && k.dagenOver <= 7)) {
    redenen.push({
      rang: 2,
      tekst: `${klokNaam[k.soort] ?? k.soort}: nog ${dagen(k.dagenOver)}`,
      soort: 'warning',
    });
  }
  if ((z.conflicten ?? []).length > 0) {
    redenen.push({
      rang: 3,
      tekst: `${z.conflicten.length} conflict${z.conflicten.length > 1 ? 'en' : ''}`,
      soort: 'danger',
    });
  }
  for (const k of lopend.filter((k) => k.status === 'opgeschort')) {
    redenen.push({ rang: 4, tekst: `${klokNaam[k.soort] ?? k.soort} opgeschort`, soort: 'neutral' });
  }
  return redenen.sort((a, b) => a.rang - b.rang);
}

function eerstvolgende(z) {
  return (z.klokken ?? [])
    .filter((k) => k.status !== 'gestopt' && k.deadline)
    .sort((a, b) => (a.deadline < b.deadline ? -1 : 1))[0];
}

function volgorde(z) {
  const redenen = aandacht(z);
  const rang = redenen[0]?.rang ?? (eerstvolgende(z) ? 5 : 6);
  const k = eerstvolgende(z);
  return [rang, k ? k.dagenOver : 99_999, -(Date.parse(z.geopendOp ?? '') || 0)];
}

function vergelijk(a, b) {
  const x = volgorde(a);
  const y = volgorde(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return a.id < b.id ? -1 : 1;
}

function zaaknummer(z) {
  const oin = mijnOin();
  const eigen = (z.deelnemers ?? []).find((d) => d.oin === oin && d.zaakreferentie);
  const opener = (z.deelnemers ?? []).find((d) => d.oin === z.opener?.oin && d.zaakreferentie);
  return eigen?.zaakreferentie ?? opener?.zaakreferentie ?? `ketenzaak ${z.id.slice(0, 8)}`;
}

function past(z) {
  if (filter.domein && z.domein !== filter.domein) return false;
  if (filter.zaakreferentie)
    return (z.deelnemers ?? []).some((d) => d.zaakreferentie === filter.zaakreferentie);
  return true;
}

function renderWerklijst() {
  const lijst = [...zaken.values()].filter(past).sort(vergelijk);
  const body = $('zaken');
  body.replaceChildren();
  for (const z of lijst) {
    const naam = namenVan(z, catalogus);
    const redenen = aandacht(z);
    const k = eerstvolgende(z);
    const link = el('a', {
      className: 'utrecht-link',
      text: zaaknummer(z),
      attrs: { href: `#/zaak/${z.id}` },
    });
    const orgs = [...new Set((z.deelnemers ?? []).map((d) => naam(d.oin)))].join(', ');
    body.append(
      el(
        'tr',
        {
          className: `utrecht-table__row${redenen[0]?.rang === 0 ? ' kh-rij--verlopen' : ''}`,
          attrs: { 'data-id': z.id },
        },
        el(
          'td',
          { className: 'utrecht-table__cell' },
          el(
            'div',
            { className: 'kh-badges__lijst' },
            ...(redenen.length
              ? redenen.map((r) => badge(r.tekst, r.soort))
              : [el('span', { className: 'kh-stil', text: 'niets' })]),
          ),
        ),
        el(
          'td',
          { className: 'utrecht-table__cell' },
          link,
          el('span', {
            className: 'kh-sub',
            text: `${domeinNaam[z.domein] ?? z.domein ?? ''} · geopend ${datum(z.geopendOp)}`,
          }),
        ),
        el('td', { className: 'utrecht-table__cell', text: faseNaam[z.fase] ?? z.fase }),
        el('td', { className: 'utrecht-table__cell', text: orgs }),
        el(
          'td',
          { className: 'utrecht-table__cell' },
          k
            ? `${datum(k.deadline)} (${k.dagenOver >= 0 ? `nog ${dagen(k.dagenOver)}` : `${dagen(-k.dagenOver)} over tijd`})`
            : '–',
        ),
      ),
    );
  }
  $('lijst-aantal').textContent =
    `${lijst.length} ketenzaken${filter.zaakreferentie ? ` met zaaknummer ${filter.zaakreferentie}` : ''}`;
  $('geenzaken').hidden = lijst.length > 0;
  $('geenzaken').textContent =
    filter.zaakreferentie || filter.domein
      ? 'Geen ketenzaken die hierbij passen.'
      : 'Je organisatie neemt nog aan geen ketenzaak deel.';
}

/** At most `n` requests at a time. */
async function perGroep(items, n, werk) {
  const uit = new Array(items.length);
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) {
        const j = i++;
        uit[j] = await werk(items[j]);
      }
    }),
  );
  return uit;
}

async function toonWerklijst() {
  stopStreams();
  toon('lijst');
  const q = new URLSearchParams({ limit: '100' });
  if (filter.zaakreferentie) q.set('zaakreferentie', filter.zaakreferentie);
  if (filter.domein) q.set('domein', filter.domein);
  const items = [];
  let after = null;
  // The worklist covers the organisation's first 300 cases (three pages of the list).
  for (let pagina = 0; pagina < 3; pagina++) {
    if (after) q.set('after', after);
    const { items: deel, next } = await api(`/cases?${q}`);
    items.push(...deel);
    after = next;
    if (!next) break;
  }
  const details = await perGroep(items, 6, (i) => api(`/cases/${i.id}`).catch(() => null));
  zaken = new Map(details.filter(Boolean).map((z) => [z.id, z]));
  renderWerklijst();
  lijstStream = volg(
    '/cases/stream',
    (z) => {
      zaken.set(z.id, z);
      renderWerklijst();
    },
    (aan) => {
      $('lijst-live').hidden = !aan;
    },
  );
}

// ---------------------------------------------------------------------------------------------
// One chain case

function sectie(titel, ...inhoud) {
  return el(
    'section',
    { className: 'kh-sectie' },
    el('h2', { className: 'utrecht-heading-2', text: titel }),
    ...inhoud,
  );
}

const jaNee = (v) => (v === undefined ? undefined : v ? 'ja' : 'nee');
const periode = (van, tot) => `${datum(van)}${tot ? ` t/m ${datum(tot)}` : ''}`;

function wmoSecties(z) {
  const w = z.wmo ?? {};
  const uit = [];
  if (w.melding || w.onderzoek) {
    uit.push(
      sectie(
        'Melding en onderzoek',
        gegevens([
          ['Melding ontvangen', w.melding ? datum(w.melding.meldingsdatum) : undefined],
          ['Verwezen door', w.melding?.verwijzer?.soort],
          ['Onderzoek gestart', w.onderzoek?.startdatum ? datum(w.onderzoek.startdatum) : undefined],
          ['Onderzoek afgerond', w.onderzoek?.einddatum ? datum(w.onderzoek.einddatum) : undefined],
          ['Verslag verstrekt', jaNee(w.onderzoek?.verslagVerstrekt)],
        ]),
      ),
    );
  }
  if (w.aanvraag || w.beschikking) {
    uit.push(
      sectie(
        'Aanvraag en beschikking',
        gegevens([
          ['Aanvraag ontvangen', w.aanvraag ? datum(w.aanvraag.aanvraagdatum) : undefined],
          ['Productcategorieën', w.aanvraag?.productcategorieen?.join(', ')],
          [
            'Besluit',
            w.beschikking
              ? `${w.beschikking.besluit.replace(/-/g, ' ')} op ${datum(w.beschikking.besluitdatum)}`
              : undefined,
          ],
          ['Beschikkingsnummer', w.beschikking?.beschikkingsnummer],
          [
            'Voorzieningen',
            w.beschikking?.voorzieningen
              ?.map(
                (v) =>
                  `${v.productcategorie}${v.productcode ? `/${v.productcode}` : ''} ${periode(v.ingangsdatum, v.einddatum)}`,
              )
              .join('; '),
          ],
        ]),
      ),
    );
  }
  const toewijzingen = Object.values(w.toewijzingen ?? {});
  if (toewijzingen.length) {
    uit.push(
      sectie(
        'Toewijzingen',
        tabel(
          ['Nummer', 'Product', 'Periode', 'Omvang', 'Retourbericht'],
          toewijzingen.map((t) => [
            String(t.toewijzingNummer),
            `${t.productcategorie}/${t.productcode}`,
            periode(t.ingangsdatum, t.einddatum),
            t.omvang
              ? `${t.omvang.volume} ${t.omvang.eenheid} ${t.omvang.frequentie.replace('-', ' ')}`
              : t.budgetInCenten
                ? bedrag(t.budgetInCenten)
                : '–',
            t.retour
              ? t.retour.geaccepteerd
                ? 'geaccepteerd'
                : `afgekeurd (${t.retour.retourcodes.join(', ')})`
              : 'nog niet',
          ]),
        ),
      ),
    );
  }
  const zorg = Object.entries(w.zorg ?? {});
  if (zorg.length) {
    uit.push(
      sectie(
        'Zorg',
        tabel(
          ['Toewijzing', 'Begonnen', 'Gestopt', 'Reden'],
          zorg.map(([nr, x]) => [
            nr,
            datum(x.begindatum),
            x.einddatum ? datum(x.einddatum) : '–',
            x.redenBeeindiging ?? '–',
          ]),
        ),
      ),
    );
  }
  const declaraties = Object.entries(w.declaraties ?? {});
  if (declaraties.length) {
    uit.push(
      sectie(
        'Declaraties',
        tabel(
          ['Nummer', 'Periode', 'Ingediend', 'Toegekend'],
          declaraties.map(([nr, d]) => [
            nr,
            d.ingediend ? periode(d.ingediend.begindatum, d.ingediend.einddatum) : '–',
            d.ingediend ? bedrag(d.ingediend.totaalBedragInCenten) : '–',
            d.antwoord ? bedrag(d.antwoord.toegekendBedragInCenten) : 'nog niet beoordeeld',
          ]),
        ),
      ),
    );
  }
  const eigen = Object.entries(w.eigenBijdrage ?? {});
  if (eigen.length) {
    uit.push(
      sectie(
        'Eigen bijdrage',
        tabel(
          ['Productcategorie', 'Vanaf', 'Tot'],
          eigen.map(([cat, e]) => [cat, datum(e.ingangsdatum), e.einddatum ? datum(e.einddatum) : '–']),
        ),
      ),
    );
  }
  const verzoeken = Object.entries(w.verzoeken ?? {});
  if (verzoeken.length) {
    uit.push(
      sectie(
        'Verzoeken van de zorgaanbieder',
        tabel(
          ['Referentie', 'Soort', 'Antwoord'],
          verzoeken.map(([ref, v]) => [
            ref,
            v.soort ?? '–',
            v.antwoord ? (v.antwoord.verzoekAntwoord === 1 ? 'afgewezen' : 'in onderzoek') : 'open',
          ]),
        ),
      ),
    );
  }
  return uit;
}

function omgevingswetSecties(z, naam) {
  const o = z.omgevingswet ?? {};
  const uit = [];
  if (o.aanvraag || o.conceptverzoek) {
    uit.push(
      sectie(
        'Aanvraag',
        gegevens([
          ['Verzoeknummer', o.aanvraag?.verzoeknummer ?? o.conceptverzoek?.verzoeknummer],
          ['Ontvangen', o.aanvraag ? datum(o.aanvraag.ontvangstdatum) : undefined],
          ['Procedure', o.aanvraag?.procedure],
          ['Activiteiten', o.aanvraag?.activiteiten?.join('; ')],
          ['Ontvangst bevestigd', o.ontvangstBevestigd ? datum(o.ontvangstBevestigd) : undefined],
        ]),
      ),
    );
  }
  if ((o.aanvullingen ?? []).length) {
    uit.push(
      sectie(
        'Aanvullingen',
        tabel(
          ['Gevraagd', 'Uiterlijk', 'Ontvangen', 'Wat ontbrak'],
          o.aanvullingen.map((a) => [
            datum(a.verzoekdatum),
            datum(a.uiterlijkeAanleverdatum),
            a.ontvangstdatum ? datum(a.ontvangstdatum) : 'nog niet',
            a.ontbrekendeGegevens.join('; '),
          ]),
        ),
      ),
    );
  }
  const adviezen = [
    ...Object.entries(o.adviezen ?? {}).map(([id, a]) => [
      'advies',
      naam(a.gevraagd?.adviseur ?? a.gegeven?.door),
      a.gevraagd ? `${datum(a.gevraagd.verzoekdatum)}: ${a.gevraagd.onderwerp}` : '–',
      a.gegeven
        ? `${a.gegeven.strekking.replace(/-/g, ' ')} (${datum(a.gegeven.adviesdatum)})`
        : 'nog niet gegeven',
      id,
    ]),
    ...Object.entries(o.instemmingen ?? {}).map(([id, i]) => [
      'advies met instemming',
      naam(i.gevraagd?.adviseur ?? i.besluit?.door),
      i.gevraagd ? datum(i.gevraagd.verzoekdatum) : '–',
      i.besluit ? `instemming ${i.besluit.uitkomst} (${datum(i.besluit.besluitdatum)})` : 'nog niet beslist',
      id,
    ]),
  ];
  if (adviezen.length) {
    uit.push(
      sectie(
        'Adviezen en instemming',
        tabel(['Soort', 'Adviseur', 'Gevraagd', 'Antwoord', 'Kenmerk'], adviezen),
      ),
    );
  }
  if (o.besluit || o.ontwerpbesluit || o.bekendmaking || o.ingetrokken) {
    uit.push(
      sectie(
        'Besluit',
        gegevens([
          [
            'Ontwerpbesluit ter inzage',
            o.ontwerpbesluit
              ? periode(o.ontwerpbesluit.terInzageVanaf, o.ontwerpbesluit.terInzageTot)
              : undefined,
          ],
          [
            'Besluit',
            o.besluit
              ? o.besluit.soort === 'besluit'
                ? `${o.besluit.uitkomst.replace(/-/g, ' ')} op ${datum(o.besluit.besluitdatum)}`
                : `buiten behandeling gesteld op ${datum(o.besluit.besluitdatum)}`
              : undefined,
          ],
          [
            'Bekendgemaakt',
            o.bekendmaking
              ? `${datum(o.bekendmaking.bekendmakingsdatum)}, daarna ${o.bekendmaking.rechtsmiddel}`
              : undefined,
          ],
          ['Ingetrokken', o.ingetrokken ? datum(o.ingetrokken) : undefined],
          [
            'Bezwaren',
            Object.keys(o.bezwaren ?? {}).length ? String(Object.keys(o.bezwaren).length) : undefined,
          ],
          [
            'Beroepen',
            Object.keys(o.beroepen ?? {}).length ? String(Object.keys(o.beroepen).length) : undefined,
          ],
        ]),
      ),
    );
  }
  return uit;
}

function gemeenschappelijkeSecties(z, naam) {
  const uit = [];
  if ((z.actieverzoeken ?? []).length) {
    uit.push(
      sectie(
        'Actieverzoeken',
        tabel(
          ['Soort', 'Van', 'Aan', 'Omschrijving', 'Uiterlijk', 'Status'],
          z.actieverzoeken.map((a) => [
            a.soort,
            naam(a.van),
            naam(a.aan),
            a.omschrijving,
            a.uiterlijkeDatum ? datum(a.uiterlijkeDatum) : '–',
            statusNaam[a.status] ?? a.status,
          ]),
        ),
      ),
    );
  }
  if ((z.documenten ?? []).length) {
    uit.push(
      sectie(
        'Documenten',
        tabel(
          ['Titel', 'Vertrouwelijkheid', 'Toegevoegd door', 'Wanneer'],
          z.documenten.map((d) => [
            veiligeLink(d.documentUrl, d.titel),
            d.vertrouwelijkheid === 'strikt' ? 'strikt vertrouwelijk' : 'regulier',
            naam(oinVanSource(d.toegevoegdDoor) ?? d.toegevoegdDoor),
            datumTijd(d.tijd),
          ]),
        ),
      ),
    );
  }
  const open = (z.uitnodigingen ?? []).filter((u) => u.status === 'open');
  if (open.length) {
    uit.push(
      sectie(
        'Openstaande uitnodigingen',
        tabel(
          ['Organisatie', 'Rol', 'Toegang', 'Uitgenodigd'],
          open.map((u) => [
            u.naam ?? naam(u.oin),
            rolNaam[u.rol] ?? u.rol,
            toegangNaam[u.toegang] ?? u.toegang,
            datumTijd(u.tijd),
          ]),
        ),
      ),
    );
  }
  if ((z.conflicten ?? []).length) {
    uit.push(
      sectie(
        'Conflicten',
        el('p', {
          className: 'utrecht-paragraph',
          text: 'Deze events staan in het logboek maar veranderen de zaak niet.',
        }),
        tabel(
          ['Event', 'Van', 'Wanneer', 'Reden'],
          z.conflicten.map((c) => [
            titelVan(c.type),
            naam(oinVanSource(c.source)),
            datumTijd(c.tijd),
            c.reden.replace(/-/g, ' '),
          ]),
        ),
      ),
    );
  }
  return uit;
}

function renderZaak(z) {
  huidigeZaak = z;
  const naam = namenVan(z, catalogus);
  const oin = mijnOin();
  $('zaaktitel').textContent = `Ketenzaak ${zaaknummer(z)}`;
  const kenmerken = gegevens([
    ['Domein', domeinNaam[z.domein] ?? z.domein],
    ['Fase', faseNaam[z.fase] ?? z.fase],
    ['Procedure', z.procedure ?? undefined],
    ['Geopend door', z.opener ? naam(z.opener.oin) : undefined],
    ['Geopend op', datum(z.geopendOp)],
    ['Gesloten op', z.geslotenOp ? datum(z.geslotenOp) : undefined],
    ['Jouw rol', (z.jouwRollen ?? []).map((r) => rolNaam[r] ?? r).join(', ')],
    ['Jouw toegang', toegangNaam[z.jouwToegang] ?? z.jouwToegang],
    ['Termijnen berekend op', datum(z.peildatum)],
    ['Ketenzaak-id', z.id],
  ]);
  $('kenmerken').replaceWith(kenmerken);
  kenmerken.id = 'kenmerken';

  const redenen = aandacht(z);
  $('aandacht').replaceChildren(...redenen.map((r) => badge(r.tekst, r.soort)));

  const klokken = $('termijnen');
  klokken.replaceChildren(...(z.klokken ?? []).map((k) => klokWeergave(k, z, catalogus.termijnen)));
  if (!(z.klokken ?? []).length)
    klokken.append(el('p', { className: 'utrecht-paragraph', text: 'Geen termijnen die jouw rol ziet.' }));

  const secties = [
    ...(z.domein === 'wmo' ? wmoSecties(z) : []),
    ...(z.domein === 'omgevingswet' ? omgevingswetSecties(z, naam) : []),
    ...gemeenschappelijkeSecties(z, naam),
  ];
  $('secties').replaceChildren(...secties);

  $('deelnemers').replaceChildren(
    ...(z.deelnemers ?? []).map((d) =>
      el(
        'tr',
        { className: `utrecht-table__row${d.oin === oin ? ' kh-rij--eigen' : ''}` },
        el('td', { className: 'utrecht-table__cell', text: naam(d.oin) }),
        el('td', { className: 'utrecht-table__cell', text: rolNaam[d.rol] ?? d.rol }),
        el('td', { className: 'utrecht-table__cell', text: toegangNaam[d.toegang] ?? d.toegang }),
        el('td', {
          className: 'utrecht-table__cell',
          text: `${viaNaam[d.via] ?? d.via}, ${datumTijd(d.sinds)}`,
        }),
        el('td', { className: 'utrecht-table__cell', text: d.zaakreferentie ?? '–' }),
      ),
    ),
  );
}

async function renderTijdlijn(id) {
  const { items } = await api(`/cases/${id}/events?limit=1000`);
  const naam = namenVan(huidigeZaak, catalogus);
  const lijst = $('tijdlijn');
  lijst.replaceChildren(
    ...items.map((e) =>
      el(
        'li',
        {
          className: `kh-tijdlijn__item${e.conflict ? ' kh-tijdlijn__item--conflict' : ''}`,
          attrs: { 'data-type': e.type },
        },
        el('time', { className: 'kh-tijdlijn__tijd', text: datumTijd(e.time), attrs: { datetime: e.time } }),
        el(
          'p',
          { className: 'utrecht-paragraph kh-tijdlijn__wat' },
          el('strong', { text: titelVan(e.type) }),
          ` — ${naam(e.organisatie ?? oinVanSource(e.source))}`,
          e.redactie ? badge('beperkte weergave', 'neutral') : null,
          e.conflict ? badge(`conflict: ${e.conflict.reden.replace(/-/g, ' ')}`, 'danger') : null,
        ),
        el('p', {
          className: 'utrecht-paragraph kh-tijdlijn__uitleg',
          text: catalogus.typen[e.type]?.omschrijving ?? e.type,
        }),
      ),
    ),
  );
}

async function toonZaak(id) {
  stopStreams();
  renderZaak(await api(`/cases/${id}`));
  await renderTijdlijn(id);
  toon('zaak');
  zaakStream = volg(
    `/cases/${id}/stream`,
    (z) => {
      if (z.id !== id) return;
      renderZaak(z);
      void renderTijdlijn(id).catch(() => undefined);
    },
    (aan) => {
      $('live').hidden = !aan;
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Routing

let vorigeRoute = null;

async function route() {
  toonFout(null);
  if (!sessie.loggedIn()) {
    stopStreams();
    toonInloggen();
    return;
  }
  toonWie();
  const match = /^#\/zaak\/([0-9a-f-]{36})$/.exec(location.hash);
  try {
    if (match) await toonZaak(match[1]);
    else await toonWerklijst();
    // Keyboard and screen reader users land on the new page's heading.
    const route = match ? 'zaak' : 'lijst';
    if (vorigeRoute !== null && vorigeRoute !== location.hash)
      $(route === 'zaak' ? 'zaaktitel' : 'lijst-kop').focus();
    vorigeRoute = location.hash;
  } catch (error) {
    if (!(error instanceof Afgemeld)) toonFout(error.message);
  }
}

$('inlogformulier').addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = $('token').value.trim();
  $('token').value = '';
  sessie.pasteToken(value);
  try {
    await api('/cases?limit=1');
    $('inlogfout').textContent = '';
    location.hash = '#/';
    await route();
  } catch (error) {
    sessie.logout();
    if (!(error instanceof Afgemeld)) $('inlogfout').textContent = error.message;
    toonInloggen('Dit token is niet (meer) geldig.');
  }
});

$('uitloggen').addEventListener('click', () => {
  stopStreams();
  sessie.logout();
  zaken = new Map();
  location.hash = '';
  toonInloggen();
  $('wie').textContent = '';
});

$('zoeken').addEventListener('submit', (event) => {
  event.preventDefault();
  filter = { zaakreferentie: $('zaakreferentie').value.trim(), domein: $('domein').value };
  void toonWerklijst().catch((e) => (e instanceof Afgemeld ? undefined : toonFout(e.message)));
});
$('wissen').addEventListener('click', () => {
  $('zaakreferentie').value = '';
  $('domein').value = '';
  filter = { zaakreferentie: '', domein: '' };
  void toonWerklijst().catch((e) => (e instanceof Afgemeld ? undefined : toonFout(e.message)));
});

for (const h of ['zaaktitel', 'lijst-kop']) $(h).setAttribute('tabindex', '-1');

window.addEventListener('hashchange', () => void route());

async function start() {
  catalogus = await fetch('catalogus.json')
    .then((r) => r.json())
    .catch(() => catalogus);
  await laadProviders();
  try {
    await sessie.completeLogin();
  } catch (error) {
    toonInloggen(error.message);
    return;
  }
  await route();
}

void start();
