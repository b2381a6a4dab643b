import { z } from 'zod';
import { addRuleIssue, pattern, refineRule, rules } from './rules';

/**
 * Identifiers used across the chain (DOMAIN.md section 2). Each comes as a predicate (for code that
 * only needs a yes/no) and a zod schema (for the contract, with a named rule per failure).
 */

/**
 * 11-proef used by BSN and RSIN: weights 9..2 and -1 for the last digit; the sum must be divisible by 11.
 * `000000000` passes the arithmetic but is not a number anyone holds, so it is rejected here.
 */
export function passesElfproef(nineDigits: string): boolean {
  if (!/^\d{9}$/.test(nineDigits) || nineDigits === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(nineDigits[i]) * (9 - i);
  sum -= Number(nineDigits[8]);
  return sum % 11 === 0;
}

/** True when `value` is a BSN: 9 digits passing the 11-proef (and not 000000000). */
export function isBsn(value: string): boolean {
  return passesElfproef(value);
}

/**
 * OIN prefixes from the OIN-stelsel prefix table (Logius, "Data Architectuur"): 00000001 RSIN,
 * 00000002 Fi-nummer, 00000003 KvK-nummer, 00000004 SubOIN, 00000006 Logius hoofdnummer, 00000099 test
 * numbers. 00000005 is reserved and unassigned. Extend this list when Logius adds a register.
 */
export const oinPrefixes = ['00000001', '00000002', '00000003', '00000004', '00000006', '00000099'] as const;

/** Why an OIN is invalid, or undefined when it is valid. */
export function oinProblem(value: string): string | undefined {
  if (!/^\d{20}$/.test(value)) return 'must be 20 digits';
  const prefix = value.slice(0, 8);
  if (!(oinPrefixes as readonly string[]).includes(prefix)) {
    return `prefix ${prefix} is not a known OIN register (${oinPrefixes.join(', ')})`;
  }
  // Hoofdnummer of 9 digits + suffix 000, or an 8-digit KvK number + suffix 0000.
  if (prefix === '00000003') {
    if (!value.endsWith('0000')) return 'a KvK-based OIN (00000003) must be an 8-digit KvK number + 0000';
  } else if (!value.endsWith('000')) {
    return 'must be an 8-digit prefix, a 9-digit number and suffix 000 (or an 8-digit KvK number and 0000)';
  }
  if (prefix === '00000001' && !passesElfproef(value.slice(8, 17))) {
    return 'the RSIN in an 00000001 OIN must pass the 11-proef';
  }
  return undefined;
}

/** True when `value` is a structurally valid OIN. */
export function isOin(value: string): boolean {
  return oinProblem(value) === undefined;
}

/** True for an 8-digit AGB code (care provider). */
export function isAgbCode(value: string): boolean {
  return /^\d{8}$/.test(value);
}

/** True for a 4-digit CBS gemeentecode. */
export function isGemeentecode(value: string): boolean {
  return /^\d{4}$/.test(value);
}

/** The number written in `value` from `from` to `to` (decimal digits only), or -1. */
function digitsAt(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * True for a real calendar date written YYYY-MM-DD (years 0100-9999). Read character by character:
 * it runs for every date in every event at every edge, and a match array plus a Date per call
 * showed up in the consumers' profiles.
 */
export function isIsoDate(value: string): boolean {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return false;
  const y = digitsAt(value, 0, 4);
  const m = digitsAt(value, 5, 7);
  const d = digitsAt(value, 8, 10);
  if (y < 100 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] as number));
}

/**
 * WMO product categories (iWmo codelist WMO020) named in DOMAIN.md. The codelist has more entries;
 * a category outside this list is rejected so that a typo never creates a toewijzing nobody can bill.
 */
export const wmoProductcategorieen = {
  '01': 'hulp bij het huishouden',
  '02': 'begeleiding',
  '03': 'persoonlijke verzorging',
  '04': 'kortdurend verblijf',
  '07': 'dagbesteding',
  '08': 'vervoerdiensten',
  '11': 'rolstoelen',
  '12': 'vervoervoorzieningen',
  '13': 'woonvoorzieningen',
  '14': 'overige hulpmiddelen',
  '15': 'beschermd wonen',
  '16': 'opvang',
} as const;

/** A WMO020 product category code. */
export type WmoProductcategorie = keyof typeof wmoProductcategorieen;

/** True for a known WMO020 product category. */
export function isWmoProductcategorie(value: string): value is WmoProductcategorie {
  return Object.hasOwn(wmoProductcategorieen, value);
}

// ---- zod schemas -----------------------------------------------------------------------------------

/** OIN: 20 digits, known prefix, 9-digit number + 000 or KvK + 0000. Rule `oin`. */
export const oinSchema = refineRule(
  pattern(/^\d{20}$/, 'oin', 'must be an OIN of 20 digits'),
  'oin',
  'must be a valid OIN: known prefix, then a 9-digit number + 000 or an 8-digit KvK number + 0000',
  (v) => isOin(v),
).meta({
  description: 'Organisatie-identificatienummer (OIN), 20 digits',
  examples: ['00000099123456789000'],
});

/** BSN: 9 digits passing the 11-proef. Rules `bsn` (shape) and `bsn-11-proef`. */
export const bsnSchema = refineRule(
  pattern(/^\d{9}$/, 'bsn', 'must be a BSN of 9 digits'),
  'bsn-11-proef',
  'must be a BSN passing the 11-proef (000000000 is not a BSN)',
  (v) => isBsn(v),
).meta({ description: 'Burgerservicenummer (personal data)' });

/** AGB code of a care provider: 8 digits. Rule `agb`. */
export const agbCodeSchema = pattern(/^\d{8}$/, 'agb', 'must be an AGB code of 8 digits').meta({
  description: 'AGB code of the care provider (8 digits)',
});

/** CBS gemeentecode: 4 digits. Rule `gemeentecode`. */
export const gemeentecodeSchema = pattern(
  /^\d{4}$/,
  'gemeentecode',
  'must be a gemeentecode of 4 digits',
).meta({ description: 'CBS gemeentecode (4 digits)' });

/** WMO020 product category. Rule `productcategorie`. */
export const productcategorieSchema = refineRule(
  pattern(/^\d{2}$/, 'productcategorie', 'must be a WMO020 product category of 2 digits'),
  'productcategorie',
  `must be a known WMO020 product category (${Object.keys(wmoProductcategorieen).sort().join(', ')})`,
  (v) => isWmoProductcategorie(v),
).meta({ description: 'iWmo product category (codelist WMO020), 2 digits' });

/** iWmo productcode: 5 alphanumeric characters (codelist per gemeente / standard product codes). */
export const productcodeSchema = pattern(
  /^[0-9A-Z]{5}$/,
  'productcode',
  'must be an iWmo productcode of 5 characters 0-9A-Z',
).meta({ description: 'iWmo productcode (5 characters)' });

/** A real calendar date, YYYY-MM-DD. Rule `date`. */
export const isoDateSchema = refineRule(
  pattern(/^\d{4}-\d{2}-\d{2}$/, 'date', 'must be a date written YYYY-MM-DD'),
  'date',
  'must be a real calendar date (YYYY-MM-DD)',
  (v) => isIsoDate(v),
).meta({ format: 'date' });

/** UUID (any RFC 9562 version). Rule `uuid`. */
export const uuidSchema = z.uuid({ error: 'must be a UUID' });

const uuidForm = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** In the canonical 8-4-4-4-12 hex form, any version or variant (a cheap check where no schema runs). */
export function isUuid(value: string): boolean {
  return uuidForm.test(value);
}

/** iWmo ToewijzingNummer: integer of at most 9 digits; every later WMO message refers to it. */
export const toewijzingNummerSchema = z
  .int({ error: 'must be an integer' })
  .min(1, { error: 'must be at least 1' })
  .max(999_999_999, { error: 'must have at most 9 digits' })
  .meta({ description: 'iWmo ToewijzingNummer: integer of at most 9 digits' });

/** https URL (references to documents or producer resources; never the content itself). */
export const httpsUrlSchema = z.url({ protocol: /^https$/, error: 'must be an https URL' });

/**
 * https URL pointing at a document or resource at its producer. A BSN is never part of a URL (it would
 * end up in access logs), so a 9-digit number passing the 11-proef is rejected. Rule `no-bsn`.
 */
export const referenceUrlSchema = httpsUrlSchema
  .check(
    rules((value, ctx) => {
      for (const m of value.matchAll(/(?<!\d)\d{9}(?!\d)/g)) {
        if (isBsn(m[0])) {
          addRuleIssue(ctx, [], 'no-bsn', 'must not contain a BSN: a BSN is never part of a URL');
          return;
        }
      }
    }),
  )
  .meta({ format: 'uri' });
