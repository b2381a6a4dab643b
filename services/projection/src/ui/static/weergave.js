// Wording and small DOM helpers of the page. Every value from the API is put in the page as text
// (textContent, attributes through the DOM), never parsed as HTML.

export const rolNaam = {
  gemeente: 'gemeente',
  zorgaanbieder: 'zorgaanbieder',
  cak: 'CAK',
  'bevoegd-gezag': 'bevoegd gezag',
  omgevingsdienst: 'omgevingsdienst',
  adviseur: 'adviseur',
  ketenhub: 'Ketenhub',
};

// The phases the API knows (`fasen` in packages/case-model/src/state.ts), in lifecycle order.
export const faseNaam = {
  onvolledig: 'onvolledig',
  geopend: 'geopend',
  melding: 'melding',
  onderzoek: 'onderzoek',
  aanvraag: 'aanvraag',
  beschikking: 'beschikking',
  toewijzing: 'toewijzing',
  zorg: 'zorg gestart',
  afgesloten: 'afgesloten',
  vooroverleg: 'vooroverleg',
  aanvulling: 'aanvulling gevraagd',
  advies: 'advies',
  ontwerpbesluit: 'ontwerpbesluit',
  besluit: 'besluit',
  bekendgemaakt: 'bekendgemaakt',
  bezwaar: 'bezwaar',
  beroep: 'beroep',
  'buiten-behandeling': 'buiten behandeling',
  ingetrokken: 'ingetrokken',
};

export const statusNaam = {
  OPEN: 'open',
  IN_BEHANDELING: 'in behandeling',
  GEWEIGERD: 'geweigerd',
  INGETROKKEN: 'ingetrokken',
  GEREEDGEMELD: 'gereedgemeld',
  GEREED: 'afgerond',
};

export const domeinNaam = { wmo: 'WMO', omgevingswet: 'Omgevingswet' };

export const toegangNaam = { volledig: 'volledig', beperkt: 'beperkt' };

export const viaNaam = {
  geopend: 'opende de zaak',
  toegevoegd: 'toegevoegd',
  uitnodiging: 'uitnodiging aanvaard',
};

const datumFormaat = new Intl.DateTimeFormat('nl-NL', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const kortFormaat = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const tijdFormaat = new Intl.DateTimeFormat('nl-NL', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/Amsterdam',
});

/** `2026-03-14` as "14 maart 2026"; a calendar date has no time zone. */
export function datum(iso) {
  if (!iso) return '–';
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : datumFormaat.format(d);
}

export function kortDatum(iso) {
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : kortFormaat.format(d);
}

export function datumTijd(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : tijdFormaat.format(d);
}

export function dagen(n) {
  return n === 1 || n === -1 ? `${n} dag` : `${n} dagen`;
}

/** "nl.wmo.melding-ontvangen" → "Melding ontvangen". */
export function titelVan(type) {
  const slug = type
    .split('.')
    .slice(2)
    .join('.')
    .replace(/\.v\d+$/, '');
  const woorden = slug.replace(/-/g, ' ');
  return woorden.charAt(0).toUpperCase() + woorden.slice(1);
}

export function oinVanSource(source) {
  return /^urn:nld:oin:(\d{20}):systeem:/.exec(source ?? '')?.[1] ?? null;
}

/**
 * Names of organisations as this page can know them: the case's participants name themselves,
 * the catalog knows the demo organisations; anything else is shown by its OIN.
 */
export function namenVan(zaak, catalogus) {
  const namen = new Map(Object.entries(catalogus?.organisaties ?? {}));
  for (const d of zaak?.deelnemers ?? []) if (d.naam) namen.set(d.oin, d.naam);
  for (const u of zaak?.uitnodigingen ?? []) if (u.naam && !namen.has(u.oin)) namen.set(u.oin, u.naam);
  return (oin) => (oin ? (namen.get(oin) ?? `organisatie ${oin}`) : 'onbekende organisatie');
}

/** An element with text and attributes; children are elements or strings (as text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

/** A link only to an https address: a `javascript:` or other scheme in the data stays text. */
export function veiligeLink(url, text) {
  try {
    const u = new URL(url);
    if (u.protocol === 'https:') {
      return el('a', {
        className: 'utrecht-link',
        text,
        attrs: { href: u.toString(), rel: 'noreferrer noopener' },
      });
    }
  } catch {
    // not a URL: shown as text below
  }
  return el('span', { text });
}

export function tabel(koppen, rijen) {
  const head = el(
    'thead',
    { className: 'utrecht-table__header' },
    el(
      'tr',
      { className: 'utrecht-table__row' },
      ...koppen.map((k) =>
        el('th', { className: 'utrecht-table__header-cell', text: k, attrs: { scope: 'col' } }),
      ),
    ),
  );
  const body = el(
    'tbody',
    { className: 'utrecht-table__body' },
    ...rijen.map((r) =>
      el(
        'tr',
        { className: 'utrecht-table__row' },
        ...r.map((c) =>
          c instanceof Node
            ? el('td', { className: 'utrecht-table__cell' }, c)
            : el('td', { className: 'utrecht-table__cell', text: c ?? '–' }),
        ),
      ),
    ),
  );
  return el(
    'div',
    { className: 'utrecht-table__container' },
    el('table', { className: 'utrecht-table' }, head, body),
  );
}

export function gegevens(paren) {
  return el(
    'dl',
    { className: 'utrecht-data-list kh-kenmerken' },
    ...paren
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .flatMap(([k, v]) => [
        el(
          'div',
          { className: 'utrecht-data-list__item' },
          el('dt', { className: 'utrecht-data-list__item-key', text: k }),
          el('dd', { className: 'utrecht-data-list__item-value', text: v }),
        ),
      ]),
  );
}

export function badge(text, soort = 'neutral') {
  return el('span', { className: `utrecht-status-badge utrecht-status-badge--${soort}`, text });
}

export function bedrag(centen) {
  return new Intl.NumberFormat('nl-NL', { style: 'currency', currency: 'EUR' }).format((centen ?? 0) / 100);
}
