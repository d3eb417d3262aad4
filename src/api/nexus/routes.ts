import { UnavailableError } from '../../domain/errors';
import { deleteNexusDeptWithUsers, saveNexusDept } from '../../domain/nexus/depts';
import { exchangeSsoToken } from '../../domain/nexus/sso';
import { httpSsoVerifier, type SsoVerifier } from '../../domain/nexus/sso-verifier';
import { deleteNexusUser, moveNexusUsers, saveNexusUser } from '../../domain/nexus/users';
import type { AppDeps } from '../app';
import { defineRoute, type RouteDefinition } from '../route';
import {
  DeleteDeptBody,
  DeletedDeptResult,
  DeletedUserResult,
  EmpNoBody,
  MoveUsersBody,
  MoveUsersResult,
  NexusDeptBody,
  NexusDeptResult,
  NexusUserBody,
  NexusUserResult,
  SsoBody,
  SsoResult,
} from './schemas';

const PREFIX = '/api-scrm/nexus';
const TAG = 'nexus';

const SIGNED =
  'Signed by the HR system (security scheme nexusSignature): HMAC-SHA256 with the shared secret over ' +
  '`<X-Nexus-Timestamp>\\n<raw body>`; a call outside ±5 minutes or received before is refused (401).';

/**
 * The HR system's ("Nexus") sync endpoints and its single sign-on. Sync calls name users by
 * employee number and departments by code, never by our ids, and are idempotent.
 */
export function nexusRoutes(deps: AppDeps): RouteDefinition[] {
  let verifier: SsoVerifier | undefined;
  const ssoVerifier = (): SsoVerifier => {
    const url = deps.config.NEXUS_SSO_VERIFY_URL;
    if (!url) throw new UnavailableError('Nexus single sign-on is not configured', 'NEXUS_SSO_NOT_CONFIGURED');
    verifier ??= httpSsoVerifier(url, deps.config.NEXUS_SSO_TIMEOUT_MS);
    return verifier;
  };
  return [
    defineRoute({
      method: 'POST',
      path: `${PREFIX}/user/create`,
      operationId: 'nexusCreateUser',
      seedOp: 'nexus.createUser',
      summary: 'Create the user of an employee (an existing employee number is updated instead)',
      description:
        `${SIGNED} A new user gets a random password nobody knows (they sign in by SSO) and no roles unless ` +
        '`roleKeys` names some. An employee number that already has a user is treated as updateUser, so a hire ' +
        'sent twice changes nothing the second time (`result` unchanged).',
      tag: TAG,
      auth: 'nexus',
      errors: [409],
      body: NexusUserBody,
      response: NexusUserResult,
      handle: ({ body }) => saveNexusUser(deps.db, body, 'create'),
    }),
    defineRoute({
      method: 'POST',
      path: `${PREFIX}/user/update`,
      operationId: 'nexusUpdateUser',
      seedOp: 'nexus.updateUser',
      summary: 'Update the user of an employee number (fields left out stay as they are)',
      description:
        `${SIGNED} Nothing is written when nothing differs. status 1 disables the user and stops their tokens at ` +
        'once; a new department or role set takes effect on the next request. 404 for an unknown employee number.',
      tag: TAG,
      auth: 'nexus',
      errors: [404, 409],
      body: NexusUserBody,
      response: NexusUserResult,
      handle: ({ body }) => saveNexusUser(deps.db, body, 'update'),
    }),
    defineRoute({
      method: 'POST',
      path: `${PREFIX}/user/deleteByEmpNo`,
      operationId: 'nexusDeleteUserByEmpNo',
      seedOp: 'nexus.deleteUserByEmpNo',
      summary: 'Delete (softly) the user of an employee number; their tokens stop at once',
      description: `${SIGNED} An unknown or already deleted employee answers deleted: false.`,
      tag: TAG,
      auth: 'nexus',
      errors: [409],
      body: EmpNoBody,
      response: DeletedUserResult,
      handle: ({ body }) => deleteNexusUser(deps.db, body.empNo),
    }),
    defineRoute({
      method: 'POST',
      path: `${PREFIX}/dept/save`,
      operationId: 'nexusSaveDept',
      seedOp: 'nexus.saveDept',
      summary: 'Create or update the department of a code',
      description: `${SIGNED} Nothing is written when nothing differs. A parent that is the department or below it is refused.`,
      tag: TAG,
      auth: 'nexus',
      body: NexusDeptBody,
      response: NexusDeptResult,
      handle: ({ body }) => saveNexusDept(deps.db, body),
    }),
    defineRoute({
      method: 'POST',
      path: `${PREFIX}/dept/deleteWithUsers`,
      operationId: 'nexusDeleteDeptWithUsers',
      seedOp: 'nexus.deleteDeptWithUsers',
      summary: 'Delete (softly) a department and its users in one transaction',
      description:
        `${SIGNED} A department with sub-departments is refused (409) unless includeSubDepts, which deletes the ` +
        'whole subtree and its users. Deleted users’ tokens stop at once. An unknown code answers deleted: false.',
      tag: TAG,
      auth: 'nexus',
      errors: [409],
      body: DeleteDeptBody,
      response: DeletedDeptResult,
      handle: ({ body }) => deleteNexusDeptWithUsers(deps.db, body.code, body.includeSubDepts),
    }),
    defineRoute({
      method: 'POST',
      path: `${PREFIX}/user/batchUpdateDept`,
      operationId: 'nexusBatchUpdateUserDept',
      seedOp: 'nexus.batchUpdateUserDept',
      summary: 'Move employees to a department, answering for each employee',
      description: `${SIGNED} One transaction; each employee is moved, unchanged (already there) or notFound.`,
      tag: TAG,
      auth: 'nexus',
      body: MoveUsersBody,
      response: MoveUsersResult,
      handle: ({ body }) => moveNexusUsers(deps.db, body.deptCode, body.empNos),
    }),
    defineRoute({
      method: 'POST',
      path: `${PREFIX}/sso`,
      operationId: 'nexusSso',
      seedOp: 'nexus.sso',
      summary: 'Sign in with the HR system’s token: our token comes back in the `token` header and in data',
      description:
        'Called by the browser of a user arriving from the HR system (no signature). The first exchange of an HR ' +
        'token asks Nexus (NEXUS_SSO_VERIFY_URL) whose it is and maps it to our session for 12 hours; within them ' +
        'the same HR token answers the same token (a fresh one once it expired or was revoked) without asking ' +
        'Nexus again, after them it is refused (401). An unknown, deleted or disabled employee is refused (401). ' +
        '503 when SSO is not configured or Nexus does not answer.',
      tag: TAG,
      auth: 'public',
      errors: [401, 503],
      body: SsoBody,
      response: SsoResult,
      handle: async ({ body }, ctx) => {
        const result = await exchangeSsoToken(deps.db, ssoVerifier(), body.token, {
          jwtSecret: deps.config.JWT_SECRET,
          ttlSeconds: deps.config.JWT_TTL_SECONDS,
        });
        ctx.koa.set('token', result.token);
        return result;
      },
    }),
  ];
}
