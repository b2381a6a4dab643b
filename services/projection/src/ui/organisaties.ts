/**
 * Names of the hub's demo organisations (test OINs, prefix 00000099), for the page where a case
 * does not name an organisation itself: the opener of a case and the hub. Participants that were
 * added or invited carry their name in the case (`deelnemers[].naam`), which wins. Any other OIN
 * is shown as it is.
 */
export const demoOrganisatieNamen: Readonly<Record<string, string>> = {
  '00000099100000001000': 'Gemeente Voorbeeldstad',
  '00000099200000002000': 'Zorg Thuis Voorbeeld B.V.',
  '00000099300000003000': 'CAK (test)',
  '00000099400000004000': 'Gemeente Voorbeeldstad (bevoegd gezag)',
  '00000099500000005000': 'Omgevingsdienst Voorbeeldregio',
  '00000099600000006000': 'Veiligheidsregio Voorbeeld',
  '00000099610000006000': 'Waterschap Voorbeeldrivier',
  '00000099620000006000': 'Provincie Voorbeeldland',
  '00000099900000009000': 'Ketenhub',
};
