import { z } from 'zod';
import { defineEvent } from './definition';
import { isoDateSchema, oinSchema, referenceUrlSchema, uuidSchema } from './identifiers';
import { caseDomains, participantRoles } from './roles';
import { addRuleIssue, rules } from './rules';

/**
 * Chain-level events (`nl.ketens.*`): opening a chain case, joining it, actieverzoeken, documents and
 * the clock events the hub derives. They are domain independent and travel on the Kafka topic of the
 * case's domain so that one chain case stays in one partition, in order.
 */

/**
 * Legal clocks the hub keeps per chain case (DOMAIN.md section 6), with term and source article.
 * Articles were checked against law texts and commentaries (docs/projection.md, "Legal sources").
 */
export const termijnen = {
  'wmo-onderzoek': { termijn: '6 weken na de melding', grondslag: 'Wmo 2015 art. 2.3.2 lid 1' },
  'wmo-beschikking': {
    termijn: '2 weken na de aanvraag',
    grondslag: 'Wmo 2015 art. 2.3.5 lid 2',
  },
  'omgevingswet-beslistermijn-regulier': {
    termijn: '8 weken na ontvangst, eenmaal te verlengen met ten hoogste 6 weken',
    grondslag: 'Omgevingswet art. 16.64 lid 1 en 2',
  },
  'omgevingswet-beslistermijn-uitgebreid': {
    termijn: '6 maanden na ontvangst, eenmaal te verlengen met 6 weken',
    grondslag: 'Awb art. 3:18 lid 1 en 2',
  },
  'omgevingswet-aanvulling': {
    termijn: 'door het bevoegd gezag gestelde termijn',
    grondslag: 'Awb art. 4:5',
  },
  'omgevingswet-zienswijzen': { termijn: '6 weken ter inzage', grondslag: 'Awb art. 3:16 lid 1' },
  'omgevingswet-bezwaar': { termijn: '6 weken na bekendmaking', grondslag: 'Awb art. 6:7' },
  'omgevingswet-beroep': { termijn: '6 weken na bekendmaking', grondslag: 'Awb art. 6:7' },
  ingebrekestelling: {
    termijn: '2 weken na ontvangst, daarna loopt de dwangsom',
    grondslag: 'Awb art. 4:17 lid 3',
  },
} as const;

/** Identifier of a legal clock. */
export type Termijnsoort = keyof typeof termijnen;

/** All clock identifiers. */
export const termijnsoorten = Object.keys(termijnen) as Termijnsoort[];

const termijnsoortSchema = z.enum(termijnsoorten as [Termijnsoort, ...Termijnsoort[]]);

const systeemSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { error: 'must be a system name as in the source URN' })
  .meta({ description: 'System name as used in the source URN' });

const zaakreferentieSchema = z
  .string()
  .min(1)
  .max(100)
  .meta({ description: 'Local case number in the organisation’s own case system' });

/** DSO Samenwerkfunctionaliteit access: `beperkt` (BT) sees only regular documents, `volledig` (VT) all. */
export const toegangsniveaus = ['beperkt', 'volledig'] as const;

/** Confidentiality of a shared document; `strikt` documents are shown only to partners with full access. */
export const vertrouwelijkheden = ['regulier', 'strikt'] as const;

/** DSO actieverzoek statuses; each status change is its own event type (see below). */
export const actieverzoekStatussen = [
  'OPEN',
  'IN_BEHANDELING',
  'GEWEIGERD',
  'INGETROKKEN',
  'GEREEDGEMELD',
  'GEREED',
] as const;

/** Status of an actieverzoek. */
export type ActieverzoekStatus = (typeof actieverzoekStatussen)[number];

export const ketenzaakGeopend = defineEvent({
  type: 'nl.ketens.ketenzaak-geopend',
  domain: 'ketens',
  data: z
    .strictObject({
      domein: z.enum(caseDomains),
      oin: oinSchema,
      rol: z.enum(participantRoles),
      systeem: systeemSchema,
      zaakreferentie: zaakreferentieSchema,
      procedure: z.enum(['regulier', 'uitgebreid']).optional(),
    })
    .check(
      rules((data, ctx) => {
        if (data.procedure !== undefined && data.domein !== 'omgevingswet') {
          addRuleIssue(ctx, ['procedure'], 'procedure', 'only an omgevingswet chain case has a procedure');
        }
      }),
    ),
  description: {
    nl: 'Een ketenzaak is geopend: de organisatie die de keten start koppelt haar lokale zaak aan een nieuw ketenzaak-id (het subject).',
    en: 'A chain case was opened: the organisation starting the chain links its local case to a new chain case id (the subject).',
  },
  publishers: ['gemeente', 'bevoegd-gezag', 'omgevingsdienst'],
  consumers: ['ketenhub'],
  clockEffect: 'Geen; de termijnen starten bij de melding of de ontvangst van de aanvraag.',
  personalData: false,
  zichtbaarheid: { soort: 'deelnemers' },
  nalezen: true,
  sets: { fact: 'ketenzaak, domein en opener', owners: ['gemeente', 'bevoegd-gezag', 'omgevingsdienst'] },
});

/**
 * Roles that may grant participation (add, invite, change access, remove), besides the opener of
 * the case: the gemeente in WMO, the bevoegd gezag and the omgevingsdienst that prepares its
 * decision in the Omgevingswet. Participation is granted by them, never claimed (docs/access.md).
 */
export const deelnameEigenarenPerDomein = {
  wmo: ['gemeente'],
  omgevingswet: ['bevoegd-gezag', 'omgevingsdienst'],
} as const satisfies Record<(typeof caseDomains)[number], readonly (typeof participantRoles)[number][]>;

/** Every role that owns participation in some domain: the publishers of the participation events. */
export const deelnameEigenaren = ['gemeente', 'bevoegd-gezag', 'omgevingsdienst'] as const;

const uitnodigingIdSchema = uuidSchema.meta({ description: 'Id of the invitation, chosen by the inviter' });
const redenSchema = z.string().min(1).max(500).optional();

export const deelnemerAangesloten = defineEvent({
  type: 'nl.ketens.deelnemer-aangesloten',
  domain: 'ketens',
  data: z.strictObject({
    oin: oinSchema,
    naam: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'Name of the organisation (not a person)' }),
    rol: z.enum(participantRoles),
    systeem: systeemSchema,
    zaakreferentie: zaakreferentieSchema,
    toegang: z.enum(toegangsniveaus).meta({ description: 'beperkt (BT) or volledig (VT) access' }),
  }),
  description: {
    nl: 'Een eigenaar van de ketenzaak heeft een organisatie als deelnemer toegevoegd, met haar systeem en lokale zaaknummer, een rol en een toegangsniveau.',
    en: 'An owner of the chain case added an organisation as participant, with its system and local case number, a role and an access level.',
  },
  publishers: deelnameEigenaren,
  consumers: ['ketenhub', 'gemeente', 'bevoegd-gezag', 'omgevingsdienst', 'zorgaanbieder', 'cak', 'adviseur'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'deelnemers' },
  nalezen: true,
  sets: { fact: 'deelnemer en toegangsniveau', owners: deelnameEigenaren },
});

export const deelnemerUitgenodigd = defineEvent({
  type: 'nl.ketens.deelnemer-uitgenodigd',
  domain: 'ketens',
  data: z.strictObject({
    uitnodigingId: uitnodigingIdSchema,
    oin: oinSchema.meta({ description: 'OIN of the invited organisation' }),
    naam: z.string().min(1).max(200).optional().meta({ description: 'Name of the organisation' }),
    rol: z.enum(participantRoles),
    toegang: z.enum(toegangsniveaus).meta({ description: 'beperkt (BT) or volledig (VT) access' }),
    toelichting: z.string().max(2000).optional(),
  }),
  description: {
    nl: 'Een eigenaar van de ketenzaak nodigt een organisatie uit om deel te nemen, met een rol en een toegangsniveau; zij neemt pas deel als zij de uitnodiging aanvaardt.',
    en: 'An owner of the chain case invited an organisation to take part, with a role and an access level; it takes part once it accepts.',
  },
  publishers: deelnameEigenaren,
  consumers: ['ketenhub', 'gemeente', 'bevoegd-gezag', 'omgevingsdienst', 'zorgaanbieder', 'cak', 'adviseur'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'uitnodiging' },
  nalezen: true,
  sets: { fact: 'uitnodiging', owners: deelnameEigenaren },
});

export const uitnodigingAanvaard = defineEvent({
  type: 'nl.ketens.uitnodiging-aanvaard',
  domain: 'ketens',
  data: z.strictObject({
    uitnodigingId: uitnodigingIdSchema,
    systeem: systeemSchema,
    zaakreferentie: zaakreferentieSchema,
  }),
  description: {
    nl: 'De uitgenodigde organisatie aanvaardt de uitnodiging met haar eigen systeem en lokale zaaknummer en neemt vanaf nu deel.',
    en: 'The invited organisation accepted the invitation with its own system and local case number and takes part from now on.',
  },
  publishers: participantRoles,
  consumers: ['ketenhub', 'gemeente', 'bevoegd-gezag', 'omgevingsdienst'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'deelnemers' },
  nalezen: true,
});

export const uitnodigingAfgewezen = defineEvent({
  type: 'nl.ketens.uitnodiging-afgewezen',
  domain: 'ketens',
  data: z.strictObject({ uitnodigingId: uitnodigingIdSchema, reden: redenSchema }),
  description: {
    nl: 'De uitgenodigde organisatie wijst de uitnodiging af en neemt niet deel.',
    en: 'The invited organisation declined the invitation and does not take part.',
  },
  publishers: participantRoles,
  consumers: ['ketenhub', 'gemeente', 'bevoegd-gezag', 'omgevingsdienst'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'uitnodiging' },
  nalezen: true,
});

export const uitnodigingIngetrokken = defineEvent({
  type: 'nl.ketens.uitnodiging-ingetrokken',
  domain: 'ketens',
  data: z.strictObject({ uitnodigingId: uitnodigingIdSchema, reden: redenSchema }),
  description: {
    nl: 'Een eigenaar van de ketenzaak trekt een openstaande uitnodiging in.',
    en: 'An owner of the chain case withdrew an open invitation.',
  },
  publishers: deelnameEigenaren,
  consumers: ['ketenhub', 'gemeente', 'bevoegd-gezag', 'omgevingsdienst', 'zorgaanbieder', 'cak', 'adviseur'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'uitnodiging' },
  nalezen: true,
  sets: { fact: 'uitnodiging', owners: deelnameEigenaren },
});

export const toegangGewijzigd = defineEvent({
  type: 'nl.ketens.toegang-gewijzigd',
  domain: 'ketens',
  data: z.strictObject({
    oin: oinSchema.meta({ description: 'OIN of the participant' }),
    rol: z.enum(participantRoles).meta({ description: 'The participation (role) whose access changes' }),
    toegang: z.enum(toegangsniveaus),
    reden: redenSchema,
  }),
  description: {
    nl: 'Een eigenaar van de ketenzaak wijzigt het toegangsniveau van een andere deelnemer.',
    en: 'An owner of the chain case changed the access level of another participant.',
  },
  publishers: deelnameEigenaren,
  consumers: ['ketenhub', 'gemeente', 'bevoegd-gezag', 'omgevingsdienst', 'zorgaanbieder', 'cak', 'adviseur'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'deelnemers' },
  nalezen: true,
  sets: { fact: 'deelnemer en toegangsniveau', owners: deelnameEigenaren },
});

export const deelnemerVerwijderd = defineEvent({
  type: 'nl.ketens.deelnemer-verwijderd',
  domain: 'ketens',
  data: z.strictObject({
    oin: oinSchema.meta({ description: 'OIN of the participant' }),
    rol: z.enum(participantRoles).meta({ description: 'The participation (role) that ends' }),
    reden: redenSchema,
  }),
  description: {
    nl: 'Een eigenaar van de ketenzaak beëindigt de deelname van een organisatie; vanaf dit event ziet en ontvangt zij niets meer van de zaak.',
    en: 'An owner of the chain case ended an organisation’s participation; from this event on it sees and receives nothing more of the case.',
  },
  publishers: deelnameEigenaren,
  consumers: ['ketenhub', 'gemeente', 'bevoegd-gezag', 'omgevingsdienst', 'zorgaanbieder', 'cak', 'adviseur'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'deelnemers' },
  nalezen: true,
  sets: { fact: 'deelnemer en toegangsniveau', owners: deelnameEigenaren },
});

const actieverzoekIdSchema = uuidSchema.meta({ description: 'Id of the actieverzoek' });
const toelichtingSchema = z.string().max(2000).optional();

export const actieverzoekVerzonden = defineEvent({
  type: 'nl.ketens.actieverzoek-verzonden',
  domain: 'ketens',
  data: z.strictObject({
    actieverzoekId: actieverzoekIdSchema,
    status: z.literal('OPEN'),
    soort: z.enum(['adviesverzoek', 'instemmingsverzoek', 'informatieverzoek', 'overig']),
    van: oinSchema.meta({ description: 'OIN of the requesting organisation' }),
    aan: oinSchema.meta({ description: 'OIN of the organisation asked to act' }),
    omschrijving: z.string().min(1).max(2000),
    uiterlijkeDatum: isoDateSchema.optional(),
  }),
  description: {
    nl: 'Een actieverzoek (bijvoorbeeld een adviesverzoek) is aan een ketenpartner verzonden; status OPEN.',
    en: 'An action request (for example a request for advice) was sent to a chain partner; status OPEN.',
  },
  publishers: ['gemeente', 'bevoegd-gezag', 'omgevingsdienst'],
  consumers: ['adviseur', 'omgevingsdienst', 'bevoegd-gezag', 'zorgaanbieder', 'cak'],
  clockEffect: 'Geen eigen wettelijke termijn; uiterlijkeDatum is een afspraak.',
  personalData: false,
  zichtbaarheid: { soort: 'actieverzoek' },
  nalezen: true,
  sets: { fact: 'actieverzoek', owners: ['gemeente', 'bevoegd-gezag', 'omgevingsdienst'] },
});

/**
 * One event type per actieverzoek status change rather than one `status-gewijzigd` type: each status is
 * set by a different party (the receiver takes it in behandeling, refuses or reports it done; the
 * requester withdraws or accepts it), so per-type publishers can be checked and consumers subscribe to the
 * facts they act on. `status` is still carried in data so a projection can set it without a lookup.
 */
function statusChange<const T extends string, const S extends ActieverzoekStatus>(
  type: T,
  status: S,
  by: 'ontvanger' | 'verzoeker',
  nl: string,
  en: string,
) {
  return defineEvent({
    type,
    domain: 'ketens',
    data: z.strictObject({
      actieverzoekId: actieverzoekIdSchema,
      status: z.literal(status),
      toelichting: toelichtingSchema,
    }),
    description: { nl, en },
    publishers:
      by === 'ontvanger'
        ? ['adviseur', 'omgevingsdienst', 'bevoegd-gezag', 'zorgaanbieder', 'cak', 'gemeente']
        : ['gemeente', 'bevoegd-gezag', 'omgevingsdienst'],
    consumers:
      by === 'ontvanger' ? ['gemeente', 'bevoegd-gezag', 'omgevingsdienst'] : ['adviseur', 'omgevingsdienst'],
    clockEffect: 'Geen.',
    personalData: false,
    zichtbaarheid: { soort: 'actieverzoek' },
    nalezen: true,
    // The receiver owns its own answer; the requester owns withdrawal and acceptance.
    sets: {
      fact: `actieverzoek status ${status}`,
      owners:
        by === 'ontvanger'
          ? ['adviseur', 'omgevingsdienst', 'bevoegd-gezag', 'zorgaanbieder', 'cak', 'gemeente']
          : ['gemeente', 'bevoegd-gezag', 'omgevingsdienst'],
    },
  });
}

export const actieverzoekInBehandelingGenomen = statusChange(
  'nl.ketens.actieverzoek-in-behandeling-genomen',
  'IN_BEHANDELING',
  'ontvanger',
  'De ontvanger heeft het actieverzoek in behandeling genomen; status IN_BEHANDELING.',
  'The receiver took the action request in hand; status IN_BEHANDELING.',
);
export const actieverzoekGeweigerd = statusChange(
  'nl.ketens.actieverzoek-geweigerd',
  'GEWEIGERD',
  'ontvanger',
  'De ontvanger weigert het actieverzoek; status GEWEIGERD.',
  'The receiver refused the action request; status GEWEIGERD.',
);
export const actieverzoekIngetrokken = statusChange(
  'nl.ketens.actieverzoek-ingetrokken',
  'INGETROKKEN',
  'verzoeker',
  'De verzoeker heeft het actieverzoek ingetrokken; status INGETROKKEN.',
  'The requester withdrew the action request; status INGETROKKEN.',
);
export const actieverzoekGereedgemeld = statusChange(
  'nl.ketens.actieverzoek-gereedgemeld',
  'GEREEDGEMELD',
  'ontvanger',
  'De ontvanger meldt het actieverzoek gereed; de verzoeker moet het nog aanvaarden. Status GEREEDGEMELD.',
  'The receiver reports the action request done; the requester still has to accept. Status GEREEDGEMELD.',
);
export const actieverzoekAfgerond = statusChange(
  'nl.ketens.actieverzoek-afgerond',
  'GEREED',
  'verzoeker',
  'De verzoeker heeft het gereedgemelde actieverzoek aanvaard; status GEREED.',
  'The requester accepted the reported result; status GEREED.',
);

export const documentToegevoegd = defineEvent({
  type: 'nl.ketens.document-toegevoegd',
  domain: 'ketens',
  data: z.strictObject({
    documentId: z.string().min(1).max(100),
    titel: z.string().min(1).max(200),
    documentUrl: referenceUrlSchema.meta({
      description: 'Where partners fetch the document from its producer; the content is never in the event',
    }),
    mediatype: z
      .string()
      .regex(/^[a-z]+\/[a-z0-9.+-]+$/, { error: 'must be a media type such as application/pdf' }),
    vertrouwelijkheid: z
      .enum(vertrouwelijkheden)
      .meta({ description: 'regulier: all partners; strikt: only partners with volledig access' }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { error: 'must be 64 lower-case hex characters' })
      .optional(),
    omvangInBytes: z.int().min(0).optional(),
  }),
  description: {
    nl: 'Een document is aan de ketenzaak toegevoegd. Het event bevat een verwijzing en een vertrouwelijkheidsmarkering, nooit de inhoud.',
    en: 'A document was added to the chain case. The event carries a reference and a confidentiality mark, never the content.',
  },
  publishers: ['gemeente', 'bevoegd-gezag', 'omgevingsdienst', 'adviseur', 'zorgaanbieder'],
  consumers: ['gemeente', 'bevoegd-gezag', 'omgevingsdienst', 'adviseur', 'zorgaanbieder'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'document' },
  nalezen: true,
});

export const termijnVerstreken = defineEvent({
  type: 'nl.ketens.termijn-verstreken',
  domain: 'ketens',
  data: z.strictObject({
    termijn: termijnsoortSchema,
    grondslag: z.string().min(1).max(200).meta({ description: 'Source article of the term' }),
    startdatum: isoDateSchema,
    termijnEinde: isoDateSchema.meta({ description: 'Last day of the term after suspensions and extension' }),
    opgeschorteDagen: z.int().min(0),
    verlengd: z.boolean(),
    klok: z.literal('Europe/Amsterdam').meta({ description: 'Calendar days are counted in this time zone' }),
  }),
  description: {
    nl: 'De hub stelt vast dat een wettelijke termijn is verstreken zonder stop-event; alle deelnemers zien dat de zaak over tijd is.',
    en: 'The hub found that a legal term passed without its stop event; every participant sees the case is overdue.',
  },
  publishers: ['ketenhub'],
  consumers: ['gemeente', 'bevoegd-gezag', 'omgevingsdienst', 'zorgaanbieder', 'adviseur'],
  clockEffect:
    'Markeert de termijn als verstreken (overdue). Geen vergunning of beschikking van rechtswege; opent ingebrekestelling (Awb 4:17).',
  personalData: false,
  zichtbaarheid: { soort: 'klok' },
  nalezen: true,
  sets: { fact: 'termijn verstreken', owners: ['ketenhub'] },
});

export const ingebrekestellingOntvangen = defineEvent({
  type: 'nl.ketens.ingebrekestelling-ontvangen',
  domain: 'ketens',
  data: z.strictObject({
    ontvangstdatum: isoDateSchema,
    termijn: termijnsoortSchema.meta({ description: 'The term the organisation is held in default for' }),
  }),
  description: {
    nl: 'De aanvrager heeft het bestuursorgaan in gebreke gesteld omdat niet tijdig is beslist.',
    en: 'The applicant gave notice of default because no decision was taken in time.',
  },
  publishers: ['gemeente', 'bevoegd-gezag'],
  consumers: ['ketenhub', 'omgevingsdienst'],
  clockEffect:
    'Start de termijn ingebrekestelling: 2 weken na ontvangst gaat de dwangsom lopen (EUR 23/35/45 per dag, max EUR 1.442; Awb 4:17).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ingebrekestellingen' },
  nalezen: true,
  sets: { fact: 'ingebrekestelling', owners: ['gemeente', 'bevoegd-gezag'] },
});

/** All chain-level event definitions. */
export const ketensEvents = [
  ketenzaakGeopend,
  deelnemerAangesloten,
  deelnemerUitgenodigd,
  uitnodigingAanvaard,
  uitnodigingAfgewezen,
  uitnodigingIngetrokken,
  toegangGewijzigd,
  deelnemerVerwijderd,
  actieverzoekVerzonden,
  actieverzoekInBehandelingGenomen,
  actieverzoekGeweigerd,
  actieverzoekIngetrokken,
  actieverzoekGereedgemeld,
  actieverzoekAfgerond,
  documentToegevoegd,
  termijnVerstreken,
  ingebrekestellingOntvangen,
] as const;
