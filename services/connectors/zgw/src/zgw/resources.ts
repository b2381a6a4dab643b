import { z } from 'zod';

/**
 * The parts of the ZGW resources the connector reads (Zaken API 1.x, Catalogi API 1.x, Besluiten API
 * 1.x, Documenten API 1.x). Objects are not strict: the APIs add fields between minor versions, and a
 * field the connector does not read must never make it refuse a resource. What it does read is checked,
 * so a zaaksysteem that deviates gets a reason (`zgw-ongeldig`) rather than a wrong event.
 */

const url = z.url();
const date = z.iso.date();
/** ZGW date-times come from Django: `Z` or an offset, often microseconds. */
const dateTime = z.iso.datetime({ offset: true });

export const zaakSchema = z.looseObject({
  url,
  uuid: z.string().optional(),
  identificatie: z.string().min(1).max(40),
  bronorganisatie: z.string(),
  zaaktype: url,
  registratiedatum: date,
  startdatum: date,
  einddatum: date.nullable().optional(),
  omschrijving: z.string().optional(),
  hoofdzaak: url.nullable().optional(),
  relevanteAndereZaken: z.array(z.looseObject({ url, aardRelatie: z.string().optional() })).optional(),
  kenmerken: z.array(z.looseObject({ kenmerk: z.string(), bron: z.string() })).optional(),
  resultaat: url.nullable().optional(),
  status: url.nullable().optional(),
});
export type Zaak = z.infer<typeof zaakSchema>;

export const statusSchema = z.looseObject({
  url,
  zaak: url,
  statustype: url,
  datumStatusGezet: dateTime,
  statustoelichting: z.string().optional(),
});
export type Status = z.infer<typeof statusSchema>;

export const statustypeSchema = z.looseObject({
  url,
  omschrijving: z.string(),
  zaaktype: url.optional(),
  volgnummer: z.number().optional(),
  isEindstatus: z.boolean().optional(),
});
export type Statustype = z.infer<typeof statustypeSchema>;

export const resultaatSchema = z.looseObject({
  url,
  zaak: url,
  resultaattype: url,
  toelichting: z.string().optional(),
});
export type Resultaat = z.infer<typeof resultaatSchema>;

export const resultaattypeSchema = z.looseObject({
  url,
  omschrijving: z.string(),
  zaaktype: url.optional(),
});
export type Resultaattype = z.infer<typeof resultaattypeSchema>;

export const betrokkeneTypen = [
  'natuurlijk_persoon',
  'niet_natuurlijk_persoon',
  'vestiging',
  'organisatorische_eenheid',
  'medewerker',
] as const;

export const rolSchema = z.looseObject({
  url,
  zaak: url,
  betrokkeneType: z.string(),
  omschrijvingGeneriek: z.string().optional(),
  // The identification's shape depends on betrokkeneType; only a natural person's inpBsn is read.
  betrokkeneIdentificatie: z.looseObject({ inpBsn: z.string().optional() }).nullable().optional(),
});
export type Rol = z.infer<typeof rolSchema>;

/** A page of a ZGW list endpoint (`count`, `next`, `results`). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    count: z.number().optional(),
    next: url.nullable().optional(),
    results: z.array(item),
  });
}

export const besluitSchema = z.looseObject({
  url,
  identificatie: z.string().max(50),
  verantwoordelijkeOrganisatie: z.string(),
  besluittype: url,
  zaak: z
    .union([url, z.literal('')])
    .nullable()
    .optional(),
  datum: date,
  toelichting: z.string().optional(),
  ingangsdatum: date,
  vervaldatum: date.nullable().optional(),
  publicatiedatum: date.nullable().optional(),
});
export type Besluit = z.infer<typeof besluitSchema>;

export const besluittypeSchema = z.looseObject({
  url,
  omschrijving: z.string().optional(),
});
export type Besluittype = z.infer<typeof besluittypeSchema>;

export const zaakinformatieobjectSchema = z.looseObject({
  url,
  informatieobject: url,
  zaak: url,
  titel: z.string().optional(),
  registratiedatum: dateTime.optional(),
});
export type Zaakinformatieobject = z.infer<typeof zaakinformatieobjectSchema>;

/** ZGW vertrouwelijkheidaanduiding, from open to closed (Documenten API, Zaken API). */
export const vertrouwelijkheidaanduidingen = [
  'openbaar',
  'beperkt_openbaar',
  'intern',
  'zaakvertrouwelijk',
  'vertrouwelijk',
  'confidentieel',
  'geheim',
  'zeer_geheim',
] as const;
export type Vertrouwelijkheidaanduiding = (typeof vertrouwelijkheidaanduidingen)[number];

export const enkelvoudiginformatieobjectSchema = z.looseObject({
  url,
  identificatie: z.string().max(40),
  bronorganisatie: z.string(),
  titel: z.string().min(1).max(200),
  vertrouwelijkheidaanduiding: z.enum(vertrouwelijkheidaanduidingen),
  formaat: z.string().optional(),
  bestandsomvang: z.number().int().nullable().optional(),
  integriteit: z
    .looseObject({ algoritme: z.string().optional(), waarde: z.string().optional() })
    .nullable()
    .optional(),
});
export type Enkelvoudiginformatieobject = z.infer<typeof enkelvoudiginformatieobjectSchema>;
