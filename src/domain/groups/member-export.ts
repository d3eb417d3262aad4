import { DateTime } from 'luxon';
import type { Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
import { groupMemberChunk, type GroupMemberRow } from '../../db/queries/group-members';
import { openChunkedSheet, type SpreadsheetExport } from '../spreadsheet-export';
import { CORP_TIME_ZONE, toMemberFilter, type MemberFilterInput } from './group-members';

const CHUNK_ROWS = 1000;

const MEMBER_TYPES: Record<number, string> = { 1: '员工', 2: '客户' };
const JOIN_SCENES: Record<number, string> = { 1: '直接邀请', 2: '链接邀请', 3: '扫码入群' };
const QUIT_SCENES: Record<number, string> = { 0: '主动退群', 1: '被移出' };

const COLUMNS: Array<{ header: string; key: keyof ExportRow; width: number }> = [
  { header: '群名称', key: 'groupName', width: 24 },
  { header: '群ID', key: 'chatId', width: 36 },
  { header: '成员ID', key: 'memberId', width: 36 },
  { header: '成员类型', key: 'memberType', width: 10 },
  { header: '成员名称', key: 'name', width: 20 },
  { header: '群昵称', key: 'groupNickname', width: 20 },
  { header: '入群时间', key: 'joinTime', width: 20 },
  { header: '入群方式', key: 'joinScene', width: 12 },
  { header: '邀请人', key: 'invitor', width: 20 },
  { header: '渠道(state)', key: 'state', width: 20 },
  { header: '状态', key: 'status', width: 10 },
  { header: '退群时间', key: 'quitTime', width: 20 },
  { header: '退群方式', key: 'quitScene', width: 12 },
];

interface ExportRow {
  groupName: string;
  chatId: string;
  memberId: string;
  memberType: string;
  name: string;
  groupNickname: string;
  joinTime: string;
  joinScene: string;
  invitor: string;
  state: string;
  status: string;
  quitTime: string;
  quitScene: string;
}

const localTime = (d: Date | null) =>
  d ? DateTime.fromJSDate(new Date(d)).setZone(CORP_TIME_ZONE).toFormat('yyyy-MM-dd HH:mm:ss') : '';

function toExportRow(m: GroupMemberRow): ExportRow {
  return {
    groupName: m.group_name ?? '',
    chatId: m.chat_id,
    memberId: m.member_id,
    memberType: MEMBER_TYPES[m.member_type] ?? String(m.member_type),
    name: m.customer_name ?? m.employee_name ?? m.name ?? '',
    groupNickname: m.group_nickname ?? '',
    joinTime: localTime(m.join_time),
    joinScene: m.join_scene === null ? '' : (JOIN_SCENES[m.join_scene] ?? String(m.join_scene)),
    invitor: m.invitor ? (m.invitor_name ? `${m.invitor_name} (${m.invitor})` : m.invitor) : '',
    state: m.state ?? '',
    status: m.status === 0 ? '在群' : '已退群',
    quitTime: localTime(m.quit_time),
    quitScene: m.status === 0 || m.quit_scene === null ? '' : (QUIT_SCENES[m.quit_scene] ?? String(m.quit_scene)),
  };
}

/**
 * Prepares the matching group members as an .xlsx (times in the corp time zone), read by keyset in
 * chunks of CHUNK_ROWS; the first chunk is read before any byte is sent (see openChunkedSheet).
 */
export function openGroupMemberExport(
  db: Executor,
  viewer: CorpViewer,
  input: MemberFilterInput,
): Promise<SpreadsheetExport> {
  const filter = toMemberFilter(input);
  return openChunkedSheet<GroupMemberRow>({
    sheetName: '群成员',
    columns: COLUMNS,
    readChunk: (afterId, limit) => groupMemberChunk(db, viewer, filter, afterId, limit),
    idOf: (row) => row.id,
    cellsOf: (row) => {
      const cells = toExportRow(row);
      return COLUMNS.map((c) => cells[c.key]);
    },
    chunkSize: CHUNK_ROWS,
  });
}
