import type { Db } from '../../db/knex';
import type { ClueAssignmentRow } from '../../db/queries/clue-assignments';
import { findClueInScope, type ClueRow } from '../../db/queries/clues';
import { whereOwnerInScope, type Viewer } from '../../db/queries/data-scope';
import { NotFoundError } from '../errors';
import { readClueContacts, type ContactView } from './contacts';

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
  'merged_into_clue_id',
  'receive_count',
  'ctime',
  'cuser',
  'mtime',
  'muser',
];

export type ClueConditions = Omit<ClueFilter, 'pageNum' | 'pageSize' | 'sortField' | 'sortOrder'>;

/** The live clues in the viewer's data scope that match the conditions (what page and listStats share). */
function matchingClues(db: Db, viewer: Viewer, f: ClueConditions) {
  // A merged clue lives on in its survivor: lists and stats count the survivor only.
  const q = whereOwnerInScope(db('clue').where({ is_del: 0 }).whereNull('merged_into_clue_id'), viewer, 'owner_userid');
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
  return q;
}

/** The clues in the viewer's data scope that match the filter. */
export async function pageClues(db: Db, viewer: Viewer, f: ClueFilter): Promise<{ list: ClueRow[]; total: number }> {
  const q = matchingClues(db, viewer, f);
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

export interface ClueListStats {
  total: number;
  today: number;
  unassigned: number;
  waiting: number;
  assigned: number;
  followedUp: number;
  recycled: number;
  converted: number;
}

/**
 * The counts a clue list shows in its header, under the page's conditions and data scope, in one
 * query. `today` counts from midnight in `timeZone`; `recycled` are clues back in the pool after
 * an assignment; `converted` are clues linked to a live WeCom customer.
 */
export async function clueListStats(
  db: Db,
  viewer: Viewer,
  f: ClueConditions,
  timeZone: string,
): Promise<ClueListStats> {
  const [row] = (await matchingClues(db, viewer, f).select(
    db.raw('count(*)::int AS total'),
    db.raw("count(*) FILTER (WHERE ctime >= date_trunc('day', now() AT TIME ZONE ?) AT TIME ZONE ?)::int AS today", [
      timeZone,
      timeZone,
    ]),
    db.raw(
      "count(*) FILTER (WHERE owner_userid IS NULL AND status IN ('pending', 'waiting', 'pool'))::int AS unassigned",
    ),
    db.raw("count(*) FILTER (WHERE status = 'waiting')::int AS waiting"),
    db.raw("count(*) FILTER (WHERE status = 'assigned')::int AS assigned"),
    db.raw("count(*) FILTER (WHERE status = 'followed')::int AS followed_up"),
    db.raw("count(*) FILTER (WHERE status = 'pool' AND assignment_seq > 0)::int AS recycled"),
    db.raw(
      'count(*) FILTER (WHERE EXISTS (SELECT 1 FROM wecom_customer c WHERE c.clue_id = clue.id AND c.is_del = 0))::int AS converted',
    ),
  )) as Array<Omit<ClueListStats, 'followedUp'> & { followed_up: number }>;
  const { followed_up, ...rest } = row!;
  return { ...rest, followedUp: followed_up };
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
  contacts: ContactView[];
}

/** The clue's assignments and those of the clues merged into it (at any depth), oldest first. */
async function listAssignmentsWithMerged(db: Db, clueId: string): Promise<ClueAssignmentRow[]> {
  const result = await db.raw<{ rows: ClueAssignmentRow[] }>(
    `WITH RECURSIVE tree AS (
       SELECT ?::bigint AS id
       UNION SELECT c.id FROM clue c JOIN tree t ON c.merged_into_clue_id = t.id
     )
     SELECT a.* FROM clue_assignment a JOIN tree t ON a.clue_id = t.id ORDER BY a.assigned_at, a.id`,
    [clueId],
  );
  return result.rows;
}

/** A clue outside the viewer's data scope is not found, as one that does not exist. */
export async function getClueDetail(db: Db, viewer: Viewer, clueId: string): Promise<ClueDetail> {
  const clue = await findClueInScope(db, viewer, clueId);
  if (!clue) throw new NotFoundError('clue', clueId, 'CLUE_NOT_FOUND');
  const [assignments, followUps, events, contacts] = await Promise.all([
    listAssignmentsWithMerged(db, clueId),
    db('clue_follow_up').where({ clue_id: clueId }).orderBy('id'),
    db('clue_event').where({ clue_id: clueId }).orderBy('id'),
    readClueContacts(db, clue),
  ]);
  // Intake writes no event row for a new clue (one row less per clue at peak): the clue is its record.
  const intake = { id: `intake-${clue.id}`, kind: 'intake', detail: null, ctime: clue.ctime, cuser: clue.cuser };
  return { clue, assignments, followUps, events: [intake, ...events], contacts };
}
