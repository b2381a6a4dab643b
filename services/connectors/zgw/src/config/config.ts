import {
  type CaseDomain,
  caseDomains,
  type EventType,
  gemeentecodeSchema,
  mayPublish,
  oinSchema,
  type ParticipantRole,
  participantRoles,
  procedures,
  productcategorieSchema,
  productcodeSchema,
  sourceFor,
  toViolations,
} from '@ketenhub/events';
import { EnvError } from '@ketenhub/service';
import { z } from 'zod';
import { type FeitType, feiten, feitTypes } from '../mapping/feiten';

/**
 * The connector's sources: per ZGW installation (an Open Zaak, or another zaaksysteem behind the ZGW
 * APIs) how Open Notificaties authenticates its callbacks, how the connector reads the ZGW APIs, which
 * hub system publishes for it, and which zaaktypen map to which chain domain and events. Parsed once
 * at start; a mistake is reported with every bad field at once, like the env.
 */

const bronIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be lower-case letters, digits and dashes' });

const systeemSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { error: 'must be a system name as in the source URN' });

/** A mapping entry names its ZGW type by URL (exact match) or by omschrijving (case-insensitive). */
const omschrijvingSchema = z.string().min(1).max(200).optional();

const feitFields = {
  /** `null`: a known type that maps to no event on purpose (e.g. "In behandeling"); kept as genegeerd. */
  event: z.enum(feitTypes as [FeitType, ...FeitType[]]).nullable(),
  /** Fields no ZGW resource carries, per event type (feiten.ts `extra`). */
  data: z.record(z.string(), z.unknown()).default({}),
};

const statusMappingSchema = z.strictObject({
  statustype: z.url().optional(),
  omschrijving: omschrijvingSchema,
  ...feitFields,
});
const resultaatMappingSchema = z.strictObject({
  resultaattype: z.url().optional(),
  omschrijving: omschrijvingSchema,
  ...feitFields,
});

const besluitMappingSchema = z.strictObject({
  besluittype: z.url().optional(),
  omschrijving: omschrijvingSchema,
  /** WMO: what the beschikking decided. */
  besluit: z.enum(['toegekend', 'gedeeltelijk-toegekend', 'afgewezen']).optional(),
  /** WMO: the voorzieningen a granting beschikking of this type grants (dates come from the besluit). */
  voorzieningen: z
    .array(
      z.strictObject({ productcategorie: productcategorieSchema, productcode: productcodeSchema.optional() }),
    )
    .default([]),
  /** Omgevingswet: the outcome of a besluit of this type. */
  uitkomst: z.enum(['verleend', 'geweigerd', 'gedeeltelijk-verleend']).optional(),
});

const zaaktypeMappingSchema = z.strictObject({
  zaaktype: z.url(),
  domein: z.enum(caseDomains),
  /**
   * The role the source acts in for zaken of this type (default `hub.rol`): a municipality's one Open
   * Zaak is the gemeente in WMO and the bevoegd gezag in the Omgevingswet. Its hub system is
   * registered with every role its zaaktypen use.
   */
  rol: z.enum(participantRoles).optional(),
  /** Omgevingswet: regulier or uitgebreid; the hub's decision clock depends on it. */
  procedure: z.enum(procedures).optional(),
  /**
   * `openen`: a zaak of this type opens a new chain case (`nl.ketens.ketenzaak-geopend`) unless it is
   * already linked. `koppelen`: it belongs to a chain case opened elsewhere; its notifications wait
   * until a link is made (PUT /links, a `ketenhub` kenmerk, or a linked hoofdzaak or related zaak).
   */
  ketenzaak: z.enum(['openen', 'koppelen']).default('openen'),
  statussen: z.array(statusMappingSchema).default([]),
  /** At closing (final status or einddatum), the zaak's resultaat by resultaattype. */
  resultaten: z.array(resultaatMappingSchema).default([]),
  besluiten: z.array(besluitMappingSchema).default([]),
  /** Whether documents linked to the zaak become `nl.ketens.document-toegevoegd`. */
  documenten: z.boolean().default(true),
});

const bronSchema = z.strictObject({
  id: bronIdSchema,
  /**
   * SHA-256 (hex) of the `auth` value of the abonnement in Open Notificaties, the whole header value
   * as Open Notificaties sends it (e.g. `Bearer 3f…`). Only the hash is configured and kept.
   */
  callbackAuthSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { error: 'must be 64 lower-case hex characters (SHA-256)' }),
  /**
   * Open Zaak sending its notifications straight to the connector (its Notificaties API service
   * pointing at `<connector>/api/v1`) instead of through Open Notificaties: the ZGW client Open Zaak
   * signs its JWT with for that service.
   */
  openZaak: z.strictObject({ clientId: z.string().min(1), secret: z.string().min(1) }).optional(),
  hub: z.strictObject({
    oin: oinSchema,
    systeem: systeemSchema,
    /** The role the source acts in, and opens chain cases in (a zaaktype may name another). */
    rol: z.enum(participantRoles),
    /** The system token from the registry (`khs_…`). */
    token: z.string().min(1),
  }),
  zgw: z.strictObject({
    /** The connector's ZGW application: the JWT's client_id and iss. */
    clientId: z.string().min(1),
    /** The shared secret the JWT is signed with (HS256). */
    secret: z.string().min(1),
    /** For the ZGW APIs' audit trail. */
    userId: z.string().min(1).max(255).default('ketenhub-connector'),
    userRepresentation: z.string().min(1).max(255).default('Ketenhub ZGW-connector'),
    /**
     * API roots, e.g. `https://openzaak.example.nl/zaken/api/v1`. The connector fetches only URLs
     * under these roots (and sends its credentials nowhere else), whatever a notification names.
     */
    zaken: z.url(),
    catalogi: z.url(),
    besluiten: z.url().optional(),
    documenten: z.url().optional(),
    /** A PEM file of CA certificates to trust for these APIs (an internal PKI). */
    caFile: z.string().min(1).optional(),
  }),
  /** Gemeentecode (4 digits) for WMO meldingen and Omgevingswet aanvragen of this source. */
  gemeentecode: gemeentecodeSchema.optional(),
  /** The bron of the zaak kenmerk that holds the DSO verzoeknummer. */
  verzoeknummerKenmerk: z.string().min(1).default('DSO'),
  /** The bron of a zaak kenmerk that holds a chain case id: such a zaak is linked to that case. */
  ketenzaakKenmerk: z.string().min(1).default('ketenhub'),
  zaaktypen: z.array(zaaktypeMappingSchema).default([]),
});

export const configSchema = z
  .strictObject({ bronnen: z.array(bronSchema).min(1) })
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    const hashes = new Set<string>();
    const clients = new Set<string>();
    config.bronnen.forEach((bron, b) => {
      const at = (...path: PropertyKey[]) => ['bronnen', b, ...path];
      if (ids.has(bron.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: 'is used twice' });
      ids.add(bron.id);
      if (hashes.has(bron.callbackAuthSha256)) {
        ctx.addIssue({
          code: 'custom',
          path: at('callbackAuthSha256'),
          message: 'is used by another source: each abonnement needs its own auth value',
        });
      }
      hashes.add(bron.callbackAuthSha256);
      if (bron.openZaak) {
        if (clients.has(bron.openZaak.clientId)) {
          ctx.addIssue({
            code: 'custom',
            path: at('openZaak', 'clientId'),
            message: 'is used by another source',
          });
        }
        clients.add(bron.openZaak.clientId);
      }
      const zaaktypen = new Set<string>();
      bron.zaaktypen.forEach((zt, zi) => {
        const ztAt = (...path: PropertyKey[]) => at('zaaktypen', zi, ...path);
        if (zaaktypen.has(zt.zaaktype))
          ctx.addIssue({ code: 'custom', path: ztAt('zaaktype'), message: 'is mapped twice' });
        zaaktypen.add(zt.zaaktype);
        if (zt.domein === 'omgevingswet' && !zt.procedure) {
          ctx.addIssue({ code: 'custom', path: ztAt('procedure'), message: 'is required for omgevingswet' });
        }
        if (zt.domein !== 'omgevingswet' && zt.procedure) {
          ctx.addIssue({
            code: 'custom',
            path: ztAt('procedure'),
            message: 'only omgevingswet has a procedure',
          });
        }
        const checkFeit = (
          list: 'statussen' | 'resultaten',
          key: 'statustype' | 'resultaattype',
          entries: {
            event: FeitType | null;
            data: Record<string, unknown>;
            omschrijving?: string | undefined;
            [k: string]: unknown;
          }[],
        ) => {
          entries.forEach((entry, e) => {
            const path = (...p: PropertyKey[]) => ztAt(list, e, ...p);
            if (!entry[key] === !entry.omschrijving) {
              ctx.addIssue({
                code: 'custom',
                path: path(key),
                message: `give either ${key} or omschrijving`,
              });
            }
            if (entry.event === null) return;
            const definition = feiten[entry.event];
            if (definition.domein !== zt.domein) {
              ctx.addIssue({
                code: 'custom',
                path: path('event'),
                message: `is an event of ${definition.domein}, the zaaktype is ${zt.domein}`,
              });
            }
            const extra = ('extra' in definition ? definition.extra : undefined) ?? z.strictObject({});
            const parsed = extra.safeParse(entry.data);
            if (!parsed.success) {
              for (const v of toViolations(parsed.error.issues, [], entry.data)) {
                ctx.addIssue({
                  code: 'custom',
                  path: path('data', ...v.field.split('.')),
                  message: v.message.slice(v.field.length + 2),
                });
              }
            }
            if (
              entry.event === 'nl.wmo.melding-ontvangen' &&
              !entry.data.gemeentecode &&
              !bron.gemeentecode
            ) {
              ctx.addIssue({
                code: 'custom',
                path: path('data', 'gemeentecode'),
                message: 'melding-ontvangen needs a gemeentecode: here or on the source',
              });
            }
          });
        };
        checkFeit('statussen', 'statustype', zt.statussen);
        checkFeit('resultaten', 'resultaattype', zt.resultaten);
        zt.besluiten.forEach((entry, e) => {
          const path = (...p: PropertyKey[]) => ztAt('besluiten', e, ...p);
          if (!entry.besluittype === !entry.omschrijving) {
            ctx.addIssue({
              code: 'custom',
              path: path('besluittype'),
              message: 'give either besluittype or omschrijving',
            });
          }
          if (zt.domein === 'wmo') {
            if (!entry.besluit)
              ctx.addIssue({ code: 'custom', path: path('besluit'), message: 'is required for wmo' });
            if (entry.besluit && entry.besluit !== 'afgewezen' && entry.voorzieningen.length === 0) {
              ctx.addIssue({
                code: 'custom',
                path: path('voorzieningen'),
                message: 'a granting beschikking names at least one voorziening',
              });
            }
          } else if (!entry.uitkomst) {
            ctx.addIssue({ code: 'custom', path: path('uitkomst'), message: 'is required for omgevingswet' });
          }
        });
        if (zt.besluiten.length > 0 && !bron.zgw.besluiten) {
          ctx.addIssue({
            code: 'custom',
            path: at('zgw', 'besluiten'),
            message: 'is required to map besluiten',
          });
        }
        if (zt.documenten && !bron.zgw.documenten) {
          ctx.addIssue({
            code: 'custom',
            path: at('zgw', 'documenten'),
            message: 'is required to map documents (or set documenten: false on the zaaktypen)',
          });
        }
      });
      // What the catalog forbids the role would be refused by the gateway for every zaak: say so now.
      bron.zaaktypen.forEach((zt, zi) => {
        const rol = rolOf(bron, zt);
        for (const type of typesOf(zt)) {
          if (!mayPublish(type, rol)) {
            ctx.addIssue({
              code: 'custom',
              path: at('zaaktypen', zi, zt.rol ? 'rol' : 'domein'),
              message: `the role ${rol} may not publish ${type}, which this zaaktype maps to`,
            });
          }
        }
      });
    });
  });

export type ConnectorConfig = z.infer<typeof configSchema>;
export type Bron = ConnectorConfig['bronnen'][number];
export type ZaaktypeMapping = Bron['zaaktypen'][number];
export type StatusMapping = ZaaktypeMapping['statussen'][number];
export type ResultaatMapping = ZaaktypeMapping['resultaten'][number];
export type BesluitMapping = ZaaktypeMapping['besluiten'][number];

/**
 * Parses the configuration text. Throws {@link EnvError} naming every bad field, the way a bad
 * environment is reported.
 */
export function parseConfig(text: string, origin: string): ConnectorConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EnvError(`invalid configuration in ${origin}: not JSON (${(error as Error).message})`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const lines = toViolations(parsed.error.issues, [], json).map((v) => `  ${v.message}`);
    throw new EnvError(`invalid configuration in ${origin}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The hub source URN a ZGW source publishes as. */
export function hubSource(bron: Bron): string {
  return sourceFor(bron.hub.oin, bron.hub.systeem);
}

/** The zaaktype mapping of a zaak, if its zaaktype is configured. */
export function zaaktypeOf(bron: Bron, zaaktype: string): ZaaktypeMapping | undefined {
  return bron.zaaktypen.find((z) => z.zaaktype === zaaktype);
}

/** The domains a source's zaaktypen cover: what its hub system must be registered for. */
export function domainsOf(bron: Bron): CaseDomain[] {
  return [...new Set(bron.zaaktypen.map((z) => z.domein))];
}

/**
 * Every event type the source may publish under its configuration: what the operator registers the
 * hub system with (`publishes`), shown by `GET /bronnen`.
 */
export function publishesOf(bron: Bron): EventType[] {
  const types = new Set(bron.zaaktypen.flatMap(typesOf));
  return [...types].sort((a, b) => a.localeCompare(b));
}

/** The event types one zaaktype's mapping can produce. */
function typesOf(zt: ZaaktypeMapping): EventType[] {
  const types: EventType[] = [];
  if (zt.ketenzaak === 'openen') types.push('nl.ketens.ketenzaak-geopend');
  for (const s of [...zt.statussen, ...zt.resultaten]) if (s.event) types.push(s.event);
  if (zt.besluiten.length > 0) {
    types.push(zt.domein === 'wmo' ? 'nl.wmo.beschikking-afgegeven' : 'nl.omgevingswet.besluit-genomen');
  }
  if (zt.documenten) types.push('nl.ketens.document-toegevoegd');
  return types;
}

/** The role a source acts in for zaken of a zaaktype. */
export function rolOf(bron: Bron, zaaktype: ZaaktypeMapping): ParticipantRole {
  return zaaktype.rol ?? bron.hub.rol;
}

/** Every role the source's hub system needs at the registry. */
export function rolesOf(bron: Bron): ParticipantRole[] {
  return [...new Set([bron.hub.rol, ...bron.zaaktypen.map((z) => rolOf(bron, z))])];
}
