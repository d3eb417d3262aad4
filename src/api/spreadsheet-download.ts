import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import { XLSX_CONTENT_TYPE, type SpreadsheetExport } from '../domain/spreadsheet-export';
import type { RequestContext } from './route';

/**
 * Answers with an opened export as an .xlsx attachment. The export has read its first rows, so
 * every refusal was answered as an envelope before this point; a failure while streaming is
 * logged and cuts the connection, so the client sees a failed download, never a truncated file.
 */
export function sendSpreadsheet(
  ctx: RequestContext,
  logger: Logger,
  fileName: string,
  exporter: SpreadsheetExport,
  logContext: Record<string, unknown>,
): void {
  const output = new PassThrough();
  ctx.koa.set('Content-Disposition', `attachment; filename="${fileName}"`);
  ctx.koa.type = XLSX_CONTENT_TYPE;
  ctx.koa.status = 200;
  ctx.koa.body = output;
  exporter.writeTo(output).then(
    (rows) => logger.info({ ...logContext, rows, fileName, requestId: ctx.requestId }, 'spreadsheet exported'),
    (err: unknown) => {
      logger.error({ ...logContext, err, fileName, requestId: ctx.requestId }, 'spreadsheet export failed mid-stream');
      output.destroy(err instanceof Error ? err : new Error(String(err)));
    },
  );
}
