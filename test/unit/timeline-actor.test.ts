import type { TimelineRow } from '../../src/db/queries/timeline';
import { partnerIdOf, timelineActorOf } from '../../src/domain/timeline/timeline-actor';

const row = (kind: string, detail: Record<string, unknown> | null, actor: string | null = null): TimelineRow => ({
  key: 'x:1',
  kind,
  at: new Date(0),
  actor,
  detail,
  clue_id: null,
  external_userid: 'wmCUSTOMER',
});

describe('who a timeline entry says did it', () => {
  it('takes signed entries from their signature: partners by partner:<id>, anyone else is an admin', () => {
    expect(timelineActorOf(row('intake', {}, 'partner:12'))).toEqual({ type: 'partner', id: 'partner:12' });
    expect(timelineActorOf(row('follow_up', { userid: 'emp1' }, 'admin_1'))).toEqual({ type: 'admin', id: 'admin_1' });
    expect(partnerIdOf('partner:12')).toBe('12');
    expect(partnerIdOf('partner:x')).toBeNull();
    expect(partnerIdOf('partnership')).toBeNull();
  });

  it('derives what WeCom reported from what happened', () => {
    const cases: Array<[string, Record<string, unknown>, string, string | null]> = [
      ['wecom_added', { userid: 'emp1', addWay: 1 }, 'customer', 'wmCUSTOMER'],
      ['wecom_added', { userid: 'emp2', addWay: 202 }, 'system', null],
      ['wecom_added', { userid: 'emp2', addWay: '201' }, 'system', null],
      ['acquired', { userid: 'emp1' }, 'customer', 'wmCUSTOMER'],
      ['acq_chat_started', { userid: 'emp1' }, 'customer', 'wmCUSTOMER'],
      ['wecom_customer_linked', { matchedBy: 'phone', userid: 'emp1' }, 'system', null],
      ['wecom_ended', { userid: 'emp1', status: 1 }, 'employee', 'emp1'],
      ['wecom_ended', { userid: 'emp1', status: 2 }, 'customer', 'wmCUSTOMER'],
      ['wecom_ended', { userid: 'emp1', status: 3 }, 'system', null],
      ['wecom_edited', { userid: 'emp1' }, 'employee', 'emp1'],
      ['group_joined', {}, 'customer', 'wmCUSTOMER'],
      ['group_left', { quitScene: 0 }, 'customer', 'wmCUSTOMER'],
      ['group_left', { quitScene: 1 }, 'system', null],
      ['transfer_failed', { status: 3 }, 'customer', 'wmCUSTOMER'],
      ['transfer_failed', { status: 4 }, 'system', null],
      ['assigned', { kind: 'auto', employeeUserid: 'emp1' }, 'system', null],
      ['duplicate_detected', {}, 'system', null],
    ];
    for (const [kind, detail, type, id] of cases) {
      expect([kind, detail, timelineActorOf(row(kind, detail))]).toEqual([kind, detail, { type, id }]);
    }
  });
});
