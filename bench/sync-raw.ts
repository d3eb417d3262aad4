/**
 * The bare paging rate of the WeCom simulator: the same calls the customer sync makes
 * (get_follow_user_list, then batch/get_by_user per 100 employees, limit 100, following
 * next_cursor), with as many employee batches in flight as the sync's lanes, with nothing done
 * with the pages but counting them. No database, no Temporal, no WeCom client: what is left is HTTP, JSON and the
 * simulator itself, the most any sync through this simulator could reach on this machine.
 */

const EMPLOYEES_PER_BATCH = 100;
const PAGE_LIMIT = 100;

export interface RawPagingResult {
  seconds: number;
  /** batch/get_by_user pages. */
  pages: number;
  /** (customer, member) pairs, one per external_contact_list item. */
  pairs: number;
  /** Distinct external_userids among the pairs. */
  customers: number;
  followUsers: number;
  batches: number;
  /** Every HTTP call, the token and the follower list included. */
  calls: number;
}

interface Envelope {
  errcode: number;
  errmsg: string;
}

async function call<T extends object>(url: string, init: RequestInit | undefined, what: string): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status}`);
  const answer = (await response.json()) as Envelope & T;
  // A refused page would make the rate meaningless, so it stops the measurement.
  if (answer.errcode !== 0) throw new Error(`${what}: errcode ${answer.errcode} ${answer.errmsg}`);
  return answer;
}

export async function pageCorpRaw(
  apiBase: string,
  corpId: string,
  secret: string,
  lanes: number,
): Promise<RawPagingResult> {
  const started = performance.now();
  let calls = 0;
  const token = await call<{ access_token: string }>(
    `${apiBase}gettoken?corpid=${encodeURIComponent(corpId)}&corpsecret=${encodeURIComponent(secret)}`,
    undefined,
    'gettoken',
  );
  calls++;
  const auth = `access_token=${encodeURIComponent(token.access_token)}`;
  const { follow_user: followUsers } = await call<{ follow_user: string[] }>(
    `${apiBase}externalcontact/get_follow_user_list?${auth}`,
    undefined,
    'get_follow_user_list',
  );
  calls++;

  const pageUrl = `${apiBase}externalcontact/batch/get_by_user?${auth}`;
  const seen = new Set<string>();
  let pages = 0;
  let pairs = 0;
  let batches = 0;
  const batchesToPage: string[][] = [];
  for (let i = 0; i < followUsers.length; i += EMPLOYEES_PER_BATCH) {
    batchesToPage.push(followUsers.slice(i, i + EMPLOYEES_PER_BATCH));
  }
  const pageBatch = async (userids: string[]) => {
    batches++;
    let cursor = '';
    do {
      const page = await call<{
        external_contact_list: Array<{ external_contact: { external_userid: string } }>;
        next_cursor?: string;
      }>(
        pageUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userid_list: userids, cursor, limit: PAGE_LIMIT }),
        },
        'batch/get_by_user',
      );
      calls++;
      pages++;
      pairs += page.external_contact_list.length;
      for (const item of page.external_contact_list) seen.add(item.external_contact.external_userid);
      cursor = page.next_cursor ?? '';
    } while (cursor !== '');
  };
  const lane = async () => {
    for (let batch = batchesToPage.shift(); batch !== undefined; batch = batchesToPage.shift()) await pageBatch(batch);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return {
    seconds: (performance.now() - started) / 1000,
    pages,
    pairs,
    customers: seen.size,
    followUsers: followUsers.length,
    batches,
    calls,
  };
}
