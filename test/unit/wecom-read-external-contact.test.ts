import type { WecomApi } from '../../src/wecom/api';
import type { EndpointResponse } from '../../src/wecom/endpoints';
import { readExternalContact } from '../../src/wecom/read-external-contact';

type Answer = EndpointResponse<'getExternalContact'>;

const contact = { external_userid: 'wmPaged', name: '多跟进人客户', type: 1, gender: 0 } as Answer['external_contact'];
const follow = (userid: string) =>
  ({ userid, remark: '', description: '', createtime: 1_700_000_000, add_way: 1 }) as Answer['follow_user'][number];

/** A WecomApi whose externalcontact/get answers the given pages by query cursor, recording each query. */
function scriptedApi(pages: Record<string, { users: string[]; next?: string }>) {
  const queries: Array<Record<string, unknown>> = [];
  const api = {
    corpId: 'wwscripted',
    agentId: undefined,
    call: (name: string, input: { query?: Record<string, unknown> }) => {
      expect(name).toBe('getExternalContact');
      queries.push(input.query ?? {});
      const page = pages[String(input.query?.['cursor'] ?? '')];
      if (!page) return Promise.reject(new Error(`no page for ${JSON.stringify(input.query)}`));
      return Promise.resolve({
        external_contact: contact,
        follow_user: page.users.map(follow),
        ...(page.next === undefined ? {} : { next_cursor: page.next }),
      });
    },
  } as unknown as WecomApi;
  return { api, queries };
}

describe('readExternalContact', () => {
  it('follows the query-string cursor across pages and returns every follow user once', async () => {
    const { api, queries } = scriptedApi({
      '': { users: ['u1', 'u2'], next: 'c1' },
      c1: { users: ['u3', 'u2'], next: 'c2' },
      c2: { users: ['u4'], next: '' },
    });
    const read = await readExternalContact(api, 'wmPaged');
    expect(read.contact.external_userid).toBe('wmPaged');
    expect(read.followUsers.map((f) => f.userid)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(queries).toEqual([
      { external_userid: 'wmPaged' },
      { external_userid: 'wmPaged', cursor: 'c1' },
      { external_userid: 'wmPaged', cursor: 'c2' },
    ]);
  });

  it('stops when WeCom repeats a cursor instead of looping', async () => {
    const { api, queries } = scriptedApi({
      '': { users: ['u1'], next: 'again' },
      again: { users: ['u2'], next: 'again' },
    });
    const read = await readExternalContact(api, 'wmPaged');
    expect(read.followUsers.map((f) => f.userid)).toEqual(['u1', 'u2']);
    expect(queries).toHaveLength(2);
  });

  it('passes WeCom errors through unchanged', async () => {
    const { api } = scriptedApi({ '': { users: ['u1'], next: 'missing' } });
    await expect(readExternalContact(api, 'wmPaged')).rejects.toThrow('no page for');
  });
});
