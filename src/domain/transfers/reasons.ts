// What an admin reads about each customer of a transfer, in Chinese. Free of I/O: the workflow
// side and the API both use it.

/** Local checks that keep a customer from being sent to WeCom (customer_transfer_item.check_result). */
export const CHECK_REASONS = {
  CUSTOMER_NOT_FOUND: '客户不存在或不在您的数据范围内',
  NO_RELATION: '交接成员不是该客户的有效跟进人',
  HANDOVER_AMBIGUOUS: '该客户有多名跟进人，请指定交接成员',
  HANDOVER_OUT_OF_SCOPE: '交接成员不在您的数据范围内',
  SAME_MEMBER: '接替成员与交接成员相同',
  TOO_OFTEN: '该客户90天内已转接2次，企业微信不允许再次转接',
  ALREADY_TRANSFERRING: '该客户已在转接中，请等待结果',
} as const;
export type CheckResult = keyof typeof CHECK_REASONS;

const ERRCODE_REASONS: Record<number, string> = {
  40096: '企业微信中不存在该客户',
  40099: '接替成员的客户数已达上限',
  40100: '该客户已在转接流程中',
  40128: '该客户90天内已转接2次，企业微信拒绝再次转接',
  40129: '该客户已在转接流程中',
  40130: '接替成员与交接成员相同',
  40131: '交接成员不是该客户的跟进人',
  41054: '接替成员未激活',
  60111: '成员不存在',
};

/** Why WeCom's transfer_customer did not start a customer's transfer. */
export function errcodeReason(errcode: number): string {
  return ERRCODE_REASONS[errcode] ?? `企业微信拒绝转接（错误码 ${errcode}）`;
}

const STATUS_REASONS: Record<number, string> = {
  1: '转接成功',
  2: '等待客户接替（客户可在24小时内拒绝，之后自动接替）',
  3: '客户拒绝了转接，仍由原跟进人跟进',
  4: '接替成员的客户数已达上限，仍由原跟进人跟进',
  5: '企业微信无此转接记录，仍由原跟进人跟进',
};

/** transfer_result status: 1 done, 2 waiting, 3 refused, 4 takeover at its limit, 5 no record. */
export function statusReason(status: number): string {
  return STATUS_REASONS[status] ?? `企业微信返回未知状态 ${status}`;
}

/** Statuses after which WeCom changes nothing more (unknown values too: treated as opaque and final). */
export const isFinalStatus = (status: number): boolean => status !== 2;
