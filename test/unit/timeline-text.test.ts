import type { TimelineRow } from '../../src/db/queries/timeline';
import { timelineText, type TimelineNames } from '../../src/domain/timeline/timeline-text';

const names: TimelineNames = {
  employee: (userid) => `员工${String(userid)}`,
  admin: (username) => username ?? '',
  partner: () => '某合作方',
};
const row = (kind: string, detail: Record<string, unknown>, actor: string | null): TimelineRow => ({
  key: 'x:1',
  kind,
  at: new Date(0),
  actor,
  detail,
  clue_id: '1',
  external_userid: null,
});

describe('timeline texts of how a clue came in', () => {
  it('names who created it by hand, imported it or which partner sent it', () => {
    expect(timelineText(row('intake', { source: 2 }, '张经理'), names)).toBe('张经理 手动创建了线索');
    expect(timelineText(row('intake', { source: 3 }, '张经理'), names)).toBe('张经理 通过 Excel 导入了线索');
    expect(timelineText(row('intake', { partnerName: '百度', businessId: 'B1' }, 'partner:1'), names)).toBe(
      '合作方「百度」推送了线索（业务编号 B1）',
    );
    expect(timelineText(row('imported', { importId: 7, row: 12 }, '张经理'), names)).toBe(
      '来自 Excel 导入（导入批次 #7，第 12 行）',
    );
  });
});
