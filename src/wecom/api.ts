import type { EndpointBody, EndpointName, EndpointQuery, EndpointResponse } from './endpoints';

/** What callers need of WeCom: one typed call per endpoint of the table (errcode ≠ 0 throws WecomApiError). */
export interface WecomApi {
  readonly corpId: string;
  readonly agentId: number | undefined;
  /** Cached JS-SDK tickets: the corp's (wx.config) and the app's (wx.agentConfig). */
  getJsapiTicket(): Promise<string>;
  getAgentTicket(): Promise<string>;
  call<N extends EndpointName>(
    name: N,
    input: { query?: EndpointQuery<N>; body?: EndpointBody<N> },
  ): Promise<EndpointResponse<N>>;
}

/** Resolves the client of one corp (credentials from wecom_corp); NotFoundError when the corp is unknown. */
export type WecomApiFactory = (corpId: string) => Promise<WecomApi>;
