import { eventTypes, type KetenEvent } from '@ketenhub/events';
import { makeEvent } from '@ketenhub/events/testing';
import { describe, expect, test } from 'vitest';
import { caseFactOf, caseFactTypes } from './case-facts';

describe('case facts', () => {
  // The case-book thread decodes only records of caseFactTypes: a type with a fact missing from
  // that list would be skipped unread.
  test('exactly the types in caseFactTypes carry a case fact', () => {
    const withFact = eventTypes.filter((type) => caseFactOf(makeEvent(type) as KetenEvent) !== undefined);
    expect([...withFact].sort()).toEqual([...caseFactTypes].sort());
  });
});
