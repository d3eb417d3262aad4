import {
  isWithinWorkingHours,
  localDay,
  nextLocalMidnight,
  nextOpening,
  parseWorkingHours,
  type WorkingHours,
} from '../../src/domain/distribution/working-hours';

const SHANGHAI = 'Asia/Shanghai'; // UTC+8, no DST

const at = (iso: string) => new Date(iso);
const hours = (spec: string): WorkingHours => {
  const parsed = parseWorkingHours(spec);
  if (!parsed) throw new Error(`expected "${spec}" to parse to a window`);
  return parsed;
};
const openAt = (spec: string | null, iso: string, zone = SHANGHAI) =>
  isWithinWorkingHours(parseWorkingHours(spec), at(iso), zone);

describe('parseWorkingHours', () => {
  it('parses HH:MM-HH:MM into seconds of the day', () => {
    expect(parseWorkingHours('09:00-18:00')).toEqual({
      startSecond: 9 * 3600,
      endSecond: 18 * 3600,
    });
  });

  it('accepts optional seconds on either end', () => {
    expect(parseWorkingHours('09:00:30-18:00')).toEqual({
      startSecond: 9 * 3600 + 30,
      endSecond: 18 * 3600,
    });
    expect(parseWorkingHours('09:00-18:00:15')).toEqual({
      startSecond: 9 * 3600,
      endSecond: 18 * 3600 + 15,
    });
  });

  it('trims surrounding whitespace', () => {
    expect(parseWorkingHours('  09:00-18:00 ')).toEqual({
      startSecond: 32400,
      endSecond: 64800,
    });
  });

  it('keeps an overnight window as start > end', () => {
    expect(parseWorkingHours('22:00-06:00')).toEqual({
      startSecond: 22 * 3600,
      endSecond: 6 * 3600,
    });
  });

  it('allows 24:00 as the end of the day', () => {
    expect(parseWorkingHours('18:00-24:00')).toEqual({
      startSecond: 18 * 3600,
      endSecond: 86400,
    });
  });

  it.each([null, undefined, '', '   '])('treats %p as "always open" (null)', (spec) => {
    expect(parseWorkingHours(spec)).toBeNull();
  });

  it.each([
    '9:00-18:00',
    '09:00',
    '09:00-',
    '09-18',
    'nine to five',
    '09:00 - 18:00',
    '09:00-18:00-20:00',
    '24:00-06:00',
    '18:00-24:01',
    '25:00-26:00',
  ])('throws on invalid spec %p', (spec) => {
    expect(() => parseWorkingHours(spec)).toThrow(/invalid working hours/);
  });
});

describe('isWithinWorkingHours', () => {
  describe('day window 09:00-18:00 in Asia/Shanghai', () => {
    it('is closed one second before 09:00 local', () => {
      expect(openAt('09:00-18:00', '2026-03-02T00:59:59Z')).toBe(false); // 08:59:59 local
    });

    it('is open at exactly 09:00 local (start inclusive)', () => {
      expect(openAt('09:00-18:00', '2026-03-02T01:00:00Z')).toBe(true);
    });

    it('is open mid-day and one second before 18:00', () => {
      expect(openAt('09:00-18:00', '2026-03-02T05:00:00Z')).toBe(true); // 13:00 local
      expect(openAt('09:00-18:00', '2026-03-02T09:59:59Z')).toBe(true); // 17:59:59 local
    });

    it('is closed at exactly 18:00 local (end exclusive)', () => {
      expect(openAt('09:00-18:00', '2026-03-02T10:00:00Z')).toBe(false);
    });

    it('uses local, not UTC, wall-clock time', () => {
      // 09:30 UTC is 17:30 local (open); 20:00 UTC is 04:00 local next day (closed).
      expect(openAt('09:00-18:00', '2026-03-02T09:30:00Z')).toBe(true);
      expect(openAt('09:00-18:00', '2026-03-02T20:00:00Z')).toBe(false);
    });
  });

  it('honours seconds in the spec ("09:00:30-18:00")', () => {
    expect(openAt('09:00:30-18:00', '2026-03-02T01:00:29Z')).toBe(false); // 09:00:29
    expect(openAt('09:00:30-18:00', '2026-03-02T01:00:30Z')).toBe(true); // 09:00:30
  });

  describe('overnight window 22:00-06:00', () => {
    const spec = '22:00-06:00';
    it('is open late evening and early morning', () => {
      expect(openAt(spec, '2026-03-02T14:00:00Z')).toBe(true); // 22:00 local
      expect(openAt(spec, '2026-03-02T16:00:00Z')).toBe(true); // 00:00 local
      expect(openAt(spec, '2026-03-02T21:59:59Z')).toBe(true); // 05:59:59 local
    });

    it('is closed during the day and at the exact end', () => {
      expect(openAt(spec, '2026-03-02T22:00:00Z')).toBe(false); // 06:00 local
      expect(openAt(spec, '2026-03-02T04:00:00Z')).toBe(false); // 12:00 local
      expect(openAt(spec, '2026-03-02T13:59:59Z')).toBe(false); // 21:59:59 local
    });
  });

  it('treats equal ends as open all day', () => {
    for (const iso of [
      '2026-03-02T00:00:00Z',
      '2026-03-02T01:00:00Z',
      '2026-03-02T15:59:59Z',
      '2026-03-02T16:00:00Z',
    ]) {
      expect(openAt('09:00-09:00', iso)).toBe(true);
    }
  });

  it('treats null hours as always open', () => {
    expect(isWithinWorkingHours(null, at('2026-03-02T19:00:00Z'), SHANGHAI)).toBe(true);
    expect(openAt('', '2026-03-02T19:00:00Z')).toBe(true);
  });

  it('interprets the window in the given time zone', () => {
    // 2026-03-02T14:00Z is 22:00 in Shanghai but 09:00 in New York (EST, UTC-5).
    expect(openAt('09:00-18:00', '2026-03-02T14:00:00Z', SHANGHAI)).toBe(false);
    expect(openAt('09:00-18:00', '2026-03-02T14:00:00Z', 'America/New_York')).toBe(true);
  });
});

describe('nextOpening', () => {
  const day = hours('09:00-18:00');

  it('returns `from` unchanged when already open', () => {
    const from = at('2026-03-02T03:00:00Z'); // 11:00 local
    expect(nextOpening(day, from, SHANGHAI)).toBe(from);
  });

  it('returns `from` unchanged when there are no working hours', () => {
    const from = at('2026-03-02T20:00:00Z');
    expect(nextOpening(null, from, SHANGHAI)).toBe(from);
  });

  it('returns later today when before the window opens', () => {
    // 07:30 local → 09:00 local the same day (01:00Z)
    expect(nextOpening(day, at('2026-03-01T23:30:00Z'), SHANGHAI).toISOString()).toBe('2026-03-02T01:00:00.000Z');
  });

  it('returns tomorrow when the window has closed for today', () => {
    // 18:00 local on 2026-03-02 → 09:00 local on 2026-03-03
    expect(nextOpening(day, at('2026-03-02T10:00:00Z'), SHANGHAI).toISOString()).toBe('2026-03-03T01:00:00.000Z');
    // 23:59:59 local → next morning
    expect(nextOpening(day, at('2026-03-02T15:59:59Z'), SHANGHAI).toISOString()).toBe('2026-03-03T01:00:00.000Z');
  });

  it('handles seconds in the start time', () => {
    expect(nextOpening(hours('09:00:30-18:00'), at('2026-03-02T01:00:00Z'), SHANGHAI).toISOString()).toBe(
      '2026-03-02T01:00:30.000Z',
    );
  });

  it('finds the same-day evening start of an overnight window', () => {
    // 07:00 local (closed) → 22:00 local the same day
    expect(nextOpening(hours('22:00-06:00'), at('2026-03-01T23:00:00Z'), SHANGHAI).toISOString()).toBe(
      '2026-03-02T14:00:00.000Z',
    );
  });

  it('returns an instant at which the window is actually open', () => {
    const from = at('2026-03-02T12:34:56Z');
    const opening = nextOpening(day, from, SHANGHAI);
    expect(opening.getTime()).toBeGreaterThan(from.getTime());
    expect(isWithinWorkingHours(day, opening, SHANGHAI)).toBe(true);
    expect(isWithinWorkingHours(day, new Date(opening.getTime() - 1000), SHANGHAI)).toBe(false);
  });
});

describe('localDay', () => {
  it('gives the local calendar date, which differs from UTC around local midnight', () => {
    expect(localDay(at('2026-03-01T15:59:59Z'), SHANGHAI)).toBe('2026-03-01'); // 23:59:59 local
    expect(localDay(at('2026-03-01T16:00:00Z'), SHANGHAI)).toBe('2026-03-02'); // 00:00 local
    expect(localDay(at('2026-03-01T23:00:00Z'), SHANGHAI)).toBe('2026-03-02'); // UTC still says March 1
  });

  it('depends on the zone', () => {
    const instant = at('2026-03-02T02:00:00Z');
    expect(localDay(instant, SHANGHAI)).toBe('2026-03-02');
    expect(localDay(instant, 'America/Los_Angeles')).toBe('2026-03-01');
  });

  it('handles month and year rollover', () => {
    expect(localDay(at('2025-12-31T16:00:00Z'), SHANGHAI)).toBe('2026-01-01');
  });
});

describe('nextLocalMidnight', () => {
  it('returns the start of the next local day', () => {
    // 09:00 local on March 2 → 00:00 local March 3 = 16:00Z March 2
    expect(nextLocalMidnight(at('2026-03-02T01:00:00Z'), SHANGHAI).toISOString()).toBe('2026-03-02T16:00:00.000Z');
  });

  it('moves a full day forward when called exactly at midnight', () => {
    expect(nextLocalMidnight(at('2026-03-01T16:00:00Z'), SHANGHAI).toISOString()).toBe('2026-03-02T16:00:00.000Z');
  });

  it('is one second ahead at 23:59:59 local', () => {
    expect(nextLocalMidnight(at('2026-03-02T15:59:59Z'), SHANGHAI).toISOString()).toBe('2026-03-02T16:00:00.000Z');
  });

  it('lands on a new localDay', () => {
    const now = at('2026-03-02T12:00:00Z');
    const midnight = nextLocalMidnight(now, SHANGHAI);
    expect(localDay(midnight, SHANGHAI)).toBe('2026-03-03');
    expect(localDay(new Date(midnight.getTime() - 1), SHANGHAI)).toBe(localDay(now, SHANGHAI));
  });
});
