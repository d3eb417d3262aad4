import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import pino from 'pino';
import { sendSpreadsheet } from '../../src/api/spreadsheet-download';
import type { RequestContext } from '../../src/api/route';
import type { SpreadsheetExport } from '../../src/domain/spreadsheet-export';

/** A real HTTP server answering every request with `exporter` through sendSpreadsheet. */
async function serve(exporter: SpreadsheetExport, lines: string[]): Promise<{ url: string; server: Server }> {
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const app = new Koa();
  app.use((ctx) => {
    const requestContext: RequestContext = { requestId: 'r-1', user: undefined, ip: ctx.ip, koa: ctx };
    sendSpreadsheet(requestContext, logger, 'export.xlsx', exporter, { corpId: 'ww1' });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe('sendSpreadsheet', () => {
  it('cuts the connection when the export fails after its first bytes, and logs it', async () => {
    const lines: string[] = [];
    const { url, server } = await serve(
      {
        writeTo: async (output) => {
          output.write(Buffer.alloc(64 * 1024, 1));
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw new Error('connection to the database lost');
        },
      },
      lines,
    );
    try {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="export.xlsx"');
      await expect(response.arrayBuffer()).rejects.toThrow();
      const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
      expect(logged).toEqual([
        expect.objectContaining({
          msg: 'spreadsheet export failed mid-stream',
          err: expect.objectContaining({ message: 'connection to the database lost' }) as unknown,
        }),
      ]);
    } finally {
      server.close();
    }
  });

  it('sends the whole workbook when the export succeeds', async () => {
    const lines: string[] = [];
    const { url, server } = await serve(
      {
        writeTo: async (output) => {
          output.end(Buffer.from('PK-workbook'));
          return 3;
        },
      },
      lines,
    );
    try {
      const response = await fetch(url);
      expect(Buffer.from(await response.arrayBuffer()).toString()).toBe('PK-workbook');
      expect(lines.map((line) => (JSON.parse(line) as { msg: string; rows: number }).rows)).toEqual([3]);
    } finally {
      server.close();
    }
  });
});
