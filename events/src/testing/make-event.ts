import { createHash } from 'node:crypto';
import { catalog, type EventData, type EventOf, type EventType, type KetenEvent } from '../catalog';
import { DATA_CONTENT_TYPE, type EnvelopeAttributes } from '../envelope';
import type { PublisherRole } from '../roles';
import { exampleData } from './examples';
import { exampleCaseIds, exampleOrganisations } from './organisations';

/** Default `time` of fixture events: a fixed moment so snapshots and ids are stable. */
export const exampleTime = '2026-03-02T09:00:00.000Z';

/**
 * A stable UUID (version 5 layout) from any seed text: the same fixture always gets the same id,
 * which is also what a producer re-sending an event must do.
 */
export function stableUuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Envelope overrides for {@link makeEvent}; `as` picks the example organisation as source. */
export type EventOverrides = Partial<EnvelopeAttributes> & { as?: PublisherRole } & Record<string, unknown>;

/**
 * Builds a valid event of `type` (unless overrides make it invalid). Defaults: the type's example data,
 * the first publisher role's example organisation as source, the WMO or Omgevingswet example case id as
 * subject (the WMO one for chain-level events), a fixed time and an id derived from the content.
 *
 * @example
 * const e = makeEvent('nl.wmo.zorg-gestart', undefined, { subject: caseId, as: 'zorgaanbieder' });
 */
export function makeEvent<T extends EventType>(
  type: T,
  data?: EventData<T>,
  overrides: EventOverrides = {},
): EventOf<T> {
  const { as, ...envelope } = overrides;
  const definition = catalog[type];
  const role = as ?? (definition.publishers[0] as PublisherRole);
  const subject =
    envelope.subject ??
    (definition.domain === 'omgevingswet' ? exampleCaseIds.omgevingswet : exampleCaseIds.wmo);
  const source = envelope.source ?? exampleOrganisations[role].source;
  const time = envelope.time ?? exampleTime;
  const payload = data ?? structuredClone(exampleData[type] as EventData<T>);
  const id =
    envelope.id ??
    stableUuid(
      `${source}|${subject}|${type}|${time}|${String(envelope.sequence ?? '')}|${JSON.stringify(payload)}`,
    );
  return {
    specversion: '1.0',
    id,
    source,
    type,
    time,
    subject,
    datacontenttype: DATA_CONTENT_TYPE,
    ...envelope,
    data: payload,
  } as EventOf<T>;
}

/** Narrows a list of events to one type. */
export function eventsOfType<T extends EventType>(events: readonly KetenEvent[], type: T): EventOf<T>[] {
  return events.filter((e) => e.type === type) as unknown as EventOf<T>[];
}

/** The events up to and including the first of `type` (given/when/then: "given the case until X"). */
export function until(events: readonly KetenEvent[], type: EventType): KetenEvent[] {
  const i = events.findIndex((e) => e.type === type);
  if (i < 0) throw new Error(`until: no ${type} in the given events`);
  return events.slice(0, i + 1);
}

/** The events strictly before the first of `type` ("given everything before X, when X"). */
export function before(events: readonly KetenEvent[], type: EventType): KetenEvent[] {
  const i = events.findIndex((e) => e.type === type);
  if (i < 0) throw new Error(`before: no ${type} in the given events`);
  return events.slice(0, i);
}
