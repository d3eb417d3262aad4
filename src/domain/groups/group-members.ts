import type { Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
import {
  channelMemberStats,
  corpGroupStats,
  findGroupMember,
  groupMemberStats,
  pageGroupMembers,
  type ChannelStatsRange,
  type ChannelStatsRow,
  type CorpGroupStats,
  type GroupMemberFilter,
  type GroupMemberRow,
  type GroupMemberStats,
} from '../../db/queries/group-members';
import { NotFoundError, ValidationError } from '../errors';
import { requireGroupChat } from './group-chats';

/** "Today" of the group statistics is a calendar day in the corp's time zone. */
export const CORP_TIME_ZONE = 'Asia/Shanghai';

const MAX_CHANNEL_STATS_DAYS = 366;

/** 0 in the group now, 1 left it. */
export type MemberStatus = 0 | 1;

/** Member filters as the API takes them. */
export interface MemberFilterInput {
  chatId?: string;
  state?: string;
  memberType?: number;
  status?: MemberStatus[];
  joinTimeFrom?: string;
  joinTimeTo?: string;
  name?: string;
}

export function toMemberFilter(input: MemberFilterInput): GroupMemberFilter {
  return {
    chatId: input.chatId,
    state: input.state,
    memberType: input.memberType,
    statuses: input.status,
    joinTimeFrom: input.joinTimeFrom,
    joinTimeTo: input.joinTimeTo,
    name: input.name,
  };
}

export async function pageMembers(
  db: Executor,
  viewer: CorpViewer,
  input: MemberFilterInput & { pageNum: number; pageSize: number; sortField?: string; sortOrder?: 'asc' | 'desc' },
): Promise<{ list: GroupMemberRow[]; total: number }> {
  return pageGroupMembers(db, viewer, {
    ...toMemberFilter(input),
    pageNum: input.pageNum,
    pageSize: input.pageSize,
    sortField: input.sortField,
    sortOrder: input.sortOrder,
  });
}

/** A member of a group outside the viewer's scope is not found. */
export async function getMember(db: Executor, viewer: CorpViewer, id: string): Promise<GroupMemberRow> {
  const member = await findGroupMember(db, viewer, id);
  if (!member) throw new NotFoundError('group member', id, 'GROUP_MEMBER_NOT_FOUND');
  return member;
}

/** Size of a group now and today's joins and departures. */
export async function memberStatsOfGroup(db: Executor, viewer: CorpViewer, chatId: string): Promise<GroupMemberStats> {
  await requireGroupChat(db, viewer, chatId);
  return groupMemberStats(db, viewer.corpId, chatId, CORP_TIME_ZONE);
}

export async function corpStats(db: Executor, viewer: CorpViewer): Promise<CorpGroupStats> {
  return corpGroupStats(db, viewer, CORP_TIME_ZONE);
}

export interface ChannelStats {
  list: ChannelStatsRow[];
  total: { joined: number; quit: number; still_in: number };
}

/** Joins, departures and retention per channel over whole days from..to (YYYY-MM-DD, inclusive). */
export async function channelStats(db: Executor, viewer: CorpViewer, range: ChannelStatsRange): Promise<ChannelStats> {
  if (range.to < range.from) throw ValidationError.field('to', 'must not be before from', 'rule.toBeforeFrom');
  const days = (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000 + 1;
  if (days > MAX_CHANNEL_STATS_DAYS) {
    throw ValidationError.field(
      'to',
      `the range may cover at most ${MAX_CHANNEL_STATS_DAYS} days`,
      'rule.rangeTooLong',
      {
        days: MAX_CHANNEL_STATS_DAYS,
      },
    );
  }
  const rows = await channelMemberStats(db, viewer, range, CORP_TIME_ZONE);
  const list =
    rows.length === 0 && range.state !== undefined && range.joinQrId === undefined && range.channelId === undefined
      ? [
          {
            state: range.state,
            join_qr_id: null,
            join_qr_name: null,
            channel_id: null,
            channel_name: null,
            joined: 0,
            quit: 0,
            still_in: 0,
          },
        ]
      : rows;
  const total = list.reduce(
    (sum, r) => ({ joined: sum.joined + r.joined, quit: sum.quit + r.quit, still_in: sum.still_in + r.still_in }),
    { joined: 0, quit: 0, still_in: 0 },
  );
  return { list, total };
}
