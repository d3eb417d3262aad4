import type { CorpViewer, Viewer } from '../../db/queries/data-scope';
import type { AppDeps } from '../app';
import type { RequestContext } from '../route';
import { corpOf } from './corp';

/** The data scope of the signed-in admin, for queries that list or read rows owned by WeCom employees. */
export function viewerOf(ctx: RequestContext, deps: Pick<AppDeps, 'config'>): Viewer {
  const defaultCorpId = deps.config.WECOM_CORP_ID ?? null;
  const user = ctx.user;
  return {
    corpId: user?.corpId ?? defaultCorpId,
    defaultCorpId,
    // Admin routes always carry a user; without one nothing owned by anybody is visible.
    scope: user?.access.scope ?? { all: false, deptIds: [] },
    wecomUserid: user?.wecomUserid ?? null,
  };
}

/** viewerOf for a corp's mirrored rows: refused (409) when no WeCom corp is configured, as corpOf. */
export function corpViewerOf(ctx: RequestContext, deps: Pick<AppDeps, 'config'>): CorpViewer {
  return { ...viewerOf(ctx, deps), corpId: corpOf(ctx, deps) };
}
