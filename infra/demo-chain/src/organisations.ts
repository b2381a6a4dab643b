import type { CaseDomain, ParticipantRole } from '@ketenhub/events';

/**
 * The demo chain's organisations: one system each, and the case workers who log in with the
 * development identity provider (infra/oidc-dev). Test OINs only (prefix 00000099, DOMAIN.md
 * section 2); the first five are the fixtures' organisations, the water board and the province are
 * the two advisers the Omgevingswet chain asks.
 */
export interface DemoOrganisation {
  key: DemoKey;
  oin: string;
  naam: string;
  rol: ParticipantRole;
  domein: CaseDomain;
  /** The system name in its source URN. Not the fixtures' names, so the static demo's registrations stay as they are. */
  systeem: string;
  medewerkers: { sub: string; name: string; functie: string }[];
}

export type DemoKey =
  | 'gemeente'
  | 'zorgaanbieder'
  | 'cak'
  | 'bevoegdGezag'
  | 'omgevingsdienst'
  | 'waterschap'
  | 'provincie';

export const demoOrganisations: Readonly<Record<DemoKey, DemoOrganisation>> = {
  gemeente: {
    key: 'gemeente',
    oin: '00000099100000001000',
    naam: 'Gemeente Voorbeeldstad',
    rol: 'gemeente',
    domein: 'wmo',
    systeem: 'sociaal-domein',
    medewerkers: [{ sub: 'consulent-wmo', name: 'Fatima El Amrani', functie: 'WMO-consulent' }],
  },
  zorgaanbieder: {
    key: 'zorgaanbieder',
    oin: '00000099200000002000',
    naam: 'Zorg Thuis Voorbeeld B.V.',
    rol: 'zorgaanbieder',
    domein: 'wmo',
    systeem: 'ecd-planning',
    medewerkers: [{ sub: 'planner-zorg', name: 'Joost de Vries', functie: 'zorgplanner' }],
  },
  cak: {
    key: 'cak',
    oin: '00000099300000003000',
    naam: 'CAK (test)',
    rol: 'cak',
    domein: 'wmo',
    systeem: 'eigen-bijdrage',
    medewerkers: [{ sub: 'medewerker-cak', name: 'Ingrid Bakker', functie: 'medewerker eigen bijdrage' }],
  },
  bevoegdGezag: {
    key: 'bevoegdGezag',
    oin: '00000099400000004000',
    naam: 'Gemeente Voorbeeldstad (bevoegd gezag)',
    rol: 'bevoegd-gezag',
    domein: 'omgevingswet',
    systeem: 'vth-vergunningen',
    medewerkers: [{ sub: 'vergunningverlener', name: 'Sanne Jansen', functie: 'vergunningverlener' }],
  },
  omgevingsdienst: {
    key: 'omgevingsdienst',
    oin: '00000099500000005000',
    naam: 'Omgevingsdienst Voorbeeldregio',
    rol: 'omgevingsdienst',
    domein: 'omgevingswet',
    systeem: 'vth-casemanagement',
    medewerkers: [{ sub: 'casemanager-od', name: 'Mehmet Yilmaz', functie: 'casemanager vergunningen' }],
  },
  waterschap: {
    key: 'waterschap',
    oin: '00000099610000006000',
    naam: 'Waterschap Voorbeeldrivier',
    rol: 'adviseur',
    domein: 'omgevingswet',
    systeem: 'watervergunningen',
    medewerkers: [{ sub: 'adviseur-waterschap', name: 'Els de Boer', functie: 'adviseur waterkwaliteit' }],
  },
  provincie: {
    key: 'provincie',
    oin: '00000099620000006000',
    naam: 'Provincie Voorbeeldland',
    rol: 'adviseur',
    domein: 'omgevingswet',
    systeem: 'advies-instemming',
    medewerkers: [
      { sub: 'adviseur-provincie', name: 'Ruud Visser', functie: 'adviseur natuur (instemming)' },
    ],
  },
};

/** The demo case workers as the development identity provider takes them. */
export function demoUsers() {
  return Object.values(demoOrganisations).flatMap((org) =>
    org.medewerkers.map((m) => ({ ...m, oin: org.oin, organisatie: org.naam, roles: [org.rol] })),
  );
}

/** The OINs the development identity provider may speak for (its binding in KETENHUB_JWT_ISSUERS). */
export function demoOins(): string[] {
  return [...new Set(Object.values(demoOrganisations).map((o) => o.oin))];
}
