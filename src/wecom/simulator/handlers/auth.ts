import { WecomError } from '../errors';
import type { HandlerTable } from './types';

export const authHandlers = {
  getToken: ({ corp, runtime }, { query }) => {
    if (query.corpsecret !== corp.credentials.secret) throw new WecomError(40001);
    const issued = runtime.tokens.issue(corp.corpId, corp.now());
    return { access_token: issued.token, expires_in: issued.expiresIn };
  },
  getJsapiTicket: ({ corp, runtime }) => {
    const { ticket, expiresIn } = runtime.jsapiTicket.get(corp.now());
    return { ticket, expires_in: expiresIn };
  },
  getAgentTicket: ({ corp, runtime }) => {
    const { ticket, expiresIn } = runtime.agentTicket.get(corp.now());
    return { ticket, expires_in: expiresIn };
  },
} satisfies Partial<HandlerTable>;
