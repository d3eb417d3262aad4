import { proxyActivities } from '@temporalio/workflow';
import type { MaterialActivities } from '../activities/materials';

const { refreshMaterialMedia } = proxyActivities<MaterialActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/**
 * One pass of the per-corp refresh schedule: WeCom temporary media live 3 days, so the materials
 * that published links send are re-uploaded before theirs expire (materials nothing uses are left
 * to expire and re-uploaded on their next use).
 */
export async function refreshMaterialMediaWorkflow(input: { corpId: string }): Promise<{ refreshed: string[] }> {
  return refreshMaterialMedia(input);
}
