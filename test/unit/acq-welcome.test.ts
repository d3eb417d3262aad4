import type { AcqLinkRow } from '../../src/db/queries/acq-links';
import { sendAcqWelcome, WelcomeRetryableError, type AcqAdd } from '../../src/domain/acquisition/acq-adds';
import type { MaterialDeps } from '../../src/domain/materials/materials';
import type { WecomApi } from '../../src/wecom/api';
import { WecomApiError, WecomNetworkError } from '../../src/wecom/errors';

const ADDED_AT = new Date('2026-12-03T08:00:00Z');
// The link has no materials, so the material helpers never touch these.
const deps = {} as MaterialDeps;

function addWith(link: Partial<AcqLinkRow> = {}, welcomeCode: string | null = 'CODE'): AcqAdd {
  return {
    corpId: 'corp',
    link: { id: '1', is_send_welcome: 1, welcome_content: '欢迎', media_ids: [], cst_tags: [], ...link } as AcqLinkRow,
    ruleId: null,
    state: 'ql1',
    changeType: 'add_external_contact',
    userid: 'u',
    externalUserid: 'wm1',
    welcomeCode,
    addedAt: ADDED_AT,
  };
}

function apiAnswering(answer: () => unknown): { api: WecomApi; calls: unknown[] } {
  const calls: unknown[] = [];
  const api = {
    corpId: 'corp',
    call: (name: string, input: unknown) => {
      calls.push({ name, input });
      return Promise.resolve().then(answer);
    },
  } as unknown as WecomApi;
  return { api, calls };
}

const failing = (errcode: number) => () => {
  throw new WecomApiError({ errcode, errmsg: 'x', path: 'externalcontact/send_welcome_msg' });
};
const at = (ms: number) => () => new Date(ADDED_AT.getTime() + ms);

describe('the welcome of an acquisition add', () => {
  it('sends the text with the code while the code lives', async () => {
    const { api, calls } = apiAnswering(() => ({}));
    expect(await sendAcqWelcome(deps, api, addWith(), at(19_000))).toEqual({ status: 'sent', errcode: null });
    expect(calls).toEqual([
      {
        name: 'sendWelcomeMessage',
        input: { body: { welcome_code: 'CODE', text: { content: '欢迎' }, attachments: [] } },
      },
    ]);
  });

  it('does not call WeCom once the 20 s are over', async () => {
    const { api, calls } = apiAnswering(() => ({}));
    expect(await sendAcqWelcome(deps, api, addWith(), at(20_000))).toEqual({ status: 'expired', errcode: null });
    expect(calls).toEqual([]);
  });

  it('sends nothing when the link sends no welcome, has none to send or the event carried no code', async () => {
    const { api, calls } = apiAnswering(() => ({}));
    expect(await sendAcqWelcome(deps, api, addWith({ is_send_welcome: 0 }), at(0))).toBeNull();
    expect(await sendAcqWelcome(deps, api, addWith({ welcome_content: null }), at(0))).toBeNull();
    expect(await sendAcqWelcome(deps, api, addWith({}, null), at(0))).toBeNull();
    expect(calls).toEqual([]);
  });

  it('records 41051 as already sent and 41049 as expired, never to retry', async () => {
    expect(await sendAcqWelcome(deps, apiAnswering(failing(41051)).api, addWith(), at(0))).toEqual({
      status: 'already_sent',
      errcode: 41051,
    });
    expect(await sendAcqWelcome(deps, apiAnswering(failing(41049)).api, addWith(), at(0))).toEqual({
      status: 'expired',
      errcode: 41049,
    });
    expect(await sendAcqWelcome(deps, apiAnswering(failing(40058)).api, addWith(), at(0))).toEqual({
      status: 'failed',
      errcode: 40058,
    });
  });

  it('asks for a retry on 41096, -1 and network errors', async () => {
    await expect(sendAcqWelcome(deps, apiAnswering(failing(41096)).api, addWith(), at(0))).rejects.toBeInstanceOf(
      WelcomeRetryableError,
    );
    await expect(sendAcqWelcome(deps, apiAnswering(failing(-1)).api, addWith(), at(0))).rejects.toBeInstanceOf(
      WelcomeRetryableError,
    );
    const network = new WecomNetworkError('reset', { path: 'externalcontact/send_welcome_msg' });
    await expect(
      sendAcqWelcome(
        deps,
        apiAnswering(() => {
          throw network;
        }).api,
        addWith(),
        at(0),
      ),
    ).rejects.toBe(network);
  });
});
