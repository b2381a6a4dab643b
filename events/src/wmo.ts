import { z } from 'zod';
import { defineEvent } from './definition';
import {
  agbCodeSchema,
  bsnSchema,
  gemeentecodeSchema,
  isoDateSchema,
  productcategorieSchema,
  productcodeSchema,
  toewijzingNummerSchema,
} from './identifiers';
import { addRuleIssue, type RuleCtx, rules } from './rules';

/**
 * WMO event catalog (Wet maatschappelijke ondersteuning 2015; DOMAIN.md section 4): from melding to
 * eigen bijdrage. Field names follow iWmo where iWmo has them (ToewijzingNummer, productcategorie,
 * productcode, ingangsdatum/einddatum, omvang, reden beëindiging); iWmo code lists are mapped to
 * readable values by the GGK/VECOZO adapter, not here.
 *
 * Personal data: only melding, toewijzing (the provider must know whom to care for) and eigen bijdrage
 * (the CAK collects from a person) carry a BSN. Health details from the onderzoek never travel as events.
 */

/** iWmo eenheid (codelist WMO757), as readable values. */
export const wmoEenheden = ['minuut', 'uur', 'dagdeel', 'etmaal', 'stuks'] as const;
/** iWmo frequentie (codelist WMO756), as readable values. */
export const wmoFrequenties = ['per-dag', 'per-week', 'per-maand', 'totaal'] as const;

/** iWmo Omvang: volume per eenheid per frequentie. */
export const omvangSchema = z.strictObject({
  volume: z.int().min(1).max(99_999_999),
  eenheid: z.enum(wmoEenheden),
  frequentie: z.enum(wmoFrequenties),
});

const budgetSchema = z.int().min(1).meta({ description: 'iWmo Budget in eurocent' });
const bedragSchema = z.int().min(0).meta({ description: 'Amount in eurocent' });

/** Checks einddatum >= ingangsdatum (same-format ISO dates compare as strings). */
function checkPeriod(
  ctx: RuleCtx,
  path: PropertyKey[],
  from?: string,
  to?: string,
  fromName = 'ingangsdatum',
) {
  if (from !== undefined && to !== undefined && to < from) {
    addRuleIssue(ctx, path, 'date-order', `must not be before ${fromName}`);
  }
}

/** Omvang and budget exclude each other (iWmo: a toewijzing has one or the other, never both). */
const OMVANG_XOR_BUDGET = { oneOf: [{ required: ['omvang'] }, { required: ['budgetInCenten'] }] };

const toewijzingSchema = z
  .strictObject({
    toewijzingNummer: toewijzingNummerSchema,
    productcategorie: productcategorieSchema,
    productcode: productcodeSchema,
    ingangsdatum: isoDateSchema,
    einddatum: isoDateSchema.optional(),
    omvang: omvangSchema.optional(),
    budgetInCenten: budgetSchema.optional(),
    toewijzingsdatum: isoDateSchema,
    redenWijziging: z
      .string()
      .regex(/^\d{2}$/, { error: 'must be a 2-digit iWmo reden wijziging code' })
      .optional()
      .meta({ description: 'Set when this WMO301 changes an earlier toewijzing with the same number' }),
  })
  .check(
    rules((t, ctx) => {
      if ((t.omvang === undefined) === (t.budgetInCenten === undefined)) {
        addRuleIssue(
          ctx,
          ['omvang'],
          'omvang-xor-budget',
          'give either omvang or budgetInCenten, not both or neither',
        );
      }
      checkPeriod(ctx, ['einddatum'], t.ingangsdatum, t.einddatum);
    }),
  )
  .meta(OMVANG_XOR_BUDGET);

export const meldingOntvangen = defineEvent({
  type: 'nl.wmo.melding-ontvangen',
  domain: 'wmo',
  data: z.strictObject({
    bsn: bsnSchema,
    gemeentecode: gemeentecodeSchema,
    meldingsdatum: isoDateSchema,
    verwijzer: z
      .strictObject({
        soort: z.enum(['huisarts', 'medisch-specialist', 'wijkteam', 'overig']),
        agbCode: agbCodeSchema.optional(),
      })
      .optional(),
  }),
  description: {
    nl: 'De gemeente heeft een melding van een hulpvraag ontvangen. Dit start het onderzoek.',
    en: 'The municipality received a report of a support need. This starts the onderzoek (assessment).',
  },
  publishers: ['gemeente'],
  consumers: ['ketenhub'],
  clockEffect:
    'Start de onderzoekstermijn van 6 weken (Wmo 2015 art. 2.3.2 lid 1); de cliënt kan binnen 7 dagen een persoonlijk plan indienen.',
  personalData: true,
  zichtbaarheid: { soort: 'sectie', sectie: 'melding' },
  nalezen: true,
  sets: { fact: 'melding', owners: ['gemeente'] },
});

export const onderzoekGestart = defineEvent({
  type: 'nl.wmo.onderzoek-gestart',
  domain: 'wmo',
  data: z.strictObject({ startdatum: isoDateSchema }),
  description: {
    nl: 'De gemeente is begonnen met het onderzoek naar de hulpvraag (het gesprek).',
    en: 'The municipality started the assessment of the support need.',
  },
  publishers: ['gemeente'],
  consumers: ['ketenhub'],
  clockEffect: 'Geen; de 6 weken lopen vanaf de melding.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'onderzoek' },
  nalezen: true,
  sets: { fact: 'onderzoek', owners: ['gemeente'] },
});

export const onderzoekAfgerond = defineEvent({
  type: 'nl.wmo.onderzoek-afgerond',
  domain: 'wmo',
  data: z.strictObject({
    einddatum: isoDateSchema,
    verslagVerstrekt: z.boolean().meta({
      description: 'Whether the citizen received the onderzoeksverslag; the verslag itself never travels',
    }),
  }),
  description: {
    nl: 'Het onderzoek is afgerond; het verslag blijft bij de gemeente (bijzondere persoonsgegevens).',
    en: 'The assessment is finished; the report stays with the municipality (special-category data).',
  },
  publishers: ['gemeente'],
  consumers: ['ketenhub'],
  clockEffect: 'Stopt de onderzoekstermijn (Wmo 2015 art. 2.3.2).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'onderzoek' },
  nalezen: true,
  sets: { fact: 'onderzoek afgerond', owners: ['gemeente'] },
});

export const aanvraagOntvangen = defineEvent({
  type: 'nl.wmo.aanvraag-ontvangen',
  domain: 'wmo',
  data: z.strictObject({
    aanvraagdatum: isoDateSchema,
    productcategorieen: z.array(productcategorieSchema).min(1),
  }),
  description: {
    nl: 'De cliënt heeft een aanvraag ingediend, na het onderzoek of nadat de 6 weken zijn verstreken.',
    en: 'The citizen filed a formal application, after the assessment or once its 6 weeks had passed.',
  },
  publishers: ['gemeente'],
  consumers: ['ketenhub'],
  clockEffect: 'Start de beslistermijn van 2 weken voor de beschikking (Wmo 2015 art. 2.3.5 lid 2).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'wmo-aanvraag' },
  nalezen: true,
  sets: { fact: 'aanvraag', owners: ['gemeente'] },
});

export const beschikkingstermijnVerlengd = defineEvent({
  type: 'nl.wmo.beschikkingstermijn-verlengd',
  domain: 'wmo',
  data: z.strictObject({
    mededelingsdatum: isoDateSchema,
    nieuweEinddatum: isoDateSchema,
    reden: z.string().min(1).max(500),
  }),
  description: {
    nl: 'De gemeente heeft de cliënt meegedeeld dat de beschikking later komt en wanneer.',
    en: 'The municipality told the citizen the decision will be late and by when it will come.',
  },
  publishers: ['gemeente'],
  consumers: ['ketenhub'],
  clockEffect: 'Verlengt de beschikkingstermijn tot nieuweEinddatum (Awb 4:14 lid 3).',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'klokken-wmo' },
  nalezen: true,
  sets: { fact: 'verlenging beschikkingstermijn', owners: ['gemeente'] },
});

export const beschikkingAfgegeven = defineEvent({
  type: 'nl.wmo.beschikking-afgegeven',
  domain: 'wmo',
  data: z
    .strictObject({
      beschikkingsnummer: z.string().min(1).max(50),
      besluitdatum: isoDateSchema,
      besluit: z.enum(['toegekend', 'gedeeltelijk-toegekend', 'afgewezen']),
      voorzieningen: z.array(
        z
          .strictObject({
            productcategorie: productcategorieSchema,
            productcode: productcodeSchema.optional(),
            ingangsdatum: isoDateSchema,
            einddatum: isoDateSchema.optional(),
          })
          .check(rules((v, ctx) => checkPeriod(ctx, ['einddatum'], v.ingangsdatum, v.einddatum))),
      ),
    })
    .check(
      rules((b, ctx) => {
        if (b.besluit !== 'afgewezen' && b.voorzieningen.length === 0) {
          addRuleIssue(
            ctx,
            ['voorzieningen'],
            'min-items',
            'a granted beschikking names at least one voorziening',
          );
        }
      }),
    ),
  description: {
    nl: 'De gemeente heeft op de aanvraag beslist (beschikking): toegekend, gedeeltelijk toegekend of afgewezen.',
    en: 'The municipality decided on the application: granted, partly granted or refused.',
  },
  publishers: ['gemeente'],
  consumers: ['ketenhub', 'zorgaanbieder'],
  clockEffect:
    'Stopt de beslistermijn van de beschikking; start de bezwaartermijn van 6 weken (Awb 6:7). Kan de eigen bijdrage starten.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'beschikking' },
  nalezen: true,
  sets: { fact: 'beschikking', owners: ['gemeente'] },
});

export const toewijzingVerzonden = defineEvent({
  type: 'nl.wmo.toewijzing-verzonden',
  domain: 'wmo',
  data: z.strictObject({
    bsn: bsnSchema,
    gemeentecode: gemeentecodeSchema,
    zorgaanbieder: agbCodeSchema,
    toewijzing: toewijzingSchema,
  }),
  description: {
    nl: 'De gemeente heeft een voorziening toegewezen aan een zorgaanbieder (WMO301), of een toewijzing gewijzigd.',
    en: 'The municipality assigned a service to a care provider (WMO301), or changed an assignment.',
  },
  publishers: ['gemeente'],
  consumers: ['zorgaanbieder'],
  clockEffect: 'Geen wettelijke termijn.',
  personalData: true,
  zichtbaarheid: { soort: 'sectie', sectie: 'toewijzingen' },
  nalezen: true,
  sets: { fact: 'toewijzing', owners: ['gemeente'] },
  standaardbericht: 'WMO301',
});

/** Request messages that are answered by an iWmo/iEb retourbericht (heenbericht -> retourbericht). */
export const retourPairs = {
  WMO301: 'WMO302',
  WMO305: 'WMO306',
  WMO307: 'WMO308',
  WMO315: 'WMO316',
  WMO317: 'WMO318',
  WMO319: 'WMO320',
  WMO405: 'WMO406',
  WMO407: 'WMO408',
} as const;

/**
 * One type for every retourbericht: retours are technical receipts with one shape (retourcodes) sent
 * by whoever received the heenbericht, so one type keeps subscriptions and projections simple.
 */
export const retourberichtVerzonden = defineEvent({
  type: 'nl.wmo.retourbericht-verzonden',
  domain: 'wmo',
  data: z.strictObject({
    heenbericht: z.enum(Object.keys(retourPairs) as [keyof typeof retourPairs]),
    toewijzingNummer: toewijzingNummerSchema.optional(),
    referentie: z.string().min(1).max(100).optional().meta({ description: 'Reference of the heenbericht' }),
    retourcodes: z
      .array(z.string().regex(/^\d{4}$/, { error: 'must be a 4-digit retourcode' }))
      .min(1)
      .meta({ description: 'iWmo retourcodes; 0200 means accepted without remarks' }),
    geaccepteerd: z.boolean(),
  }),
  description: {
    nl: 'De ontvanger van een iWmo/iEb-bericht heeft een retourbericht gestuurd (bijvoorbeeld WMO302 op WMO301).',
    en: 'The receiver of an iWmo/iEb message sent its receipt (for example WMO302 for WMO301).',
  },
  publishers: ['zorgaanbieder', 'gemeente', 'cak'],
  consumers: ['gemeente', 'zorgaanbieder'],
  clockEffect: 'Geen.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'retourberichten' },
  nalezen: false,
  standaardbericht: 'WMO302/306/308/316/318/320, WMO406/408',
});

export const zorgGestart = defineEvent({
  type: 'nl.wmo.zorg-gestart',
  domain: 'wmo',
  data: z.strictObject({
    toewijzingNummer: toewijzingNummerSchema,
    zorgaanbieder: agbCodeSchema,
    productcategorie: productcategorieSchema,
    productcode: productcodeSchema,
    begindatum: isoDateSchema,
  }),
  description: {
    nl: 'De zorgaanbieder meldt de werkelijke start van de ondersteuning (WMO305).',
    en: 'The care provider reports the actual start of care (WMO305).',
  },
  publishers: ['zorgaanbieder'],
  consumers: ['gemeente'],
  clockEffect: 'Geen wettelijke termijn; kan de eigen bijdrage starten.',
  personalData: false,
  zichtbaarheid: {
    soort: 'sectie',
    sectie: 'zorg',
    beperkt: { sectie: 'zorg-datums', velden: ['toewijzingNummer', 'begindatum'] },
  },
  nalezen: false,
  sets: { fact: 'werkelijke start zorg', owners: ['zorgaanbieder'] },
  standaardbericht: 'WMO305',
});

export const zorgGestopt = defineEvent({
  type: 'nl.wmo.zorg-gestopt',
  domain: 'wmo',
  data: z.strictObject({
    toewijzingNummer: toewijzingNummerSchema,
    zorgaanbieder: agbCodeSchema,
    productcategorie: productcategorieSchema,
    productcode: productcodeSchema,
    einddatum: isoDateSchema,
    redenBeeindiging: z
      .string()
      .regex(/^\d{2}$/, { error: 'must be a 2-digit iWmo reden beeindiging code' })
      .meta({ description: 'iWmo RedenBeeindiging code (codelist WMO588; iWmo 3.2: 02, 19-23, 31, 36-39)' }),
  }),
  description: {
    nl: 'De zorgaanbieder meldt het einde van de ondersteuning met de reden van beëindiging (WMO307).',
    en: 'The care provider reports the end of care with the reason (WMO307).',
  },
  publishers: ['zorgaanbieder'],
  consumers: ['gemeente'],
  clockEffect: 'Geen wettelijke termijn; kan de eigen bijdrage stoppen.',
  personalData: false,
  zichtbaarheid: {
    soort: 'sectie',
    sectie: 'zorg',
    beperkt: { sectie: 'zorg-datums', velden: ['toewijzingNummer', 'einddatum'] },
  },
  nalezen: false,
  sets: { fact: 'werkelijke stop zorg', owners: ['zorgaanbieder'] },
  standaardbericht: 'WMO307',
});

export const toewijzingAangevraagd = defineEvent({
  type: 'nl.wmo.toewijzing-aangevraagd',
  domain: 'wmo',
  data: z
    .strictObject({
      referentieAanbieder: z.string().min(1).max(100),
      zorgaanbieder: agbCodeSchema,
      productcategorie: productcategorieSchema,
      productcode: productcodeSchema.optional(),
      ingangsdatum: isoDateSchema,
      einddatum: isoDateSchema.optional(),
      omvang: omvangSchema.optional(),
      budgetInCenten: budgetSchema.optional(),
    })
    .check(
      rules((v, ctx) => {
        if (v.omvang !== undefined && v.budgetInCenten !== undefined) {
          addRuleIssue(
            ctx,
            ['omvang'],
            'omvang-xor-budget',
            'give either omvang or budgetInCenten, not both',
          );
        }
        checkPeriod(ctx, ['einddatum'], v.ingangsdatum, v.einddatum);
      }),
    )
    .meta({ not: { required: ['omvang', 'budgetInCenten'] } }),
  description: {
    nl: 'De zorgaanbieder vraagt de gemeente om een toewijzing (verzoek om toewijzing, WMO315).',
    en: 'The care provider asks the municipality for an assignment (WMO315).',
  },
  publishers: ['zorgaanbieder'],
  consumers: ['gemeente'],
  clockEffect: 'Geen wettelijke termijn.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'verzoeken' },
  nalezen: false,
  standaardbericht: 'WMO315',
});

export const toewijzingswijzigingAangevraagd = defineEvent({
  type: 'nl.wmo.toewijzingswijziging-aangevraagd',
  domain: 'wmo',
  data: z
    .strictObject({
      referentieAanbieder: z.string().min(1).max(100),
      zorgaanbieder: agbCodeSchema,
      toewijzingNummer: toewijzingNummerSchema,
      gewensteEinddatum: isoDateSchema.optional(),
      gewensteOmvang: omvangSchema.optional(),
      toelichting: z.string().max(1000).optional(),
    })
    .check(
      rules((v, ctx) => {
        if (v.gewensteEinddatum === undefined && v.gewensteOmvang === undefined) {
          addRuleIssue(ctx, ['gewensteOmvang'], 'required', 'give gewensteEinddatum and/or gewensteOmvang');
        }
      }),
    )
    .meta({ anyOf: [{ required: ['gewensteEinddatum'] }, { required: ['gewensteOmvang'] }] }),
  description: {
    nl: 'De zorgaanbieder vraagt een wijziging van een bestaande toewijzing (verzoek om wijziging, WMO317).',
    en: 'The care provider asks to change an existing assignment (WMO317).',
  },
  publishers: ['zorgaanbieder'],
  consumers: ['gemeente'],
  clockEffect: 'Geen wettelijke termijn.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'verzoeken' },
  nalezen: false,
  standaardbericht: 'WMO317',
});

export const verzoekBeantwoord = defineEvent({
  type: 'nl.wmo.verzoek-beantwoord',
  domain: 'wmo',
  data: z.strictObject({
    referentieAanbieder: z.string().min(1).max(100),
    verzoekAntwoord: z
      .literal([1, 2])
      .meta({ description: 'iWmo VerzoekAntwoord: 1 = afgewezen, 2 = in onderzoek' }),
    toelichting: z.string().max(1000).optional(),
  }),
  description: {
    nl: 'De gemeente antwoordt op een verzoek om toewijzing of wijziging (WMO319): 1 afgewezen, 2 in onderzoek. Een toekenning volgt als nieuwe toewijzing (WMO301).',
    en: 'The municipality answers a request (WMO319): 1 refused, 2 under investigation. A grant follows as a new assignment (WMO301).',
  },
  publishers: ['gemeente'],
  consumers: ['zorgaanbieder'],
  clockEffect: 'Geen wettelijke termijn.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'verzoeken' },
  nalezen: false,
  sets: { fact: 'antwoord op verzoek', owners: ['gemeente'] },
  standaardbericht: 'WMO319',
});

const prestatieSchema = z
  .strictObject({
    toewijzingNummer: toewijzingNummerSchema,
    productcategorie: productcategorieSchema,
    productcode: productcodeSchema,
    begindatum: isoDateSchema,
    einddatum: isoDateSchema,
    geleverdVolume: z.int().min(1),
    eenheid: z.enum(wmoEenheden),
    bedragInCenten: bedragSchema,
  })
  .check(rules((p, ctx) => checkPeriod(ctx, ['einddatum'], p.begindatum, p.einddatum, 'begindatum')));

export const declaratieIngediend = defineEvent({
  type: 'nl.wmo.declaratie-ingediend',
  domain: 'wmo',
  data: z
    .strictObject({
      declaratienummer: z.string().min(1).max(50),
      zorgaanbieder: agbCodeSchema,
      gemeentecode: gemeentecodeSchema,
      begindatum: isoDateSchema,
      einddatum: isoDateSchema,
      totaalBedragInCenten: bedragSchema,
      prestaties: z.array(prestatieSchema).min(1),
    })
    .check(
      rules((d, ctx) => {
        // iWmo: one declaratie covers exactly one calendar month.
        if (d.begindatum.slice(0, 7) !== d.einddatum.slice(0, 7)) {
          addRuleIssue(ctx, ['einddatum'], 'one-month', 'a declaratie covers one calendar month');
        }
        checkPeriod(ctx, ['einddatum'], d.begindatum, d.einddatum, 'begindatum');
        const sum = d.prestaties.reduce((total, p) => total + p.bedragInCenten, 0);
        if (sum !== d.totaalBedragInCenten) {
          addRuleIssue(
            ctx,
            ['totaalBedragInCenten'],
            'totaal',
            `must equal the sum of the prestaties (${sum})`,
          );
        }
      }),
    ),
  description: {
    nl: 'De zorgaanbieder declareert de geleverde ondersteuning over één kalendermaand (WMO323).',
    en: 'The care provider bills the care delivered in one calendar month (WMO323).',
  },
  publishers: ['zorgaanbieder'],
  consumers: ['gemeente'],
  clockEffect: 'Geen wettelijke termijn; een eerste declaratie kan de eigen bijdrage starten.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'declaraties' },
  nalezen: false,
  sets: { fact: 'declaratie', owners: ['zorgaanbieder'] },
  standaardbericht: 'WMO323',
});

export const declaratieBeantwoord = defineEvent({
  type: 'nl.wmo.declaratie-beantwoord',
  domain: 'wmo',
  data: z.strictObject({
    declaratienummer: z.string().min(1).max(50),
    ingediendBedragInCenten: bedragSchema,
    toegekendBedragInCenten: bedragSchema,
    afgewezenPrestaties: z.array(
      z.strictObject({
        toewijzingNummer: toewijzingNummerSchema,
        retourcode: z.string().regex(/^\d{4}$/, { error: 'must be a 4-digit retourcode' }),
      }),
    ),
  }),
  description: {
    nl: 'De gemeente heeft de declaratie beoordeeld en antwoordt met het toegekende bedrag (WMO325).',
    en: 'The municipality assessed the bill and answers with the approved amount (WMO325).',
  },
  publishers: ['gemeente'],
  consumers: ['zorgaanbieder'],
  clockEffect: 'Geen wettelijke termijn.',
  personalData: false,
  zichtbaarheid: { soort: 'sectie', sectie: 'declaraties' },
  nalezen: false,
  sets: { fact: 'declaratie-antwoord', owners: ['gemeente'] },
  standaardbericht: 'WMO325',
});

export const eigenBijdrageGestart = defineEvent({
  type: 'nl.wmo.eigen-bijdrage-gestart',
  domain: 'wmo',
  data: z.strictObject({
    bsn: bsnSchema,
    gemeentecode: gemeentecodeSchema,
    productcategorie: productcategorieSchema,
    ingangsdatum: isoDateSchema,
    aanleiding: z.enum(['beschikking', 'eerste-declaratie', 'start-zorg']),
  }),
  description: {
    nl: 'De gemeente meldt het CAK de start van de eigen bijdrage voor een cliënt (WMO405; beschermd wonen WMO407).',
    en: 'The municipality tells the CAK to start collecting the personal contribution (WMO405; sheltered housing WMO407).',
  },
  publishers: ['gemeente'],
  consumers: ['cak'],
  clockEffect: 'Geen wettelijke termijn.',
  personalData: true,
  zichtbaarheid: { soort: 'sectie', sectie: 'eigen-bijdrage' },
  nalezen: true,
  sets: { fact: 'eigen bijdrage', owners: ['gemeente'] },
  standaardbericht: 'WMO405 (WMO407 voor productcategorie 15 beschermd wonen)',
});

export const eigenBijdrageGestopt = defineEvent({
  type: 'nl.wmo.eigen-bijdrage-gestopt',
  domain: 'wmo',
  data: z.strictObject({
    bsn: bsnSchema,
    gemeentecode: gemeentecodeSchema,
    productcategorie: productcategorieSchema,
    einddatum: isoDateSchema,
    aanleiding: z.enum(['beschikking', 'stop-zorg']),
  }),
  description: {
    nl: 'De gemeente meldt het CAK het einde van de eigen bijdrage voor een cliënt (WMO405; beschermd wonen WMO407).',
    en: 'The municipality tells the CAK to stop the personal contribution (WMO405; sheltered housing WMO407).',
  },
  publishers: ['gemeente'],
  consumers: ['cak'],
  clockEffect: 'Geen wettelijke termijn.',
  personalData: true,
  zichtbaarheid: { soort: 'sectie', sectie: 'eigen-bijdrage' },
  nalezen: true,
  sets: { fact: 'eigen bijdrage', owners: ['gemeente'] },
  standaardbericht: 'WMO405 (WMO407 voor productcategorie 15 beschermd wonen)',
});

/** All WMO event definitions, in lifecycle order. */
export const wmoEvents = [
  meldingOntvangen,
  onderzoekGestart,
  onderzoekAfgerond,
  aanvraagOntvangen,
  beschikkingstermijnVerlengd,
  beschikkingAfgegeven,
  toewijzingVerzonden,
  retourberichtVerzonden,
  zorgGestart,
  zorgGestopt,
  toewijzingAangevraagd,
  toewijzingswijzigingAangevraagd,
  verzoekBeantwoord,
  declaratieIngediend,
  declaratieBeantwoord,
  eigenBijdrageGestart,
  eigenBijdrageGestopt,
] as const;
