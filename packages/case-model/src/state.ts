import { type AccessRegel, type AccessState, emptyAccess } from '@ketenhub/access';
import type {
  ActieverzoekStatus,
  CaseDomain,
  EventData,
  Procedure,
  PublisherRole,
  Termijnsoort,
} from '@ketenhub/events';
import type { IsoDate, KlokFeiten } from './clocks';

/**
 * The joined chain case ("ketenzaak") as the projection keeps it: only facts taken from events, no
 * wall-clock values (days left, overdue) — those are computed on read for a given day, so the
 * stored state depends on the events alone and a rebuild gives byte-for-byte the same JSON.
 */

export type { Deelname, Toegang } from '@ketenhub/access';

export interface Klok extends KlokFeiten {
  /** Deadlines for which the hub published `termijn-verstreken` (consumed back from Kafka). */
  verstrekenGemeld: IsoDate[];
  /** For the ingebrekestelling clock: the term the organisation is held in default for. */
  voorTermijn?: Termijnsoort;
}

/**
 * Why an event did not change the case: its publisher was not entitled (an {@link AccessRegel} of
 * the one access rule, @ketenhub/access), or the fact it would change does not allow it.
 */
export type ConflictReden =
  | AccessRegel
  | 'al-verlengd'
  | 'geen-lopende-termijn'
  | 'geen-open-aanvulling'
  | 'ander-document'
  | 'verleend-ondanks-geweigerde-instemming';

/** An event that was recorded in the timeline but did not change an owner's fact. */
export interface Conflict {
  source: string;
  eventId: string;
  type: string;
  tijd: string;
  reden: ConflictReden;
  /** The fact that was protected, from the catalog's `sets.fact` where there is one. */
  feit?: string;
  /** Roles the publisher has in the case at that moment (empty: not a participant). */
  rollen: PublisherRole[];
  /** True when the publisher was not entitled (the access rule refused it); false for a fact's rule. */
  toegang: boolean;
}

export interface Actieverzoek {
  id: string;
  soort: EventData<'nl.ketens.actieverzoek-verzonden'>['soort'];
  van: string;
  aan: string;
  omschrijving: string;
  uiterlijkeDatum?: IsoDate;
  status: ActieverzoekStatus;
  historie: { status: ActieverzoekStatus; tijd: string; door: string; toelichting?: string }[];
}

export interface Document {
  documentId: string;
  titel: string;
  documentUrl: string;
  mediatype: string;
  vertrouwelijkheid: 'regulier' | 'strikt';
  sha256?: string;
  omvangInBytes?: number;
  toegevoegdDoor: string;
  tijd: string;
}

export interface WmoFeiten {
  melding?: { meldingsdatum: IsoDate; gemeentecode: string; verwijzer?: { soort: string; agbCode?: string } };
  onderzoek?: { startdatum?: IsoDate; einddatum?: IsoDate; verslagVerstrekt?: boolean };
  aanvraag?: EventData<'nl.wmo.aanvraag-ontvangen'>;
  beschikkingstermijnVerlengd?: EventData<'nl.wmo.beschikkingstermijn-verlengd'>;
  beschikking?: EventData<'nl.wmo.beschikking-afgegeven'>;
  /** Keyed by iWmo ToewijzingNummer. */
  toewijzingen: Record<
    string,
    EventData<'nl.wmo.toewijzing-verzonden'>['toewijzing'] & {
      zorgaanbieder: string;
      gemeentecode: string;
      retour?: { geaccepteerd: boolean; retourcodes: string[] };
    }
  >;
  /** Actual start/stop of care per ToewijzingNummer: owned by the care provider. */
  zorg: Record<
    string,
    {
      zorgaanbieder: string;
      begindatum?: IsoDate;
      einddatum?: IsoDate;
      redenBeeindiging?: string;
      /** Position in the case log of the event that created the entry (late joiners: nalezen). */
      positie: number;
    }
  >;
  /** Provider requests (WMO315/317) by the provider's reference, with the answer (WMO319). */
  verzoeken: Record<
    string,
    {
      soort?: 'toewijzing' | 'wijziging';
      zorgaanbieder?: string;
      details?: Record<string, unknown>;
      antwoord?: { verzoekAntwoord: 1 | 2; toelichting?: string };
      positie: number;
    }
  >;
  retourberichten: (EventData<'nl.wmo.retourbericht-verzonden'> & { positie: number })[];
  declaraties: Record<
    string,
    {
      ingediend?: Omit<EventData<'nl.wmo.declaratie-ingediend'>, 'declaratienummer'>;
      antwoord?: Omit<EventData<'nl.wmo.declaratie-beantwoord'>, 'declaratienummer'>;
      positie: number;
    }
  >;
  /** Per productcategorie (WMO405/407). */
  eigenBijdrage: Record<
    string,
    {
      gemeentecode: string;
      ingangsdatum?: IsoDate;
      einddatum?: IsoDate;
      aanleidingStart?: string;
      aanleidingStop?: string;
    }
  >;
}

export interface OmgevingswetFeiten {
  conceptverzoek?: EventData<'nl.omgevingswet.conceptverzoek-ontvangen'>;
  aanvraag?: EventData<'nl.omgevingswet.aanvraag-ontvangen'>;
  ontvangstBevestigd?: IsoDate;
  aanvullingen: (EventData<'nl.omgevingswet.aanvulling-gevraagd'> & { ontvangstdatum?: IsoDate })[];
  verlenging?: EventData<'nl.omgevingswet.beslistermijn-verlengd'>;
  adviezen: Record<
    string,
    {
      gevraagd?: Omit<EventData<'nl.omgevingswet.advies-gevraagd'>, 'adviesverzoekId'>;
      gegeven?: Omit<EventData<'nl.omgevingswet.advies-gegeven'>, 'adviesverzoekId'> & { door: string };
    }
  >;
  instemmingen: Record<
    string,
    {
      gevraagd?: Omit<EventData<'nl.omgevingswet.instemming-gevraagd'>, 'instemmingsverzoekId'>;
      besluit?: {
        uitkomst: 'verleend' | 'geweigerd';
        besluitdatum: IsoDate;
        door: string;
        voorschriften?: string[];
        motivering?: string;
      };
    }
  >;
  ontwerpbesluit?: EventData<'nl.omgevingswet.ontwerpbesluit-ter-inzage-gelegd'>;
  zienswijzen: Record<string, Omit<EventData<'nl.omgevingswet.zienswijze-ontvangen'>, 'zienswijzeId'>>;
  besluit?:
    | ({ soort: 'besluit' } & EventData<'nl.omgevingswet.besluit-genomen'>)
    | ({ soort: 'buiten-behandeling' } & EventData<'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld'>);
  bekendmaking?: EventData<'nl.omgevingswet.besluit-bekendgemaakt'>;
  bezwaren: Record<string, { ontvangstdatum: IsoDate }>;
  beroepen: Record<string, { ingesteldOp: IsoDate; grond: 'tegen-besluit' | 'niet-tijdig-beslissen' }>;
  ingetrokken?: IsoDate;
}

export type Fase =
  | 'onvolledig'
  | 'geopend'
  // WMO
  | 'melding'
  | 'onderzoek'
  | 'aanvraag'
  | 'beschikking'
  | 'toewijzing'
  | 'zorg'
  | 'afgesloten'
  // Omgevingswet
  | 'vooroverleg'
  | 'aanvulling'
  | 'advies'
  | 'ontwerpbesluit'
  | 'besluit'
  | 'bekendgemaakt'
  | 'bezwaar'
  | 'beroep'
  | 'buiten-behandeling'
  | 'ingetrokken';

export const fasen: readonly Fase[] = [
  'onvolledig',
  'geopend',
  'melding',
  'onderzoek',
  'aanvraag',
  'beschikking',
  'toewijzing',
  'zorg',
  'afgesloten',
  'vooroverleg',
  'aanvulling',
  'advies',
  'ontwerpbesluit',
  'besluit',
  'bekendgemaakt',
  'bezwaar',
  'beroep',
  'buiten-behandeling',
  'ingetrokken',
];

/**
 * Where an event is in the log: the fold order. All events of a chain case are on one partition
 * (key = chain case id), so this is the case's own order, the same for every consumer and rebuild.
 */
export interface Plaats {
  topic: string;
  partitie: number;
  offset: number;
}

export interface CaseState {
  id: string;
  /** Null until the opening event has been seen (events may arrive before it). */
  domein: CaseDomain | null;
  procedure: Procedure | null;
  fase: Fase;
  geopendOp: string | null;
  geslotenOp: string | null;
  /** Who takes part, invitations and who asked whom: the one access rule's state of this case. */
  access: AccessState;
  /** Citizen data for the roles that need it; the BSN never leaves through a role without that need. */
  client: { bsn?: string; gemeentecode?: string };
  klokken: Partial<Record<Termijnsoort, Klok>>;
  actieverzoeken: Record<string, Actieverzoek>;
  documenten: Record<string, Document>;
  ingebrekestellingen: EventData<'nl.ketens.ingebrekestelling-ontvangen'>[];
  wmo: WmoFeiten;
  omgevingswet: OmgevingswetFeiten;
  conflicten: Conflict[];
  aantalEvents: number;
  /** Where the last folded event is in the log; an arrival before it makes the consumer refold. */
  laatste: Plaats | null;
}

export function emptyCase(id: string): CaseState {
  return {
    id,
    domein: null,
    procedure: null,
    fase: 'onvolledig',
    geopendOp: null,
    geslotenOp: null,
    access: emptyAccess(),
    client: {},
    klokken: {},
    actieverzoeken: {},
    documenten: {},
    ingebrekestellingen: [],
    wmo: {
      toewijzingen: {},
      zorg: {},
      verzoeken: {},
      retourberichten: [],
      declaraties: {},
      eigenBijdrage: {},
    },
    omgevingswet: {
      aanvullingen: [],
      adviezen: {},
      instemmingen: {},
      zienswijzen: {},
      bezwaren: {},
      beroepen: {},
    },
    conflicten: [],
    aantalEvents: 0,
    laatste: null,
  };
}
