import type { Executor } from '../../db/knex';
import { insertClueEvent } from '../../db/queries/clues';
import { insertCustomerEvents } from '../../db/queries/customer-events';
import { claimItemApplied, type CustomerTransferRow, type TransferItemRow } from '../../db/queries/customer-transfers';
import { employeeNames } from '../../db/queries/wecom-employees';
import { endRelation, RelationStatus } from '../wecom-mirror/customers';

/** add_way WeCom gives a relation a transfer created (assigned by an admin). */
const ADD_WAY_TRANSFER = 202;

/**
 * Applies a final item once (the claim makes a retry or a second poll a no-op): on success the
 * takeover's relation, the handover's relation ended as transferred, the linked clue's owner and
 * the timeline; otherwise only the timeline, since the customer stays where it was.
 */
export async function applyItemOutcome(
  trx: Executor,
  transfer: CustomerTransferRow,
  item: TransferItemRow,
): Promise<void> {
  if (!item.final || item.check_result !== null) return;
  if (!(await claimItemApplied(trx, item.id))) return;
  const handover = item.handover_userid ?? '';
  const takeover = item.takeover_userid;
  const base = { transferId: String(transfer.id), handover, takeover };
  if (item.status !== 1) {
    await insertCustomerEvents(trx, [
      {
        corpId: item.corp_id,
        externalUserid: item.external_userid,
        kind: 'transfer_failed',
        detail: {
          ...base,
          status: item.status,
          ...(item.errcode !== null && item.errcode !== 0 ? { errcode: item.errcode } : {}),
          reason: item.reason,
        },
        cuser: null,
      },
    ]);
    return;
  }
  const at = item.takeover_time ?? new Date();
  await moveRelation(trx, item.corp_id, item.external_userid, handover, takeover, at);
  await insertCustomerEvents(trx, [
    {
      corpId: item.corp_id,
      externalUserid: item.external_userid,
      kind: 'transfer_succeeded',
      detail: { ...base, takeoverTime: at.toISOString() },
      cuser: null,
    },
  ]);
  await moveClueOwner(trx, transfer, item);
}

/** The takeover now follows the customer with the handover's remark and notes; the handover's relation ends. */
async function moveRelation(
  trx: Executor,
  corpId: string,
  externalUserid: string,
  handover: string,
  takeover: string,
  at: Date,
): Promise<void> {
  await trx.raw(
    `INSERT INTO wecom_relation AS r (corp_id, external_userid, userid, remark, description, add_time, remark_corp_name,
                                      remark_mobiles, oper_userid, add_way, state, status, cuser, muser)
     SELECT ?, ?, ?, h.remark, h.description, ?, h.remark_corp_name, coalesce(h.remark_mobiles, '{}'), ?, ?, h.state,
            ${RelationStatus.valid}, 'customer-transfer', 'customer-transfer'
       FROM (SELECT 1) AS one
       LEFT JOIN wecom_relation h ON h.corp_id = ? AND h.external_userid = ? AND h.userid = ?
     ON CONFLICT (corp_id, external_userid, userid) DO UPDATE
        SET status = ${RelationStatus.valid}, del_time = NULL, del_source = NULL, add_time = EXCLUDED.add_time,
            is_del = 0, mtime = now(), muser = EXCLUDED.muser
      -- A callback's fresh read may have mirrored the new relation first: it is the truth then.
      WHERE r.status <> ${RelationStatus.valid}`,
    [corpId, externalUserid, takeover, at, handover, ADD_WAY_TRANSFER, corpId, externalUserid, handover],
  );
  // After the insert: the customer keeps a valid relation, so ending this one never marks it deleted.
  await endRelation(
    trx,
    corpId,
    { externalUserid, userid: handover },
    RelationStatus.transferred,
    at,
    'DELETE_BY_TRANSFER',
  );
  // The transfer's deletion callback may have come first and found no valid relation left.
  await trx('wecom_customer')
    .where({ corp_id: corpId, external_userid: externalUserid, is_del: 1 })
    .whereExists(
      trx('wecom_relation as r')
        .whereRaw('r.corp_id = wecom_customer.corp_id AND r.external_userid = wecom_customer.external_userid')
        .andWhere('r.status', RelationStatus.valid),
    )
    .update({ is_del: 0, del_time: null, mtime: trx.fn.now(), muser: 'customer-transfer' });
}

/** The clue linked to the customer (now, else when asked) follows it to the takeover. */
async function moveClueOwner(trx: Executor, transfer: CustomerTransferRow, item: TransferItemRow): Promise<void> {
  const customer = (await trx('wecom_customer')
    .where({ corp_id: item.corp_id, external_userid: item.external_userid })
    .first('clue_id')) as { clue_id: string | null } | undefined;
  const clueId = customer?.clue_id ?? item.clue_id;
  if (clueId === null) return;
  const clue = (await trx('clue').where({ id: clueId }).forUpdate().first('owner_userid')) as
    { owner_userid: string | null } | undefined;
  if (!clue || clue.owner_userid === item.takeover_userid) return;
  const names = await employeeNames(trx, item.corp_id, [item.takeover_userid]);
  await trx('clue')
    .where({ id: clueId })
    .update({
      owner_userid: item.takeover_userid,
      owner_name: names.get(item.takeover_userid) ?? null,
      mtime: trx.fn.now(),
      muser: transfer.cuser ?? 'customer-transfer',
    });
  await insertClueEvent(
    trx,
    String(clueId),
    'owner_transferred',
    { transferId: String(transfer.id), from: clue.owner_userid, to: item.takeover_userid },
    transfer.cuser,
  );
}
