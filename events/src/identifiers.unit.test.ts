import { describe, expect, it } from 'vitest';
import {
  bsnSchema,
  isAgbCode,
  isBsn,
  isGemeentecode,
  isIsoDate,
  isOin,
  isWmoProductcategorie,
  oinProblem,
  passesElfproef,
} from './identifiers';

describe('BSN (11-proef)', () => {
  it.each(['999993653', '999990019', '111222333', '123456782'])('accepts %s', (bsn) => {
    expect(isBsn(bsn)).toBe(true);
  });
  it.each([
    ['000000000', 'passes the arithmetic but is no BSN'],
    ['123456789', 'fails the 11-proef'],
    ['12345678', 'is 8 digits'],
    ['1234567820', 'is 10 digits'],
    ['12345678a', 'is not numeric'],
  ])('rejects %s (%s)', (bsn) => {
    expect(isBsn(bsn)).toBe(false);
  });
  it('uses -1 as the weight of the last digit', () => {
    // 1*9+1*8+1*7+2*6+2*5+2*4+3*3+3*2 = 69; 69 - 3 = 66 = 6*11. With +3 it would be 72, not divisible.
    expect(passesElfproef('111222333')).toBe(true);
  });
  it('names the rule in zod', () => {
    const r = bsnSchema.safeParse('000000000');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain('11-proef');
  });
});

describe('OIN', () => {
  it.each([
    '00000099123456789000',
    '00000001003227376000', // Ministerie van Algemene Zaken, RSIN passes 11-proef
    '00000003123456780000', // KvK-based
    '00000004000000148000', // SubOIN
  ])('accepts %s', (oin) => {
    expect(isOin(oin)).toBe(true);
  });
  it.each([
    ['0000009912345678900', '20 digits'],
    ['00000099123456789001', 'suffix 000'],
    ['00000005123456789000', 'known OIN register'],
    ['00000003123456789000', 'KvK'],
    ['00000001123456789000', '11-proef'],
  ])('rejects %s (%s)', (oin, why) => {
    expect(isOin(oin)).toBe(false);
    expect(oinProblem(oin)).toContain(why);
  });
});

describe('other identifiers', () => {
  it('AGB code is 8 digits', () => {
    expect(isAgbCode('98123456')).toBe(true);
    expect(isAgbCode('9812345')).toBe(false);
    expect(isAgbCode('98x23456')).toBe(false);
  });
  it('gemeentecode is 4 digits', () => {
    expect(isGemeentecode('0363')).toBe(true);
    expect(isGemeentecode('363')).toBe(false);
  });
  it('WMO product category is a known WMO020 code', () => {
    expect(isWmoProductcategorie('02')).toBe(true);
    expect(isWmoProductcategorie('05')).toBe(false);
    expect(isWmoProductcategorie('2')).toBe(false);
  });
  it('ISO dates must be real calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-04-31')).toBe(false);
    expect(isIsoDate('2026-4-1')).toBe(false);
    expect(isIsoDate('2026-04-01T00:00:00Z')).toBe(false);
  });
});
