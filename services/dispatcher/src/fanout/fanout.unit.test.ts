import { makeEvent } from '@ketenhub/events/testing';
import { describe, expect, test } from 'vitest';
import { participantOf } from '../cases/participation';
import type { KnownSubscription } from '../subscriptions/subscription-record';
import { recipients } from './fanout';

const gemeente = '00000099100000001000';
const zorg = '00000099200000002000';
const cak = '00000099300000003000';

const sub = (id: string, oin: string, types: string[], queues = true): KnownSubscription => ({
  id,
  oin,
  types: new Set(types),
  revision: 1,
  queues,
});

describe('fan-out', () => {
  const subs = [
    sub('a', zorg, ['nl.wmo.toewijzing-verzonden']),
    sub('b', cak, ['nl.wmo.toewijzing-verzonden', 'nl.wmo.zorg-gestart']),
    sub('c', zorg, ['nl.wmo.zorg-gestart']),
    sub('d', gemeente, ['nl.wmo.toewijzing-verzonden'], false),
  ];

  test('type in the subscription and organisation in the case, both required', () => {
    const inCase = new Set([gemeente, zorg]);
    expect(recipients('nl.wmo.toewijzing-verzonden', inCase, subs).map((s) => s.id)).toEqual(['a']);
    expect(recipients('nl.wmo.zorg-gestart', inCase, subs).map((s) => s.id)).toEqual(['c']);
    // The CAK subscribed to both types but does not take part: nothing.
    expect(recipients('nl.wmo.zorg-gestart', new Set([zorg, cak]), subs).map((s) => s.id)).toEqual([
      'b',
      'c',
    ]);
  });

  test('an unknown case, or a deleted or revoked subscription, receives nothing', () => {
    expect(recipients('nl.wmo.toewijzing-verzonden', undefined, subs)).toEqual([]);
    expect(recipients('nl.wmo.toewijzing-verzonden', new Set([gemeente]), subs)).toEqual([]);
  });

  test('opening and joining make the named organisation a participant', () => {
    const caseId = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
    expect(participantOf(makeEvent('nl.ketens.ketenzaak-geopend', undefined, { subject: caseId }))).toEqual({
      caseId,
      oin: gemeente,
    });
    const joined = makeEvent('nl.ketens.deelnemer-aangesloten', undefined, { subject: caseId });
    expect(participantOf(joined)).toEqual({ caseId, oin: joined.data.oin });
    expect(
      participantOf(makeEvent('nl.wmo.melding-ontvangen', undefined, { subject: caseId })),
    ).toBeUndefined();
  });
});
