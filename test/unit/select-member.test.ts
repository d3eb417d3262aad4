import { selectMember, type MemberLoad, type Selection } from '../../src/domain/distribution/select-member';
import { nextLocalMidnight } from '../../src/domain/distribution/working-hours';

const TZ = 'Asia/Shanghai'; // UTC+8
const NOON = new Date('2026-03-02T04:00:00Z'); // 12:00 local, Monday

function member(id: number | string, overrides: Partial<MemberLoad> = {}): MemberLoad {
  const memberId = String(id);
  return {
    memberId,
    employeeUserid: `user${memberId}`,
    employeeName: `User ${memberId}`,
    weight: 1,
    dailyLimit: null,
    roundLimit: null,
    workingHours: null,
    active: true,
    assignedToday: 0,
    assignedThisRound: 0,
    ...overrides,
  };
}

function chosen(selection: Selection): {
  member: MemberLoad;
  startsNewRound: boolean;
} {
  if (selection.kind !== 'chosen') throw new Error(`expected a member to be chosen, got ${JSON.stringify(selection)}`);
  return selection;
}

function waiting(selection: Selection): {
  reason: string;
  retryAt: Date | null;
} {
  if (selection.kind !== 'wait') throw new Error(`expected a wait, got member ${selection.member.memberId}`);
  return selection;
}

/** Runs `count` selections the way assign-clue does: bump counters, reset the round when a new one starts. */
function simulate(members: MemberLoad[], count: number, now = NOON) {
  const picks: string[] = [];
  const newRoundAt: number[] = [];
  for (let i = 0; i < count; i++) {
    const selection = selectMember(members, now, TZ);
    if (selection.kind === 'wait') return { picks, newRoundAt, stoppedWith: selection };
    if (selection.startsNewRound) {
      newRoundAt.push(i);
      for (const m of members) m.assignedThisRound = 0;
    }
    selection.member.assignedToday += 1;
    selection.member.assignedThisRound += 1;
    picks.push(selection.member.memberId);
  }
  return { picks, newRoundAt, stoppedWith: null };
}

const countBy = (ids: string[]) =>
  ids.reduce<Record<string, number>>((acc, id) => ({ ...acc, [id]: (acc[id] ?? 0) + 1 }), {});

describe('selectMember — weighted shares', () => {
  it('splits 6000 clues 1000/2000/3000 for weights 1/2/3', () => {
    const members = [member(1, { weight: 1 }), member(2, { weight: 2 }), member(3, { weight: 3 })];
    const { picks, stoppedWith } = simulate(members, 6000);
    expect(stoppedWith).toBeNull();
    expect(picks).toHaveLength(6000);
    const shares = countBy(picks);
    expect(Math.abs((shares['1'] ?? 0) - 1000)).toBeLessThanOrEqual(1);
    expect(Math.abs((shares['2'] ?? 0) - 2000)).toBeLessThanOrEqual(1);
    expect(Math.abs((shares['3'] ?? 0) - 3000)).toBeLessThanOrEqual(1);
  });

  it('stays within one clue of the ideal share at every prefix (no streaks)', () => {
    const members = [member(1, { weight: 1 }), member(2, { weight: 2 }), member(3, { weight: 3 })];
    const counts: Record<string, number> = { '1': 0, '2': 0, '3': 0 };
    for (let n = 1; n <= 600; n++) {
      const { member: m } = chosen(selectMember(members, NOON, TZ));
      m.assignedToday += 1;
      counts[m.memberId] = (counts[m.memberId] ?? 0) + 1;
      for (const x of members) {
        expect(Math.abs((counts[x.memberId] ?? 0) - (n * x.weight) / 6)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('rotates evenly among equal weights', () => {
    const members = [member(1), member(2), member(3)];
    const { picks } = simulate(members, 9);
    expect(picks).toEqual(['1', '2', '3', '1', '2', '3', '1', '2', '3']);
  });

  it('prefers the member furthest below their share', () => {
    const members = [member(1, { weight: 1, assignedToday: 5 }), member(2, { weight: 1, assignedToday: 2 })];
    expect(chosen(selectMember(members, NOON, TZ)).member.memberId).toBe('2');
  });
});

describe('selectMember — tie-break', () => {
  it('picks the lower member id (numerically) on a full tie', () => {
    const members = [member(10), member(9), member(11)];
    expect(chosen(selectMember(members, NOON, TZ)).member.memberId).toBe('9');
  });

  it('does not depend on input order', () => {
    const a = [member(3), member(1), member(2)];
    const b = [member(2), member(3), member(1)];
    expect(chosen(selectMember(a, NOON, TZ)).member.memberId).toBe('1');
    expect(chosen(selectMember(b, NOON, TZ)).member.memberId).toBe('1');
  });

  it('on equal ratio prefers the member with fewer clues today', () => {
    // (1+1)/2 = 1 and (0+1)/1 = 1: equal ratios; member 5 has fewer today despite the higher id.
    const members = [member(1, { weight: 2, assignedToday: 1 }), member(5, { weight: 1, assignedToday: 0 })];
    expect(chosen(selectMember(members, NOON, TZ)).member.memberId).toBe('5');
  });
});

describe('selectMember — eligibility', () => {
  it('never chooses inactive, zero-weight or excluded members', () => {
    const members = [
      member(1, { active: false }),
      member(2, { weight: 0 }),
      member(3, { employeeUserid: 'gone' }),
      member(4, { assignedToday: 100 }),
    ];
    const excluded = new Set(['gone']);
    for (let i = 0; i < 20; i++) {
      const { member: m } = chosen(selectMember(members, NOON, TZ, excluded));
      expect(m.memberId).toBe('4');
      m.assignedToday += 1;
    }
  });

  it('returns NO_MEMBERS with no retry when the list is empty', () => {
    expect(selectMember([], NOON, TZ)).toEqual({
      kind: 'wait',
      reason: 'NO_MEMBERS',
      retryAt: null,
    });
  });

  it('returns NO_MEMBERS when nobody is active, weighted and not excluded', () => {
    const members = [member(1, { active: false }), member(2, { weight: 0 }), member(3)];
    expect(selectMember(members, NOON, TZ, new Set(['user3']))).toEqual({
      kind: 'wait',
      reason: 'NO_MEMBERS',
      retryAt: null,
    });
  });
});

describe('selectMember — daily limits', () => {
  it('never exceeds a daily limit, then waits until local midnight', () => {
    const members = [member(1, { dailyLimit: 3 }), member(2, { dailyLimit: 5, weight: 3 })];
    const { picks, stoppedWith } = simulate(members, 100);
    expect(picks).toHaveLength(8);
    expect(countBy(picks)).toEqual({ '1': 3, '2': 5 });
    expect(members.map((m) => m.assignedToday)).toEqual([3, 5]);
    expect(stoppedWith).toEqual({
      kind: 'wait',
      reason: 'DAILY_LIMIT_REACHED',
      retryAt: nextLocalMidnight(NOON, TZ),
    });
    expect(stoppedWith?.retryAt?.toISOString()).toBe('2026-03-02T16:00:00.000Z');
  });

  it('skips a member at their limit while others have room', () => {
    const members = [member(1, { dailyLimit: 2, assignedToday: 2 }), member(2, { assignedToday: 10 })];
    expect(chosen(selectMember(members, NOON, TZ)).member.memberId).toBe('2');
  });

  it('treats a daily limit of 0 as "no clues today"', () => {
    const members = [member(1, { dailyLimit: 0 })];
    expect(waiting(selectMember(members, NOON, TZ)).reason).toBe('DAILY_LIMIT_REACHED');
  });

  it('retries at the next opening after midnight when the member has working hours', () => {
    const members = [
      member(1, {
        dailyLimit: 1,
        assignedToday: 1,
        workingHours: '09:00-18:00',
      }),
    ];
    const wait = waiting(selectMember(members, NOON, TZ));
    expect(wait.reason).toBe('DAILY_LIMIT_REACHED');
    expect(wait.retryAt?.toISOString()).toBe('2026-03-03T01:00:00.000Z'); // 09:00 local tomorrow
  });

  it('retries at midnight when an overnight window is open then', () => {
    const members = [
      member(1, {
        dailyLimit: 1,
        assignedToday: 1,
        workingHours: '22:00-06:00',
      }),
    ];
    const wait = waiting(selectMember(members, new Date('2026-03-02T14:30:00Z'), TZ)); // 22:30 local
    expect(wait.reason).toBe('DAILY_LIMIT_REACHED');
    expect(wait.retryAt?.toISOString()).toBe('2026-03-02T16:00:00.000Z');
  });

  it('retries at the earliest of a capped member’s reset and a closed member’s opening', () => {
    const now = new Date('2026-03-02T12:00:00Z'); // 20:00 local
    const members = [
      member(1, { dailyLimit: 1, assignedToday: 1 }), // open but capped → midnight (16:00Z)
      member(2, { workingHours: '21:00-23:00' }), // closed, opens at 21:00 local (13:00Z)
    ];
    const wait = waiting(selectMember(members, now, TZ));
    expect(wait.reason).toBe('DAILY_LIMIT_REACHED');
    expect(wait.retryAt?.toISOString()).toBe('2026-03-02T13:00:00.000Z');
  });
});

describe('selectMember — working hours', () => {
  it('returns OUTSIDE_WORKING_HOURS with the earliest opening across members', () => {
    const now = new Date('2026-03-01T23:00:00Z'); // 07:00 local
    const members = [member(1, { workingHours: '10:00-18:00' }), member(2, { workingHours: '08:30-17:00' })];
    const wait = waiting(selectMember(members, now, TZ));
    expect(wait.reason).toBe('OUTSIDE_WORKING_HOURS');
    expect(wait.retryAt?.toISOString()).toBe('2026-03-02T00:30:00.000Z'); // 08:30 local
  });

  it('retries tomorrow morning after everyone has closed', () => {
    const now = new Date('2026-03-02T11:00:00Z'); // 19:00 local
    const members = [member(1, { workingHours: '09:00-18:00' })];
    const wait = waiting(selectMember(members, now, TZ));
    expect(wait).toEqual({
      kind: 'wait',
      reason: 'OUTSIDE_WORKING_HOURS',
      retryAt: new Date('2026-03-03T01:00:00Z'),
    });
  });

  it('chooses only members whose window is open', () => {
    const now = new Date('2026-03-02T14:30:00Z'); // 22:30 local
    const members = [
      member(1, { workingHours: '09:00-18:00' }),
      member(2, { workingHours: '22:00-06:00', assignedToday: 50 }),
    ];
    expect(chosen(selectMember(members, now, TZ)).member.memberId).toBe('2');
  });

  it('lets a member with no working hours take clues at any time', () => {
    const night = new Date('2026-03-02T19:00:00Z'); // 03:00 local
    const members = [member(1, { workingHours: '09:00-18:00' }), member(2, { workingHours: null, assignedToday: 9 })];
    expect(chosen(selectMember(members, night, TZ)).member.memberId).toBe('2');
  });
});

describe('selectMember — round limits', () => {
  it('rotates with roundLimit 1 and starts a new round exactly when all members used theirs', () => {
    const members = [member(1, { roundLimit: 1 }), member(2, { roundLimit: 1 }), member(3, { roundLimit: 1 })];
    const { picks, newRoundAt } = simulate(members, 9);
    expect(picks).toEqual(['1', '2', '3', '1', '2', '3', '1', '2', '3']);
    expect(newRoundAt).toEqual([3, 6]);
  });

  it('overrides weights within a round: with roundLimit 1 each member gets one clue per round', () => {
    const members = [
      member(1, { weight: 1, roundLimit: 1 }),
      member(2, { weight: 2, roundLimit: 1 }),
      member(3, { weight: 3, roundLimit: 1 }),
    ];
    const { picks, newRoundAt } = simulate(members, 30);
    expect(countBy(picks)).toEqual({ '1': 10, '2': 10, '3': 10 });
    expect(newRoundAt).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27]);
    for (let round = 0; round < 10; round++) {
      expect([...picks.slice(round * 3, round * 3 + 3)].sort()).toEqual(['1', '2', '3']);
    }
  });

  it('does not start a new round while any eligible member still has room', () => {
    const members = [
      member(1, { roundLimit: 1, assignedThisRound: 1, assignedToday: 1 }),
      member(2, { roundLimit: 2, assignedThisRound: 1, assignedToday: 1 }),
    ];
    const result = chosen(selectMember(members, NOON, TZ));
    expect(result).toMatchObject({
      startsNewRound: false,
      member: { memberId: '2' },
    });
  });

  it('starts a new round when the only members with room are closed', () => {
    const members = [
      member(1, { roundLimit: 1, assignedThisRound: 1, assignedToday: 1 }),
      member(2, { roundLimit: 1, workingHours: '22:00-23:00' }),
    ];
    const result = chosen(selectMember(members, NOON, TZ));
    expect(result).toMatchObject({
      startsNewRound: true,
      member: { memberId: '1' },
    });
  });

  it('never starts a new round when a member has no round limit', () => {
    const members = [member(1, { roundLimit: 1 }), member(2, { roundLimit: null })];
    const { newRoundAt, picks } = simulate(members, 10);
    expect(newRoundAt).toEqual([]);
    expect(countBy(picks)).toEqual({ '1': 1, '2': 9 });
  });

  it('respects the daily limit even when a new round starts', () => {
    const members = [member(1, { roundLimit: 1, dailyLimit: 2 }), member(2, { roundLimit: 1, dailyLimit: 2 })];
    const { picks, newRoundAt, stoppedWith } = simulate(members, 10);
    expect(picks).toEqual(['1', '2', '1', '2']);
    expect(newRoundAt).toEqual([2]);
    expect(stoppedWith?.reason).toBe('DAILY_LIMIT_REACHED');
  });
});
