import { Router } from 'express';
import type { BronRuntime } from './bronnen';
import { domainsOf, hubSource, publishesOf, rolesOf } from './config';

/**
 * `GET /bronnen` (operator token): the configured sources without their secrets, and what each
 * source's hub system must be registered with at the registry for its mappings to be accepted.
 */
export function bronnenRouter(bronnen: ReadonlyMap<string, BronRuntime>): Router {
  const router = Router();
  router.get('/bronnen', (_req, res) => {
    res.json({
      bronnen: [...bronnen.values()].map(({ config }) => ({
        id: config.id,
        hub: { source: hubSource(config), rol: config.hub.rol },
        registratie: {
          oin: config.hub.oin,
          name: config.hub.systeem,
          roles: rolesOf(config),
          domains: domainsOf(config),
          publishes: publishesOf(config),
        },
        zgw: {
          clientId: config.zgw.clientId,
          zaken: config.zgw.zaken,
          catalogi: config.zgw.catalogi,
          besluiten: config.zgw.besluiten ?? null,
          documenten: config.zgw.documenten ?? null,
        },
        zaaktypen: config.zaaktypen.map((z) => ({
          zaaktype: z.zaaktype,
          domein: z.domein,
          ketenzaak: z.ketenzaak,
          statussen: z.statussen.length,
          resultaten: z.resultaten.length,
          besluiten: z.besluiten.length,
          documenten: z.documenten,
        })),
      })),
    });
  });
  return router;
}
