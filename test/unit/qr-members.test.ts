import { eligibleMembers, nextMemberEdge, sameMembers, type QrMember } from '../../src/domain/acquisition/qr-members';

const ZONE = 'Asia/Shanghai';
// 2026-12-02 10:30 in Shanghai.
const NOW = new Date('2026-12-02T02:30:00Z');
const member = (userId: string, over: Partial<QrMember> = {}): QrMember => ({
  userId,
  weight: 1,
  dailyLimit: null,
  roundLimit: null,
  workingHours: null,
  ...over,
});

describe('eligibleMembers', () => {
  it('keeps members in their window, under their daily limit and with weight', () => {
    const members = [
      member('a', { workingHours: '09:00-18:00' }),
      member('b', { workingHours: '11:00-18:00' }),
      member('c', { dailyLimit: 2 }),
      member('D', { dailyLimit: 3 }),
      member('e', { weight: 0 }),
      member('f', { workingHours: '22:00-11:00' }),
    ];
    const adds = new Map([
      ['c', 2],
      ['d', 2],
    ]);
    expect(eligibleMembers(members, { today: adds, thisRound: adds }, NOW, ZONE)).toEqual({
      users: ['a', 'D', 'f'],
      startsNewRound: false,
    });
  });

  it('drops members who had their round, and starts the next round when nobody is left in it', () => {
    const members = [member('a', { roundLimit: 1 }), member('b', { roundLimit: 2 }), member('c', { dailyLimit: 1 })];
    const today = new Map([
      ['a', 3],
      ['b', 3],
      ['c', 1],
    ]);
    const round = (a: number, b: number) =>
      eligibleMembers(
        members,
        {
          today,
          thisRound: new Map([
            ['a', a],
            ['b', b],
          ]),
        },
        NOW,
        ZONE,
      );
    expect(round(0, 1)).toEqual({ users: ['a', 'b'], startsNewRound: false });
    expect(round(1, 1)).toEqual({ users: ['b'], startsNewRound: false });
    // c is out for the day, so a and b alone make the round; both had it: the next one begins.
    expect(round(1, 2)).toEqual({ users: ['a', 'b'], startsNewRound: true });
  });

  it('lets a member without a round limit keep the round open, and starts none when nobody is left today', () => {
    const members = [member('a', { roundLimit: 1 }), member('b')];
    const thisRound = new Map([
      ['a', 1],
      ['b', 5],
    ]);
    expect(eligibleMembers(members, { today: thisRound, thisRound }, NOW, ZONE)).toEqual({
      users: ['b'],
      startsNewRound: false,
    });
    const closed = [member('a', { roundLimit: 1, dailyLimit: 1 })];
    const done = new Map([['a', 1]]);
    expect(eligibleMembers(closed, { today: done, thisRound: done }, NOW, ZONE)).toEqual({
      users: [],
      startsNewRound: false,
    });
  });
});

describe('nextMemberEdge', () => {
  it('is the nearest window opening or closing', () => {
    const edge = nextMemberEdge(
      [member('a', { workingHours: '09:00-18:00' }), member('b', { workingHours: '11:00-12:00' })],
      NOW,
      ZONE,
    );
    expect(edge?.toISOString()).toBe('2026-12-02T03:00:00.000Z');
  });

  it('is the next morning once every window has closed today', () => {
    const evening = new Date('2026-12-02T11:00:00Z'); // 19:00 in Shanghai
    expect(nextMemberEdge([member('a', { workingHours: '09:00-18:00' })], evening, ZONE)?.toISOString()).toBe(
      '2026-12-03T01:00:00.000Z',
    );
  });

  it('is local midnight for daily limits, and null when nothing changes by the clock', () => {
    expect(nextMemberEdge([member('a', { dailyLimit: 5 })], NOW, ZONE)?.toISOString()).toBe('2026-12-02T16:00:00.000Z');
    expect(nextMemberEdge([member('a'), member('b', { weight: 0, dailyLimit: 1 })], NOW, ZONE)).toBeNull();
  });
});

describe('sameMembers', () => {
  it('ignores order and case', () => {
    expect(sameMembers(['a', 'B'], ['b', 'a'])).toBe(true);
    expect(sameMembers(['a'], ['a', 'b'])).toBe(false);
    expect(sameMembers(['a'], null)).toBe(false);
  });
});
