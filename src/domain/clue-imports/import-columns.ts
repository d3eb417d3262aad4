import type { ManualClueInput } from '../clues/create-clue';

export type ImportField = keyof Omit<ManualClueInput, 'ownerUserid' | 'ownerName'>;

export interface ImportColumn {
  /** The header of the template, as the user reads it. */
  header: string;
  field: ImportField;
  required: boolean;
  width: number;
}

/** The template's columns, in order: the clue.create fields an admin can fill in a spreadsheet. */
export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  { header: '姓名', field: 'linkManName', required: true, width: 14 },
  { header: '手机号', field: 'linkManTel', required: true, width: 18 },
  { header: '邮箱', field: 'email', required: false, width: 24 },
  { header: '微信', field: 'wechat', required: false, width: 16 },
  { header: '地址', field: 'address', required: false, width: 30 },
  { header: '备注', field: 'remark', required: false, width: 30 },
  { header: '标签', field: 'tag', required: false, width: 12 },
  { header: '落地页', field: 'landPage', required: false, width: 36 },
  { header: '设备', field: 'device', required: false, width: 10 },
];

/** What a header cell may carry besides the column name: a required mark, a hint in brackets. */
const HEADER_DECORATION = /[*＊]|[（(][^）)]*[）)]/g;

/** The column a header cell names, or undefined for a column the import does not read. */
export function columnOfHeader(text: string): ImportColumn | undefined {
  const name = text.replace(HEADER_DECORATION, '').replace(/\s+/g, '');
  return IMPORT_COLUMNS.find((column) => column.header === name);
}

/** The header as the template writes it: required columns marked with *. */
export const templateHeader = (column: ImportColumn): string => (column.required ? `${column.header}*` : column.header);

export const headerOfField = (field: string): string =>
  IMPORT_COLUMNS.find((column) => column.field === field)?.header ?? field;
