import type { Db } from '../../db/knex';
import {
  finishAcqPublish,
  findAcqLinkForPublish,
  findAcqPublishState,
  listAcqRulesForPublish,
  setLinkWecomObject,
  setRuleWecomObject,
  type AcqLinkRow,
  type AcqRuleRow,
  type WecomObjectRef,
} from '../../db/queries/acq-links';
import { QR_KIND, type AcqQrRow } from '../../db/queries/acq-qrs';
import type { WecomApi } from '../../wecom/api';
import { isTokenRejectedErrcode, WecomApiError } from '../../wecom/errors';
import { withKeyLocks } from '../refuse-duplicates';
import { ACQ_LINK_PUBLISHED } from './acq-links';
import { publishAcqQrLocked } from './publish-acq-qr';

/** WeCom's answers for a config_id / link_id it no longer has: the object is gone already. */
const CONTACT_WAY_GONE = 41044;
const LINK_GONE = 40058;

const NO_OBJECT: WecomObjectRef = { kind: null, configLinkId: null, qrCode: null, linkUrl: null };

export interface PublishOutcome {
  /** The generation this run brought WeCom to. */
  generation: number;
  /** Set when WeCom refused for good: the link is now status 2 with this reason. */
  failure: string | null;
  /** The link was saved again meanwhile: another run must follow. */
  behind: boolean;
  /** A multi-person channel QR code's next working-window edge (epoch ms): run again then. */
  nextCheckAt?: number | null;
}

/** A refusal retrying cannot fix (a member not activated, no permission…); the rest is retried. */
function isPermanent(error: unknown): error is WecomApiError {
  return error instanceof WecomApiError && !error.retryable && !isTokenRejectedErrcode(error.errcode);
}

const withChannel = (url: string, state: string) =>
  `${url}${url.includes('?') ? '&' : '?'}customer_channel=${encodeURIComponent(state)}`;

/**
 * Brings WeCom to what the link's row says now, whatever happened before: each live rule of a
 * published link has its own single-person contact way (getType qr) or acquisition link (link),
 * the link has its WeCom acquisition link over its range (the fallback when no rule is open), and
 * everything else the link once had in WeCom is deleted. Each WeCom answer is stored as soon as
 * it arrives, so a crash or retry resumes without creating a second object. Runs one at a time per
 * link (an advisory lock), so two runs never race on one WeCom object.
 */
export async function publishAcqLink(db: Db, wecom: WecomApi, linkId: string): Promise<PublishOutcome> {
  return withKeyLocks(db, [['acq-link-publish', linkId]], async () => {
    const link = await findAcqLinkForPublish(db, linkId);
    if (!link) return { generation: 0, failure: null, behind: false };
    // Channel QR codes are acq_link rows too and share this lock, workflow and sweep.
    if (link.kind === QR_KIND) return publishAcqQrLocked(db, wecom, link as AcqQrRow);
    const generation = link.generation;
    const wantLive = link.is_del === 0 && link.status === ACQ_LINK_PUBLISHED;
    const rules = await listAcqRulesForPublish(db, linkId);
    let failure: string | null = null;
    try {
      for (const rule of rules) await reconcileRule(db, wecom, link, rule, wantLive && rule.is_del === 0);
      await reconcileLinkLevel(db, wecom, link, rules, wantLive);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      failure = `企业微信拒绝了发布：${error.errcode} ${error.errmsg}`.slice(0, 1000);
    }
    await finishAcqPublish(db, linkId, generation, failure);
    const now = await findAcqPublishState(db, linkId);
    return { generation, failure, behind: (now?.generation ?? generation) > generation };
  });
}

async function reconcileRule(db: Db, wecom: WecomApi, link: AcqLinkRow, rule: AcqRuleRow, wanted: boolean) {
  const current: WecomObjectRef = {
    kind: rule.wecom_kind,
    configLinkId: rule.config_link_id,
    qrCode: rule.qr_code,
    linkUrl: rule.link_url,
  };
  if (current.configLinkId && (!wanted || current.kind !== rule.get_type)) {
    await deleteObject(wecom, current);
    await setRuleWecomObject(db, rule.id, NO_OBJECT);
    current.configLinkId = null;
  }
  if (!wanted) return;
  const next =
    rule.get_type === 'link'
      ? await putRuleLink(wecom, link, rule, current)
      : await putContactWay(wecom, link, rule, current);
  await setRuleWecomObject(db, rule.id, next);
}

/** A single-person 「联系我」 QR code for the rule's employee, carrying the rule's state. */
async function putContactWay(
  wecom: WecomApi,
  link: AcqLinkRow,
  rule: AcqRuleRow,
  current: WecomObjectRef,
): Promise<WecomObjectRef> {
  const fields = {
    user: [rule.user_id],
    state: rule.state,
    skip_verify: link.skip_verify,
    remark: [...link.link_name].slice(0, 30).join(''),
  };
  if (current.configLinkId) {
    try {
      await wecom.call('updateContactWay', { body: { config_id: current.configLinkId, ...fields } });
      return { ...current, kind: 'qr' };
    } catch (error) {
      if (!(error instanceof WecomApiError && error.errcode === CONTACT_WAY_GONE)) throw error;
    }
  }
  const created = await wecom.call('addContactWay', { body: { type: 1, scene: 2, ...fields } });
  return { kind: 'qr', configLinkId: created.config_id, qrCode: created.qr_code ?? null, linkUrl: null };
}

/** A single-user acquisition link for the rule's employee; the rule's state rides on customer_channel. */
async function putRuleLink(
  wecom: WecomApi,
  link: AcqLinkRow,
  rule: AcqRuleRow,
  current: WecomObjectRef,
): Promise<WecomObjectRef> {
  const fields = { link_name: link.link_name, range: { user_list: [rule.user_id] }, skip_verify: link.skip_verify };
  if (current.configLinkId && (await linkStillExists(wecom, current.configLinkId))) {
    const url = await updateLink(wecom, current.configLinkId, fields);
    return { kind: 'link', configLinkId: current.configLinkId, qrCode: null, linkUrl: withChannel(url, rule.state) };
  }
  const created = await wecom.call('createAcquisitionLink', { body: fields });
  return {
    kind: 'link',
    configLinkId: created.link.link_id,
    qrCode: null,
    linkUrl: withChannel(created.link.url, rule.state),
  };
}

/** The link's own WeCom acquisition link: its range, or its rules' employees when it names none. */
async function reconcileLinkLevel(db: Db, wecom: WecomApi, link: AcqLinkRow, rules: AcqRuleRow[], wantLive: boolean) {
  const liveRuleUsers = [...new Set(rules.filter((r) => r.is_del === 0).map((r) => r.user_id))];
  const userList = link.user_list.length + link.department_list.length > 0 ? link.user_list : liveRuleUsers;
  if (!wantLive || userList.length + link.department_list.length === 0) {
    if (link.wecom_link_id) {
      await deleteObject(wecom, { ...NO_OBJECT, kind: 'link', configLinkId: link.wecom_link_id });
      await setLinkWecomObject(db, link.id, { wecomLinkId: null, url: null });
    }
    return;
  }
  const fields = {
    link_name: link.link_name,
    range: { user_list: userList, department_list: link.department_list.map(Number) },
    skip_verify: link.skip_verify,
    ...(link.priority_type
      ? {
          priority_option: {
            priority_type: link.priority_type,
            ...(link.priority_type === 2 ? { priority_userid_list: link.priority_userid_list } : {}),
          },
        }
      : {}),
  };
  if (link.wecom_link_id && (await linkStillExists(wecom, link.wecom_link_id))) {
    const url = await updateLink(wecom, link.wecom_link_id, fields);
    await setLinkWecomObject(db, link.id, { wecomLinkId: link.wecom_link_id, url });
    return;
  }
  const created = await wecom.call('createAcquisitionLink', { body: fields });
  await setLinkWecomObject(db, link.id, { wecomLinkId: created.link.link_id, url: created.link.url });
}

async function linkStillExists(wecom: WecomApi, linkId: string): Promise<boolean> {
  try {
    await wecom.call('getAcquisitionLink', { body: { link_id: linkId } });
    return true;
  } catch (error) {
    if (error instanceof WecomApiError && error.errcode === LINK_GONE) return false;
    throw error;
  }
}

/** Updates a WeCom acquisition link and answers its URL (which update_link does not return). */
async function updateLink(
  wecom: WecomApi,
  linkId: string,
  fields: { link_name: string; range: { user_list: string[]; department_list?: number[] }; skip_verify: boolean },
): Promise<string> {
  await wecom.call('updateAcquisitionLink', { body: { link_id: linkId, ...fields } });
  return (await wecom.call('getAcquisitionLink', { body: { link_id: linkId } })).link.url;
}

/** Deletes a contact way or acquisition link; one WeCom no longer has counts as deleted. */
async function deleteObject(wecom: WecomApi, ref: WecomObjectRef): Promise<void> {
  if (!ref.configLinkId) return;
  try {
    if (ref.kind === 'link') await wecom.call('deleteAcquisitionLink', { body: { link_id: ref.configLinkId } });
    else await wecom.call('delContactWay', { body: { config_id: ref.configLinkId } });
  } catch (error) {
    const gone = ref.kind === 'link' ? LINK_GONE : CONTACT_WAY_GONE;
    if (!(error instanceof WecomApiError && error.errcode === gone)) throw error;
  }
}
