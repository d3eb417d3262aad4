import { randomInt } from 'node:crypto';
import ExcelJS from 'exceljs';
import { generateImportWorkbook, IMPORT_HEADERS, type GeneratedWorkbook } from '../../bench/import-workbook';
import type { Db } from '../../src/db/knex';
import type { ClueRow } from '../../src/db/queries/clues';
import { CLUE_IMPORT_API_PORT, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, createPolicy, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { seedEmployee } from '../helpers/mirror-tags-groups';
import { TestSystem } from '../helpers/system';
import { sleep, waitFor } from '../helpers/wait';

const ZH = { 'accept-language': 'zh-CN' };
const CHINESE = /[\u4e00-\u9fff]/;

interface ImportView {
  id: string;
  mode: string;
  status: string;
  reused: boolean;
  workflowId: string | null;
  rowsTotal: number | null;
  rowsDone: number;
  rowsOk: number;
  rowsFailed: number;
  rowsDuplicate: number;
  rowsReleased: number;
  cuser: string | null;
  failures: Array<{ row: number; column: string; field: string; reason: string }>;
  duplicates: Array<{ row: number; clueId: string; duplicateOfClueId: string; duplicateOfRow: number | null }>;
}
interface Envelope<T> {
  code: string;
  msg: string;
  data: T;
}

/** A small workbook written the way a user fills the template (shared strings, numbers typed as numbers). */
async function workbookOf(rows: Array<Array<string | number | null>>, headers = IMPORT_HEADERS): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('线索');
  sheet.addRow(headers);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function readWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

const sheetRows = (sheet: ExcelJS.Worksheet | undefined): unknown[][] => {
  const rows: unknown[][] = [];
  sheet?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
};

const mobile = () => `13${randomInt(0, 1_000_000_000).toString().padStart(9, '0')}`;

/** Its own API and worker (own task queue), so the crash drill leaves the shared system alone. */
describe('clue import from Excel (clue.importExcel)', () => {
  let db: Db;
  let system: TestSystem;
  let admin: Awaited<ReturnType<typeof createAdmin>>;
  let base: string;

  beforeAll(async () => {
    db = testDb();
    system = new TestSystem({
      name: 'clue-import',
      temporalAddress: sharedTemporalAddress,
      apiPort: CLUE_IMPORT_API_PORT,
      taskQueue: 'test-clue-import',
      env: { DISPATCH_SWEEP_MS: '1000' },
    });
    await system.start();
    base = system.baseUrl;
    const corpId = uid('corp-');
    admin = await createAdmin(db, base, { corpId });
    // Imported clues (source 3) go to one member without limits: assigned at once, then a long SLA.
    const member = await seedEmployee(db, corpId);
    await createPolicy(base, admin.token, '0', [{ employeeUserid: member, weight: 1 }], {
      matchPartnerIds: [],
      matchSources: [3],
      priority: 0,
    });
  }, 180_000);
  afterAll(async () => {
    await system.stop();
    await db.destroy();
  });

  const upload = async (bytes: Buffer, filename = 'clues.xlsx', type = 'application/octet-stream') => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type }), filename);
    const response = await fetch(`${base}/admin/clue/importExcel`, {
      method: 'POST',
      headers: { token: admin.token, ...ZH },
      body: form,
    });
    return {
      status: response.status,
      body: (await response.json()) as Envelope<ImportView & { errors?: Array<{ field: string; message: string }> }>,
    };
  };
  const download = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers: { token: admin.token, ...ZH } });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  };
  const status = (id: string) =>
    call<ImportView>(base, 'GET', `/admin/clue/import/status?importId=${id}`, { token: admin.token, headers: ZH });
  const importedClues = (importId: string) =>
    db('clue_event as e')
      .join('clue as c', 'c.id', 'e.clue_id')
      .where('e.kind', 'imported')
      .whereRaw("e.detail->>'importId' = ?", [importId])
      .orderBy('c.id')
      .select<Array<ClueRow & { row: number }>>('c.*', db.raw("(e.detail->>'row')::int AS row"));

  it('offers the template with the Chinese headers of the clue fields', async () => {
    const template = await download('/admin/clue/import/template');
    expect(template.status).toBe(200);
    expect(template.type).toContain('spreadsheetml');
    const rows = sheetRows((await readWorkbook(template.bytes)).worksheets[0]);
    expect(rows).toEqual([IMPORT_HEADERS]);
  });

  it('refuses a file that is not an .xlsx workbook, an empty one and one without the required columns, storing nothing', async () => {
    const before = await db('clue_import').count<[{ count: string }]>('* as count');
    const text = await upload(Buffer.from('姓名,手机号\n张三,13800138000\n'), 'clues.csv', 'text/csv');
    expect(text.status).toBe(400);
    expect(text.body.data.errors?.[0]).toMatchObject({ field: 'file', message: expect.stringMatching(/xlsx/) });
    expect(text.body.data.errors?.[0]?.message).toMatch(CHINESE);
    const empty = await upload(Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body.data.errors?.[0]).toEqual({ field: 'file', message: '不能是空文件' });
    // A zip that is not a workbook: right magic bytes, wrong content.
    const fakeZip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]);
    expect((await upload(fakeZip)).status).toBe(400);
    const noPhone = await upload(await workbookOf([['张三', '备注']], ['姓名', '备注']));
    expect(noPhone.status).toBe(400);
    expect(noPhone.body.data.errors?.[0]).toEqual({ field: 'file', message: '表头缺少必填列：手机号' });
    const headerOnly = await upload(await workbookOf([]));
    expect(headerOnly.status).toBe(400);
    const after = await db('clue_import').count<[{ count: string }]>('* as count');
    expect(after[0]?.count).toBe(before[0]?.count);
  });

  it('imports a small file at once: valid rows kept, bad rows reported by row, column and reason, duplicates linked', async () => {
    const existingPhone = mobile();
    const existing = await call<{ id: string }>(base, 'POST', '/admin/clue/create', {
      token: admin.token,
      body: { linkManName: '老客户', linkManTel: existingPhone },
    });
    expect(existing.status).toBe(200);
    const [a, b, c] = [mobile(), mobile(), mobile()];
    const bytes = await workbookOf([
      ['张三', a, 'zhang@example.com', 'zs_wx', '北京市朝阳区', '要报价', '展会', 'https://www.example.com/l', 'pc'], // 2
      ['李四', Number(b), null, null, null, null, null, null, null], // 3: phone typed as a number
      ['王五', '12345', null, null, null, null, null, null, null], // 4: bad phone
      [null, c, 'not-an-email', null, null, null, null, null, 'tablet'], // 5: no name, bad email, bad device
      ['张三二号', `+86 ${a.slice(0, 3)}-${a.slice(3, 7)}-${a.slice(7)}`, null, null, null, null, null, null, null], // 6: repeats row 2
      ['老客户', existingPhone, null, null, null, null, null, null, null], // 7: repeats a stored clue
      [null, null, null, null, null, null, null, null, null], // 8: blank, skipped
      ['赵六', c, null, null, null, null, null, null, 'mobile'], // 9
    ]);
    const response = await upload(bytes);
    expect(response.status).toBe(200);
    const result = response.body.data;
    expect(result).toMatchObject({
      mode: 'direct',
      status: 'done',
      reused: false,
      rowsTotal: 7,
      rowsDone: 7,
      rowsOk: 3,
      rowsFailed: 2,
      rowsDuplicate: 2,
      cuser: admin.username,
    });
    expect(result.failures).toEqual([
      { row: 4, column: '手机号', field: 'linkManTel', reason: expect.stringMatching(CHINESE) },
      { row: 5, column: '姓名', field: 'linkManName', reason: '为必填项' },
      { row: 5, column: '邮箱', field: 'email', reason: '必须是电子邮箱地址' },
      { row: 5, column: '设备', field: 'device', reason: expect.stringContaining('pc, mobile') },
    ]);

    const clues = await importedClues(result.id);
    expect(clues.map((clue) => clue.row)).toEqual([2, 3, 6, 7, 9]);
    expect(clues.every((clue) => clue.source === 3 && clue.cuser === admin.username && clue.partner_id === null)).toBe(
      true,
    );
    const byRow = new Map(clues.map((clue) => [clue.row, clue]));
    expect(byRow.get(2)).toMatchObject({
      link_man_name: '张三',
      phone_normalized: a,
      email: 'zhang@example.com',
      wechat: 'zs_wx',
      address: '北京市朝阳区',
      remark: '要报价',
      tag: '展会',
      land_page: 'https://www.example.com/l',
      device: 'pc',
      duplicate_of_clue_id: null,
    });
    expect(byRow.get(3)).toMatchObject({ link_man_tel: b, phone_normalized: b, email: null });
    expect(byRow.get(6)).toMatchObject({ phone_normalized: a, duplicate_of_clue_id: byRow.get(2)!.id });
    expect(byRow.get(7)).toMatchObject({ duplicate_of_clue_id: existing.body.data.id });
    expect(result.duplicates).toEqual([
      {
        row: 6,
        clueId: byRow.get(6)!.id,
        duplicateOfClueId: byRow.get(2)!.id,
        duplicateOfRow: 2,
        reason: expect.any(String),
      },
      {
        row: 7,
        clueId: byRow.get(7)!.id,
        duplicateOfClueId: existing.body.data.id,
        duplicateOfRow: null,
        reason: expect.stringMatching(CHINESE),
      },
    ]);
    const events = await db('clue_event')
      .whereIn('clue_id', [byRow.get(6)!.id, byRow.get(7)!.id])
      .where({ kind: 'duplicate_detected' })
      .orderBy('clue_id')
      .select('clue_id', 'detail');
    expect(events.map((e: { detail: unknown }) => e.detail)).toEqual([
      { duplicateOfClueId: byRow.get(2)!.id },
      { duplicateOfClueId: existing.body.data.id },
    ]);
    const imported = await db('clue_event')
      .where({ clue_id: byRow.get(2)!.id, kind: 'imported' })
      .first();
    expect(imported).toMatchObject({ detail: { importId: result.id, row: 2 }, cuser: admin.username });

    // The error report: the refused rows as uploaded plus the reason; the duplicates on their own sheet.
    const report = await download(`/admin/clue/import/errors?importId=${result.id}`);
    expect(report.status).toBe(200);
    const workbook = await readWorkbook(report.bytes);
    const failed = sheetRows(workbook.getWorksheet('错误行'));
    expect(failed[0]).toEqual([
      '行号',
      '姓名',
      '手机号',
      '邮箱',
      '微信',
      '地址',
      '备注',
      '标签',
      '落地页',
      '设备',
      '错误原因',
    ]);
    expect(failed.slice(1).map((r) => r.slice(0, 3))).toEqual([
      [4, '王五', '12345'],
      [5, undefined, c],
    ]);
    expect(String(failed[2]?.[10])).toContain('姓名：为必填项');
    expect(String(failed[2]?.[10])).toContain('邮箱：必须是电子邮箱地址');
    const repeated = sheetRows(workbook.getWorksheet('重复行'));
    expect(repeated.slice(1).map((r) => r[0])).toEqual([6, 7]);

    // Imported clues are distributed through the outbox by the same workflow as any clue.
    await waitFor(
      'the imported clues to be assigned by the import policy',
      async () => {
        const rows = await db('clue')
          .whereIn(
            'id',
            clues.map((clue) => clue.id),
          )
          .select('status', 'distribution_state');
        return rows.every(
          (r: { status: string; distribution_state: string }) =>
            r.status === 'assigned' && r.distribution_state === 'started',
        );
      },
      { timeoutMs: 30_000 },
    );

    // The same file again answers the same import and stores nothing.
    const again = await upload(bytes);
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ id: result.id, reused: true, rowsOk: 3 });
    expect(await importedClues(result.id)).toHaveLength(5);
  });

  describe('a 50,000-row file', () => {
    let file: GeneratedWorkbook;
    let importId: string;

    beforeAll(async () => {
      file = await generateImportWorkbook(50_000);
    }, 60_000);

    it('is imported by a workflow that survives a worker SIGKILL mid-import, with every row exactly once', async () => {
      const response = await upload(file.bytes, 'big.xlsx');
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({ mode: 'workflow', status: 'running', reused: false });
      importId = response.body.data.id;
      expect(response.body.data.workflowId).toBe(`clue-import-${importId}`);

      const before = await waitFor(
        'some chunks of rows to be committed',
        async () => {
          const s = await status(importId);
          return s.body.data.rowsDone >= 5000 ? s.body.data : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 100 },
      );
      expect(before.status).toBe('running');
      await system.stopWorker('SIGKILL');
      const atCrash = (await status(importId)).body.data.rowsDone;
      expect(atCrash).toBeLessThan(50_000);
      await sleep(1000);
      await system.startWorker();

      const done = await waitFor(
        'the import to finish after the crash',
        async () => {
          const s = await status(importId);
          return s.body.data.status !== 'running' ? s.body.data : undefined;
        },
        { timeoutMs: 150_000, intervalMs: 500 },
      );
      const bad = file.badRows.length;
      const duplicate = file.duplicates.length;
      expect(bad).toBe(1000);
      expect(duplicate).toBe(500);
      expect(done).toMatchObject({
        status: 'done',
        rowsTotal: 50_000,
        rowsDone: 50_000,
        rowsFailed: bad,
        rowsDuplicate: duplicate,
        rowsOk: 50_000 - bad - duplicate,
      });

      // Every row stored once; every kept row one clue with one 'imported' event.
      const outcomes = await db('clue_import_row')
        .where({ import_id: importId })
        .select('outcome')
        .count<Array<{ outcome: string; count: string }>>('* as count')
        .groupBy('outcome');
      expect(Object.fromEntries(outcomes.map((o) => [o.outcome, Number(o.count)]))).toEqual({
        ok: 50_000 - bad - duplicate,
        failed: bad,
        duplicate,
      });
      const clues = await db('clue_event as e')
        .join('clue as c', 'c.id', 'e.clue_id')
        .where('e.kind', 'imported')
        .whereRaw("e.detail->>'importId' = ?", [importId])
        .select(
          db.raw('count(*)::int AS events'),
          db.raw('count(DISTINCT c.id)::int AS clues'),
          db.raw("count(DISTINCT e.detail->>'row')::int AS rows"),
          db.raw('count(*) FILTER (WHERE c.source = 3)::int AS imported_source'),
          db.raw('count(*) FILTER (WHERE c.duplicate_of_clue_id IS NOT NULL)::int AS linked'),
        )
        .first();
      expect(clues).toEqual({
        events: 50_000 - bad,
        clues: 50_000 - bad,
        rows: 50_000 - bad,
        imported_source: 50_000 - bad,
        linked: duplicate,
      });

      // The error report lists exactly the bad rows, and the duplicates with the rows they repeat.
      const report = await download(`/admin/clue/import/errors?importId=${importId}`);
      expect(report.status).toBe(200);
      const workbook = await readWorkbook(report.bytes);
      const failedRows = sheetRows(workbook.getWorksheet('错误行')).slice(1);
      expect(failedRows.map((r) => r[0])).toEqual(file.badRows);
      expect(failedRows.every((r) => CHINESE.test(String(r[10])))).toBe(true);
      const repeated = sheetRows(workbook.getWorksheet('重复行')).slice(1);
      expect(repeated.map((r) => r[0])).toEqual(file.duplicates.map((d) => d.row));
      expect(repeated.map((r) => String(r[10]))).toEqual(
        file.duplicates.map((d) => expect.stringContaining(`第 ${d.ofRow} 行`) as unknown as string),
      );
    }, 300_000);

    it('hands its clues to the distribution outbox in paced batches, not all at once', async () => {
      const released = await waitFor(
        'the import to release clues that the outbox starts',
        async () => {
          const started = await db('clue as c')
            .join('clue_import_row as r', 'r.clue_id', 'c.id')
            .where({ 'r.import_id': importId, 'c.distribution_state': 'started' })
            .count<[{ count: string }]>('* as count');
          return Number(started[0]?.count) >= 50 ? Number(started[0]?.count) : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(released).toBeGreaterThanOrEqual(50);
      const held = await db('clue as c')
        .join('clue_import_row as r', 'r.clue_id', 'c.id')
        .where({ 'r.import_id': importId, 'c.distribution_state': 'held' })
        .count<[{ count: string }]>('* as count');
      // Far from every clue is pending at once: the rest waits, held, for its turn.
      expect(Number(held[0]?.count)).toBeGreaterThan(40_000);
      const s = await status(importId);
      expect(s.body.data.rowsReleased).toBeGreaterThan(0);
      expect(s.body.data.rowsReleased).toBeLessThan(49_000);
    }, 90_000);

    it('creates nothing when the same file is uploaded again', async () => {
      const count = async () =>
        Number(
          (
            await db('clue_event')
              .where({ kind: 'imported' })
              .whereRaw("detail->>'importId' = ?", [importId])
              .count<[{ count: string }]>('* as count')
          )[0]?.count,
        );
      const before = await count();
      const clueMax = await db('clue').max<[{ max: string }]>('id as max');
      const again = await upload(file.bytes, 'same-again.xlsx');
      expect(again.status).toBe(200);
      expect(again.body.data).toMatchObject({ id: importId, reused: true, status: 'done', rowsOk: 48_500 });
      expect(await count()).toBe(before);
      const imports = await db('clue_import').where({ id: importId }).count<[{ count: string }]>('* as count');
      expect(Number(imports[0]?.count)).toBe(1);
      const newer = await db('clue')
        .where('id', '>', clueMax[0]?.max ?? '0')
        .where({ source: 3 })
        .count<[{ count: string }]>('* as count');
      expect(Number(newer[0]?.count)).toBe(0);
    });
  });
});
