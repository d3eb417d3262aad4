import { Type } from '@sinclair/typebox';
import type { ChannelRow } from '../../../db/queries/acq-channels';
import { CHANNEL_TYPES, type ChannelType } from '../../../domain/acquisition/channels';
import { StringEnum } from '../../validation';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

const typeList = Object.entries(CHANNEL_TYPES)
  .map(([key, name]) => `${key} ${name}`)
  .join(', ');
export const ChannelTypeField = StringEnum(Object.keys(CHANNEL_TYPES) as ChannelType[], `channel type: ${typeList}`);
export const ChannelStatus = Type.Integer({ minimum: 0, maximum: 1, description: '1 enabled, 0 disabled' });

export const ChannelView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  typeName: Type.String({ description: 'the type as the admin UI shows it' }),
  status: Type.Integer(),
  owner: Type.Union([Type.String({ description: 'WeCom userid of the employee in charge' }), Type.Null()]),
  ownerName: NStr,
  remark: NStr,
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentChannel(r: ChannelRow) {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    typeName: CHANNEL_TYPES[r.type as ChannelType] ?? r.type,
    status: r.status,
    owner: r.owner,
    ownerName: r.owner_name,
    remark: r.remark,
    ctime: iso(r.ctime),
    cuser: r.cuser,
    mtime: iso(r.mtime),
    muser: r.muser,
  };
}
