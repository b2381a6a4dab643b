import { hashCallbackAuth } from '../auth/callback';
import type { ZgwServer } from './zgw-server';

/**
 * A municipality's Open Zaak with two zaaktypen, as the tests and docs/zgw.md use it: "Melding Wmo"
 * (the gemeente in a WMO chain, opens a chain case per zaak) and "Omgevingsvergunning regulier" (the
 * same municipality as bevoegd gezag). The catalog lives in the test ZGW server; the configuration
 * maps it, partly by URL and partly by omschrijving, as an integrator would.
 */
export interface VoorbeeldOptions {
  zgw: ZgwServer;
  certFile: string;
  clientId: string;
  secret: string;
  /** The abonnement's auth value in Open Notificaties. */
  callbackAuth: string;
  hub: { oin: string; systeem: string; token: string };
  bron?: string;
  /** Open Zaak posting straight to the connector with this ZGW client. */
  openZaak?: { clientId: string; secret: string };
}

export function voorbeeldCatalogus(zgw: ZgwServer) {
  const wmo = zgw.zaaktype('Melding Wmo');
  const ow = zgw.zaaktype('Omgevingsvergunning regulier');
  const onbekend = zgw.zaaktype('Parkeervergunning');
  return {
    wmo: {
      zaaktype: wmo,
      melding: zgw.statustype(String(wmo.url), 'Melding ontvangen', 1),
      onderzoek: zgw.statustype(String(wmo.url), 'Onderzoek gestart', 2),
      aanvraag: zgw.statustype(String(wmo.url), 'Aanvraag ontvangen', 3),
      inBehandeling: zgw.statustype(String(wmo.url), 'In behandeling', 4),
      nietGemapt: zgw.statustype(String(wmo.url), 'Wacht op informatie', 5),
      afgehandeld: zgw.statustype(String(wmo.url), 'Afgehandeld', 6, true),
      toegekend: zgw.resultaattype(String(wmo.url), 'Toegekend'),
      beschikking: zgw.besluittype(String(wmo.url), 'Beschikking huishoudelijke hulp'),
    },
    ow: {
      zaaktype: ow,
      ontvangen: zgw.statustype(String(ow.url), 'Ontvangen', 1),
      bevestigd: zgw.statustype(String(ow.url), 'Ontvangst bevestigd', 2),
      afgehandeld: zgw.statustype(String(ow.url), 'Afgehandeld', 3, true),
      ingetrokken: zgw.resultaattype(String(ow.url), 'Ingetrokken'),
      verleend: zgw.resultaattype(String(ow.url), 'Verleend'),
      vergunning: zgw.besluittype(String(ow.url), 'Omgevingsvergunning verleend'),
    },
    onbekend: { zaaktype: onbekend, ontvangen: zgw.statustype(String(onbekend.url), 'Ontvangen', 1) },
  };
}
export type VoorbeeldCatalogus = ReturnType<typeof voorbeeldCatalogus>;

/** The configuration (as JSON input) for {@link voorbeeldCatalogus}. */
export function voorbeeldConfig(options: VoorbeeldOptions, catalogus: VoorbeeldCatalogus) {
  const { zgw } = options;
  return {
    bronnen: [
      {
        id: options.bron ?? 'openzaak-voorbeeldstad',
        callbackAuthSha256: hashCallbackAuth(options.callbackAuth),
        ...(options.openZaak ? { openZaak: options.openZaak } : {}),
        hub: { ...options.hub, rol: 'gemeente' },
        zgw: {
          clientId: options.clientId,
          secret: options.secret,
          ...zgw.apis,
          caFile: options.certFile,
        },
        gemeentecode: '0999',
        zaaktypen: [
          {
            zaaktype: catalogus.wmo.zaaktype.url,
            domein: 'wmo',
            statussen: [
              { statustype: catalogus.wmo.melding.url, event: 'nl.wmo.melding-ontvangen' },
              { omschrijving: 'onderzoek gestart', event: 'nl.wmo.onderzoek-gestart' },
              {
                omschrijving: 'Aanvraag ontvangen',
                event: 'nl.wmo.aanvraag-ontvangen',
                data: { productcategorieen: ['01'] },
              },
              { omschrijving: 'In behandeling', event: null },
              { omschrijving: 'Afgehandeld', event: null },
            ],
            besluiten: [
              {
                omschrijving: 'Beschikking huishoudelijke hulp',
                besluit: 'toegekend',
                voorzieningen: [{ productcategorie: '01', productcode: '01A01' }],
              },
            ],
          },
          {
            zaaktype: catalogus.ow.zaaktype.url,
            domein: 'omgevingswet',
            rol: 'bevoegd-gezag',
            procedure: 'regulier',
            statussen: [
              {
                omschrijving: 'Ontvangen',
                event: 'nl.omgevingswet.aanvraag-ontvangen',
                data: { activiteiten: ['Bouwen van een dakkapel'] },
              },
              { omschrijving: 'Ontvangst bevestigd', event: 'nl.omgevingswet.ontvangst-bevestigd' },
              { omschrijving: 'Afgehandeld', event: null },
            ],
            resultaten: [
              { omschrijving: 'Ingetrokken', event: 'nl.omgevingswet.aanvraag-ingetrokken' },
              { resultaattype: catalogus.ow.verleend.url, event: null },
            ],
            besluiten: [{ besluittype: catalogus.ow.vergunning.url, uitkomst: 'verleend' }],
          },
        ],
      },
    ],
  };
}

/** The event types the example source publishes: what its hub system is registered with. */
export const voorbeeldPublishes = [
  'nl.ketens.ketenzaak-geopend',
  'nl.ketens.document-toegevoegd',
  'nl.wmo.melding-ontvangen',
  'nl.wmo.onderzoek-gestart',
  'nl.wmo.aanvraag-ontvangen',
  'nl.wmo.beschikking-afgegeven',
  'nl.omgevingswet.aanvraag-ontvangen',
  'nl.omgevingswet.ontvangst-bevestigd',
  'nl.omgevingswet.aanvraag-ingetrokken',
  'nl.omgevingswet.besluit-genomen',
];
