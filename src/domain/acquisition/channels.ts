import type { Db, Executor } from '../../db/knex';
import {
  CHANNEL_NAME_INDEX,
  findChannel,
  findChannelType,
  insertChannel,
  updateChannel,
  type ChannelFields,
  type ChannelRow,
} from '../../db/queries/acq-channels';
import { requireEmployees } from '../employee-references';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { conflictOnUniqueViolation } from '../refuse-duplicates';

/** Kinds of places customers come from; the Chinese names are what the admin UI shows. */
export const CHANNEL_TYPES = {
  ad: '广告投放',
  poster: '线下海报',
  website: '官网',
  social: '社交媒体',
  partner: '合作方',
  event: '线下活动',
  other: '其他',
} as const;
export type ChannelType = keyof typeof CHANNEL_TYPES;

export const CHANNEL_ENABLED = 1;

export interface SaveChannelInput {
  id?: string;
  name?: string;
  type?: string;
  status?: number;
  /** Absent: unchanged; null: cleared. */
  owner?: string | null;
  remark?: string | null;
}

export async function getChannel(db: Executor, corpId: string, id: string): Promise<ChannelRow> {
  const row = await findChannel(db, corpId, id);
  if (!row) throw new NotFoundError('acquisition channel', id, 'CHANNEL_NOT_FOUND');
  return row;
}

/**
 * Refuses an id that names no live channel of the corp (400 on `field`); returns the channel's
 * type, which links and codes of the channel carry as their `channelType`.
 */
export async function requireChannel(
  db: Executor,
  corpId: string,
  channelId: string,
  field = 'channelId',
): Promise<string> {
  const type = await findChannelType(db, corpId, channelId);
  if (type === undefined) {
    throw ValidationError.field(
      field,
      `no acquisition channel ${channelId} in WeCom corp ${corpId}`,
      'rule.unknownChannel',
      {
        channelId,
        corpId,
      },
    );
  }
  return type;
}

/** Without id a channel is created (name and type required); with id the given fields change. */
export async function saveChannel(db: Db, corpId: string, input: SaveChannelInput, actor: string): Promise<ChannelRow> {
  if (input.id === undefined) {
    const missing = (['name', 'type'] as const).filter((f) => input[f] === undefined);
    if (missing.length > 0) {
      throw new ValidationError(
        missing.map((field) => ({
          field,
          message: 'is required to add a channel',
          messageKey: 'rule.requiredForNewChannel',
        })),
      );
    }
  }
  if (input.owner !== undefined && input.owner !== null) {
    await requireEmployees(db, corpId, [{ field: 'owner', userid: input.owner }]);
  }
  const patch: Partial<ChannelFields> = {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.type !== undefined ? { type: input.type } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(input.owner !== undefined ? { owner: input.owner } : {}),
    ...(input.remark !== undefined ? { remark: input.remark } : {}),
  };
  const id = await conflictOnUniqueViolation(
    async () => {
      if (input.id === undefined) {
        return insertChannel(
          db,
          corpId,
          {
            name: patch.name as string,
            type: patch.type as string,
            status: patch.status ?? CHANNEL_ENABLED,
            owner: patch.owner ?? null,
            remark: patch.remark ?? null,
          },
          actor,
        );
      }
      if (!(await updateChannel(db, corpId, input.id, patch, actor))) {
        throw new NotFoundError('acquisition channel', input.id, 'CHANNEL_NOT_FOUND');
      }
      return input.id;
    },
    {
      [CHANNEL_NAME_INDEX]: () =>
        new ConflictError(`a channel named ${input.name ?? ''} exists already`, 'CHANNEL_NAME_TAKEN', {
          name: input.name ?? '',
        }),
    },
  );
  return getChannel(db, corpId, id);
}
