import { authRoutes } from './admin/auth/routes';
import { clueRoutes } from './admin/clues/routes';
import { distributionPolicyRoutes } from './admin/distribution-policies/routes';
import { partnerRoutes } from './admin/partners/routes';
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
    ...wecomRoutes(deps),
  ];
}
