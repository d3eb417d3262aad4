import type { MaterialDeps } from '../domain/materials/materials';
import { refreshMaterialsInUse } from '../domain/materials/media';
import { withWecomFailures } from './wecom-failures';

export function createMaterialActivities(deps: MaterialDeps & { maxRetryDelayMs: number }) {
  return {
    /** Re-uploads the media of the corp's materials that published links use and that expire soon. */
    async refreshMaterialMedia(input: { corpId: string }): Promise<{ refreshed: string[] }> {
      return withWecomFailures(
        async () => ({ refreshed: await refreshMaterialsInUse(deps, input.corpId) }),
        deps.maxRetryDelayMs,
      );
    },
  };
}

export type MaterialActivities = ReturnType<typeof createMaterialActivities>;
