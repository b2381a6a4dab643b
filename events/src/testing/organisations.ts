import { sourceFor } from '../envelope';
import type { PublisherRole } from '../roles';

/** A fictional organisation with a test OIN (prefix 00000099) for each role. */
export interface ExampleOrganisation {
  oin: string;
  naam: string;
  systeem: string;
  source: string;
}

function org(oin: string, naam: string, systeem: string): ExampleOrganisation {
  return { oin, naam, systeem, source: sourceFor(oin, systeem) };
}

/** One example organisation per role; OINs use the 00000099 test prefix and are stable. */
export const exampleOrganisations: { readonly [R in PublisherRole]: ExampleOrganisation } = {
  gemeente: org('00000099100000001000', 'Gemeente Voorbeeldstad', 'zaaksysteem'),
  zorgaanbieder: org('00000099200000002000', 'Zorg Thuis Voorbeeld B.V.', 'ecd'),
  cak: org('00000099300000003000', 'CAK (test)', 'ieb'),
  'bevoegd-gezag': org('00000099400000004000', 'Gemeente Voorbeeldstad (bevoegd gezag)', 'vth'),
  omgevingsdienst: org('00000099500000005000', 'Omgevingsdienst Voorbeeldregio', 'vth-od'),
  adviseur: org('00000099600000006000', 'Veiligheidsregio Voorbeeld', 'adviesportaal'),
  ketenhub: org('00000099900000009000', 'Ketenhub', 'ketenhub'),
};

/** Valid test BSNs (RvIG test range 9999xxxxx, passing the 11-proef). Never real people. */
export const exampleBsns = ['999993653', '999990019', '999998456'] as const;

/** Example gemeentecode, AGB code and DSO verzoeknummer used throughout the fixtures. */
export const exampleGemeentecode = '0999';
export const exampleAgbCode = '98123456';
export const exampleVerzoeknummer = '2026-0004711';

/** Stable chain case ids for tests. */
export const exampleCaseIds = {
  wmo: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  omgevingswet: '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
} as const;
