import { UnauthorizedError, UnavailableError } from '../errors';

/** Asks the HR system whose token this is; resolves to the employee number. */
export interface SsoVerifier {
  verify(hrToken: string): Promise<string>;
}

const REFUSALS = new Set([400, 401, 403, 404]);

function empNoOf(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const record = answer as Record<string, unknown>;
  const direct = record['empNo'] ?? record['emp_no'];
  if (typeof direct === 'string' && direct.trim() !== '') return direct.trim();
  return 'data' in record ? empNoOf(record['data']) : undefined;
}

/**
 * The HR system's verify endpoint, the one outbound call of the Nexus integration:
 * POST <url> with JSON {"token": "<HR token>"}. A 2xx answer whose JSON carries the employee number
 * as `empNo` (or `emp_no`), at the top level or under `data`, accepts the token; 400/401/403/404,
 * or a 2xx without an employee number, refuses it (401). Anything else (other statuses, no answer
 * within `timeoutMs`, no JSON) is the HR system being unavailable (503).
 */
export function httpSsoVerifier(url: string, timeoutMs: number): SsoVerifier {
  return {
    async verify(hrToken) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ token: hrToken }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        const timedOut = (error as { name?: string }).name === 'TimeoutError';
        const what = timedOut ? `did not answer within ${timeoutMs} ms` : 'is unreachable';
        throw new UnavailableError(`the Nexus SSO endpoint ${what}`, 'NEXUS_UNAVAILABLE', 5);
      }
      if (REFUSALS.has(response.status)) {
        throw new UnauthorizedError('Nexus does not accept this token', 'NEXUS_SSO_TOKEN_REJECTED');
      }
      if (response.status < 200 || response.status > 299) {
        throw new UnavailableError(`the Nexus SSO endpoint answered ${response.status}`, 'NEXUS_UNAVAILABLE', 5);
      }
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        throw new UnavailableError('the Nexus SSO endpoint answered without JSON', 'NEXUS_UNAVAILABLE', 5);
      }
      const empNo = empNoOf(answer);
      if (!empNo) throw new UnauthorizedError('Nexus does not accept this token', 'NEXUS_SSO_TOKEN_REJECTED');
      return empNo;
    },
  };
}
