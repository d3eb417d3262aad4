import type { Executor } from '../../db/knex';
import { findChannelType } from '../../db/queries/acq-channels';
import { findCorpTags } from '../../db/queries/corp-tags';
import { listDeptsByDeptIds } from '../../db/queries/wecom-depts';
import { liveEmployeeUserids } from '../../db/queries/wecom-employees';
import type { EmployeeReference } from '../employee-references';
import type { ProblemList } from '../errors';
import { requireMaterials } from '../materials/materials';

/** WeCom: send_welcome_msg takes at most 4000 bytes of text. */
export const WELCOME_MAX_BYTES = 4000;

/**
 * The channel a link or code names, as it stands after the save: its type is the channel's (a
 * given channelType must agree). Checked only when either field is given.
 */
export async function checkedChannel(
  db: Executor,
  problems: ProblemList,
  corpId: string,
  channel: { id: string | null; type: string | null; idGiven: boolean; typeGiven: boolean },
): Promise<string | null> {
  const { id: channelId } = channel;
  if (channelId === null || (!channel.idGiven && !channel.typeGiven)) return channel.type;
  const type = await findChannelType(db, corpId, channelId);
  if (type === undefined) {
    problems.problem(
      'channelId',
      `no acquisition channel ${channelId} in WeCom corp ${corpId}`,
      'rule.unknownChannel',
      {
        channelId,
        corpId,
      },
    );
    return channel.type;
  }
  if (channel.type !== null && channel.type !== type && channel.typeGiven) {
    problems.problem('channelType', `must be ${type}, the type of channel ${channelId}`, 'rule.channelTypeMismatch', {
      type,
      channelId,
    });
  }
  return type;
}

/** What links and channel QR codes both name: employees, departments, corp tags and a welcome. */
export interface SourceReferences {
  employees: readonly EmployeeReference[];
  departmentList: readonly string[];
  cstTags: readonly string[];
  isSendWelcome: number;
  welcomeContent: string | null;
  mediaIds: readonly string[];
}

/**
 * Checks every reference against the corp, adding each bad one to `problems`. The materials are
 * locked too, so a delete of one cannot slip in before the save commits.
 */
export async function checkSourceReferences(
  db: Executor,
  problems: ProblemList,
  corpId: string,
  refs: SourceReferences,
): Promise<void> {
  const live = await liveEmployeeUserids(
    db,
    corpId,
    refs.employees.map((e) => e.userid),
  );
  for (const { field, userid } of refs.employees) {
    if (!live.has(userid.toLowerCase())) {
      problems.problem(field, `no employee ${userid} in WeCom corp ${corpId}`, 'field.unknownEmployee', {
        userid,
        corpId,
      });
    }
  }
  const depts = new Set((await listDeptsByDeptIds(db, corpId, refs.departmentList)).map((d) => d.dept_id));
  refs.departmentList.forEach((deptId, i) => {
    if (!depts.has(deptId))
      problems.problem(`departmentList[${i}]`, 'no such department in this corp', 'rule.noSuchDepartment');
  });
  const tags = new Set((await findCorpTags(db, corpId, [...refs.cstTags])).map((t) => t.tag_id));
  const unknownTags = refs.cstTags.filter((t) => !tags.has(t));
  if (unknownTags.length > 0) {
    const ids = unknownTags.join(', ');
    problems.problem('cstTags', `unknown corp tag id(s): ${ids}`, 'rule.unknownCorpTags', { ids });
  }
  if (refs.isSendWelcome === 1 && !refs.welcomeContent && refs.mediaIds.length === 0) {
    problems.problem('welcomeContent', 'a welcome message needs text or materials', 'rule.welcomeNeedsContent');
  }
  if (refs.welcomeContent && Buffer.byteLength(refs.welcomeContent, 'utf8') > WELCOME_MAX_BYTES) {
    problems.problem('welcomeContent', `may be at most ${WELCOME_MAX_BYTES} bytes`, 'rule.welcomeTooLong', {
      max: WELCOME_MAX_BYTES,
    });
  }
  if (refs.mediaIds.length > 0) await problems.gather(() => requireMaterials(db, corpId, [...refs.mediaIds]));
}
