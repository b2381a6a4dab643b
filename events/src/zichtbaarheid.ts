/**
 * Vocabulary of the access model: the sections of a joined chain case and, per event type, which
 * of them the event belongs to. The catalog states this per type (`zichtbaarheid`, `nalezen`); the
 * rule that applies it to an organisation (which roles see which sections, owners, participation)
 * lives in `@ketenhub/access`, and docs/access.md shows the result per type and role.
 */

/** The sections of a joined chain case a role may or may not see. */
export const secties = [
  'bsn',
  'gemeentecode',
  'melding',
  'onderzoek',
  'wmo-aanvraag',
  'beschikking',
  'toewijzingen',
  'zorg',
  'zorg-datums',
  'verzoeken',
  'retourberichten',
  'declaraties',
  'eigen-bijdrage',
  'klokken-wmo',
  'klokken-ow',
  'ingebrekestellingen',
  'ow-aanvraag',
  'ow-procedure',
  'ow-advies-alle',
  'ow-advies-eigen',
  'ow-besluit',
  'zienswijzen',
  'conflicten',
] as const;

/** A section of the joined case. */
export type Sectie = (typeof secties)[number];

/**
 * Who may see an event of a type, before roles are applied:
 * - `deelnemers`: every active participant (opening, participation), and the organisation the
 *   participation event is about;
 * - `sectie`: participants whose roles see that section; `beperkt` names a smaller section whose
 *   roles get a redacted copy with only `velden` of `data`;
 * - `klok`: the section of the clock named in `data.termijn` (termijn-verstreken);
 * - `document`: every participant, but `strikt` documents only those with `volledig` access;
 * - `actieverzoek`: only the requesting and the receiving organisation;
 * - `advies`: the roles that see every advice (the authority) and the adviser concerned;
 * - `uitnodiging`: the owners of participation and the invited organisation.
 */
export type Zichtbaarheid =
  | { soort: 'deelnemers' }
  | { soort: 'sectie'; sectie: Sectie; beperkt?: { sectie: Sectie; velden: readonly string[] } }
  | { soort: 'klok' }
  | { soort: 'document' }
  | { soort: 'actieverzoek' }
  | { soort: 'advies' }
  | { soort: 'uitnodiging' };
