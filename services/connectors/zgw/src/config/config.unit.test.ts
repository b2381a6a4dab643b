import { EnvError } from '@ketenhub/service';
import { describe, expect, it } from 'vitest';
import { connectorEnv } from '../env';
import { parseConfig, publishesOf, rolesOf } from './config';

const oz = 'https://openzaak.voorbeeldstad.nl';
const base = () => ({
  id: 'openzaak',
  callbackAuthSha256: 'a'.repeat(64),
  hub: { oin: '00000099100000001000', systeem: 'openzaak', rol: 'gemeente', token: 'khs_x' },
  zgw: {
    clientId: 'ketenhub',
    secret: 's',
    zaken: `${oz}/zaken/api/v1`,
    catalogi: `${oz}/catalogi/api/v1`,
    besluiten: `${oz}/besluiten/api/v1`,
    documenten: `${oz}/documenten/api/v1`,
  },
  gemeentecode: '0999',
  zaaktypen: [] as unknown[],
});

function errors(config: unknown): string[] {
  try {
    parseConfig(JSON.stringify(config), 'test');
    return [];
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    return error.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
}

describe('configuration', () => {
  it('reports what each source must be registered with at the registry', () => {
    const config = parseConfig(
      JSON.stringify({
        bronnen: [
          {
            ...base(),
            zaaktypen: [
              {
                zaaktype: `${oz}/zt/wmo`,
                domein: 'wmo',
                statussen: [{ omschrijving: 'Melding ontvangen', event: 'nl.wmo.melding-ontvangen' }],
                besluiten: [{ omschrijving: 'Beschikking', besluit: 'afgewezen' }],
              },
              {
                zaaktype: `${oz}/zt/ow`,
                domein: 'omgevingswet',
                rol: 'bevoegd-gezag',
                procedure: 'uitgebreid',
                documenten: false,
                besluiten: [{ omschrijving: 'Vergunning', uitkomst: 'verleend' }],
              },
            ],
          },
        ],
      }),
      'test',
    );
    const [bron] = config.bronnen;
    expect(publishesOf(bron!)).toEqual([
      'nl.ketens.document-toegevoegd',
      'nl.ketens.ketenzaak-geopend',
      'nl.omgevingswet.besluit-genomen',
      'nl.wmo.beschikking-afgegeven',
      'nl.wmo.melding-ontvangen',
    ]);
    expect(rolesOf(bron!)).toEqual(['gemeente', 'bevoegd-gezag']);
  });

  it('refuses at start what would fail for every zaak later, naming each field', () => {
    expect(
      errors({
        bronnen: [
          {
            ...base(),
            gemeentecode: undefined,
            zaaktypen: [
              {
                zaaktype: `${oz}/zt/wmo`,
                domein: 'wmo',
                statussen: [
                  { omschrijving: 'Melding ontvangen', event: 'nl.wmo.melding-ontvangen' },
                  { omschrijving: 'Onderzoek afgerond', event: 'nl.wmo.onderzoek-afgerond' },
                  { statustype: `${oz}/st/1`, omschrijving: 'Beide', event: 'nl.wmo.onderzoek-gestart' },
                  {
                    omschrijving: 'Ontvangen',
                    event: 'nl.omgevingswet.aanvraag-ontvangen',
                    data: { activiteiten: ['x'] },
                  },
                ],
                besluiten: [{ omschrijving: 'Beschikking', besluit: 'toegekend' }],
              },
              { zaaktype: `${oz}/zt/ow`, domein: 'omgevingswet', besluiten: [{ omschrijving: 'V' }] },
            ],
          },
        ],
      }),
    ).toEqual([
      'bronnen.0.zaaktypen.0.statussen.0.data.gemeentecode: melding-ontvangen needs a gemeentecode: here or on the source',
      'bronnen.0.zaaktypen.0.statussen.1.data.verslagVerstrekt: is required',
      'bronnen.0.zaaktypen.0.statussen.2.statustype: give either statustype or omschrijving',
      'bronnen.0.zaaktypen.0.statussen.3.event: is an event of omgevingswet, the zaaktype is wmo',
      'bronnen.0.zaaktypen.0.besluiten.0.voorzieningen: a granting beschikking names at least one voorziening',
      'bronnen.0.zaaktypen.1.procedure: is required for omgevingswet',
      'bronnen.0.zaaktypen.1.besluiten.0.uitkomst: is required for omgevingswet',
      'bronnen.0.zaaktypen.0.domein: the role gemeente may not publish nl.omgevingswet.aanvraag-ontvangen, which this zaaktype maps to',
      'bronnen.0.zaaktypen.1.domein: the role gemeente may not publish nl.omgevingswet.besluit-genomen, which this zaaktype maps to',
    ]);
  });

  it('wants one auth value per abonnement and known sources', () => {
    expect(errors({ bronnen: [base(), { ...base(), id: 'tweede' }] })).toEqual([
      'bronnen.1.callbackAuthSha256: is used by another source: each abonnement needs its own auth value',
    ]);
    expect(errors({ bronnen: [{ ...base(), callbackAuthSha256: 'Bearer geheim' }] })).toEqual([
      'bronnen.0.callbackAuthSha256: must be 64 lower-case hex characters (SHA-256)',
    ]);
    expect(errors({ bronnen: [] })[0]).toMatch(/^bronnen: /);
  });
});

describe('env', () => {
  const env = { ZGW_OPERATOR_TOKEN: 'o'.repeat(32) };
  it('needs exactly one of ZGW_CONFIG and ZGW_CONFIG_FILE', () => {
    expect(connectorEnv.safeParse(env).success).toBe(false);
    expect(connectorEnv.safeParse({ ...env, ZGW_CONFIG: '{}', ZGW_CONFIG_FILE: '/x' }).success).toBe(false);
    const parsed = connectorEnv.parse({ ...env, ZGW_CONFIG_FILE: '/etc/ketenhub/zgw.json' });
    expect(parsed).toMatchObject({
      ZGW_PORT: 8084,
      ZGW_GATEWAY_URL: 'http://127.0.0.1:8080',
      ZGW_CONCURRENCY: 8,
    });
  });
});
