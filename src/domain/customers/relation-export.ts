import type { Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
import { relationsAfter, type RelationFilter, type RelationListRow } from '../../db/queries/wecom-relations';
import { openChunkedSheet, type SpreadsheetExport } from '../spreadsheet-export';

/** Rows read from PostgreSQL per round trip; the workbook is streamed, so memory stays bounded by one chunk. */
const DEFAULT_CHUNK_SIZE = 1000;

const STATUS_LABELS: Record<number, string> = {
  0: '有效 valid',
  1: '员工删除客户 deleted by employee',
  2: '客户删除员工 deleted by customer',
  3: '已转接 transferred',
  4: '企微已无此关系 gone from WeCom',
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Column headers and how each cell is read from a relation row, in sheet order. */
export const RELATION_EXPORT_COLUMNS: ReadonlyArray<{
  header: string;
  width: number;
  /** null leaves the cell empty. */
  value: (r: RelationListRow) => string | number | null;
}> = [
  { header: 'ID', width: 10, value: (r) => r.id },
  { header: '客户ID External userid', width: 34, value: (r) => r.external_userid },
  { header: '客户名称 Customer', width: 18, value: (r) => r.customer_name },
  { header: '员工账号 Employee userid', width: 20, value: (r) => r.userid },
  { header: '员工姓名 Employee', width: 14, value: (r) => r.employee_name },
  { header: '备注 Remark', width: 20, value: (r) => r.remark },
  { header: '描述 Description', width: 30, value: (r) => r.description },
  { header: '备注企业 Remark company', width: 20, value: (r) => r.remark_corp_name },
  { header: '备注手机号 Remark mobiles', width: 24, value: (r) => r.remark_mobiles.join(', ') || null },
  { header: '添加时间 Added at', width: 26, value: (r) => iso(r.add_time) },
  { header: '添加方式 Add way', width: 10, value: (r) => r.add_way },
  { header: '渠道参数 State', width: 20, value: (r) => r.state },
  { header: '状态 Status', width: 28, value: (r) => STATUS_LABELS[r.status] ?? String(r.status) },
  { header: '结束时间 Ended at', width: 26, value: (r) => iso(r.del_time) },
];

/**
 * Prepares a spreadsheet of the relations in the viewer's scope matching `filter`, ordered by id
 * (see openChunkedSheet: the first chunk is read before any byte is sent).
 */
export function openRelationExport(
  db: Executor,
  viewer: CorpViewer,
  filter: RelationFilter,
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<SpreadsheetExport> {
  return openChunkedSheet<RelationListRow>({
    sheetName: 'relations',
    columns: RELATION_EXPORT_COLUMNS,
    readChunk: (afterId, limit) => relationsAfter(db, viewer, filter, afterId, limit),
    idOf: (row) => row.id,
    cellsOf: (row) => RELATION_EXPORT_COLUMNS.map((c) => c.value(row)),
    chunkSize,
  });
}
