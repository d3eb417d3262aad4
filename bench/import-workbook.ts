/**
 * Generates a clue-import spreadsheet in the template's layout with known bad and duplicate rows,
 * for the import test and benchmark. Phones are sequential from a random start, so a run's rows
 * never repeat each other (or, in practice, an earlier run's) except where a duplicate is planted.
 */
import { randomInt } from 'node:crypto';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';

export const IMPORT_HEADERS = ['姓名*', '手机号*', '邮箱', '微信', '地址', '备注', '标签', '落地页', '设备'];

export interface GeneratedWorkbook {
  bytes: Buffer;
  rows: number;
  /** Sheet row numbers of the rows the import must refuse. */
  badRows: number[];
  /** Sheet row numbers of the rows that repeat an earlier row's phone, with that row's number. */
  duplicates: Array<{ row: number; ofRow: number }>;
  /** Each data row's phone, by sheet row number. */
  phoneOfRow(row: number): string;
}

// One in 50 rows is refused (2%), one in 100 repeats the phone of the row ten above it (1%).
const BAD_EVERY = 50;
const BAD_AT = 7;
const DUPLICATE_EVERY = 100;
const DUPLICATE_AT = 33;
const DUPLICATE_BACK = 10;

const BAD_KINDS: Array<(cells: Array<string | number>) => void> = [
  (cells) => (cells[1] = '12345'),
  (cells) => (cells[0] = ''),
  (cells) => (cells[2] = 'not-an-email'),
  (cells) => (cells[8] = 'tablet'),
  (cells) => (cells[7] = 'www.example.com/no-scheme'),
];

export async function generateImportWorkbook(rows: number): Promise<GeneratedWorkbook> {
  const start = randomInt(0, 900_000_000);
  const phoneOfIndex = (i: number) => `15${String(start + i).padStart(9, '0')}`;
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => {
    output.on('end', resolve);
    output.on('error', reject);
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useSharedStrings: true, useStyles: false });
  const sheet = workbook.addWorksheet('线索');
  sheet.addRow(IMPORT_HEADERS).commit();
  const badRows: number[] = [];
  const duplicates: Array<{ row: number; ofRow: number }> = [];
  const phones: string[] = [];
  for (let i = 0; i < rows; i++) {
    const row = i + 2;
    const duplicate = i % DUPLICATE_EVERY === DUPLICATE_AT && i >= DUPLICATE_BACK;
    const phone = duplicate ? (phones[i - DUPLICATE_BACK] as string) : phoneOfIndex(i);
    phones.push(phone);
    const cells: Array<string | number> = [
      `客户${i}`,
      // Some phones as numbers, as Excel stores a column typed by hand.
      i % 3 === 0 ? Number(phone) : phone,
      `c${i}@example.com`,
      `wx_${i}`,
      `上海市浦东新区世纪大道${i % 1000}号`,
      '想了解企业版的报价',
      i % 2 === 0 ? '导入' : '',
      `https://www.example.com/landing/${i % 50}`,
      i % 2 === 0 ? 'pc' : 'mobile',
    ];
    if (i % BAD_EVERY === BAD_AT) {
      BAD_KINDS[((i / BAD_EVERY) % BAD_KINDS.length) | 0]!(cells);
      badRows.push(row);
    } else if (duplicate) {
      duplicates.push({ row, ofRow: row - DUPLICATE_BACK });
    }
    sheet.addRow(cells).commit();
  }
  sheet.commit();
  await workbook.commit();
  await done;
  return {
    bytes: Buffer.concat(chunks),
    rows,
    badRows,
    duplicates,
    phoneOfRow: (row) => phones[row - 2] as string,
  };
}
