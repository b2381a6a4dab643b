/**
 * Civil-date arithmetic for legal clocks. Legal terms count calendar days, so dates are plain
 * `YYYY-MM-DD` strings (no time, no zone) and arithmetic runs on day numbers. The only place where
 * a zone matters is turning an instant (`now`, an event time) into "which day is it": that is
 * always Europe/Amsterdam (DOMAIN.md section 6).
 */

/** A calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a calendar date; throws on a malformed date (a bug, not input). */
export function dayNumber(date: IsoDate): number {
  const m = ISO_DATE.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Math.round(ms / MS_PER_DAY);
}

/** The calendar date of a day number. */
export function fromDayNumber(day: number): IsoDate {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** "N weeks after" a date ends on the same weekday N weeks later (DOMAIN.md section 6). */
export function addWeeks(date: IsoDate, weeks: number): IsoDate {
  return addDays(date, weeks * 7);
}

/**
 * "N months after" a date ends on the same day of the month N months later; when that month is
 * shorter (31 August + 6 months), on its last day. This is the usual civil-law reading for terms
 * in months [verify against case law on Awb 3:18].
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const m = ISO_DATE.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const year = Number(m[1]);
  const month = Number(m[2]) - 1 + months;
  const day = Number(m[3]);
  const lastOfTarget = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(day, lastOfTarget))).toISOString().slice(0, 10);
}

/** `to - from` in calendar days (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(date: IsoDate): number {
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

const amsterdam = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Amsterdam',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * The calendar day in Europe/Amsterdam at an instant. 23:30 UTC on 31 March is already 1 April in
 * Amsterdam (summer time): a deadline "today" must follow the clock on the wall in the Netherlands.
 */
export function amsterdamDate(instant: Date | string): IsoDate {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  // en-CA formats as YYYY-MM-DD.
  return amsterdam.format(date);
}
