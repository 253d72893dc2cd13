/**
 * `limitation.discount_hours` (engine decision 6).
 *
 * - The purchase instant is turned into the rule's wall-clock time (IANA zone, default
 *   Europe/Oslo) by `Intl.DateTimeFormat`, so daylight saving time is handled by the runtime's tz
 *   data, never by fixed offsets.
 * - A period `{day, start, end}` covers `start` inclusive to `end` exclusive on `day`. When
 *   `end ≤ start` the period runs past midnight and ends at `end` on the next day
 *   (`{day: 'fri', start: '22:00', end: '02:00'}` covers Friday 22:00 to Saturday 01:59;
 *   `start == end` is a full 24 hours).
 * - No periods = any time.
 * - Formatters are cached per zone in a module-level Map (a pure cache: same input, same output).
 *   An unknown zone is remembered as `null` and the rule is skipped with a reason.
 */
import { WEEKDAYS } from '../contracts/discounts.ts';

export const DEFAULT_TIMEZONE = 'Europe/Oslo';

export interface Period {
  /** 0 = Monday … 6 = Sunday. */
  readonly day: number;
  /** Minutes after midnight. */
  readonly start: number;
  readonly end: number;
}

export interface CompiledHours {
  readonly timezone: string;
  readonly periods: readonly Period[];
}

/** Wall-clock position of an instant in a zone. */
export interface LocalTime {
  readonly day: number;
  readonly minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();
const SHORT_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function formatter(timezone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    } catch {
      f = null;
    }
    formatters.set(timezone, f);
  }
  return f;
}

const toMinutes = (hhmm: string): number => {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

export function compileHours(hours: { timezone?: string | undefined; hours: readonly { day: (typeof WEEKDAYS)[number]; start: string; end: string }[] }): CompiledHours {
  return {
    timezone: hours.timezone ?? DEFAULT_TIMEZONE,
    periods: hours.hours.map((h) => ({ day: WEEKDAYS.indexOf(h.day), start: toMinutes(h.start), end: toMinutes(h.end) })),
  };
}

/** The instant `ms` in `timezone`, or null if the zone is unknown or the instant invalid. */
export function localTime(ms: number, timezone: string): LocalTime | null {
  const f = formatter(timezone);
  if (f === null || !Number.isFinite(ms)) return null;
  let day = -1;
  let hour = 0;
  let minute = 0;
  for (const part of f.formatToParts(ms)) {
    if (part.type === 'weekday') day = SHORT_DAYS.indexOf(part.value);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return day < 0 ? null : { day, minute: hour * 60 + minute };
}

/** Is the local time inside one of the periods? */
export function withinHours(periods: readonly Period[], t: LocalTime): boolean {
  if (periods.length === 0) return true;
  const yesterday = (t.day + 6) % 7;
  for (const p of periods) {
    if (p.end > p.start) {
      if (p.day === t.day && t.minute >= p.start && t.minute < p.end) return true;
    } else {
      if (p.day === t.day && t.minute >= p.start) return true;
      if (p.day === yesterday && t.minute < p.end) return true;
    }
  }
  return false;
}

export const formatMinutes = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function describeLocal(t: LocalTime): string {
  return `${WEEKDAYS[t.day] ?? '?'} ${formatMinutes(t.minute)}`;
}
