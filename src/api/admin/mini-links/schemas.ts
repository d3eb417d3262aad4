import { Type } from '@sinclair/typebox';
import type { MiniLinkRow } from '../../../db/queries/mini-links';
import type { MiniProgramAppRow } from '../../../db/queries/mini-program-apps';
import { launchPath, MINI_LINK_STATE_PARAM } from '../../../domain/acquisition/mini-links';
import { IdString, RequiredText } from '../../validation';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

/** A mini-program AppID: wx followed by 16 hex digits. */
export const MiniAppId = Type.String({ maxLength: 18, pattern: '^wx[0-9a-f]{16}$', description: 'mini-program AppID' });

export const SaveMiniLinkBody = Type.Object(
  {
    id: Type.Optional(IdString),
    name: Type.Optional(RequiredText(64, 'what the admin UI calls the link')),
    appId: Type.Optional(MiniAppId),
    pagePath: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        pattern: '^[^/?#\\s][^?#\\s]*$',
        description: 'page of the mini-program, without leading slash or query, e.g. pages/index/index',
      }),
    ),
    query: Type.Optional(
      Type.Union([Type.String({ maxLength: 400, pattern: '^[^?#\\s]*$' }), Type.Null()], {
        description: `the page's query, e.g. a=1&b=2 (the link adds ${MINI_LINK_STATE_PARAM})`,
      }),
    ),
    title: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    coverMaterialId: Type.Optional(
      Type.Union([IdString, Type.Null()], { description: 'a live image material of the corp: the cover' }),
    ),
    channelId: Type.Optional(Type.Union([IdString, Type.Null()], { description: 'acquisition channel; null: none' })),
    remark: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const MiniLinkView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  appId: Type.String(),
  pagePath: Type.String(),
  query: NStr,
  title: NStr,
  coverMaterialId: NStr,
  channelId: NStr,
  channelName: NStr,
  channelType: Type.Union([Type.String({ description: "the channel's type when the link was saved" }), Type.Null()]),
  state: Type.String({ description: 'the channel parameter of this link' }),
  appConfigured: Type.Boolean({
    description: 'whether the corp stored the app’s AppSecret (miniLink/app/save): without it no scheme is generated',
  }),
  launchPath: Type.String({
    description: `page path with the query and ${MINI_LINK_STATE_PARAM}=<state>, as the mini-program is opened`,
  }),
  remark: NStr,
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentMiniLink(r: MiniLinkRow) {
  return {
    id: r.id,
    name: r.name,
    appId: r.app_id,
    pagePath: r.page_path,
    query: r.query,
    title: r.title,
    coverMaterialId: r.cover_material_id,
    channelId: r.channel_id,
    channelName: r.channel_name,
    channelType: r.channel_type,
    state: r.state,
    appConfigured: r.configured_app_id !== null,
    launchPath: launchPath(r),
    remark: r.remark,
    ctime: iso(r.ctime),
    cuser: r.cuser,
    mtime: iso(r.mtime),
    muser: r.muser,
  };
}

export const SaveMiniProgramAppBody = Type.Object(
  {
    appId: MiniAppId,
    appSecret: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^\\S+$',
      description: 'the AppSecret from the mini-program admin console (开发管理 → 开发设置); never shown again',
    }),
  },
  { additionalProperties: false },
);

export const MiniProgramAppView = Type.Object({
  appId: Type.String(),
  appSecretTail: Type.String({ description: 'the last four characters of the stored AppSecret' }),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentMiniProgramApp(r: MiniProgramAppRow) {
  return {
    appId: r.app_id,
    appSecretTail: r.app_secret.slice(-4),
    ctime: iso(r.ctime),
    cuser: r.cuser,
    mtime: iso(r.mtime),
    muser: r.muser,
  };
}
