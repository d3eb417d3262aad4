import type { Db } from '../../db/knex';
import { listAssignments, type ClueAssignmentRow } from '../../db/queries/clue-assignments';
import { findClueInScope, type ClueRow } from '../../db/queries/clues';
import { whereOwnerInScope, type Viewer } from '../../db/queries/data-scope';
import { NotFoundError } from '../errors';

export interface ClueFilter {
  pageNum: number;
  pageSize: number;
  status?: string[];
  ownerUserid?: string;
  businessId?: string;
  partnerId?: string;
  policyId?: string;
  phone?: string;
  keyword?: string;
  ctimeFrom?: string;
  ctimeTo?: string;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

const SORT_COLUMNS: Record<string, string> = { id: 'id', ctime: 'ctime', mtime: 'mtime', assignedAt: 'assigned_at' };
const escapeLike = (s: string) => s.replace(/[\\%_]/g, '\\$&');

// The list never carries the chat transcript: it can be long and the detail view has it.
const LIST_COLUMNS = [
  'id',
  'partner_id',
  'business_id',
  'link_man_name',
  'link_man_tel',
  'email',
  'address',
  'wechat',
  'remark',
  'source',
  'from_page',
  'land_page',
  'submit_page',
  'device',
  'tag',
  'se',
  'status',
  'distribution_state',
  'policy_id',
  'owner_userid',
  'owner_name',
  'assigned_at',
  'assignment_seq',
  'first_follow_up_at',
  'waiting_reason',
  'duplicate_of_clue_id',
  'receive_count',
  'ctime',
  'cuser',
  'mtime',
  'muser',
];

/** The clues in the viewer's data scope that match the filter. */
export async function pageClues(db: Db, viewer: Viewer, f: ClueFilter): Promise<{ list: ClueRow[]; total: number }> {
  const q = whereOwnerInScope(db('clue').where({ is_del: 0 }), viewer, 'owner_userid');
  if (f.status?.length) q.whereIn('status', f.status);
  if (f.ownerUserid) q.andWhere({ owner_userid: f.ownerUserid });
  if (f.businessId) q.andWhere({ business_id: f.businessId });
  if (f.partnerId) q.andWhere({ partner_id: f.partnerId });
  if (f.policyId) q.andWhere({ policy_id: f.policyId });
  if (f.phone) q.andWhere('phone_normalized', 'like', `%${escapeLike(f.phone.replace(/\D/g, ''))}%`);
  if (f.keyword) {
    const k = `%${escapeLike(f.keyword)}%`;
    q.andWhere((w) => w.whereILike('link_man_name', k).orWhereILike('remark', k).orWhereILike('business_id', k));
  }
  if (f.ctimeFrom) q.andWhere('ctime', '>=', f.ctimeFrom);
  if (f.ctimeTo) q.andWhere('ctime', '<', f.ctimeTo);
  const [{ count }] = (await q.clone().count({ count: '*' })) as [{ count: string }];
  const list = (await q
    .clone()
    .select(LIST_COLUMNS)
    .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'id', f.sortOrder ?? 'desc')
    .orderBy('id', 'desc')
    .limit(f.pageSize)
    .offset((f.pageNum - 1) * f.pageSize)) as ClueRow[];
  return { list, total: Number(count) };
}

export interface ClueDetail {
  clue: ClueRow;
  assignments: ClueAssignmentRow[];
  followUps: Array<{
    id: string;
    content: string;
    method: string | null;
    employee_userid: string | null;
    ctime: Date;
    cuser: string | null;
  }>;
  events: Array<{ id: string; kind: string; detail: unknown; ctime: Date; cuser: string | null }>;
}

/** A clue outside the viewer's data scope is not found, as one that does not exist. */
export async function getClueDetail(db: Db, viewer: Viewer, clueId: string): Promise<ClueDetail> {
  const clue = await findClueInScope(db, viewer, clueId);
  if (!clue) throw new NotFoundError('clue', clueId, 'CLUE_NOT_FOUND');
  const [assignments, followUps, events] = await Promise.all([
    listAssignments(db, clueId),
    db('clue_follow_up').where({ clue_id: clueId }).orderBy('id'),
    db('clue_event').where({ clue_id: clueId }).orderBy('id'),
  ]);
  // Intake writes no event row for a new clue (one row less per clue at peak): the clue is its record.
  const intake = { id: `intake-${clue.id}`, kind: 'intake', detail: null, ctime: clue.ctime, cuser: clue.cuser };
  return { clue, assignments, followUps, events: [intake, ...events] };
}
