import { type AccessType, accessTypes } from '@ketenhub/access';
import { type HandlerTable, type TypesOf, voorElk, weiger } from './handler';
import { startKlok } from './klokken';

/** The types of the access rule that also set a fact of the case (their handlers are below). */
const ookZaakfeit = [
  'nl.ketens.ketenzaak-geopend',
  'nl.ketens.actieverzoek-verzonden',
  'nl.omgevingswet.advies-gevraagd',
  'nl.omgevingswet.instemming-gevraagd',
] as const satisfies readonly AccessType[];

/** The types that change participation only: the access rule's types, less those. */
const alleenDeelname = accessTypes.filter(
  (t): t is Exclude<AccessType, (typeof ookZaakfeit)[number]> =>
    !(ookZaakfeit as readonly string[]).includes(t),
);

/**
 * Chain-level events (`nl.ketens.*`): the opening, participation, actieverzoeken, documents, the
 * hub's clock notices and the ingebrekestelling. Participation itself lives in the access state,
 * which the guard (evolve.ts) applied before any handler runs.
 */
export const ketensHandlers: HandlerTable<TypesOf<'ketens'>> = {
  'nl.ketens.ketenzaak-geopend': (s, e) => {
    const d = e.data;
    s.domein = d.domein;
    if (d.procedure && !s.omgevingswet.aanvraag) s.procedure = d.procedure;
    s.geopendOp ??= e.time;
  },
  // Participation lives in the access state (applied by the guard); nothing else of the case changes.
  ...voorElk(alleenDeelname, () => {}),
  'nl.ketens.actieverzoek-verzonden': (s, e, f) => {
    const d = e.data;
    const bestaand = s.actieverzoeken[d.actieverzoekId];
    s.actieverzoeken[d.actieverzoekId] = {
      id: d.actieverzoekId,
      soort: d.soort,
      van: d.van,
      aan: d.aan,
      omschrijving: d.omschrijving,
      ...(d.uiterlijkeDatum ? { uiterlijkeDatum: d.uiterlijkeDatum } : {}),
      status: bestaand?.status ?? 'OPEN',
      historie: bestaand?.historie ?? [{ status: 'OPEN', tijd: e.time, door: f.door }],
    };
  },
  // The answers to and the closing of an existing actieverzoek. Who may answer (the receiver) or
  // close (the requester) was decided by the access rule.
  ...voorElk(
    [
      'nl.ketens.actieverzoek-in-behandeling-genomen',
      'nl.ketens.actieverzoek-geweigerd',
      'nl.ketens.actieverzoek-gereedgemeld',
      'nl.ketens.actieverzoek-ingetrokken',
      'nl.ketens.actieverzoek-afgerond',
    ],
    (s, e, f) => {
      const d = e.data;
      const av = s.actieverzoeken[d.actieverzoekId];
      if (!av) return;
      av.status = d.status;
      av.historie.push({
        status: d.status,
        tijd: e.time,
        door: f.door,
        ...(d.toelichting ? { toelichting: d.toelichting } : {}),
      });
    },
  ),
  'nl.ketens.document-toegevoegd': (s, e, f) => {
    const d = e.data;
    const bestaand = s.documenten[d.documentId];
    if (bestaand && bestaand.toegevoegdDoor !== f.sourceOin) {
      weiger(s, e, f, 'ander-document', 'document');
      return;
    }
    s.documenten[d.documentId] = { ...d, toegevoegdDoor: f.door, tijd: e.time };
  },
  'nl.ketens.termijn-verstreken': (s, e) => {
    const k = s.klokken[e.data.termijn];
    if (k && !k.verstrekenGemeld.includes(e.data.termijnEinde)) k.verstrekenGemeld.push(e.data.termijnEinde);
  },
  'nl.ketens.ingebrekestelling-ontvangen': (s, e) => {
    s.ingebrekestellingen.push(e.data);
    startKlok(s, 'ingebrekestelling', e.data.ontvangstdatum, { voorTermijn: e.data.termijn });
  },
};
