import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the HR system's ("Nexus") token verify endpoint, as the SSO exchange calls
 * it: POST {"token"} answered 200 {code, data: {empNo}} for a token it knows, 401 otherwise.
 * Tokens starting with `slow-` are answered only after `slowMs` (longer than the API's timeout).
 */
export interface NexusStandIn {
  verifyUrl: string;
  /** HR token → employee number. */
  tokens: Map<string, string>;
  /** Every token asked about, in order. */
  calls: string[];
  stop(): Promise<void>;
}

export async function startNexusStandIn(slowMs = 3000): Promise<NexusStandIn> {
  const tokens = new Map<string, string>();
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/sso/verify') return answer(404, { code: 404, msg: 'not found' });
      let token: unknown;
      try {
        token = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { token?: unknown }).token;
      } catch {
        return answer(400, { code: 400, msg: 'bad json' });
      }
      if (typeof token !== 'string') return answer(400, { code: 400, msg: 'token required' });
      calls.push(token);
      const reply = () => {
        const empNo = tokens.get(token);
        if (empNo === undefined) answer(401, { code: 401, msg: 'token invalid or expired' });
        else answer(200, { code: 200, msg: 'ok', data: { empNo, name: 'HR user' } });
      };
      if (token.startsWith('slow-')) setTimeout(reply, slowMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    verifyUrl: `http://127.0.0.1:${port}/sso/verify`,
    tokens,
    calls,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
