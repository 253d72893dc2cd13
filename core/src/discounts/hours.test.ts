import { describe, expect, it } from 'vitest';
import { compileHours, localTime, withinHours } from './hours.ts';

const at = (iso: string, tz = 'Europe/Oslo') => localTime(Date.parse(iso), tz);

describe('localTime', () => {
  it('follows Oslo daylight saving time', () => {
    expect(at('2026-03-29T00:59:00Z')).toEqual({ day: 6, minute: 1 * 60 + 59 }); // Sun 01:59 CET
    expect(at('2026-03-29T01:00:00Z')).toEqual({ day: 6, minute: 3 * 60 }); // Sun 03:00 CEST
    expect(at('2026-10-25T00:30:00Z')).toEqual({ day: 6, minute: 2 * 60 + 30 }); // Sun 02:30 CEST
    expect(at('2026-10-25T01:30:00Z')).toEqual({ day: 6, minute: 2 * 60 + 30 }); // Sun 02:30 CET (the hour repeats)
  });

  it('reports midnight as 00:00, not 24:00', () => {
    expect(at('2026-03-09T23:00:00Z')).toEqual({ day: 1, minute: 0 }); // Tue 00:00 CET
  });

  it('is null for an unknown zone or an invalid time', () => {
    expect(at('2026-03-09T23:00:00Z', 'Not/AZone')).toBeNull();
    expect(localTime(Number.NaN, 'Europe/Oslo')).toBeNull();
  });
});

describe('withinHours', () => {
  const hours = compileHours({
    hours: [
      { day: 'mon', start: '09:00', end: '17:00' },
      { day: 'fri', start: '22:00', end: '02:00' },
    ],
  });
  const sunday = compileHours({ hours: [{ day: 'sun', start: '12:00', end: '12:00' }] });

  it('start inclusive, end exclusive', () => {
    expect(withinHours(hours.periods, { day: 0, minute: 9 * 60 })).toBe(true);
    expect(withinHours(hours.periods, { day: 0, minute: 17 * 60 - 1 })).toBe(true);
    expect(withinHours(hours.periods, { day: 0, minute: 17 * 60 })).toBe(false);
    expect(withinHours(hours.periods, { day: 0, minute: 9 * 60 - 1 })).toBe(false);
  });

  it('a period whose end is not after its start runs into the next day', () => {
    expect(withinHours(hours.periods, { day: 4, minute: 23 * 60 })).toBe(true); // Fri 23:00
    expect(withinHours(hours.periods, { day: 5, minute: 60 })).toBe(true); // Sat 01:00
    expect(withinHours(hours.periods, { day: 5, minute: 2 * 60 })).toBe(false); // Sat 02:00
    expect(withinHours(hours.periods, { day: 4, minute: 60 })).toBe(false); // Fri 01:00 (Thursday has no period)
    // Sunday 12:00 to Monday 12:00 (start == end: a full day), wrapping the week.
    expect(withinHours(sunday.periods, { day: 0, minute: 8 * 60 })).toBe(true);
    expect(withinHours(sunday.periods, { day: 0, minute: 12 * 60 })).toBe(false);
    expect(withinHours(sunday.periods, { day: 6, minute: 12 * 60 })).toBe(true);
    expect(withinHours(sunday.periods, { day: 6, minute: 11 * 60 })).toBe(false);
  });

  it('no periods means any time', () => {
    expect(withinHours([], { day: 3, minute: 3 })).toBe(true);
  });

  it('defaults to Europe/Oslo', () => {
    expect(compileHours({ hours: [] }).timezone).toBe('Europe/Oslo');
    expect(compileHours({ timezone: 'UTC', hours: [] }).timezone).toBe('UTC');
  });
});
