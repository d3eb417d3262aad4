import { createHash } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, testDb } from '../helpers/factories';
import { call } from '../helpers/http';
import { createSimulatedCorp, simulatorUrl } from '../helpers/wecom';

interface Signed {
  corpId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

/** Asks WeCom (the simulator) for a ticket the way any WeCom client would. */
async function wecomTicket(corpId: string, secret: string, path: string): Promise<string> {
  const token = (await (
    await fetch(`${simulatorUrl}/cgi-bin/gettoken?corpid=${corpId}&corpsecret=${secret}`)
  ).json()) as { access_token: string };
  const answer = (await (
    await fetch(`${simulatorUrl}/cgi-bin/${path}${path.includes('?') ? '&' : '?'}access_token=${token.access_token}`)
  ).json()) as { errcode: number; ticket: string };
  expect(answer.errcode).toBe(0);
  return answer.ticket;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe('JS-SDK config [wecom.jsConfig]', () => {
  let db: Db;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => db.destroy());

  it('signs wx.config with the corp ticket and wx.agentConfig with the app ticket, ignoring the #fragment', async () => {
    const corp = await createSimulatedCorp(db, { seed: 41, customers: 10 });
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    const url = 'https://h5.example.com/sidebar?customer=1#/detail';
    const response = await call<{ config: Signed; agentConfig: Signed & { agentId: number } }>(
      sharedApiUrl,
      'POST',
      '/admin/wecom/jsConfig',
      { token: admin.token, body: { url } },
    );
    expect(response.status).toBe(200);
    const { config, agentConfig } = response.body.data;
    const signedUrl = 'https://h5.example.com/sidebar?customer=1';
    const corpTicket = await wecomTicket(corp.corpId, corp.secret, 'get_jsapi_ticket');
    const appTicket = await wecomTicket(corp.corpId, corp.secret, 'ticket/get?type=agent_config');
    expect(config.corpId).toBe(corp.corpId);
    expect(config.signature).toBe(
      sha1(`jsapi_ticket=${corpTicket}&noncestr=${config.nonceStr}&timestamp=${config.timestamp}&url=${signedUrl}`),
    );
    expect(agentConfig.agentId).toBe(corp.agentId);
    expect(agentConfig.signature).toBe(
      sha1(
        `jsapi_ticket=${appTicket}&noncestr=${agentConfig.nonceStr}&timestamp=${agentConfig.timestamp}&url=${signedUrl}`,
      ),
    );
  });

  it('refuses a URL that is not http(s) and a user without a corp', async () => {
    const corp = await createSimulatedCorp(db, { seed: 42, customers: 10 });
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    const bad = await call(sharedApiUrl, 'POST', '/admin/wecom/jsConfig', {
      token: admin.token,
      body: { url: 'ftp://x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.msg).toContain('url');
    const noCorp = await createAdmin(db, sharedApiUrl);
    const refused = await call(sharedApiUrl, 'POST', '/admin/wecom/jsConfig', {
      token: noCorp.token,
      body: { url: 'https://h5.example.com/' },
    });
    expect(refused.status).toBe(409);
  });
});
