import { eventDefinitions, termijnen } from '@ketenhub/events';
import { demoOrganisatieNamen } from './organisaties';

/**
 * What the page needs to say events in words, served as /ui/catalogus.json: per type its Dutch
 * description from the catalog, the legal clocks with their articles, and the demo organisations'
 * names. It is the contract's text, the same for everyone, and holds no case data, so it is
 * served without a token like the rest of the page shell.
 */
export function catalogus() {
  return {
    typen: Object.fromEntries(
      eventDefinitions.map((d) => [d.type, { omschrijving: d.description.nl, domein: d.domain }]),
    ),
    termijnen,
    organisaties: demoOrganisatieNamen,
  };
}
