import { authRoutes } from './admin/auth/routes';
import { chatGroupRoutes } from './admin/chat-groups/routes';
import { clueRoutes } from './admin/clues/routes';
import { corpTagRoutes } from './admin/corp-tags/routes';
import { customerTagRoutes } from './admin/customer-tags/routes';
import { customerRoutes } from './admin/customers/routes';
import { distributionPolicyRoutes } from './admin/distribution-policies/routes';
import { employeeRoutes } from './admin/employees/routes';
import { groupRoutes } from './admin/groups/routes';
import { partnerRoutes } from './admin/partners/routes';
import { relationRoutes } from './admin/relations/routes';
import { selfTagRoutes } from './admin/self-tags/routes';
import { wecomDeptRoutes } from './admin/wecom-depts/routes';
import type { AppDeps } from './app';
import { openClueRoutes } from './open/clues/routes';
import type { RouteDefinition } from './route';
import { systemRoutes } from './system/routes';
import { wecomRoutes } from './wecom/routes';

/** The route table: every operation the API serves, and the source of the OpenAPI document. */
export function allRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    ...systemRoutes(deps),
    ...openClueRoutes(deps),
    ...authRoutes(deps),
    ...partnerRoutes(deps),
    ...distributionPolicyRoutes(deps),
    ...clueRoutes(deps),
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
  ];
}
