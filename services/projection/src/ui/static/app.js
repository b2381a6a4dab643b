// The case worker's page: ketenzaken of the own organisation, one joined case with its legal clocks,
// participants, actieverzoeken and timeline, kept live by the case's event stream. Everything shown
// comes from the read API with the worker's token (the API filters by organisation and role); this
// page only renders, with textContent throughout, so no value is ever parsed as HTML.

const tokenKey = 'ketenhub.token';
const $ = (id) => document.getElementById(id);

const labels = {
  // The phases the API knows (services/projection/src/cases/state.ts), in lifecycle order.
  fase: {
    onvolledig: 'onvolledig',
    geopend: 'geopend',
    melding: 'melding',
    onderzoek: 'onderzoek',
    aanvraag: 'aanvraag',
    beschikking: 'beschikking',
    toewijzing: 'toewijzing',
    zorg: 'zorg',
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
  },
  toegang: { volledig: 'volledig', beperkt: 'beperkt' },
};

/** Cases per page of the list (the API's default page size). */
const PAGE_SIZE = 25;

let stream; // AbortController of the open case stream

function token() {
  return sessionStorage.getItem(tokenKey);
}

async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${token()}`, ...(init.headers ?? {}) },
  });
  if (res.status === 401) {
    sessionStorage.removeItem(tokenKey);
    show('inloggen');
    throw new Error('Je token is niet (meer) geldig: log opnieuw in.');
  }
  if (res.status === 404) throw new Error('Deze ketenzaak bestaat niet voor jouw organisatie.');
  if (!res.ok) {
    const problem = await res.json().catch(() => ({}));
    throw new Error(problem.title ?? `Fout ${res.status}`);
  }
  return res.json();
}

function show(section) {
  for (const id of ['inloggen', 'lijst', 'zaak']) $(id).hidden = id !== section;
  $('uitloggen').hidden = section === 'inloggen';
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '–';
  if (className) td.className = className;
  row.append(td);
  return td;
}

function date(iso) {
  return iso ? iso.slice(0, 10) : '–';
}

function whoAmI() {
  // The token's claims, for the header only; the API decides what may be seen.
  try {
    const claims = JSON.parse(atob(token().split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    $('wie').textContent = `${claims.sub} · OIN ${claims.oin} · ${claims.roles.join(', ')}`;
  } catch {
    $('wie').textContent = '';
  }
}

/** The list query: the filters of the form, one page, from `after` (the previous page's `next`). */
function listPath(after) {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if ($('filter-domein').value) q.set('domein', $('filter-domein').value);
  if ($('filter-fase').value) q.set('fase', $('filter-fase').value);
  const referentie = $('filter-referentie').value.trim();
  if (referentie) q.set('zaakreferentie', referentie);
  if ($('filter-verlopen').checked) q.set('overdue', 'true');
  if (after) q.set('after', after);
  return { path: `/cases?${q}`, filtered: q.size > (after ? 2 : 1) };
}

async function renderList(after) {
  stopStream();
  const { path, filtered } = listPath(after);
  const { items, next } = await api(path);
  const body = $('zaken');
  body.replaceChildren();
  for (const c of items) {
    const row = document.createElement('tr');
    if (c.overdue) row.className = 'verlopen';
    const link = document.createElement('a');
    link.href = `#/zaak/${c.id}`;
    link.textContent = c.id.slice(0, 8);
    cell(row, '').append(link);
    cell(row, c.domein);
    cell(row, c.procedure);
    cell(row, labels.fase[c.fase] ?? c.fase);
    cell(row, date(c.geopendOp));
    cell(row, c.volgendeDeadline ? `${c.volgendeDeadline}${c.overdue ? ' (verlopen)' : ''}` : '–');
    cell(row, c.jouwRollen.join(', '));
    body.append(row);
  }
  $('geenzaken').hidden = items.length > 0;
  $('geenzaken').textContent = filtered
    ? 'Geen ketenzaken met deze filters.'
    : 'Je organisatie neemt nog aan geen ketenzaak deel.';
  // Keyset paging: `next` is the cursor of the following page, or null on the last one.
  $('volgende').hidden = !next;
  $('volgende').dataset.after = next ?? '';
  $('eerste').hidden = !after;
  show('lijst');
}

/** Runs a page action and shows its error, as route() does. */
async function guarded(action) {
  $('fout').textContent = '';
  try {
    await action();
  } catch (error) {
    $('fout').textContent = error.message;
  }
}

function renderCase(c) {
  $('zaaktitel').textContent = `Ketenzaak ${c.id}`;
  const facts = [
    ['Domein', c.domein],
    ['Procedure', c.procedure],
    ['Fase', labels.fase[c.fase] ?? c.fase],
    ['Geopend op', date(c.geopendOp)],
    ['Gesloten op', date(c.geslotenOp)],
    ['Peildatum termijnen', c.peildatum],
    ['Conflicten', String((c.conflicten ?? []).length)],
  ];
  const dl = $('kenmerken');
  dl.replaceChildren();
  for (const [k, v] of facts) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v ?? '–';
    dl.append(dt, dd);
  }

  const klokken = $('termijnen');
  klokken.replaceChildren();
  for (const k of c.klokken ?? []) {
    const row = document.createElement('tr');
    if (k.verlopen) row.className = 'verlopen';
    cell(row, k.soort);
    cell(row, k.grondslag);
    cell(row, k.start);
    cell(row, k.deadline ?? (k.opschortingOnbepaald ? 'opgeschort, einde onbekend' : '–'));
    cell(row, k.dagenOver === null || k.dagenOver === undefined ? '–' : String(k.dagenOver));
    cell(row, `${k.opgeschorteDagenTotNu ?? k.opgeschorteDagen ?? 0} dagen`);
    cell(row, k.verlopen ? 'verlopen' : k.status);
    klokken.append(row);
  }

  const deelnemers = $('deelnemers');
  deelnemers.replaceChildren();
  for (const d of c.deelnemers ?? []) {
    const row = document.createElement('tr');
    cell(row, d.naam ? `${d.naam} (${d.oin})` : d.oin);
    cell(row, d.rol);
    cell(row, d.systeem);
    cell(row, d.zaakreferentie);
    cell(row, labels.toegang[d.toegang] ?? d.toegang);
    deelnemers.append(row);
  }

  const verzoeken = $('actieverzoeken');
  verzoeken.replaceChildren();
  for (const a of Object.values(c.actieverzoeken ?? {})) {
    const row = document.createElement('tr');
    cell(row, a.soort);
    cell(row, a.van);
    cell(row, a.aan);
    cell(row, a.omschrijving);
    cell(row, a.uiterlijkeDatum);
    cell(row, a.status);
    verzoeken.append(row);
  }
}

async function renderTimeline(id) {
  const { items } = await api(`/cases/${id}/events?limit=200`);
  const list = $('tijdlijn');
  list.replaceChildren();
  for (const e of items) {
    const li = document.createElement('li');
    li.textContent = `${e.time.replace('T', ' ').slice(0, 16)} · ${e.type} · ${e.source}`;
    list.append(li);
  }
}

async function renderCasePage(id) {
  stopStream();
  renderCase(await api(`/cases/${id}`));
  await renderTimeline(id);
  show('zaak');
  follow(id);
}

function stopStream() {
  stream?.abort();
  stream = undefined;
  $('live').hidden = true;
}

// EventSource cannot send an Authorization header, so the stream is read with fetch.
async function follow(id) {
  const controller = new AbortController();
  stream = controller;
  try {
    const res = await fetch(`/cases/${id}/stream`, {
      headers: { authorization: `Bearer ${token()}` },
      signal: controller.signal,
    });
    if (!res.ok || !res.body) return;
    $('live').hidden = false;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (!data) continue;
        renderCase(JSON.parse(data));
        await renderTimeline(id);
      }
    }
  } catch {
    // aborted (navigation) or the connection dropped
  } finally {
    if (stream === controller) $('live').hidden = true;
  }
}

async function route() {
  $('fout').textContent = '';
  if (!token()) {
    show('inloggen');
    return;
  }
  whoAmI();
  const match = /^#\/zaak\/([0-9a-f-]{36})$/.exec(location.hash);
  try {
    if (match) await renderCasePage(match[1]);
    else await renderList();
  } catch (error) {
    $('fout').textContent = error.message;
  }
}

$('inlogformulier').addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = $('token').value.trim();
  sessionStorage.setItem(tokenKey, value);
  $('token').value = '';
  try {
    await api('/cases?limit=1');
    $('inlogfout').textContent = '';
    location.hash = '#/';
    await route();
  } catch (error) {
    sessionStorage.removeItem(tokenKey);
    $('inlogfout').textContent = error.message;
    show('inloggen');
  }
});

$('uitloggen').addEventListener('click', () => {
  stopStream();
  sessionStorage.removeItem(tokenKey);
  location.hash = '';
  show('inloggen');
  $('wie').textContent = '';
});

for (const [value, label] of Object.entries(labels.fase)) {
  const option = document.createElement('option');
  option.value = value;
  option.textContent = label;
  $('filter-fase').append(option);
}

$('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  void guarded(() => renderList());
});
$('volgende').addEventListener('click', () => void guarded(() => renderList($('volgende').dataset.after)));
$('eerste').addEventListener('click', () => void guarded(() => renderList()));

window.addEventListener('hashchange', () => void route());
void route();
