import { Type } from '@sinclair/typebox';
import { CONTACT_TYPES } from '../../../db/queries/clue-contacts';
import { changeClueContacts } from '../../../domain/clues/contacts';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdString, StringEnum } from '../../validation';
import { viewerOf } from '../viewer';
import { ContactView } from './schemas';

export function clueContactRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/clue/contacts',
      operationId: 'changeClueContacts',
      errors: [404, 409],
      seedOp: 'clue.contacts',
      summary: 'Add, edit, remove or make primary one contact method of a clue (primary and secondary contacts)',
      description:
        'Types: phone, wechat, email, qq, other; values validated as the collect API validates them (a phone is ' +
        'stored as written and compared by its normalised digits). Each type with contacts has exactly one ' +
        'primary; the primary phone, WeChat and email are the clue’s linkManTel / wechat / email, which the list ' +
        'and same-phone duplicate matching read. The first contact of a type becomes its primary. A clue keeps ' +
        'at least one phone; removing a primary that has siblings needs newPrimaryId (400 otherwise, nothing ' +
        'changed). An equal contact of the same type already on the clue: 409 CONTACT_EXISTS. Each change is a ' +
        'timeline entry (contact_added / contact_updated / contact_removed / contact_primary). Contacts are ' +
        'created from the clue’s own fields on its first change; until then the detail shows those fields.',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:contacts',
      body: Type.Object(
        {
          clueId: IdString,
          action: StringEnum(['add', 'update', 'remove', 'makePrimary'] as const),
          contactId: Type.Optional(IdString),
          type: Type.Optional(StringEnum(CONTACT_TYPES)),
          value: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
          remark: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
          primary: Type.Optional(Type.Boolean({ description: 'add: make it its type’s primary' })),
          newPrimaryId: Type.Optional(IdString),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({ clueId: Type.String(), contacts: Type.Array(ContactView) }),
      handle: async ({ body }, ctx) => {
        const { clueId, ...change } = body;
        const contacts = await changeClueContacts(
          deps.db,
          viewerOf(ctx, deps),
          clueId,
          change,
          ctx.user?.username ?? 'system',
        );
        return { clueId, contacts };
      },
    }),
  ];
}
