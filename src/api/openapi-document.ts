import type { AppDeps } from './app';
import { buildOpenApiDocument } from './openapi';
import { allRoutes } from './routes';

/**
 * The OpenAPI document without a running app: route definitions only touch their dependencies
 * inside handlers, so placeholder dependencies are enough to list them.
 */
export function currentOpenApiDocument() {
  return buildOpenApiDocument(allRoutes({} as AppDeps));
}
