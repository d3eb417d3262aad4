import type { EndpointBody, EndpointName, EndpointQuery, EndpointResponse, Envelope } from '../endpoints';
import { wecomEndpoints } from '../endpoints';
import type { CallbackSummary } from './control/emit';
import type { FaultInput } from './faults';

export interface CorpCredentialsAnswer {
  corpId: string;
  secret: string;
  agentId: number;
  callbackToken: string;
  encodingAesKey: string;
  generatedInMs: number;
}

export interface ActionAnswer<D = Record<string, unknown>> {
  action: string;
  done: D;
  callbacks: CallbackSummary[];
}

export class SimulatorControlError extends Error {
  override readonly name = 'SimulatorControlError';

  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`simulator control answered ${status}: ${JSON.stringify(body)}`);
  }
}

/**
 * A small typed client of a running simulator, for tests and scripts: the control API plus raw
 * WeCom calls that return the whole envelope (errcode included) instead of throwing.
 */
export class SimulatorClient {
  constructor(readonly baseUrl: string) {}

  async control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/control${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json()) as unknown;
    if (!response.ok) throw new SimulatorControlError(response.status, answer);
    return answer as T;
  }

  createCorp(input: Record<string, unknown> & { seed: number; customers: number }): Promise<CorpCredentialsAnswer> {
    return this.control('POST', '/corps', input);
  }

  deleteCorp(corpId: string): Promise<unknown> {
    return this.control('DELETE', `/corps/${corpId}`);
  }

  updateCorp(corpId: string, settings: Record<string, unknown>): Promise<unknown> {
    return this.control('PATCH', `/corps/${corpId}`, settings);
  }

  state<T = Record<string, unknown>>(corpId: string, sections?: string[]): Promise<T> {
    const query = sections ? `?sections=${sections.join(',')}` : '';
    return this.control('GET', `/corps/${corpId}/state${query}`);
  }

  stats<T = Record<string, unknown>>(corpId: string): Promise<T> {
    return this.control('GET', `/corps/${corpId}/stats`);
  }

  action<D = Record<string, unknown>>(corpId: string, name: string, body: Record<string, unknown>) {
    return this.control<ActionAnswer<D>>('POST', `/corps/${corpId}/actions/${name}`, body);
  }

  advanceClock(corpId: string, advanceSeconds: number) {
    return this.control<{ now: number; callbacks: CallbackSummary[] }>('POST', `/corps/${corpId}/clock`, {
      advanceSeconds,
    });
  }

  addFault(corpId: string, fault: FaultInput): Promise<unknown> {
    return this.control('POST', `/corps/${corpId}/faults`, fault);
  }

  clearFaults(corpId: string): Promise<unknown> {
    return this.control('DELETE', `/corps/${corpId}/faults`);
  }

  /** One WeCom call by endpoint name; the answer keeps errcode/errmsg. */
  async call<N extends EndpointName>(
    name: N,
    input: {
      accessToken?: string;
      query?: Partial<EndpointQuery<N>> | Record<string, string>;
      body?: EndpointBody<N> | unknown;
    },
  ): Promise<Envelope & Partial<EndpointResponse<N>>> {
    const endpoint = wecomEndpoints[name];
    const url = new URL(`${this.baseUrl}/cgi-bin/${endpoint.path}`);
    if (input.accessToken !== undefined) url.searchParams.set('access_token', input.accessToken);
    for (const [key, value] of Object.entries(input.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const response = await fetch(url, {
      method: endpoint.method,
      body: endpoint.method === 'POST' ? JSON.stringify(input.body ?? {}) : undefined,
    });
    return (await response.json()) as Envelope & Partial<EndpointResponse<N>>;
  }

  /** gettoken for a corp; throws when WeCom would refuse. */
  async token(corpId: string, secret: string): Promise<string> {
    const answer = await this.call('getToken', { query: { corpid: corpId, corpsecret: secret } });
    if (answer.errcode !== 0 || answer.access_token === undefined) {
      throw new Error(`gettoken failed: ${answer.errcode} ${answer.errmsg}`);
    }
    return answer.access_token;
  }
}
