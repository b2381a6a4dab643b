/**
 * The demo's accelerated calendar: one demo day passes every `daySeconds` seconds, so a chain case
 * that takes weeks in the chain takes minutes on screen, and every date in its events follows
 * this calendar.
 *
 * Each chain case lives on its own calendar, which starts `startDaysAgo` days before the real
 * today and never passes it. Why not one calendar running into the future: the hub counts its legal
 * clocks against the real today (Europe/Amsterdam), so a suspension shows as running only while
 * the real today lies inside it, and a clock runs overdue only when its deadline lies before the
 * real today. A case that starts two weeks back and arrives at today as it ends shows its clocks
 * as they would be on that day; a story longer than the calendar ends with its last steps on today.
 */

export type IsoDate = string;

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const amsterdam = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Amsterdam',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The date in Europe/Amsterdam at `ms`: the day the hub's clocks count with. */
export function amsterdamDate(ms: number): IsoDate {
  return amsterdam.format(new Date(ms));
}

export interface CalendarOptions {
  /** Real seconds per demo day. */
  daySeconds: number;
  /** Where a new case's calendar starts, in days before the real today. */
  startDaysAgo: number;
  now?: () => number;
}

interface CaseCalendar {
  /** Real time (ms) of demo day 0. */
  t0: number;
  /** The date of demo day 0. */
  day0: IsoDate;
  /** Last `time` handed out, so times of one case only increase. */
  lastTimeMs: number;
}

export class DemoCalendar {
  readonly daySeconds: number;
  readonly startDaysAgo: number;
  private readonly now: () => number;
  private readonly cases = new Map<string, CaseCalendar>();

  constructor(options: CalendarOptions) {
    this.daySeconds = options.daySeconds;
    this.startDaysAgo = options.startDaysAgo;
    this.now = options.now ?? Date.now;
  }

  /** Starts a case's calendar `daysAgo` days before the real today (default: the configured start). */
  begin(caseId: string, daysAgo = this.startDaysAgo): void {
    const now = this.now();
    this.cases.set(caseId, { t0: now, day0: addDays(amsterdamDate(now), -daysAgo), lastTimeMs: 0 });
  }

  /**
   * Moves a case's calendar forward to `daysAgo` days before the real today (a case that waited
   * on a list, say); never backward, so the dates of one case only increase.
   */
  jumpTo(caseId: string, daysAgo: number): void {
    const c = this.cases.get(caseId);
    const target = addDays(amsterdamDate(this.now()), -daysAgo);
    if (!c) {
      this.begin(caseId, daysAgo);
      return;
    }
    if (target > this.today(caseId)) this.cases.set(caseId, { ...c, t0: this.now(), day0: target });
  }

  knows(caseId: string): boolean {
    return this.cases.has(caseId);
  }

  /** The case's demo date now; a case this calendar does not know (an earlier run's) is on today. */
  today(caseId: string): IsoDate {
    const now = this.now();
    const realToday = amsterdamDate(now);
    const c = this.cases.get(caseId);
    if (!c) return realToday;
    const passed = Math.floor((now - c.t0) / (this.daySeconds * 1000));
    const date = addDays(c.day0, passed);
    // ISO dates compare as strings; the case's calendar stops at the real today.
    if (date > realToday) return realToday;
    return date;
  }

  /** Real milliseconds until `days` demo days have passed. */
  msFor(days: number): number {
    return days * this.daySeconds * 1000;
  }

  /**
   * A CloudEvents `time` on the case's demo date: office hours spread over the demo day, never
   * later than now (the date may be today) and after the case's previous time.
   */
  time(caseId: string): string {
    const now = this.now();
    const c = this.cases.get(caseId);
    const date = this.today(caseId);
    const fraction = c ? ((now - c.t0) / (this.daySeconds * 1000)) % 1 : 0;
    let ms = Date.parse(`${date}T07:00:00Z`) + Math.floor(fraction * 9 * 3600_000);
    if (ms > now) ms = now;
    if (c) {
      ms = Math.min(Math.max(ms, c.lastTimeMs + 1000), now);
      c.lastTimeMs = ms;
    }
    return new Date(ms).toISOString();
  }
}
