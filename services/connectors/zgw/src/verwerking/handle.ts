import type { z } from 'zod';
import { type Bron, type ZaaktypeMapping, zaaktypeOf } from '../config/config';
import { gerelateerdeZaken, type Herkomst, koppelingVan } from '../mapping/koppeling';
import {
  besluitEvent,
  documentEvent,
  findBesluitMapping,
  findResultaatMapping,
  findStatusMapping,
  initiatorBsn,
  type Mapped,
  needsBsn,
  openingEvent,
  type PreparedEvent,
  sluitingEvent,
  statusEvent,
} from '../mapping/map';
import { type Reden, redenen } from '../mapping/redenen';
import type { Fetched, FetchFailure, ZgwClient } from '../zgw/client';
import {
  besluitSchema,
  besluittypeSchema,
  enkelvoudiginformatieobjectSchema,
  pageSchema,
  type Resultaat,
  type Resultaattype,
  resultaatSchema,
  resultaattypeSchema,
  rolSchema,
  type Statustype,
  statusSchema,
  statustypeSchema,
  type Zaak,
  zaakinformatieobjectSchema,
  zaakSchema,
} from '../zgw/resources';

/**
 * Handles one notification: reads what it needs from the source's ZGW APIs, decides the chain case,
 * and maps with the pure functions of mapping/. The answer is a value the worker stores in one
 * transaction (the link, the events, the outcome), or "later" when a ZGW API could not be reached.
 *
 * Out of order is the normal case (Open Notificaties does not order, and retries what failed): no
 * notification relies on an earlier one having been handled. Each one reads the zaak as it is now and
 * the chain case is derived from the zaak, so a status that arrives before its zaak's create opens
 * the chain case itself, with the same deterministic ids the create will produce.
 */

export interface StoredNotificatie {
  id: string;
  kanaal: string;
  resource: string;
  actie: string;
  hoofdObject: string;
  resourceUrl: string;
  aanmaakdatum: string;
}

export interface NieuweKoppeling {
  zaakUrl: string;
  ketenzaakId: string;
  herkomst: Herkomst;
}

/** An event to enqueue; `eigen` when it is the notification's own fact (which decides its outcome). */
export interface TeVersturen {
  event: PreparedEvent;
  eigen: boolean;
}

export type Uitkomst =
  | {
      kind: 'klaar';
      /**
       * In the order they go to the hub: the opening, the zaak's earlier lifecycle facts, the
       * notification's own facts, the closing. Those already in the outbox are skipped by id.
       */
      events: TeVersturen[];
      /** Why the notification's own fact is not among them. */
      reden?: Reden;
      detail?: string;
      koppeling?: NieuweKoppeling;
      zaakUrl?: string;
    }
  | { kind: 'later'; reason: string; zaakUrl?: string };

export interface HandleDeps {
  bron: Bron;
  zgw: ZgwClient;
  /** The existing link of a zaak, if any. */
  koppelingVan(zaakUrl: string): Promise<{ ketenzaakId: string; herkomst: Herkomst } | undefined>;
  /** Which of these zaken are linked, to which chain case. */
  gekoppeld(zaakUrls: readonly string[]): Promise<Map<string, string>>;
}

/** A fetch failure as the outcome of the notification. */
function gefaald(failure: FetchFailure, zaakUrl?: string): Uitkomst {
  const at = zaakUrl ? { zaakUrl } : {};
  switch (failure.kind) {
    case 'unavailable':
      return { kind: 'later', reason: `${failure.url}: ${failure.reason}`, ...at };
    case 'gone':
      return geen('resource-niet-gevonden', `${failure.url} answered ${failure.status}`, at);
    case 'outside':
      return geen(
        'url-buiten-zgw-api',
        `${failure.url} is not under the source's configured ZGW API roots`,
        at,
      );
    case 'invalid':
      return geen('zgw-ongeldig', `${failure.url}: ${failure.reason}`, at);
  }
}

function geen(reden: Reden, detail: string, rest: { zaakUrl?: string } = {}): Uitkomst {
  return { kind: 'klaar', events: [], reden, detail, ...rest };
}

/** The chain case of a zaak, with what linking it requires. */
interface ZaakContext {
  zaak: Zaak;
  zaaktype: ZaaktypeMapping | undefined;
  caseId: string;
  /** The opening, when the connector opened (or opens) the case: it goes before everything else. */
  opening?: PreparedEvent;
  koppeling?: NieuweKoppeling;
}

async function zaakContext(deps: HandleDeps, zaakUrl: string): Promise<ZaakContext | Uitkomst> {
  const fetched = await deps.zgw.get(zaakUrl, zaakSchema);
  if (!fetched.ok) return gefaald(fetched, zaakUrl);
  const zaak = fetched.value;
  const zaaktype = zaaktypeOf(deps.bron, zaak.zaaktype);
  // Every notification of a zaak the connector opened carries the opening along: stored once (by its
  // id), it is in the outbox before the first event of the case whichever notification came first.
  const opening = (caseId: string) =>
    zaaktype ? { opening: openingEvent(deps.bron, zaak, zaaktype, caseId) } : {};
  const existing = await deps.koppelingVan(zaakUrl);
  if (existing) {
    const caseId = existing.ketenzaakId;
    return { zaak, zaaktype, caseId, ...(existing.herkomst === 'zaaktype' ? opening(caseId) : {}) };
  }
  const decision = koppelingVan(deps.bron, zaak, zaaktype, await deps.gekoppeld(gerelateerdeZaken(zaak)));
  switch (decision.kind) {
    case 'gekoppeld':
      return {
        zaak,
        zaaktype,
        caseId: decision.caseId,
        koppeling: { zaakUrl, ketenzaakId: decision.caseId, herkomst: decision.herkomst },
      };
    case 'openen':
      return {
        zaak,
        zaaktype,
        caseId: decision.caseId,
        ...opening(decision.caseId),
        koppeling: { zaakUrl, ketenzaakId: decision.caseId, herkomst: 'zaaktype' },
      };
    case 'wachten':
      return geen(
        'wacht-op-koppeling',
        'zaken of this zaaktype join a chain case opened elsewhere: link the zaak (PUT /links)',
        { zaakUrl },
      );
    case 'onbekend':
      return geen(
        'zaaktype-onbekend',
        `zaaktype ${zaak.zaaktype} is not configured for this source and nothing links the zaak`,
        { zaakUrl },
      );
  }
}

const isContext = (value: ZaakContext | Uitkomst): value is ZaakContext => 'zaak' in value;

async function fetchAll<S extends z.ZodType>(
  zgw: ZgwClient,
  url: string,
  item: S,
): Promise<Fetched<z.infer<S>[]>> {
  const out: z.infer<S>[] = [];
  let next: string | null | undefined = url;
  // A zaak has a handful of statussen and rollen; the bound only stops a provider that pages for ever.
  for (let page = 0; next && page < 50; page++) {
    const fetched: Fetched<{ results: z.infer<S>[]; next?: string | null | undefined }> = await zgw.get(
      next,
      pageSchema(item),
    );
    if (!fetched.ok) return fetched;
    out.push(...fetched.value.results);
    next = fetched.value.next;
  }
  return { ok: true, value: out };
}

const listUrl = (bron: Bron, collection: string, zaak: Zaak) =>
  `${bron.zgw.zaken.replace(/\/+$/, '')}/${collection}?zaak=${encodeURIComponent(zaak.url)}`;

/** The BSN for facts that need it: from the zaak's rollen, asked for by zaak (never by person). */
async function bsnVoor(deps: HandleDeps, zaak: Zaak): Promise<Fetched<string | undefined>> {
  const rollen = await fetchAll(deps.zgw, listUrl(deps.bron, 'rollen', zaak), rolSchema);
  if (!rollen.ok) return rollen;
  return { ok: true, value: initiatorBsn(rollen.value) };
}

const at = (instant: string) => Date.parse(instant);

/**
 * The zaak's lifecycle facts up to a moment, in the order the zaak went through them: every status
 * with a datumStatusGezet up to `tot` (all of them for `alles`), oldest first, mapped by its
 * statustype. Every notification on a zaak replays this before its own fact, so the hub's log follows
 * the zaak's history whatever order the notifications came in (a late "aanvraag ontvangen" cannot
 * land after the withdrawal that followed it). Facts already published are skipped by their ids.
 * `zonder` is the notification's own status, mapped by the caller.
 */
async function levensloop(
  deps: HandleDeps,
  ctx: ZaakContext,
  zaaktype: ZaaktypeMapping,
  tot: string | 'alles',
  zonder?: string,
): Promise<{ events: PreparedEvent[]; bsn: string | undefined } | Uitkomst> {
  const list = await fetchAll(deps.zgw, listUrl(deps.bron, 'statussen', ctx.zaak), statusSchema);
  if (!list.ok) return gefaald(list, ctx.zaak.url);
  const grens = tot === 'alles' ? Number.POSITIVE_INFINITY : at(tot);
  const statussen = list.value
    .filter((s) => s.url !== zonder && at(s.datumStatusGezet) <= grens)
    .sort((a, b) => at(a.datumStatusGezet) - at(b.datumStatusGezet) || a.url.localeCompare(b.url));
  const typen: Statustype[] = [];
  for (const s of statussen) {
    const t = await deps.zgw.get(s.statustype, statustypeSchema);
    if (!t.ok) return gefaald(t, ctx.zaak.url);
    typen.push(t.value);
  }
  let bsn: string | undefined;
  if (typen.some((t) => needsBsn(findStatusMapping(zaaktype, t)?.event ?? null))) {
    const b = await bsnVoor(deps, ctx.zaak);
    if (!b.ok) return gefaald(b, ctx.zaak.url);
    bsn = b.value;
  }
  const events = statussen.flatMap((s, i) => {
    // Unmapped or event-less statuses add nothing here; their own notification keeps the reason.
    const mapped = statusEvent({ ...feitCtx(deps, ctx, zaaktype), bsn }, s, typen[i]!);
    return mapped.kind === 'events' ? mapped.events : [];
  });
  return { events, bsn };
}

/** The closing fact, when the zaak is closed: reads its resultaat and the resultaat's type. */
async function sluiting(
  deps: HandleDeps,
  ctx: ZaakContext,
  zaaktype: ZaaktypeMapping,
  bsn: string | undefined,
): Promise<Mapped | Uitkomst> {
  if (!ctx.zaak.einddatum)
    return { kind: 'geen', reden: 'geen-sluiting', detail: 'the zaak has no einddatum' };
  if (zaaktype.resultaten.length === 0) {
    return {
      kind: 'geen',
      reden: 'sluiting-niet-gemapt',
      detail: 'the zaaktype maps no resultaat to a closing event',
    };
  }
  let resultaat: Resultaat | undefined;
  let resultaattype: Resultaattype | undefined;
  if (ctx.zaak.resultaat) {
    const r = await deps.zgw.get(ctx.zaak.resultaat, resultaatSchema);
    if (!r.ok) return gefaald(r, ctx.zaak.url);
    resultaat = r.value;
    const t = await deps.zgw.get(resultaat.resultaattype, resultaattypeSchema);
    if (!t.ok) return gefaald(t, ctx.zaak.url);
    resultaattype = t.value;
  }
  let withBsn = bsn;
  if (!withBsn && resultaattype && needsBsn(findResultaatMapping(zaaktype, resultaattype)?.event ?? null)) {
    const b = await bsnVoor(deps, ctx.zaak);
    if (!b.ok) return gefaald(b, ctx.zaak.url);
    withBsn = b.value;
  }
  return sluitingEvent({ ...feitCtx(deps, ctx, zaaktype), bsn: withBsn }, resultaat, resultaattype);
}

const isUitkomst = (value: Mapped | Uitkomst | { events: PreparedEvent[] }): value is Uitkomst =>
  'kind' in value && (value.kind === 'klaar' || value.kind === 'later');

function feitCtx(deps: HandleDeps, ctx: ZaakContext, zaaktype: ZaaktypeMapping) {
  return { bron: deps.bron, zaak: ctx.zaak, zaaktype, caseId: ctx.caseId };
}

/**
 * The outcome: what comes first (the opening, earlier lifecycle facts), then the notification's own
 * mappings, then what follows (the closing). The own mappings decide whether it is verwerkt; if none
 * produced an event, the first reason (an onverwerkt one before a genegeerd one) is kept.
 */
function uit(ctx: ZaakContext, vooraf: PreparedEvent[], eigen: Mapped[], na: PreparedEvent[] = []): Uitkomst {
  const eigenEvents = eigen.flatMap((m) => (m.kind === 'events' ? m.events : []));
  const events: TeVersturen[] = [
    ...(ctx.opening ? [ctx.opening] : []).map((event) => ({ event, eigen: false })),
    ...vooraf.map((event) => ({ event, eigen: false })),
    ...eigenEvents.map((event) => ({ event, eigen: true })),
    ...na.map((event) => ({ event, eigen: false })),
  ];
  const base = { zaakUrl: ctx.zaak.url, ...(ctx.koppeling ? { koppeling: ctx.koppeling } : {}) };
  const reasons = eigen.filter((m): m is Extract<Mapped, { kind: 'geen' }> => m.kind === 'geen');
  if (eigenEvents.length > 0) {
    const detail = reasons.map((r) => `${r.reden}: ${r.detail}`).join('; ');
    return { kind: 'klaar', events, ...base, ...(detail ? { detail } : {}) };
  }
  const first = reasons.find((r) => redenen[r.reden] !== 'genegeerd') ?? reasons[0];
  return {
    kind: 'klaar',
    events,
    ...base,
    reden: first?.reden ?? 'niet-van-belang',
    ...(first ? { detail: first.detail } : {}),
  };
}

const zaaktypeOnbekend = (ctx: ZaakContext): Mapped => ({
  kind: 'geen',
  reden: 'zaaktype-onbekend',
  detail: `zaaktype ${ctx.zaak.zaaktype} is not configured for this source: only documents are mapped`,
});

export async function handle(deps: HandleDeps, n: StoredNotificatie): Promise<Uitkomst> {
  if (n.kanaal === 'zaken') {
    switch (n.resource) {
      case 'zaak':
        if (n.actie === 'create' || n.actie === 'update' || n.actie === 'partial_update') {
          return zaakGewijzigd(deps, n);
        }
        if (n.actie === 'destroy') {
          return geen(
            'zaak-verwijderd',
            'the chain case keeps its events: a deleted zaak withdraws no facts from the log',
            {
              zaakUrl: n.resourceUrl,
            },
          );
        }
        break;
      case 'status':
        if (n.actie === 'create') return statusGezet(deps, n);
        break;
      case 'resultaat':
        if (n.actie === 'create' || n.actie === 'update' || n.actie === 'partial_update') {
          return resultaatGezet(deps, n);
        }
        break;
      case 'zaakinformatieobject':
        if (n.actie === 'create') return documentToegevoegd(deps, n);
        break;
    }
    return geen('niet-van-belang', `${n.resource} ${n.actie} maps to no hub event`, {
      zaakUrl: n.hoofdObject,
    });
  }
  if (n.kanaal === 'besluiten') {
    if (n.resource === 'besluit' && n.actie === 'create') return besluitGenomen(deps, n);
    return geen('niet-van-belang', `${n.resource} ${n.actie} maps to no hub event`);
  }
  return geen('kanaal-onbekend', `kanaal ${n.kanaal} is not mapped (zaken and besluiten are)`);
}

/**
 * A zaak created or changed: its own fact is the opening (create) or the closing (update); the
 * zaak's lifecycle so far comes along, since the zaak is read as it is now.
 */
async function zaakGewijzigd(deps: HandleDeps, n: StoredNotificatie): Promise<Uitkomst> {
  const ctx = await zaakContext(deps, n.resourceUrl);
  if (!isContext(ctx)) return ctx;
  if (!ctx.zaaktype) {
    return uit(
      ctx,
      [],
      [{ kind: 'geen', reden: 'al-gekoppeld', detail: 'the zaak is linked; its zaaktype maps nothing' }],
    );
  }
  const lifecycle = await levensloop(deps, ctx, ctx.zaaktype, 'alles');
  if (isUitkomst(lifecycle)) return lifecycle;
  const closing = await sluiting(deps, ctx, ctx.zaaktype, lifecycle.bsn);
  if (isUitkomst(closing)) return closing;
  if (n.actie === 'create') {
    const own: Mapped = ctx.opening
      ? { kind: 'events', events: [ctx.opening] }
      : { kind: 'geen', reden: 'al-gekoppeld', detail: `linked to chain case ${ctx.caseId}` };
    return uit(
      { ...ctx, opening: undefined },
      [],
      [own],
      [...lifecycle.events, ...(closing.kind === 'events' ? closing.events : [])],
    );
  }
  return uit(ctx, lifecycle.events, [closing]);
}

async function statusGezet(deps: HandleDeps, n: StoredNotificatie): Promise<Uitkomst> {
  const status = await deps.zgw.get(n.resourceUrl, statusSchema);
  if (!status.ok) return gefaald(status, n.hoofdObject);
  const ctx = await zaakContext(deps, status.value.zaak);
  if (!isContext(ctx)) return ctx;
  if (!ctx.zaaktype) return uit(ctx, [], [zaaktypeOnbekend(ctx)]);
  const statustype = await deps.zgw.get(status.value.statustype, statustypeSchema);
  if (!statustype.ok) return gefaald(statustype, ctx.zaak.url);
  const before = await levensloop(deps, ctx, ctx.zaaktype, status.value.datumStatusGezet, status.value.url);
  if (isUitkomst(before)) return before;
  let bsn = before.bsn;
  if (!bsn && needsBsn(findStatusMapping(ctx.zaaktype, statustype.value)?.event ?? null)) {
    const b = await bsnVoor(deps, ctx.zaak);
    if (!b.ok) return gefaald(b, ctx.zaak.url);
    bsn = b.value;
  }
  const own = statusEvent({ ...feitCtx(deps, ctx, ctx.zaaktype), bsn }, status.value, statustype.value);
  // A final status closes the zaak (Open Zaak sets einddatum with it and sends no zaak update).
  if (statustype.value.isEindstatus) {
    const closing = await sluiting(deps, ctx, ctx.zaaktype, bsn);
    if (isUitkomst(closing)) return closing;
    return uit(ctx, before.events, [own, closing]);
  }
  return uit(ctx, before.events, [own]);
}

/** A resultaat is the closing fact's input; it maps when the zaak is closed already (set after the end). */
async function resultaatGezet(deps: HandleDeps, n: StoredNotificatie): Promise<Uitkomst> {
  const ctx = await zaakContext(deps, n.hoofdObject);
  if (!isContext(ctx)) return ctx;
  if (!ctx.zaaktype) return uit(ctx, [], [zaaktypeOnbekend(ctx)]);
  if (!ctx.zaak.einddatum) {
    return uit(
      ctx,
      [],
      [{ kind: 'geen', reden: 'zaak-nog-open', detail: 'the resultaat is mapped when the zaak closes' }],
    );
  }
  const lifecycle = await levensloop(deps, ctx, ctx.zaaktype, 'alles');
  if (isUitkomst(lifecycle)) return lifecycle;
  const closing = await sluiting(deps, ctx, ctx.zaaktype, lifecycle.bsn);
  if (isUitkomst(closing)) return closing;
  return uit(ctx, lifecycle.events, [closing]);
}

async function documentToegevoegd(deps: HandleDeps, n: StoredNotificatie): Promise<Uitkomst> {
  const zio = await deps.zgw.get(n.resourceUrl, zaakinformatieobjectSchema);
  if (!zio.ok) return gefaald(zio, n.hoofdObject);
  const ctx = await zaakContext(deps, zio.value.zaak);
  if (!isContext(ctx)) return ctx;
  // Documents are chain-level: a zaak linked without a zaaktype mapping still shares its documents.
  if (ctx.zaaktype && !ctx.zaaktype.documenten) {
    return uit(
      ctx,
      [],
      [{ kind: 'geen', reden: 'documenten-uit', detail: 'the zaaktype maps no documents' }],
    );
  }
  let before: PreparedEvent[] = [];
  if (ctx.zaaktype) {
    const lifecycle = await levensloop(deps, ctx, ctx.zaaktype, zio.value.registratiedatum ?? n.aanmaakdatum);
    if (isUitkomst(lifecycle)) return lifecycle;
    before = lifecycle.events;
  }
  const eio = await deps.zgw.get(zio.value.informatieobject, enkelvoudiginformatieobjectSchema);
  if (!eio.ok) return gefaald(eio, ctx.zaak.url);
  return uit(ctx, before, [
    documentEvent({ bron: deps.bron, caseId: ctx.caseId }, zio.value, eio.value, n.aanmaakdatum),
  ]);
}

async function besluitGenomen(deps: HandleDeps, n: StoredNotificatie): Promise<Uitkomst> {
  const besluit = await deps.zgw.get(n.resourceUrl, besluitSchema);
  if (!besluit.ok) return gefaald(besluit);
  const zaakUrl = besluit.value.zaak;
  if (!zaakUrl) return geen('besluit-zonder-zaak', 'the besluit belongs to no zaak, so to no chain case');
  const ctx = await zaakContext(deps, zaakUrl);
  if (!isContext(ctx)) return ctx;
  if (!ctx.zaaktype) return uit(ctx, [], [zaaktypeOnbekend(ctx)]);
  let besluittype = { url: besluit.value.besluittype } as { url: string; omschrijving?: string | undefined };
  if (!findBesluitMapping(ctx.zaaktype, besluittype)) {
    // Not configured by URL: read the type for its omschrijving.
    const t = await deps.zgw.get(besluit.value.besluittype, besluittypeSchema);
    if (!t.ok) return gefaald(t, ctx.zaak.url);
    besluittype = t.value;
  }
  // The statuses set before the besluit was registered come first (a beschikking after its aanvraag).
  const lifecycle = await levensloop(deps, ctx, ctx.zaaktype, n.aanmaakdatum);
  if (isUitkomst(lifecycle)) return lifecycle;
  return uit(ctx, lifecycle.events, [
    besluitEvent(feitCtx(deps, ctx, ctx.zaaktype), besluit.value, besluittype, n.aanmaakdatum),
  ]);
}
