import { Type } from '@sinclair/typebox';
import { acquisitionStats } from '../../../domain/acquisition/acq-stats';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdString, WecomUserid } from '../../validation';
import { corpViewerOf } from '../viewer';

const Counts = {
  adds: Type.Integer({ description: 'customers who added an employee through the source (full adds)' }),
  deletions: Type.Integer({ description: 'of those friendships, the ones ended by either side in the range' }),
  net: Type.Integer({ description: 'adds − deletions' }),
};

const AcqStatsView = Type.Object({
  from: Type.String(),
  to: Type.String(),
  timeZone: Type.String(),
  total: Type.Object(Counts),
  byDay: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD' }), ...Counts })),
  byEmployee: Type.Array(
    Type.Object({ userid: Type.String(), employeeName: Type.Union([Type.String(), Type.Null()]), ...Counts }),
  ),
});

export function acqStatsRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/cust/get/link/stats',
      operationId: 'acquisitionStats',
      errors: [404],
      summary:
        'What acquisition brought: adds, deletions and net per day and per employee, of a link, a channel or all',
      description:
        'From the attributions recorded when customers add an employee through an acquisition link or channel QR ' +
        'code: `linkId` (a link or a code, deleted ones included) or `channelId` (all its links and codes), or ' +
        'neither for the whole corp. Days are calendar days of `timeZone` (default Asia/Shanghai), `to` inclusive, ' +
        'at most 366 days; `byDay` lists every day of the range. An add counts on the day the customer added the ' +
        'employee, a deletion on the day the friendship ended (by the employee, the customer, or gone from WeCom; ' +
        'a transfer is not a deletion). Employees outside the caller’s data scope are left out.',
      tag: 'acquisition links',
      auth: 'admin',
      permission: 'acqLink:stats',
      body: Type.Object(
        {
          linkId: Type.Optional(IdString),
          channelId: Type.Optional(IdString),
          userid: Type.Optional(WecomUserid('only this employee')),
          from: Type.String({ format: 'date', description: 'first day, YYYY-MM-DD' }),
          to: Type.String({ format: 'date', description: 'last day (inclusive), YYYY-MM-DD' }),
          timeZone: Type.Optional(Type.String({ format: 'iana-zone', description: 'days are counted here' })),
        },
        { additionalProperties: false },
      ),
      response: AcqStatsView,
      handle: async ({ body }, ctx) => acquisitionStats(deps.db, corpViewerOf(ctx, deps), body),
    }),
  ];
}
