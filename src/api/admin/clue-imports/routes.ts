import { Type } from '@sinclair/typebox';
import { findClueImportById, reportedImportRows, type ClueImportRow } from '../../../db/queries/clue-imports';
import { openImportErrorReport, openImportTemplate } from '../../../domain/clue-imports/import-sheets';
import {
  CLUE_IMPORT_MAX_BYTES,
  DIRECT_IMPORT_MAX_ROWS,
  uploadClueImport,
} from '../../../domain/clue-imports/start-import';
import { NotFoundError } from '../../../domain/errors';
import { XLSX_CONTENT_TYPE } from '../../../domain/spreadsheet-export';
import { ClueImportClient } from '../../../temporal/clue-import-client';
import type { AppDeps } from '../../app';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { sendSpreadsheet } from '../../spreadsheet-download';
import { IdString } from '../../validation';
import { validateImportRow } from './row-schema';
import { ClueImportView, LISTED_ROWS, presentClueImport } from './schemas';

const TAG = 'clues';
const FILE_FIELD = 'file';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';

export function clueImportRoutes(deps: AppDeps): RouteDefinition[] {
  let client: ClueImportClient | undefined;
  // Built on first use: the route table is also read without dependencies (OpenAPI, permission tree).
  const workflows = () => (client ??= new ClueImportClient(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE));
  const present = async (row: ClueImportRow, reused: boolean) =>
    presentClueImport(row, reused, {
      failed: await reportedImportRows(deps.db, row.id, 'failed', 0, LISTED_ROWS),
      duplicate: await reportedImportRows(deps.db, row.id, 'duplicate', 0, LISTED_ROWS),
    });
  const importOf = async (id: string) => {
    const row = await findClueImportById(deps.db, id);
    if (!row) throw new NotFoundError('clue import', id, 'CLUE_IMPORT_NOT_FOUND');
    return row;
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/admin/clue/import/template',
      operationId: 'downloadClueImportTemplate',
      summary: 'The .xlsx template of clue.importExcel (Chinese headers, required columns marked *)',
      description:
        'One sheet with the header row: 姓名*, 手机号*, 邮箱, 微信, 地址, 备注, 标签, 落地页, 设备. Columns are found by ' +
        'their header, in any order; other columns are ignored.',
      tag: TAG,
      auth: 'admin',
      permission: 'clue:importTemplate',
      rawResponse: { contentType: XLSX_CONTENT_TYPE, description: 'the template, as an attachment' },
      response: Type.Null(),
      handle: async (_input, ctx) => {
        sendSpreadsheet(ctx, deps.logger, 'clue-import-template.xlsx', await openImportTemplate(), {});
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/importExcel',
      seedOp: 'clue.importExcel',
      operationId: 'importCluesFromExcel',
      errors: [503],
      summary: 'Import clues from an .xlsx spreadsheet (the template of /admin/clue/import/template)',
      description:
        `multipart/form-data with one file part named \`${FILE_FIELD}\`. Every row is validated with the rules of ` +
        'the partner collect API (as clue.create): valid rows become clues (source 3, cuser the admin, a clue_event ' +
        '"imported" with the import id and row), refused rows are listed with row, column and a Chinese reason ' +
        '(all of them in the error report, /admin/clue/import/errors). A row whose phone repeats an earlier clue ' +
        '(of the file or already stored) is imported linked to it (duplicateOfClueId) and reported as a duplicate. ' +
        'The same file uploaded again answers the earlier import (reused) and stores nothing. A file that is not ' +
        'an .xlsx workbook, is empty, has no data rows or lacks a required column is refused (400) and nothing ' +
        `is stored. Up to ${DIRECT_IMPORT_MAX_ROWS} rows are imported before the answer (status done); a larger ` +
        'file is imported by the workflow importCluesWorkflow (status running; follow it with ' +
        '/admin/clue/import/status), which then hands its clues to distribution at the pace distribution keeps up ' +
        'with. 503 CLUE_IMPORT_NOT_STARTED: Temporal is unreachable and nothing was stored.',
      tag: TAG,
      auth: 'admin',
      permission: 'clue:importExcel',
      multipartBody: {
        field: FILE_FIELD,
        maxBytes: () => CLUE_IMPORT_MAX_BYTES,
        description: 'the .xlsx file',
      },
      response: ClueImportView,
      handle: async ({ file }, ctx) => {
        if (!file) throw new Error('multipart route called without its file');
        const result = await uploadClueImport(
          { db: deps.db, files: deps.files, validateRow: validateImportRow, workflows: workflows() },
          { bytes: file.bytes, filename: file.filename },
          actorOf(ctx),
        );
        if (result.import.mode === 'direct') deps.dispatcher.notify();
        return present(result.import, result.reused);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/clue/import/status',
      operationId: 'getClueImportStatus',
      errors: [404],
      summary: 'Where a clue import stands: rows done, ok, failed, duplicate and handed to distribution',
      description: 'The figures are committed with each chunk of rows, so they move while a large import runs.',
      tag: TAG,
      auth: 'admin',
      permission: 'clue:importStatus',
      query: Type.Object({ importId: IdString }),
      response: ClueImportView,
      handle: async ({ query }) => present(await importOf(query.importId), false),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/clue/import/errors',
      operationId: 'downloadClueImportErrors',
      errors: [404],
      summary: 'The error report of a clue import as an .xlsx (refused rows with their reasons, duplicate rows)',
      description:
        'Sheet 错误行: every refused row as uploaded, with 行号 and 错误原因 (each bad column and why). Sheet 重复行: ' +
        'every row imported as a duplicate, with what it repeats and the clue it became. Streamed.',
      tag: TAG,
      auth: 'admin',
      permission: 'clue:importErrors',
      query: Type.Object({ importId: IdString }),
      rawResponse: { contentType: XLSX_CONTENT_TYPE, description: 'the error report, as an attachment' },
      response: Type.Null(),
      handle: async ({ query }, ctx) => {
        const row = await importOf(query.importId);
        const report = await openImportErrorReport(deps.db, row.id);
        sendSpreadsheet(ctx, deps.logger, `clue-import-${row.id}-errors.xlsx`, report, { importId: row.id });
        return null;
      },
    }),
  ];
}
