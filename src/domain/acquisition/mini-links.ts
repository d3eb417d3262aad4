import type { Db, Executor } from '../../db/knex';
import {
  findMiniLink,
  insertMiniLink,
  softDeleteMiniLink,
  updateMiniLink,
  type MiniLinkFields,
  type MiniLinkRow,
} from '../../db/queries/mini-links';
import { NotFoundError, ValidationError } from '../errors';
import { requireCoverImage } from '../materials/materials';
import { requireChannel } from './channels';

/**
 * Mini-program promotion links: a link names a page of a mini-program and carries the link's
 * state as a channel parameter (`launchPath`), so the mini-program can tell which link (and
 * channel) brought a visitor. Nothing is pushed to WeCom.
 *
 * A WeChat URL scheme is bound to the first user who opens it, so none is stored here: the landing
 * page asks for a fresh one on every visit (mini-schemes.ts, WeChat's wxa/generatescheme with the
 * corp's AppSecret of the app), valid for half an hour. The cover is a live image material of the
 * corp, checked and held while the link is saved; material.delete refuses a material a live link
 * shows (409), as it does for materials of published acquisition links.
 */
/** Query parameter the link's state travels in, appended to the link's own query. */
export const MINI_LINK_STATE_PARAM = 'scrm_state';

export interface SaveMiniLinkInput {
  id?: string;
  name?: string;
  appId?: string;
  pagePath?: string;
  /** Absent: unchanged; null: cleared (the same for the other nullable fields). */
  query?: string | null;
  title?: string | null;
  /** Id of the cover: a live image material of the corp. */
  coverMaterialId?: string | null;
  channelId?: string | null;
  remark?: string | null;
}

export async function getMiniLink(db: Executor, corpId: string, id: string): Promise<MiniLinkRow> {
  const row = await findMiniLink(db, corpId, id);
  if (!row) throw new NotFoundError('mini-program link', id, 'MINI_LINK_NOT_FOUND');
  return row;
}

/** The link's query with its state parameter appended: what the mini-program page receives. */
export function launchQuery(row: Pick<MiniLinkRow, 'query' | 'state'>): string {
  const own = row.query ? `${row.query}&` : '';
  return `${own}${MINI_LINK_STATE_PARAM}=${encodeURIComponent(row.state)}`;
}

/** The page path with the link's query and its state parameter, as the mini-program is opened with it. */
export function launchPath(row: Pick<MiniLinkRow, 'page_path' | 'query' | 'state'>): string {
  return `${row.page_path}?${launchQuery(row)}`;
}

/**
 * Without id a link is created (name, appId and pagePath required); with id the given fields change.
 * A cover is checked and held in the same transaction as the write, so it cannot be deleted between.
 */
export async function saveMiniLink(
  db: Db,
  corpId: string,
  input: SaveMiniLinkInput,
  actor: string,
): Promise<MiniLinkRow> {
  return db.transaction((trx) => saveMiniLinkIn(trx, corpId, input, actor));
}

async function saveMiniLinkIn(
  db: Executor,
  corpId: string,
  input: SaveMiniLinkInput,
  actor: string,
): Promise<MiniLinkRow> {
  if (input.id === undefined) {
    const missing = (['name', 'appId', 'pagePath'] as const).filter((f) => input[f] === undefined);
    if (missing.length > 0) {
      throw new ValidationError(
        missing.map((field) => ({
          field,
          message: 'is required to add a mini-program link',
          messageKey: 'rule.requiredForNewMiniLink',
        })),
      );
    }
  }
  const patch: Partial<MiniLinkFields> = {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.appId !== undefined ? { app_id: input.appId } : {}),
    ...(input.pagePath !== undefined ? { page_path: input.pagePath } : {}),
    ...(input.query !== undefined ? { query: input.query === '' ? null : input.query } : {}),
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.coverMaterialId !== undefined ? { cover_material_id: input.coverMaterialId } : {}),
    ...(input.remark !== undefined ? { remark: input.remark } : {}),
  };
  if (input.coverMaterialId) await requireCoverImage(db, corpId, input.coverMaterialId, 'coverMaterialId');
  if (input.channelId !== undefined) {
    patch.channel_id = input.channelId;
    patch.channel_type = input.channelId === null ? null : await requireChannel(db, corpId, input.channelId);
  }
  let id = input.id;
  if (id === undefined) {
    id = await insertMiniLink(
      db,
      corpId,
      {
        name: patch.name as string,
        app_id: patch.app_id as string,
        page_path: patch.page_path as string,
        query: patch.query ?? null,
        title: patch.title ?? null,
        cover_material_id: patch.cover_material_id ?? null,
        channel_id: patch.channel_id ?? null,
        channel_type: patch.channel_type ?? null,
        remark: patch.remark ?? null,
      },
      actor,
    );
  } else if (!(await updateMiniLink(db, corpId, id, patch, actor))) {
    throw new NotFoundError('mini-program link', id, 'MINI_LINK_NOT_FOUND');
  }
  return getMiniLink(db, corpId, id);
}

/** Soft-deletes the link; answers it as it was. */
export async function deleteMiniLink(db: Db, corpId: string, id: string, actor: string): Promise<MiniLinkRow> {
  const row = await getMiniLink(db, corpId, id);
  if (!(await softDeleteMiniLink(db, corpId, id, actor))) {
    throw new NotFoundError('mini-program link', id, 'MINI_LINK_NOT_FOUND');
  }
  return { ...row, is_del: 1 };
}
