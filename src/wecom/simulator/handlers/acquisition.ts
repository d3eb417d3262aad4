import type { EndpointBody, EndpointResponse } from '../../endpoints';
import { decodeCursor, encodeCursor, maxPageOf } from '../cursor';
import { WecomError } from '../errors';
import type { SimAcquisitionLink, SimCorp } from '../state';
import type { HandlerTable } from './types';

const MAX_RANGE = 500;
const MAX_LINKS = 10_000;

type Range = EndpointBody<'createAcquisitionLink'>['range'];
type PriorityOption = NonNullable<EndpointBody<'createAcquisitionLink'>['priority_option']>;

function checkRange(corp: SimCorp, range: Range): { users: string[]; departments: number[] } {
  const users = range.user_list ?? [];
  const departments = range.department_list ?? [];
  if (users.length + departments.length === 0) throw new WecomError(40058, 'range is empty');
  if (users.length > MAX_RANGE || departments.length > MAX_RANGE) throw new WecomError(40058, 'range too large');
  for (const userid of users) if (!corp.employee(userid)) throw new WecomError(40003);
  for (const id of departments) if (!corp.departments.has(id)) throw new WecomError(60123);
  return { users: [...users], departments: [...departments] };
}

function checkPriority(corp: SimCorp, option: PriorityOption | undefined): PriorityOption | undefined {
  if (option === undefined) return undefined;
  if (option.priority_type !== 1 && option.priority_type !== 2) throw new WecomError(40058, 'invalid priority_type');
  if (option.priority_type === 2) {
    const list = option.priority_userid_list ?? [];
    if (list.length === 0 || list.length > 1000) throw new WecomError(40058, 'invalid priority_userid_list');
    for (const userid of list) if (!corp.employee(userid)) throw new WecomError(40003);
  }
  return { ...option, priority_userid_list: option.priority_userid_list && [...option.priority_userid_list] };
}

export function requireLink(corp: SimCorp, linkId: string): SimAcquisitionLink {
  const link = corp.links.get(linkId);
  if (!link) throw new WecomError(40058, 'invalid link_id');
  return link;
}

export const acquisitionHandlers = {
  createAcquisitionLink: ({ corp }, { body }) => {
    if (corp.links.size >= MAX_LINKS) throw new WecomError(41095);
    const { users, departments } = checkRange(corp, body.range);
    const linkId = `cawcde${corp.newHex(10)}`;
    const link: SimAcquisitionLink = {
      linkId,
      name: body.link_name,
      url: `https://work.weixin.qq.com/ca/${linkId}`,
      createTime: corp.now(),
      skipVerify: body.skip_verify ?? true,
      userList: users,
      departmentList: departments,
      priorityOption: checkPriority(corp, body.priority_option),
      markSource: body.mark_source ?? true,
    };
    corp.links.set(linkId, link);
    return { link: { link_id: linkId, link_name: link.name, url: link.url, create_time: link.createTime } };
  },

  getAcquisitionLink: ({ corp }, { body }) => {
    const link = requireLink(corp, body.link_id);
    const out: EndpointResponse<'getAcquisitionLink'> = {
      link: { link_name: link.name, url: link.url, create_time: link.createTime, skip_verify: link.skipVerify },
      range: { user_list: [...link.userList], department_list: [...link.departmentList] },
    };
    if (link.priorityOption) out.priority_option = link.priorityOption;
    return out;
  },

  updateAcquisitionLink: ({ corp }, { body }) => {
    const link = requireLink(corp, body.link_id);
    const range = body.range === undefined ? undefined : checkRange(corp, body.range);
    const priority = checkPriority(corp, body.priority_option);
    if (body.link_name !== undefined) {
      if (body.link_name === '') throw new WecomError(40058, 'link_name is empty');
      link.name = body.link_name;
    }
    if (range) {
      link.userList = range.users;
      link.departmentList = range.departments;
    }
    if (body.skip_verify !== undefined) link.skipVerify = body.skip_verify;
    if (priority) link.priorityOption = priority;
    if (body.mark_source !== undefined) link.markSource = body.mark_source;
    return {};
  },

  deleteAcquisitionLink: ({ corp }, { body }) => {
    corp.links.delete(requireLink(corp, body.link_id).linkId);
    return {};
  },

  getAcquisitionQuota: ({ corp }) => {
    const quota = corp.acquisitionQuota;
    return {
      total: quota.total,
      balance: quota.balance,
      quota_list: quota.quotaList.map((q) => ({ expire_date: q.expireDate, balance: q.balance })),
    };
  },

  listAcquisitionLinks: ({ corp }, { body }) => {
    const limit = Math.min(body.limit ?? maxPageOf('listAcquisitionLinks'), maxPageOf('listAcquisitionLinks'));
    const [offset = 0] = body.cursor ? decodeCursor('ll', body.cursor, 1) : [];
    const ids = [...corp.links.keys()];
    const link_id_list = ids.slice(offset, offset + limit);
    const next_cursor = offset + limit < ids.length ? encodeCursor('ll', [offset + limit]) : '';
    return { link_id_list, next_cursor };
  },
} satisfies Partial<HandlerTable>;
