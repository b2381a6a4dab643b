/**
 * Dates as the hub counts them: calendar days in Europe/Amsterdam (the clocks' `klok`). A ZGW
 * date-time such as `datumStatusGezet` is an instant; the day it falls on in Amsterdam is the day of
 * the fact (a status set at 00:30 on 3 March Dutch time is a fact of 3 March, not of 2 March UTC).
 */

const amsterdamDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Amsterdam',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** `YYYY-MM-DD` of an instant in Europe/Amsterdam. */
export function amsterdamDate(instant: string | Date): string {
  return amsterdamDay.format(typeof instant === 'string' ? new Date(instant) : instant);
}

const amsterdamOffset = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Europe/Amsterdam',
  timeZoneName: 'longOffset',
});

/**
 * Midnight at the start of an Amsterdam calendar day, as an RFC 3339 timestamp with its offset
 * (`2026-03-02T00:00:00+01:00`). Used as the `time` of events whose ZGW fact has a date and no time
 * (the opening from `registratiedatum`, the closing from `einddatum`), so the same fact always gets
 * the same timestamp, whichever notification brought it.
 */
export function amsterdamMidnight(date: string): string {
  // The offset an hour or two after midnight is midnight's own: Dutch clocks change at 02:00 and 03:00,
  // so not at noon (on the day summer time starts, noon is already +02:00 and midnight still +01:00).
  const justAfter = new Date(`${date}T00:00:00+01:00`);
  const name =
    amsterdamOffset.formatToParts(justAfter).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = name === 'GMT' ? '+00:00' : name.slice(3);
  return `${date}T00:00:00${offset}`;
}
