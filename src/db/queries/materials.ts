import type { Executor } from '../knex';
import { containsPattern, softDeleteCorpRows, updateCorpRow } from './corp-rows';
import { readPage } from './paging';

/** One material of a corp's library; file materials carry their stored original and WeCom media. */
export interface MaterialRow {
  id: string;
  corp_id: string;
  type: string;
  scope: number;
  title: string | null;
  content: string | null;
  description: string | null;
  url: string | null;
  pic_url: string | null;
  appid: string | null;
  page: string | null;
  file_key: string | null;
  file_name: string | null;
  size: string | null;
  mime: string | null;
  media_type: string | null;
  media_id: string | null;
  media_uploaded_at: Date | null;
  image_url: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export type MaterialFields = Omit<MaterialRow, 'id' | 'corp_id' | 'is_del' | 'ctime' | 'cuser' | 'mtime' | 'muser'>;

export interface MaterialFilter {
  pageNum: number;
  pageSize: number;
  type?: string;
  scope?: number;
  title?: string;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

const SORT_COLUMNS: Record<string, string> = { id: 'id', title: 'title', ctime: 'ctime', mtime: 'mtime', size: 'size' };

function liveMaterials(db: Executor, corpId: string) {
  return db('material').where({ corp_id: corpId, is_del: 0 });
}

export async function findMaterial(db: Executor, corpId: string, id: string): Promise<MaterialRow | undefined> {
  return (await liveMaterials(db, corpId).andWhere({ id }).first()) as MaterialRow | undefined;
}

/** The live material, locked FOR UPDATE until the transaction `trx` ends (one media refresh at a time). */
export async function lockMaterial(trx: Executor, corpId: string, id: string): Promise<MaterialRow | undefined> {
  return (await liveMaterials(trx, corpId).andWhere({ id }).forUpdate().first()) as MaterialRow | undefined;
}

/** The corp's live materials among `ids`, in no particular order. */
export async function findMaterials(db: Executor, corpId: string, ids: readonly string[]): Promise<MaterialRow[]> {
  if (ids.length === 0) return [];
  return (await liveMaterials(db, corpId).whereIn('id', [...ids])) as MaterialRow[];
}

/**
 * The corp's live materials among `ids`, locked FOR SHARE until `trx` ends: a delete (FOR UPDATE)
 * waits for the transaction that names them, and then sees what it wrote.
 */
export async function shareLockMaterials(trx: Executor, corpId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = (await liveMaterials(trx, corpId)
    .whereIn('id', [...ids])
    .forShare()
    .select('id')) as Array<{
    id: string;
  }>;
  return rows.map((r) => r.id);
}

/** The corp's live material `id` with its type, locked FOR SHARE until `trx` ends (see shareLockMaterials). */
export async function shareLockMaterial(
  trx: Executor,
  corpId: string,
  id: string,
): Promise<{ id: string; type: string } | undefined> {
  return (await liveMaterials(trx, corpId).andWhere({ id }).forShare().first('id', 'type')) as
    { id: string; type: string } | undefined;
}

/** Every live material of a type and optionally a scope, newest first. */
export async function listMaterialsByType(
  db: Executor,
  corpId: string,
  type: string,
  scope?: number,
): Promise<MaterialRow[]> {
  const q = liveMaterials(db, corpId).andWhere({ type });
  if (scope !== undefined) q.andWhere({ scope });
  return (await q.orderBy('id', 'desc')) as MaterialRow[];
}

export async function pageMaterials(
  db: Executor,
  corpId: string,
  f: MaterialFilter,
): Promise<{ list: MaterialRow[]; total: number }> {
  const q = liveMaterials(db, corpId);
  if (f.type) q.andWhere({ type: f.type });
  if (f.scope !== undefined) q.andWhere({ scope: f.scope });
  if (f.title) q.andWhereILike('title', containsPattern(f.title));
  const { rows, total } = await readPage<MaterialRow>(q, f, (page) =>
    page
      .select('*')
      .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'id', f.sortOrder === 'asc' ? 'asc' : 'desc')
      .orderBy('id', 'desc'),
  );
  return { list: rows, total };
}

export async function insertMaterial(
  db: Executor,
  corpId: string,
  fields: Partial<MaterialFields> & Pick<MaterialFields, 'type' | 'scope'>,
  actor: string,
): Promise<MaterialRow> {
  const [row] = (await db('material')
    .insert({ corp_id: corpId, ...fields, cuser: actor, muser: actor })
    .returning('*')) as MaterialRow[];
  if (!row) throw new Error('material insert returned no row');
  return row;
}

export async function updateMaterial(
  db: Executor,
  corpId: string,
  id: string,
  patch: Partial<MaterialFields>,
  actor: string,
): Promise<MaterialRow | undefined> {
  return updateCorpRow<MaterialRow>(db, 'material', corpId, id, patch, actor);
}

/** Records a new WeCom media_id for a material (no audit stamp: a refresh is not an edit). */
export async function setMaterialMedia(
  db: Executor,
  corpId: string,
  id: string,
  media: { mediaId: string; uploadedAt: Date },
): Promise<MaterialRow | undefined> {
  const [row] = (await db('material')
    .where({ corp_id: corpId, id })
    .update({ media_id: media.mediaId, media_uploaded_at: media.uploadedAt })
    .returning('*')) as MaterialRow[];
  return row;
}

export async function softDeleteMaterial(db: Executor, corpId: string, id: string, actor: string): Promise<boolean> {
  return (await softDeleteCorpRows(db, 'material', corpId, 'id', [id], actor)).length > 0;
}

/** Published, live acquisition links of the corp whose media_ids name the material. */
export async function publishedLinksUsingMaterial(
  db: Executor,
  corpId: string,
  materialId: string,
): Promise<Array<{ id: string; link_name: string }>> {
  return (await db('acq_link')
    .where({ corp_id: corpId, status: 1, is_del: 0 })
    .whereRaw('? = ANY(media_ids)', [materialId])
    .orderBy('id')
    .select('id', 'link_name')) as Array<{ id: string; link_name: string }>;
}

/** Live mini-program links of the corp whose cover is the material. */
export async function miniLinksUsingCover(
  db: Executor,
  corpId: string,
  materialId: string,
): Promise<Array<{ id: string; name: string }>> {
  return (await db('mini_link')
    .where({ corp_id: corpId, cover_material_id: materialId, is_del: 0 })
    .orderBy('id')
    .select('id', 'name')) as Array<{ id: string; name: string }>;
}

/**
 * Live file materials that a published link of the corp uses and whose media_id is missing or was
 * uploaded before `uploadedBefore`: the ones to refresh ahead of WeCom's 3 days.
 */
export async function materialsInUseUploadedBefore(
  db: Executor,
  corpId: string,
  uploadedBefore: Date,
): Promise<string[]> {
  const rows = (await db('material as m')
    .where({ 'm.corp_id': corpId, 'm.is_del': 0 })
    .whereNotNull('m.file_key')
    .where((q) => q.whereNull('m.media_uploaded_at').orWhere('m.media_uploaded_at', '<', uploadedBefore))
    .whereExists(
      db('acq_link as l')
        .where({ 'l.corp_id': corpId, 'l.status': 1, 'l.is_del': 0 })
        .whereRaw('m.id = ANY(l.media_ids)'),
    )
    .orderBy('m.id')
    .select('m.id')) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}
