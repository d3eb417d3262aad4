import type { Db, Executor } from '../../db/knex';
import { ownerInScope, type CorpViewer } from '../../db/queries/data-scope';
import { customersByExternalUserid, type WecomCustomerRow } from '../../db/queries/wecom-customers';
import { findEmployeeByUserid } from '../../db/queries/wecom-employees';
import {
  findRelationById,
  listValidRelationsOfEmployee,
  pageRelations as pageRelationRows,
  pageRelationsByCustomer as pageGroups,
  relationStatsPerEmployee,
  relationUseridExists,
  updateRelationNotes,
  type Paging,
  type RelationFilter,
  type RelationListRow,
} from '../../db/queries/wecom-relations';
import type { WecomApi } from '../../wecom/api';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { dayRange } from './day-range';
import { wecomCallError } from './wecom-errors';

/** A relation outside the viewer's data scope is not found, as one that does not exist. */
export async function getRelation(db: Executor, viewer: CorpViewer, id: string): Promise<RelationListRow> {
  const row = await findRelationById(db, viewer, id);
  if (!row) throw new NotFoundError('relation', id, 'RELATION_NOT_FOUND');
  return row;
}

/**
 * The userid as the mirror spells it (WeCom userids are case-insensitive). An employee is known
 * when the mirror lists them or any relation names them, and their rows are in the viewer's data
 * scope; otherwise NotFoundError.
 */
async function knownUserid(db: Executor, viewer: CorpViewer, userid: string): Promise<string> {
  const employee = await findEmployeeByUserid(db, viewer.corpId, userid);
  const canonical = employee
    ? employee.userid
    : (await relationUseridExists(db, viewer.corpId, userid))
      ? userid
      : undefined;
  if (canonical === undefined || !(await ownerInScope(db, viewer, canonical))) {
    throw new NotFoundError('WeCom employee', userid, 'WECOM_EMPLOYEE_NOT_FOUND');
  }
  return canonical;
}

/** Every customer the employee currently follows (valid relations). */
export async function validRelationsOfEmployee(
  db: Executor,
  viewer: CorpViewer,
  userid: string,
): Promise<{ userid: string; relations: RelationListRow[] }> {
  const canonical = await knownUserid(db, viewer, userid);
  return { userid: canonical, relations: await listValidRelationsOfEmployee(db, viewer, canonical) };
}

export function pageRelations(db: Executor, viewer: CorpViewer, filter: Parameters<typeof pageRelationRows>[2]) {
  return pageRelationRows(db, viewer, filter);
}

export interface CustomerRelationGroup {
  externalUserid: string;
  customer: WecomCustomerRow | undefined;
  firstAddTime: Date | null;
  lastAddTime: Date | null;
  relations: RelationListRow[];
}

/** Relations grouped per customer: one entry per customer with the relations that match the filter. */
export async function pageRelationsByCustomer(
  db: Executor,
  viewer: CorpViewer,
  filter: RelationFilter & Paging,
): Promise<{ list: CustomerRelationGroup[]; total: number }> {
  const page = await pageGroups(db, viewer, filter);
  const customers = await customersByExternalUserid(
    db,
    viewer.corpId,
    page.groups.map((g) => g.external_userid),
  );
  return {
    total: page.total,
    list: page.groups.map((g) => ({
      externalUserid: g.external_userid,
      customer: customers.get(g.external_userid),
      firstAddTime: g.first_add_time,
      lastAddTime: g.last_add_time,
      relations: page.relations.filter((r) => r.external_userid === g.external_userid),
    })),
  };
}

export interface RelationNotesInput {
  id: string;
  remark?: string;
  description?: string;
}

/**
 * Edits the remark and/or description of a relation. While the relation exists in WeCom the
 * change goes to WeCom first (externalcontact/remark) and the mirror follows only once WeCom
 * accepted it; an ended relation is edited locally only. A WeCom refusal leaves the row as it was.
 * A relation outside the viewer's data scope is not found.
 */
export async function saveRelationNotes(
  db: Db,
  openWecom: () => Promise<WecomApi>,
  viewer: CorpViewer,
  input: RelationNotesInput,
  actor: string,
): Promise<{ relation: RelationListRow; pushedToWecom: boolean }> {
  const changes: { remark?: string; description?: string } = {};
  if (input.remark !== undefined) changes.remark = input.remark.trim();
  if (input.description !== undefined) changes.description = input.description.trim();
  if (Object.keys(changes).length === 0) {
    throw ValidationError.field('remark', 'give remark and/or description', 'rule.remarkOrDescription');
  }
  if (!Object.values(changes).some((v) => v !== '')) {
    throw ValidationError.field(
      'remark',
      'remark and description cannot both be empty (WeCom refuses such a call)',
      'rule.remarkAndDescriptionEmpty',
    );
  }
  const corpId = viewer.corpId;
  const relation = await getRelation(db, viewer, input.id);
  const inWecom = relation.status === 0 && relation.is_del === 0;
  if (inWecom) {
    const api = await openWecom();
    try {
      await api.call('remark', {
        body: { userid: relation.userid, external_userid: relation.external_userid, ...changes },
      });
    } catch (error) {
      throw wecomCallError(error);
    }
  }
  await db.transaction(async (trx) => {
    const updated = await trx('wecom_relation').where({ corp_id: corpId, id: input.id }).forUpdate().first('id');
    if (!updated) throw new ConflictError(`relation ${input.id} vanished while saving`, 'RELATION_VANISHED');
    await updateRelationNotes(trx, corpId, input.id, changes, actor);
  });
  return { relation: await getRelation(db, viewer, input.id), pushedToWecom: inWecom };
}

export interface EmployeeRelationStats {
  userid: string;
  employeeName: string | null;
  valid: number;
  added: number;
  lost: number;
  lostByEmployee: number;
  lostByCustomer: number;
  lostOther: number;
  transferredOut: number;
}

/** Per employee: customers followed now, relations added and lost between `from` and `to` (days in the zone). */
export async function relationStats(
  db: Executor,
  viewer: CorpViewer,
  input: { from: string; to: string; userid?: string; timeZone?: string },
): Promise<{
  from: string;
  to: string;
  timeZone: string;
  list: EmployeeRelationStats[];
  total: Omit<EmployeeRelationStats, 'userid' | 'employeeName'>;
}> {
  const range = dayRange(input.from, input.to, input.timeZone);
  const userid = input.userid === undefined ? undefined : await knownUserid(db, viewer, input.userid);
  const rows = await relationStatsPerEmployee(db, viewer, range.start, range.end, userid);
  const list: EmployeeRelationStats[] = rows.map((r) => ({
    userid: r.userid,
    employeeName: r.employee_name,
    valid: r.valid,
    added: r.added,
    lost: r.lost_by_employee + r.lost_by_customer + r.lost_other,
    lostByEmployee: r.lost_by_employee,
    lostByCustomer: r.lost_by_customer,
    lostOther: r.lost_other,
    transferredOut: r.transferred_out,
  }));
  if (userid !== undefined && list.length === 0) {
    const employee = await findEmployeeByUserid(db, viewer.corpId, userid);
    list.push({
      userid,
      employeeName: employee?.name ?? null,
      valid: 0,
      added: 0,
      lost: 0,
      lostByEmployee: 0,
      lostByCustomer: 0,
      lostOther: 0,
      transferredOut: 0,
    });
  }
  const total = { valid: 0, added: 0, lost: 0, lostByEmployee: 0, lostByCustomer: 0, lostOther: 0, transferredOut: 0 };
  for (const row of list) {
    for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += row[key];
  }
  return {
    from: range.days[0] as string,
    to: range.days[range.days.length - 1] as string,
    timeZone: range.timeZone,
    list,
    total,
  };
}
