import { z } from 'zod';
import { defineEvent } from './definition';
import { isoDateSchema, oinSchema, referenceUrlSchema } from './identifiers';
import { addRuleIssue, rules } from './rules';

/**
 * Omgevingswet event catalog (DOMAIN.md section 5): a permit request from receipt via the DSO to decision,
 * publication and legal remedies. The bevoegd gezag owns the decision and its clock; an omgevingsdienst
 * may publish on its behalf as behandeldienst; advisers own their advice and consent.
 * No event carries personal data: the initiatiefnemer stays in the DSO/STAM message behind `dataref`.
 */

/** Regular (8 weeks) or extended (Awb afdeling 3.4, 6 months) preparation procedure. */
export const procedures = ['regulier', 'uitgebreid'] as const;
/** Procedure of a permit request. */
export type Procedure = (typeof procedures)[number];

const verzoeknummerSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,40}$/, { error: 'must be a DSO verzoeknummer' })
  .meta({ description: 'DSO verzoeknummer of the request', examples: ['2026-0001234'] });

const authorities = ['bevoegd-gezag', 'omgevingsdienst'] as const;

export const conceptverzoekOntvangen = defineEvent({
  type: 'nl.omgevingswet.conceptverzoek-ontvangen',
  domain: 'omgevingswet',
  data: z.strictObject({ verzoeknummer: verzoeknummerSchema, ontvangstdatum: isoDateSchema }),
  description: {
    nl: 'Via het DSO is een conceptverzoek (vooroverleg) ontvangen.',
    en: 'A concept request (pre-consultation) arrived via the DSO.',
  },
  publishers: authorities,
  consumers: ['omgevingsdienst', 'ketenhub'],
  clockEffect: 'Geen: een conceptverzoek kent geen wettelijke termijn.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-aanvraag' },
  nalezen: true,
});

export const aanvraagOntvangen = defineEvent({
  type: 'nl.omgevingswet.aanvraag-ontvangen',
  domain: 'omgevingswet',
  data: z.strictObject({
    verzoeknummer: verzoeknummerSchema,
    ontvangstdatum: isoDateSchema,
    procedure: z.enum(procedures),
    activiteiten: z.array(z.string().min(1).max(200)).min(1),
    gemeentecode: z
      .string()
      .regex(/^\d{4}$/, { error: 'must be a gemeentecode of 4 digits' })
      .optional()
      .meta({ description: 'Municipality where the activity takes place' }),
  }),
  description: {
    nl: 'Het bevoegd gezag heeft via het DSO een aanvraag omgevingsvergunning ontvangen (regulier of uitgebreid).',
    en: 'The competent authority received a permit application via the DSO (regular or extended procedure).',
  },
  publishers: authorities,
  consumers: ['omgevingsdienst', 'ketenhub'],
  clockEffect:
    'Start de beslistermijn: regulier 8 weken (Omgevingswet art. 16.64 lid 1); uitgebreid 6 maanden (Awb 3:18 lid 1).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-aanvraag' },
  nalezen: true,
  sets: { fact: 'aanvraag en procedure', owners: ['bevoegd-gezag', 'omgevingsdienst'] },
});

export const ontvangstBevestigd = defineEvent({
  type: 'nl.omgevingswet.ontvangst-bevestigd',
  domain: 'omgevingswet',
  data: z.strictObject({ verzoeknummer: verzoeknummerSchema, bevestigingsdatum: isoDateSchema }),
  description: {
    nl: 'Het bevoegd gezag heeft de ontvangst van de aanvraag schriftelijk bevestigd (Awb 4:3a).',
    en: 'The competent authority confirmed receipt of the application in writing (Awb 4:3a).',
  },
  publishers: authorities,
  consumers: ['ketenhub'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-procedure' },
  nalezen: true,
});

export const aanvullingGevraagd = defineEvent({
  type: 'nl.omgevingswet.aanvulling-gevraagd',
  domain: 'omgevingswet',
  data: z
    .strictObject({
      verzoekdatum: isoDateSchema,
      uiterlijkeAanleverdatum: isoDateSchema,
      ontbrekendeGegevens: z.array(z.string().min(1).max(500)).min(1),
    })
    .check(
      rules((v, ctx) => {
        if (v.uiterlijkeAanleverdatum <= v.verzoekdatum) {
          addRuleIssue(ctx, ['uiterlijkeAanleverdatum'], 'date-order', 'must be after verzoekdatum');
        }
      }),
    ),
  description: {
    nl: 'De aanvrager is gevraagd de aanvraag aan te vullen (Awb 4:5).',
    en: 'The applicant was asked to supplement the application (Awb 4:5).',
  },
  publishers: authorities,
  consumers: ['ketenhub'],
  clockEffect:
    'Schort de beslistermijn op vanaf de dag na verzoekdatum tot de aanvulling binnen is (Awb 4:15 lid 1 onder a).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-procedure' },
  nalezen: true,
  sets: { fact: 'opschorting', owners: ['bevoegd-gezag', 'omgevingsdienst'] },
});

export const aanvullingOntvangen = defineEvent({
  type: 'nl.omgevingswet.aanvulling-ontvangen',
  domain: 'omgevingswet',
  data: z.strictObject({ ontvangstdatum: isoDateSchema }),
  description: {
    nl: 'De gevraagde aanvulling op de aanvraag is ontvangen (DSO-doel Aanvullen).',
    en: 'The requested supplement arrived (DSO goal Aanvullen).',
  },
  publishers: authorities,
  consumers: ['ketenhub'],
  clockEffect: 'Hervat de beslistermijn op de dag van ontvangst (Awb 4:15 lid 1 onder a).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-procedure' },
  nalezen: true,
  sets: { fact: 'einde opschorting', owners: ['bevoegd-gezag', 'omgevingsdienst'] },
});

export const aanvraagBuitenBehandelingGesteld = defineEvent({
  type: 'nl.omgevingswet.aanvraag-buiten-behandeling-gesteld',
  domain: 'omgevingswet',
  data: z.strictObject({ besluitdatum: isoDateSchema, reden: z.string().min(1).max(1000) }),
  description: {
    nl: 'De aanvraag is buiten behandeling gesteld omdat de aanvulling niet (tijdig) kwam (Awb 4:5).',
    en: 'The application was set aside because the supplement did not arrive (in time) (Awb 4:5).',
  },
  publishers: ['bevoegd-gezag'],
  consumers: ['omgevingsdienst', 'ketenhub'],
  clockEffect: 'Stopt de beslistermijn; start de bezwaartermijn van 6 weken (Awb 6:7).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-besluit' },
  nalezen: true,
  sets: { fact: 'besluit', owners: ['bevoegd-gezag'] },
});

export const beslistermijnVerlengd = defineEvent({
  type: 'nl.omgevingswet.beslistermijn-verlengd',
  domain: 'omgevingswet',
  data: z.strictObject({
    mededelingsdatum: isoDateSchema,
    verlengingInWeken: z.int().min(1).max(6),
    nieuweEinddatum: isoDateSchema,
  }),
  description: {
    nl: 'Het bevoegd gezag heeft de beslistermijn eenmalig verlengd.',
    en: 'The competent authority extended the decision term (once).',
  },
  publishers: authorities,
  consumers: ['ketenhub'],
  clockEffect:
    'Verlengt de beslistermijn eenmaal met ten hoogste 6 weken (regulier: Omgevingswet art. 16.64 lid 2; uitgebreid: Awb 3:18 lid 2).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-procedure' },
  nalezen: true,
  sets: { fact: 'verlenging beslistermijn', owners: ['bevoegd-gezag', 'omgevingsdienst'] },
});

const adviesverzoekIdSchema = z.string().min(1).max(100);

export const adviesGevraagd = defineEvent({
  type: 'nl.omgevingswet.advies-gevraagd',
  domain: 'omgevingswet',
  data: z.strictObject({
    adviesverzoekId: adviesverzoekIdSchema,
    adviseur: oinSchema.meta({ description: 'OIN of the adviser' }),
    verzoekdatum: isoDateSchema,
    onderwerp: z.string().min(1).max(500),
    uiterlijkeAdviesdatum: isoDateSchema.optional(),
  }),
  description: {
    nl: 'Het bevoegd gezag vraagt een wettelijk adviseur om advies; het besluit moet dat advies vermelden en wegen.',
    en: 'The competent authority asked a statutory adviser for advice; the decision must mention and weigh it.',
  },
  publishers: authorities,
  consumers: ['adviseur'],
  clockEffect: 'Geen; de beslistermijn loopt door.',
  personalData: false,
  zichtbaarheid: { soort: 'advies' },
  nalezen: true,
});

export const adviesGegeven = defineEvent({
  type: 'nl.omgevingswet.advies-gegeven',
  domain: 'omgevingswet',
  data: z.strictObject({
    adviesverzoekId: adviesverzoekIdSchema,
    adviesdatum: isoDateSchema,
    strekking: z.enum(['positief', 'positief-met-voorwaarden', 'negatief']),
    adviesUrl: referenceUrlSchema.optional(),
  }),
  description: {
    nl: 'De adviseur heeft advies uitgebracht.',
    en: 'The adviser gave its advice.',
  },
  publishers: ['adviseur'],
  consumers: ['bevoegd-gezag', 'omgevingsdienst'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'advies' },
  nalezen: true,
  sets: { fact: 'advies', owners: ['adviseur'] },
});

const instemmingsverzoekIdSchema = z.string().min(1).max(100);

export const instemmingGevraagd = defineEvent({
  type: 'nl.omgevingswet.instemming-gevraagd',
  domain: 'omgevingswet',
  data: z.strictObject({
    instemmingsverzoekId: instemmingsverzoekIdSchema,
    adviseur: oinSchema.meta({ description: 'OIN of the adviser whose consent is needed' }),
    verzoekdatum: isoDateSchema,
    conceptbesluitUrl: referenceUrlSchema,
  }),
  description: {
    nl: 'Het bevoegd gezag legt een conceptbesluit voor aan een adviseur met instemmingsrecht (advies met instemming).',
    en: 'The competent authority sent a concept decision to an adviser whose consent is required.',
  },
  publishers: authorities,
  consumers: ['adviseur'],
  clockEffect: 'Geen; de beslistermijn loopt door.',
  personalData: false,
  zichtbaarheid: { soort: 'advies' },
  nalezen: true,
});

export const instemmingVerleend = defineEvent({
  type: 'nl.omgevingswet.instemming-verleend',
  domain: 'omgevingswet',
  data: z.strictObject({
    instemmingsverzoekId: instemmingsverzoekIdSchema,
    besluitdatum: isoDateSchema,
    voorschriften: z.array(z.string().min(1).max(1000)).optional(),
  }),
  description: {
    nl: 'De adviseur stemt in met het conceptbesluit, eventueel met voorschriften.',
    en: 'The adviser consents to the concept decision, possibly with conditions.',
  },
  publishers: ['adviseur'],
  consumers: ['bevoegd-gezag', 'omgevingsdienst'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'advies' },
  nalezen: true,
  sets: { fact: 'instemming', owners: ['adviseur'] },
});

export const instemmingGeweigerd = defineEvent({
  type: 'nl.omgevingswet.instemming-geweigerd',
  domain: 'omgevingswet',
  data: z.strictObject({
    instemmingsverzoekId: instemmingsverzoekIdSchema,
    besluitdatum: isoDateSchema,
    motivering: z.string().min(1).max(2000),
  }),
  description: {
    nl: 'De adviseur weigert instemming; de vergunning kan dan niet (voor dat deel) worden verleend.',
    en: 'The adviser refused consent; the permit cannot be granted (for that part).',
  },
  publishers: ['adviseur'],
  consumers: ['bevoegd-gezag', 'omgevingsdienst'],
  clockEffect: 'Geen; blokkeert verlening.',
  personalData: false,
  zichtbaarheid: { soort: 'advies' },
  nalezen: true,
  sets: { fact: 'instemming', owners: ['adviseur'] },
});

export const ontwerpbesluitTerInzageGelegd = defineEvent({
  type: 'nl.omgevingswet.ontwerpbesluit-ter-inzage-gelegd',
  domain: 'omgevingswet',
  data: z
    .strictObject({
      terInzageVanaf: isoDateSchema,
      terInzageTot: isoDateSchema,
      publicatieUrl: referenceUrlSchema,
    })
    .check(
      rules((v, ctx) => {
        if (v.terInzageTot <= v.terInzageVanaf) {
          addRuleIssue(ctx, ['terInzageTot'], 'date-order', 'must be after terInzageVanaf');
        }
      }),
    ),
  description: {
    nl: 'In de uitgebreide procedure is het ontwerpbesluit ter inzage gelegd; iedereen kan zienswijzen indienen.',
    en: 'In the extended procedure the draft decision was laid open; anyone may submit views.',
  },
  publishers: ['bevoegd-gezag'],
  consumers: ['omgevingsdienst', 'adviseur', 'ketenhub'],
  clockEffect: 'Start de zienswijzentermijn van 6 weken (Awb 3:16 lid 1).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-besluit' },
  nalezen: true,
  sets: { fact: 'ontwerpbesluit', owners: ['bevoegd-gezag'] },
});

export const zienswijzeOntvangen = defineEvent({
  type: 'nl.omgevingswet.zienswijze-ontvangen',
  domain: 'omgevingswet',
  data: z.strictObject({
    zienswijzeId: z.string().min(1).max(100),
    ontvangstdatum: isoDateSchema,
    indiener: z
      .enum(['burger', 'bedrijf', 'overheid', 'belangenorganisatie'])
      .meta({ description: 'Kind of submitter only; never a name or address' }),
  }),
  description: {
    nl: 'Er is een zienswijze op het ontwerpbesluit ontvangen.',
    en: 'A view on the draft decision was received.',
  },
  publishers: ['bevoegd-gezag'],
  consumers: ['omgevingsdienst', 'ketenhub'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'zienswijzen' },
  nalezen: true,
});

export const besluitGenomen = defineEvent({
  type: 'nl.omgevingswet.besluit-genomen',
  domain: 'omgevingswet',
  data: z.strictObject({
    besluitdatum: isoDateSchema,
    uitkomst: z.enum(['verleend', 'geweigerd', 'gedeeltelijk-verleend']),
    besluitUrl: referenceUrlSchema.optional(),
  }),
  description: {
    nl: 'Het bevoegd gezag heeft op de aanvraag beslist: verleend, geweigerd of gedeeltelijk verleend.',
    en: 'The competent authority decided: granted, refused or partly granted.',
  },
  publishers: ['bevoegd-gezag'],
  consumers: ['omgevingsdienst', 'adviseur', 'ketenhub'],
  clockEffect: 'Stopt de beslistermijn. Geen vergunning van rechtswege bij te laat beslissen (sinds 2024).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-besluit' },
  nalezen: true,
  sets: { fact: 'besluit', owners: ['bevoegd-gezag'] },
});

export const besluitBekendgemaakt = defineEvent({
  type: 'nl.omgevingswet.besluit-bekendgemaakt',
  domain: 'omgevingswet',
  data: z.strictObject({
    bekendmakingsdatum: isoDateSchema,
    publicatieUrl: referenceUrlSchema,
    rechtsmiddel: z
      .enum(['bezwaar', 'beroep'])
      .meta({ description: 'bezwaar after the regular procedure, direct beroep after the extended one' }),
  }),
  description: {
    nl: 'Het besluit is bekendgemaakt; daarmee start de termijn voor bezwaar of beroep.',
    en: 'The decision was published; the term for objection or appeal starts.',
  },
  publishers: ['bevoegd-gezag'],
  consumers: ['omgevingsdienst', 'adviseur', 'ketenhub'],
  clockEffect: 'Start de bezwaar- of beroepstermijn van 6 weken vanaf de dag na bekendmaking (Awb 6:7, 6:8).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-besluit' },
  nalezen: true,
  sets: { fact: 'bekendmaking', owners: ['bevoegd-gezag'] },
});

export const bezwaarIngesteld = defineEvent({
  type: 'nl.omgevingswet.bezwaar-ingesteld',
  domain: 'omgevingswet',
  data: z.strictObject({ bezwaarId: z.string().min(1).max(100), ontvangstdatum: isoDateSchema }),
  description: {
    nl: 'Tegen het besluit is bezwaar gemaakt bij het bevoegd gezag.',
    en: 'An objection against the decision was lodged with the competent authority.',
  },
  publishers: ['bevoegd-gezag'],
  consumers: ['omgevingsdienst', 'ketenhub'],
  clockEffect:
    'Start de beslistermijn op bezwaar (Awb 7:10); de bezwaartermijn zelf loopt voor anderen door.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-besluit' },
  nalezen: true,
  sets: { fact: 'bezwaar', owners: ['bevoegd-gezag'] },
});

export const beroepIngesteld = defineEvent({
  type: 'nl.omgevingswet.beroep-ingesteld',
  domain: 'omgevingswet',
  data: z.strictObject({
    beroepId: z.string().min(1).max(100),
    ingesteldOp: isoDateSchema,
    grond: z
      .enum(['tegen-besluit', 'niet-tijdig-beslissen'])
      .meta({ description: 'Appeal against the decision, or for not deciding in time' }),
  }),
  description: {
    nl: 'Er is beroep ingesteld bij de rechtbank: tegen het besluit of wegens niet tijdig beslissen.',
    en: 'An appeal was lodged with the court: against the decision or for not deciding in time.',
  },
  publishers: ['bevoegd-gezag'],
  consumers: ['omgevingsdienst', 'ketenhub'],
  clockEffect: 'Geen termijn in de hub; de rechtbank bepaalt het vervolg.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-besluit' },
  nalezen: true,
  sets: { fact: 'beroep', owners: ['bevoegd-gezag'] },
});

export const aanvraagIngetrokken = defineEvent({
  type: 'nl.omgevingswet.aanvraag-ingetrokken',
  domain: 'omgevingswet',
  data: z.strictObject({ intrekkingsdatum: isoDateSchema }),
  description: {
    nl: 'De aanvrager heeft de aanvraag ingetrokken (DSO-doel Intrekken).',
    en: 'The applicant withdrew the application (DSO goal Intrekken).',
  },
  publishers: authorities,
  consumers: ['omgevingsdienst', 'adviseur', 'ketenhub'],
  clockEffect: 'Stopt alle lopende termijnen van de aanvraag.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'ow-besluit' },
  nalezen: true,
  sets: { fact: 'intrekking', owners: ['bevoegd-gezag', 'omgevingsdienst'] },
});

/** All Omgevingswet event definitions, in lifecycle order. */
export const omgevingswetEvents = [
  conceptverzoekOntvangen,
  aanvraagOntvangen,
  ontvangstBevestigd,
  aanvullingGevraagd,
  aanvullingOntvangen,
  aanvraagBuitenBehandelingGesteld,
  beslistermijnVerlengd,
  adviesGevraagd,
  adviesGegeven,
  instemmingGevraagd,
  instemmingVerleend,
  instemmingGeweigerd,
  ontwerpbesluitTerInzageGelegd,
  zienswijzeOntvangen,
  besluitGenomen,
  besluitBekendgemaakt,
  bezwaarIngesteld,
  beroepIngesteld,
  aanvraagIngetrokken,
] as const;
