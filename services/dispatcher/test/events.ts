import { randomUUID } from 'node:crypto';
import {
  type CaseDomain,
  type EventData,
  type EventType,
  eventDefinitions,
  type KetenEvent,
  mayConsume,
  type PublisherRole,
} from '@ketenhub/events';
import { makeEvent, exampleOrganisations as org } from '@ketenhub/events/testing';

/** Events of the dispatcher's tests, shared by the test files (written straight to Kafka). */

export interface Org {
  oin: string;
  systeem: string;
  source: string;
}

/**
 * A fresh event id with no run of digits that could hold a BSN (nine digits or more, separators
 * included): the gateway refuses such ids, and a ZGW body leaves them out of `resourceUrl`, so an id
 * a random UUID happened to make BSN-like would make these tests fail by chance.
 */
export const eventId = (): string => {
  for (;;) {
    const id = randomUUID();
    if (!/\d[\d .-]{7,}\d/.test(id)) return id;
  }
};

/** An event of `type` published by `by` in chain case `subject`, with a fresh id. */
export const ev = <T extends EventType>(type: T, data: EventData<T> | undefined, by: Org, subject: string) =>
  makeEvent(type, data, { subject, source: by.source, id: eventId() }) as KetenEvent;

/** A WMO chain case opened by the gemeente, its own case number `Z-1`. */
export const wmoOpened = (caseId: string) =>
  ev(
    'nl.ketens.ketenzaak-geopend',
    {
      domein: 'wmo',
      oin: org.gemeente.oin,
      rol: 'gemeente',
      systeem: org.gemeente.systeem,
      zaakreferentie: 'Z-1',
    },
    org.gemeente,
    caseId,
  );

/** Every type a system in these roles may receive (registry rule: `consumes` within the catalog). */
export const consumable = (roles: readonly PublisherRole[], domain: CaseDomain) =>
  eventDefinitions
    .filter((d) => (d.domain === 'ketens' || d.domain === domain) && roles.some((r) => mayConsume(d.type, r)))
    .map((d) => d.type);
