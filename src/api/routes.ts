import type { TSchema } from '@sinclair/typebox';
import { acqLinkRoutes } from './admin/acq-links/routes';
import { acqQuotaRoutes } from './admin/acq-links/quota-routes';
import { acqQrRoutes } from './admin/acq-qrs/routes';
import { acqStatsRoutes } from './admin/acq-stats/routes';
import { authRoutes } from './admin/auth/routes';
import { channelRoutes } from './admin/channels/routes';
import { chatGroupRoutes } from './admin/chat-groups/routes';
import { clueDetailRoutes } from './admin/clue-details/routes';
import { clueImportRoutes } from './admin/clue-imports/routes';
import { clueTagRoutes } from './admin/clue-tags/routes';
import { clueContactRoutes } from './admin/clues/contact-routes';
import { clueMergeRoutes } from './admin/clues/merge-routes';
import { clueRoutes } from './admin/clues/routes';
import { corpTagRoutes } from './admin/corp-tags/routes';
import { customerTagRoutes } from './admin/customer-tags/routes';
import { customerRoutes } from './admin/customers/routes';
import { customerTransferRoutes } from './admin/customer-transfers/routes';
import { deptRoutes } from './admin/depts/routes';
import { distributionPolicyRoutes } from './admin/distribution-policies/routes';
import { employeeRoutes } from './admin/employees/routes';
import { groupJoinQrRoutes } from './admin/group-join-qrs/routes';
import { groupRoutes } from './admin/groups/routes';
import { materialRoutes } from './admin/materials/routes';
import { partnerRoutes } from './admin/partners/routes';
import { menuRoutes } from './admin/menus/routes';
import { miniLinkRoutes } from './admin/mini-links/routes';
import { relationRoutes } from './admin/relations/routes';
import { roleRoutes } from './admin/roles/routes';
import { selfTagRoutes } from './admin/self-tags/routes';
import { syncRoutes } from './admin/syncs/routes';
import { userRoutes } from './admin/users/routes';
import { wecomDeptRoutes } from './admin/wecom-depts/routes';
import { userAvatarRoutes } from './admin/user-avatars/routes';
import type { AppDeps } from './app';
import { fileRoutes } from './files/routes';
import { nexusRoutes } from './nexus/routes';
import { openAcqLinkRoutes } from './open/acq-links/routes';
import { openClueRoutes } from './open/clues/routes';
import { openMiniLinkRoutes } from './open/mini-links/routes';
import { inputSchema } from './input-schema';
import { routePermission } from './permission-tree';
import type { RouteDefinition } from './route';
import { systemRoutes } from './system/routes';
import { wecomRoutes } from './wecom/routes';

/** The route table: every operation the API serves, and the source of the OpenAPI document. */
export function allRoutes(deps: AppDeps): RouteDefinition[] {
  const routes = [
    ...systemRoutes(deps),
    ...openClueRoutes(deps),
    ...openAcqLinkRoutes(deps),
    ...openMiniLinkRoutes(deps),
    ...authRoutes(deps),
    ...partnerRoutes(deps),
    ...distributionPolicyRoutes(deps),
    ...clueRoutes(deps),
    ...customerTransferRoutes(deps),
    ...clueImportRoutes(deps),
    ...clueContactRoutes(deps),
    ...clueMergeRoutes(deps),
    ...clueTagRoutes(deps),
    ...clueDetailRoutes(deps),
    ...wecomDeptRoutes(deps),
    ...employeeRoutes(deps),
    ...customerRoutes(deps),
    ...relationRoutes(deps),
    ...corpTagRoutes(deps),
    ...selfTagRoutes(deps),
    ...customerTagRoutes(deps),
    ...groupRoutes(deps),
    ...chatGroupRoutes(deps),
    ...wecomRoutes(deps),
    ...syncRoutes(deps),
    ...menuRoutes(deps),
    ...roleRoutes(deps),
    ...userAvatarRoutes(deps),
    ...fileRoutes(deps),
    ...nexusRoutes(deps),
    ...userRoutes(deps),
    ...deptRoutes(deps),
    ...channelRoutes(deps),
    ...acqLinkRoutes(deps),
    ...acqQuotaRoutes(deps),
    ...acqQrRoutes(deps),
    ...acqStatsRoutes(deps),
    ...materialRoutes(deps),
    ...groupJoinQrRoutes(deps),
    ...miniLinkRoutes(deps),
  ];
  return routes.map(withInputSchemas).map((route) => ({ ...route, permission: routePermission(route) }));
}

/** The route with the schemas its input is validated and documented with (see input-schema.ts). */
function withInputSchemas(route: RouteDefinition): RouteDefinition {
  const unknownFields = route.unknownFields ?? 'refuse';
  const prepare = <S extends TSchema>(schema: S | undefined) =>
    schema ? inputSchema(schema, unknownFields) : undefined;
  return { ...route, body: prepare(route.body), query: prepare(route.query), params: prepare(route.params) };
}
