import { Type } from '@sinclair/typebox';
import type { PolicyWithMembers } from '../../../domain/distribution/policies';
import { IdString, StringEnum } from '../../validation';

/** Clues a member may take per day or per round: far above any real team, and within PostgreSQL's integer. */
const MAX_LIMIT = 1_000_000;

const Member = Type.Object(
  {
    employeeUserid: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_.@-]+$',
      'x-message': 'field.wecomUserid',
    }),
    employeeName: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    weight: Type.Integer({ minimum: 0, maximum: 10_000, description: 'relative share; 0 pauses the member' }),
    dailyLimit: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: MAX_LIMIT }), Type.Null()], { description: 'null: no limit' }),
    ),
    roundLimit: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: MAX_LIMIT }), Type.Null()], { description: 'null: no limit' }),
    ),
    workingHours: Type.Optional(
      Type.Union([Type.String({ maxLength: 0 }), Type.String({ format: 'hh-mm-range', maxLength: 17 }), Type.Null()], {
        description: '09:00-18:00 in the policy time zone; empty: always',
        'x-message': 'format.hh-mm-range',
      }),
    ),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const SavePolicyBody = Type.Object(
  {
    id: Type.Optional(IdString),
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' }),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'lower is tried first' })),
    enabled: Type.Optional(Type.Boolean()),
    matchSources: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: 100, uniqueItems: true }),
    ),
    matchTags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, uniqueItems: true }),
    ),
    matchLandPages: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 2048, format: 'http-url' }), {
        maxItems: 100,
        description: 'landing-page URL prefixes',
      }),
    ),
    matchPartnerIds: Type.Optional(Type.Array(IdString, { maxItems: 100, uniqueItems: true })),
    timezone: Type.Optional(Type.String({ format: 'iana-zone', description: 'default Asia/Shanghai' })),
    followUpSlaSeconds: Type.Integer({
      minimum: 1,
      maximum: 90 * 86400,
      description: 'time allowed for the first follow-up',
    }),
    recycleMode: Type.Optional(StringEnum(['pool', 'next_member'] as const, 'where a clue goes when the SLA passes')),
    members: Type.Array(Member, { maxItems: 500 }),
  },
  { additionalProperties: false },
);

export const PolicyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  priority: Type.Integer(),
  enabled: Type.Boolean(),
  matchSources: Type.Array(Type.Integer()),
  matchTags: Type.Array(Type.String()),
  matchLandPages: Type.Array(Type.String()),
  matchPartnerIds: Type.Array(Type.String()),
  timezone: Type.String(),
  followUpSlaSeconds: Type.Integer(),
  recycleMode: Type.String(),
  members: Type.Array(
    Type.Object({
      id: Type.String(),
      employeeUserid: Type.String(),
      employeeName: Type.Union([Type.String(), Type.Null()]),
      weight: Type.Integer(),
      dailyLimit: Type.Union([Type.Integer(), Type.Null()]),
      roundLimit: Type.Union([Type.Integer(), Type.Null()]),
      workingHours: Type.Union([Type.String(), Type.Null()]),
      active: Type.Boolean(),
    }),
  ),
  ctime: Type.String(),
  mtime: Type.String(),
});

export function presentPolicy({ policy, members }: PolicyWithMembers) {
  return {
    id: policy.id,
    name: policy.name,
    priority: policy.priority,
    enabled: policy.enabled,
    matchSources: policy.match_sources,
    matchTags: policy.match_tags,
    matchLandPages: policy.match_land_pages,
    matchPartnerIds: policy.match_partner_ids.map(String),
    timezone: policy.timezone,
    followUpSlaSeconds: policy.follow_up_sla_seconds,
    recycleMode: policy.recycle_mode,
    members: members.map((m) => ({
      id: m.id,
      employeeUserid: m.employee_userid,
      employeeName: m.employee_name,
      weight: m.weight,
      dailyLimit: m.daily_limit,
      roundLimit: m.round_limit,
      workingHours: m.working_hours,
      active: m.active,
    })),
    ctime: new Date(policy.ctime).toISOString(),
    mtime: new Date(policy.mtime).toISOString(),
  };
}
