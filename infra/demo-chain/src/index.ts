/**
 * @ketenhub/demo-chain: the living demo of `npm start`. Connectors that play the chain's systems
 * (a municipality, a care provider and the CAK; a bevoegd gezag, an omgevingsdienst, a water board
 * and a province) over the hub's public interfaces, on an accelerated demo calendar.
 */
export { addDays, amsterdamDate, DemoCalendar, type IsoDate } from './calendar';
export { type DemoKey, type DemoOrganisation, demoOins, demoOrganisations, demoUsers } from './organisations';
export { type DemoChain, type DemoChainOptions, type DemoChainStats, startDemoChain } from './runtime';
