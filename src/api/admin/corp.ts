import { ConflictError } from '../../domain/errors';
import type { AppDeps } from '../app';
import type { RequestContext } from '../route';

/** The WeCom corp an admin request works on: the user's own, else the installation's configured corp. */
export function corpOf(ctx: RequestContext, deps: Pick<AppDeps, 'config'>): string {
  const corpId = ctx.user?.corpId ?? deps.config.WECOM_CORP_ID;
  if (!corpId) throw new ConflictError('no WeCom corp is configured for this user', 'WECOM_CORP_MISSING');
  return corpId;
}
