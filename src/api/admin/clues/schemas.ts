import { Type } from '@sinclair/typebox';
import type { ClueAssignmentRow } from '../../../db/queries/clue-assignments';
import { CONTACT_TYPES } from '../../../db/queries/clue-contacts';
import type { ClueRow } from '../../../db/queries/clues';
import type { ClueDetail } from '../../../domain/clues/clue-queries';
import { StringEnum } from '../../validation';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const NStr = Nullable(Type.String());
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export const ClueView = Type.Object({
  id: Type.String(),
  partnerId: NStr,
  businessId: NStr,
  linkManName: Type.String(),
  linkManTel: Type.String(),
  email: NStr,
  address: NStr,
  wechat: NStr,
  remark: NStr,
  source: Type.Union([Type.Integer(), Type.Null()]),
  fromPage: NStr,
  landPage: NStr,
  submitPage: NStr,
  device: NStr,
  tag: NStr,
  se: NStr,
  status: Type.String({ description: 'pending | waiting | assigned | followed | pool | closed' }),
  distributionState: Type.String({ description: 'pending until Temporal accepted the distribution, then started' }),
  waitingReason: NStr,
  policyId: NStr,
  ownerUserid: NStr,
  ownerName: NStr,
  assignedAt: NStr,
  firstFollowUpAt: NStr,
  duplicateOfClueId: NStr,
  mergedIntoClueId: Type.Union([Type.String(), Type.Null()], {
    description: 'set once a merge moved this clue into that one (the survivor)',
  }),
  receiveCount: Type.Integer(),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentClue(c: ClueRow) {
  return {
    id: c.id,
    partnerId: c.partner_id,
    businessId: c.business_id,
    linkManName: c.link_man_name,
    linkManTel: c.link_man_tel,
    email: c.email,
    address: c.address,
    wechat: c.wechat,
    remark: c.remark,
    source: c.source,
    fromPage: c.from_page,
    landPage: c.land_page,
    submitPage: c.submit_page,
    device: c.device,
    tag: c.tag,
    se: c.se,
    status: c.status,
    distributionState: c.distribution_state,
    waitingReason: c.waiting_reason,
    policyId: c.policy_id,
    ownerUserid: c.owner_userid,
    ownerName: c.owner_name,
    assignedAt: iso(c.assigned_at),
    firstFollowUpAt: iso(c.first_follow_up_at),
    duplicateOfClueId: c.duplicate_of_clue_id,
    mergedIntoClueId:
      c.merged_into_clue_id === null || c.merged_into_clue_id === undefined ? null : String(c.merged_into_clue_id),
    receiveCount: c.receive_count,
    ctime: iso(c.ctime) as string,
    cuser: c.cuser,
    mtime: iso(c.mtime) as string,
    muser: c.muser,
  };
}

const AssignmentView = Type.Object({
  clueId: Type.String({ description: 'the clue it was made on: the survivor, or a clue merged into it' }),
  seq: Type.Integer(),
  employeeUserid: Type.String(),
  employeeName: NStr,
  kind: Type.String({ description: 'auto | manual' }),
  policyId: NStr,
  operator: NStr,
  assignedAt: Type.String(),
  endedAt: NStr,
  endReason: NStr,
});

function presentAssignment(a: ClueAssignmentRow) {
  return {
    clueId: String(a.clue_id),
    seq: a.seq,
    employeeUserid: a.employee_userid,
    employeeName: a.employee_name,
    kind: a.kind,
    policyId: a.policy_id,
    operator: a.operator,
    assignedAt: iso(a.assigned_at) as string,
    endedAt: iso(a.ended_at),
    endReason: a.end_reason,
  };
}

export const ContactView = Type.Object({
  id: Type.Union([Type.String(), Type.Null()], {
    description: 'null while the clue’s contacts are still only its phone / wechat / email fields',
  }),
  type: StringEnum(CONTACT_TYPES),
  value: Type.String(),
  primary: Type.Boolean(),
  remark: Type.Union([Type.String(), Type.Null()]),
});

export const ClueDetailView = Type.Object({
  clue: Type.Intersect([ClueView, Type.Object({ chat: NStr })]),
  assignments: Type.Array(AssignmentView),
  followUps: Type.Array(
    Type.Object({
      id: Type.String(),
      content: Type.String(),
      method: NStr,
      employeeUserid: NStr,
      ctime: Type.String(),
      cuser: NStr,
    }),
  ),
  timeline: Type.Array(Type.Object({ kind: Type.String(), detail: Type.Unknown(), ctime: Type.String(), cuser: NStr })),
  workflow: Type.Union([Type.Object({ workflowId: Type.String(), state: Type.Unknown() }), Type.Null()]),
  contacts: Type.Array(ContactView),
});

export function presentClueDetail(d: ClueDetail, workflow: { workflowId: string; state: unknown } | null) {
  return {
    clue: { ...presentClue(d.clue), chat: d.clue.chat },
    assignments: d.assignments.map(presentAssignment),
    followUps: d.followUps.map((f) => ({
      id: f.id,
      content: f.content,
      method: f.method,
      employeeUserid: f.employee_userid,
      ctime: iso(f.ctime) as string,
      cuser: f.cuser,
    })),
    timeline: d.events.map((e) => ({
      kind: e.kind,
      detail: e.detail ?? null,
      ctime: iso(e.ctime) as string,
      cuser: e.cuser,
    })),
    workflow,
    contacts: d.contacts,
  };
}
