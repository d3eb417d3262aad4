/**
 * Every message the API writes for a person to read, in English and Simplified Chinese. Handlers
 * and the validator name a key and its parameters; the error middleware picks the language.
 * Field names and ids stay as they are in both languages.
 */
export type Locale = 'en' | 'zh';

type Params = Record<string, string | number>;

const MESSAGES = {
  // Field problems found by the validator (the field name is printed before them).
  'field.required': { en: 'is required', zh: '为必填项' },
  'field.type': { en: 'must be {type}', zh: '类型必须为 {type}' },
  'field.notEmpty': { en: 'must not be empty', zh: '不能为空' },
  'field.minLength': { en: 'must be at least {limit} characters', zh: '至少 {limit} 个字符' },
  'field.maxLength': { en: 'must be at most {limit} characters', zh: '最多 {limit} 个字符' },
  'field.notBlank': { en: 'must not be blank', zh: '不能全为空白' },
  'field.pattern': { en: 'has an invalid format', zh: '格式不正确' },
  'field.enum': { en: 'must be one of: {values}', zh: '必须是以下值之一：{values}' },
  'field.compare': { en: 'must be {comparison} {limit}', zh: '必须 {comparison} {limit}' },
  'field.minItems': { en: 'must have at least {limit} item(s)', zh: '至少 {limit} 项' },
  'field.maxItems': { en: 'must have at most {limit} item(s)', zh: '最多 {limit} 项' },
  'field.uniqueItems': { en: 'must not contain duplicates', zh: '不能有重复项' },
  'field.unknown': { en: 'is not a known field', zh: '不是可识别的字段' },
  'field.invalid': { en: 'is invalid', zh: '不合法' },
  'field.unknownEmployee': {
    en: 'no employee {userid} in WeCom corp {corpId}',
    zh: '企业微信企业 {corpId} 中没有成员 {userid}',
  },
  'field.nul': { en: 'must not contain NUL characters', zh: '不能包含 NUL 字符' },
  'field.unicode': { en: 'must be valid Unicode text', zh: '必须是合法的 Unicode 文本' },
  'field.positiveId': { en: 'must be a positive integer id', zh: '必须是正整数 id' },
  'field.wecomUserid': { en: 'must be a WeCom userid', zh: '必须是企业微信成员 userid' },
  'field.wecomId': {
    en: 'must be a WeCom id (no spaces, at most 64 characters)',
    zh: '必须是企业微信 id（无空格，最多 64 个字符）',
  },
  'field.wecomDeptId': {
    en: 'must be a WeCom department id (a positive integer as a string)',
    zh: '必须是企业微信部门 id（字符串形式的正整数）',
  },
  'field.wecomParentDeptId': {
    en: 'must be a WeCom department id, or 0 for a root department',
    zh: '必须是企业微信部门 id，根部门填 0',
  },
  'field.plainId': {
    en: 'must be an id without spaces (at most 64 characters)',
    zh: '必须是不含空格的 id（最多 64 个字符）',
  },
  'field.externalUserid': { en: 'must be a WeCom external userid', zh: '必须是企业微信客户 external_userid' },
  'field.sha1Hex': { en: 'must be a 40-character hex SHA-1', zh: '必须是 40 位十六进制 SHA-1' },
  'field.businessId': {
    en: 'must be 1-64 printable ASCII characters without spaces',
    zh: '必须是 1-64 个不含空格的可打印 ASCII 字符',
  },
  'format.date-time': {
    en: 'must be an ISO 8601 date-time with an offset such as 2026-01-01T08:00:00+08:00, from 1900 to 9999',
    zh: '必须是带时区偏移的 ISO 8601 时间，如 2026-01-01T08:00:00+08:00，年份 1900 至 9999',
  },
  'format.date': {
    en: 'must be a date YYYY-MM-DD from 1900 to 9999',
    zh: '必须是 YYYY-MM-DD 格式的日期，年份 1900 至 9999',
  },
  'format.cn-phone': {
    en: 'must be a phone number used in China: a mobile like 13812345678 (optionally +86) or a landline like 010-12345678',
    zh: '必须是中国大陆电话号码：手机号如 13812345678（可带 +86），或座机如 010-12345678',
  },
  'format.http-url': { en: 'must be an http(s) URL', zh: '必须是 http(s) 网址' },
  'format.hh-mm-range': { en: 'must be a time range like 09:00-18:00', zh: '必须是时间段，如 09:00-18:00' },
  'format.iana-zone': {
    en: 'must be an IANA time zone such as Asia/Shanghai',
    zh: '必须是 IANA 时区，如 Asia/Shanghai',
  },
  'format.bigint-id': { en: 'must be a positive integer id', zh: '必须是正整数 id' },
  'format.email': { en: 'must be an email address', zh: '必须是电子邮箱地址' },
  'format.uri': { en: 'must be a URI', zh: '必须是 URI' },
  'format.other': { en: 'must be a valid {format}', zh: '必须是合法的 {format}' },

  // Rules the domain checks (the field name is printed before most of them).
  'rule.exactlyOneClueOrCustomer': {
    en: 'give exactly one of clueId and customerId',
    zh: 'clueId 和 customerId 必须且只能填写一个',
  },
  'rule.clueOrCustomerIds': {
    en: 'give at least one clue or customer',
    zh: '请至少填写一个线索或客户',
  },
  'rule.transferCustomersRequired': {
    en: 'give externalUserids or clueIds (at least one customer)',
    zh: '请提供 externalUserids 或 clueIds（至少一位客户）',
  },
  'rule.transferTakeoverInvalid': {
    en: 'must be an active employee of the corp',
    zh: '必须是本企业在职且已激活的成员',
  },
  'rule.transferHandoverInvalid': { en: 'must be an employee of the corp', zh: '必须是本企业的在职成员' },
  'rule.transferSameMember': {
    en: 'the takeover must differ from the handover',
    zh: '接替成员不能与交接成员相同',
  },
  'rule.transferClueWithoutCustomer': {
    en: 'clue {clueId} is linked to no WeCom customer in your data scope',
    zh: '线索 {clueId} 没有关联您数据范围内的企业微信客户',
  },
  'rule.exactlyOneCustomerKey': {
    en: 'give exactly one of customerId and externalUserid',
    zh: 'customerId 和 externalUserid 必须且只能填写一个',
  },
  'rule.exactlyOnePlainOrEncrypted': {
    en: 'give exactly one of plainXml and encrypted',
    zh: 'plainXml 和 encrypted 必须且只能填写一个',
  },
  'rule.xmlEnvelope': {
    en: 'must be the XML envelope (Content-Type text/xml)',
    zh: '必须是 XML 报文（Content-Type 为 text/xml）',
  },
  'rule.callbackXml': { en: '{detail}', zh: '回调 XML 不合法：{detail}' },
  'rule.eventForOtherCorp': {
    en: 'event is addressed to {toUserName}, not {corpId}',
    zh: '该事件的接收企业是 {toUserName}，不是 {corpId}',
  },
  'rule.remarkOrDescription': {
    en: 'give remark and/or description',
    zh: '请填写 remark 或 description（也可都填）',
  },
  'rule.remarkAndDescriptionEmpty': {
    en: 'remark and description cannot both be empty (WeCom refuses such a call)',
    zh: 'remark 和 description 不能同时为空（企业微信会拒绝这样的请求）',
  },
  'rule.date': { en: 'must be a date YYYY-MM-DD', zh: '必须是 YYYY-MM-DD 格式的日期' },
  'rule.ianaZone': { en: 'must be an IANA time zone', zh: '必须是 IANA 时区' },
  'rule.toBeforeFrom': { en: 'must not be before from', zh: '不能早于 from' },
  'rule.linkOrChannel': { en: 'give linkId or channelId, not both', zh: 'linkId 和 channelId 只能填一个' },
  'rule.rangeTooLong': { en: 'the range may cover at most {days} days', zh: '时间范围最多 {days} 天' },
  'rule.cnPhone': { en: 'must be a phone number used in China', zh: '必须是中国大陆的电话号码' },
  'rule.qqNumber': { en: 'must be a QQ number (5 to 12 digits)', zh: '必须是 QQ 号（5 到 12 位数字）' },
  'rule.contactType': {
    en: 'a contact keeps its type; remove it and add another',
    zh: '联系方式的类型不能修改，请删除后重新添加',
  },
  'rule.lastPhone': { en: 'a clue keeps at least one phone', zh: '线索至少要保留一个电话，不能删除最后一个电话' },
  'rule.primaryContactRemoval': {
    en: 'removing a primary contact needs another of its type made primary',
    zh: '不能直接删除主联系方式：请先将同类型的其他联系方式设为主联系方式，或在删除时用 newPrimaryId 指定新的主联系方式',
  },
  'rule.mergeIntoSelf': { en: 'a clue cannot be merged into itself', zh: '不能把线索合并到它自己' },
  'rule.mergePick': {
    en: 'must be the survivor or one of the merged clues',
    zh: '必须是保留的线索或被合并的线索之一',
  },
  'rule.newPrimaryContact': {
    en: 'must be another contact of the same type on this clue',
    zh: '必须是该线索上另一个同类型的联系方式',
  },
  'rule.cnMobile': {
    en: 'must be a phone number used in China, e.g. 13812345678',
    zh: '必须是中国大陆的电话号码，如 13812345678',
  },
  'rule.noSuchDepartment': { en: 'no such department in this corp', zh: '本企业没有这个部门' },
  'rule.mainDepartmentNotListed': {
    en: 'must be one of the employee’s departments',
    zh: '必须是该成员所在的部门之一',
  },
  'rule.useridFixed': {
    en: 'cannot be changed; it is the WeCom userid',
    zh: '不能修改，它是企业微信成员的 userid',
  },
  'rule.requiredForNewEmployee': { en: 'is required to add an employee', zh: '新增成员时必填' },
  'rule.ownParent': { en: 'a department cannot be its own parent', zh: '部门不能是自己的上级部门' },
  'rule.ownAncestor': {
    en: 'would make the department its own ancestor',
    zh: '会让该部门成为自己的上级部门（形成循环）',
  },
  'rule.deptIdFixed': {
    en: 'cannot be changed; it is the WeCom department id',
    zh: '不能修改，它是企业微信部门 id',
  },
  'rule.requiredForNewDepartment': { en: 'is required to add a department', zh: '新增部门时必填' },
  'rule.requiredForNewChannel': { en: 'is required to add a channel', zh: '新增渠道时必填' },
  'rule.unknownChannel': {
    en: 'no acquisition channel {channelId} in WeCom corp {corpId}',
    zh: '企业微信企业 {corpId} 中没有获客渠道 {channelId}',
  },
  'rule.requiredForNewLink': { en: 'is required to add an acquisition link', zh: '新增获客链接时必填' },
  'rule.channelTypeMismatch': {
    en: 'must be {type}, the type of channel {channelId}',
    zh: '必须是 {type}，即渠道 {channelId} 的类型',
  },
  'rule.priorityListRequired': {
    en: 'is required when priorityType is 2',
    zh: 'priorityType 为 2 时必须指定优先分配的成员',
  },
  'rule.welcomeNeedsContent': {
    en: 'a welcome message needs text or materials',
    zh: '发送欢迎语时必须填写欢迎语文本或选择素材',
  },
  'rule.welcomeTooLong': { en: 'may be at most {max} bytes', zh: '最多 {max} 字节（企业微信的限制）' },
  'rule.publishNeedsRules': {
    en: 'publishing needs allocation rules, userList or departmentList',
    zh: '发布前必须设置分配规则、成员或部门',
  },
  'rule.unknownRule': { en: 'no rule {id} on this link', zh: '该获客链接没有分配规则 {id}' },
  'rule.requiredForNewRule': { en: 'is required for a new rule', zh: '新增分配规则时必填' },
  'rule.duplicateRuleUser': {
    en: 'repeats the employee of allocationRules[{first}]',
    zh: '与 allocationRules[{first}] 的成员重复',
  },
  'rule.requiredForNewQr': { en: 'is required to add a channel QR code', zh: '新增渠道活码时必填' },
  'rule.qrTypeFixed': {
    en: 'cannot change while the code has a WeCom contact way',
    zh: '活码已在企业微信中生成，不能修改类型（企业微信不支持）；请先取消发布',
  },
  'rule.duplicateMember': { en: 'repeats the employee of members[{first}]', zh: '与 members[{first}] 的成员重复' },
  'rule.singleQrOneMember': {
    en: 'a single-person code has exactly one member',
    zh: '单人活码只能有一个成员',
  },
  'rule.singleQrNoDepartments': {
    en: 'only a multi-person code can name departments',
    zh: '只有多人活码可以选择部门',
  },
  'rule.qrPublishNeedsMembers': {
    en: 'publishing needs members (or, for a multi-person code, departments)',
    zh: '发布前必须设置成员（多人活码也可以选择部门）',
  },
  'rule.requiredForNewJoinQr': { en: 'is required to add a group-join QR code', zh: '新增加群二维码时必填' },
  'rule.unknownGroupChat': {
    en: 'no live customer group {chatId} in WeCom corp {corpId}',
    zh: '企业微信企业 {corpId} 中没有客户群 {chatId}（或已解散）',
  },
  'rule.joinQrTooManyChats': {
    en: 'WeCom binds a code to at most {max} groups (WeCom errcode 41091)',
    zh: '企业微信规定一个加群二维码最多关联 {max} 个群（企业微信错误码 41091）',
  },
  'rule.groupNotInWecom': {
    en: 'names a group WeCom does not know (WeCom errcode {errcode})',
    zh: '包含企业微信中不存在的客户群（企业微信错误码 {errcode}）',
  },
  'rule.requiredForNewMiniLink': { en: 'is required to add a mini-program link', zh: '新增小程序推广链接时必填' },
  'rule.buttonNeedsPermission': { en: 'is required for a button', zh: '按钮必须填写权限标识' },
  'rule.noSuchMenu': { en: 'no such menu', zh: '菜单不存在' },
  'rule.buttonHasNoChildren': { en: 'a button cannot have children', zh: '按钮下不能再有子节点' },
  'rule.menuUnderItself': { en: 'a menu cannot move under itself', zh: '菜单不能移动到自己或自己的下级之下' },
  'rule.deptIdsRequired': {
    en: 'is required for data scope 2 (custom departments)',
    zh: '数据权限为 2（自定义部门）时必填',
  },
  'rule.deptIdsOnlyForCustom': {
    en: 'only data scope 2 takes departments',
    zh: '只有数据权限 2（自定义部门）可以指定部门',
  },
  'rule.noSuchSystemDept': { en: 'no such department', zh: '部门不存在' },
  'rule.twiceInPolicy': { en: 'appears twice in this policy', zh: '在该分配策略中重复出现' },
  'rule.twiceInRequest': { en: 'appears twice in this request', zh: '在本次请求中重复出现' },
  'rule.notWecomMember': {
    en: 'is not a WeCom member of this corp (WeCom errcode {errcode})',
    zh: '不是本企业的企业微信成员（企业微信错误码 {errcode}）',
  },
  'rule.notWecomCustomer': {
    en: 'is not a WeCom customer of this corp (WeCom errcode {errcode})',
    zh: '不是本企业的企业微信客户（企业微信错误码 {errcode}）',
  },
  'rule.requiredForNewGroup': { en: 'is required for a new group', zh: '新建标签组时必填' },
  'rule.newGroupNeedsTag': { en: 'a new tag group needs at least one tag', zh: '新建标签组至少要有一个标签' },
  'rule.nameOrOrder': { en: 'give name and/or order', zh: '请填写 name 或 order（也可都填）' },
  'rule.useridForCorpTags': {
    en: "is required for corp tags (they sit on one employee's relation)",
    zh: '企业标签必填（企业标签打在某个成员与客户的关系上）',
  },
  'rule.unknownCorpTags': { en: 'unknown corp tag id(s): {ids}', zh: '以下企业标签 id 不存在：{ids}' },
  'rule.unknownSelfTags': { en: 'unknown self tag id(s): {ids}', zh: '以下个人标签 id 不存在：{ids}' },
  'rule.addOrRemoveTags': {
    en: 'addTagIds and removeTagIds must not both be empty',
    zh: 'addTagIds 和 removeTagIds 不能同时为空',
  },
  'rule.addedAndRemoved': { en: 'also listed in addTagIds: {ids}', zh: '以下 id 同时出现在 addTagIds 中：{ids}' },
  'rule.nexusUnknownDept': { en: 'no department with code {code}', zh: '没有编码为 {code} 的部门' },
  'rule.nexusUnknownRoles': { en: 'unknown role key(s): {keys}', zh: '以下角色标识不存在：{keys}' },
  'rule.fixedOnRecord': {
    en: 'cannot change on an existing record; add a new record instead',
    zh: '已有记录不能修改此项，请新增一条记录',
  },
  'rule.avatarImageKind': {
    en: 'must be a PNG, JPEG or WebP image',
    zh: '必须是 PNG、JPEG 或 WebP 格式的图片',
  },
  'rule.notUploadedAvatar': {
    en: 'must be the URL of an image uploaded with user/uploadAvatar',
    zh: '必须是通过 user/uploadAvatar 上传的图片网址',
  },
  'rule.uploadedAvatarMissing': { en: 'no uploaded image at this URL', zh: '该网址没有已上传的图片' },
  'rule.fileExpected': { en: 'must be sent as a file', zh: '必须以文件形式上传' },
  'rule.xlsxFile': {
    en: 'must be an .xlsx workbook (Excel 2007 or later)',
    zh: '必须是 .xlsx 格式的 Excel 文件（Excel 2007 及以上）',
  },
  'rule.fileNotEmpty': { en: 'must not be an empty file', zh: '不能是空文件' },
  'rule.importColumnsMissing': {
    en: 'lacks the required columns {columns} in its header row',
    zh: '表头缺少必填列：{columns}',
  },
  'rule.importHeaderRow': {
    en: 'must have the header row of the template in row 1 of its first worksheet',
    zh: '第一个工作表的第 1 行必须是模板的表头',
  },
  'rule.importNoRows': { en: 'has no data rows below the header', zh: '表头下没有数据行' },
  'rule.materialTooSmall': {
    en: 'must be larger than {limit} bytes',
    zh: '文件必须大于 {limit} 字节（企业微信的要求）',
  },
  'rule.materialKind': {
    en: 'must be {kind} by its content',
    zh: '文件内容必须是 {kind} 格式（按文件内容判断，与文件名无关）',
  },
  'rule.materialTooLarge': {
    en: 'is too large: {mediaType} may be at most {limit}',
    zh: '文件过大：{mediaType} 类素材最大 {limit}（企业微信的限制）',
  },
  'rule.mediaRefused': {
    en: 'WeCom refused the file (errcode {errcode})',
    zh: '企业微信拒绝了该文件（错误码 {errcode}）',
  },
  'rule.maxBytes': { en: 'must be at most {limit} bytes (UTF-8)', zh: '最多 {limit} 字节（按 UTF-8 计算）' },
  'rule.requiredForMaterialType': { en: 'is required for a {type} material', zh: '{type}素材必填' },
  'rule.notForMaterialType': { en: 'does not apply to a {type} material', zh: '{type}素材没有此项' },
  'rule.unknownMaterial': {
    en: 'no material {id} in WeCom corp {corpId}',
    zh: '企业微信企业 {corpId} 中没有素材 {id}',
  },
  'rule.coverNotImage': {
    en: 'must be an image material, not {type}',
    zh: '封面必须是图片素材，素材 {id} 是{type}素材',
  },
  'rule.wechatRejectedSecret': {
    en: 'WeChat rejected this AppID and AppSecret (errcode {errcode})',
    zh: '微信不认可该 AppID 与 AppSecret（错误码 {errcode}），请核对小程序后台「开发管理 → 开发设置」中的 AppSecret',
  },
  'field.avatarName': {
    en: 'must be the file name of an uploaded avatar',
    zh: '必须是已上传头像的文件名',
  },

  // Users, passwords and the system department tree.
  'rule.passwordLength': { en: 'must be 8 to 128 characters', zh: '长度必须为 8 至 128 个字符' },
  'rule.passwordContainsUsername': { en: 'must not contain the username', zh: '不能包含用户名' },
  'rule.passwordTooSimple': {
    en: 'must mix at least two of letters, digits and symbols',
    zh: '必须至少包含字母、数字、符号中的两类',
  },
  'rule.passwordOnlyOnCreate': {
    en: 'cannot be set on an existing user; use resetPassword or changePassword',
    zh: '已有用户不能在此设置密码，请使用重置密码或修改密码',
  },
  'rule.rolesOnlyOnCreate': {
    en: 'cannot be changed here on an existing user; use assignRoles',
    zh: '已有用户不能在此修改角色，请使用用户角色授权',
  },
  'rule.wrongOldPassword': { en: 'is not the current password', zh: '与当前密码不符' },
  'rule.samePassword': { en: 'must differ from the current password', zh: '不能与当前密码相同' },
  'rule.usernameTooLong': { en: 'must be at most 64 characters', zh: '最多 64 个字符' },
  'rule.usernameCharacters': {
    en: 'may contain only letters, digits and _ . @ - and must start with a letter or digit',
    zh: '只能包含字母、数字和 _ . @ -，且必须以字母或数字开头',
  },
  'rule.noSuchSysDept': { en: 'no such department', zh: '部门不存在' },
  'rule.unknownRoles': { en: 'unknown role id(s): {ids}', zh: '以下角色 id 不存在：{ids}' },
  'report.usernameTaken': { en: 'the username is taken', zh: '用户名已被占用' },
  'report.usernameCharacters': {
    en: 'may contain only letters, digits and _ . @ - and must start with a letter or digit',
    zh: '只能包含字母、数字和 _ . @ -，且必须以字母或数字开头',
  },
  'report.usernameTooLong': { en: 'is longer than 64 characters', zh: '超过 64 个字符' },
  'report.deleteSelf': { en: 'you cannot delete yourself', zh: '不能删除自己' },
  'report.userNotFound': { en: 'no such user', zh: '用户不存在' },
  'report.superAdminRequired': {
    en: 'only a super admin may delete a super admin',
    zh: '只有超级管理员可以删除超级管理员',
  },
  'report.lastSuperAdmin': {
    en: 'the last active super admin cannot be deleted',
    zh: '不能删除最后一个启用的超级管理员',
  },

  // Answers of the HTTP layer itself.
  'request.invalid': { en: 'request is invalid: {problems}', zh: '请求不合法：{problems}' },
  'request.notJson': { en: 'request body is not valid JSON', zh: '请求体不是合法的 JSON' },
  'request.tooLarge': { en: 'request body too large (at most {limit})', zh: '请求体过大（最多 {limit}）' },
  'request.badEncoding': {
    en: 'request body is not valid {charset} text',
    zh: '请求体不是合法的 {charset} 文本',
  },
  'request.unsupportedCharset': {
    en: 'charset {charset} is not supported; send UTF-8 (GBK and GB18030 are also read)',
    zh: '不支持字符集 {charset}；请使用 UTF-8（也支持 GBK、GB18030）',
  },
  'request.unsupportedContentEncoding': {
    en: 'content encoding {encoding} is not supported; send the body uncompressed',
    zh: '不支持内容编码 {encoding}；请发送未压缩的请求体',
  },
  'request.unsupportedMediaType': {
    en: 'content type {type} is not accepted here; send {expected}',
    zh: '此接口不接受内容类型 {type}；请使用 {expected}',
  },
  'request.badMultipart': {
    en: 'request body is not readable multipart/form-data',
    zh: '请求体不是可读取的 multipart/form-data',
  },
  'request.fileTooLarge': {
    en: 'uploaded file ({field}) too large (at most {limit} bytes)',
    zh: '上传的文件（{field}）过大（最多 {limit} 字节）',
  },
  'request.aborted': { en: 'request body was not received completely', zh: '请求体未完整接收' },
  'request.bad': { en: 'bad request', zh: '请求错误' },
  'route.notFound': { en: 'no route for {method} {path}', zh: '没有 {method} {path} 这个接口' },
  'route.methodNotAllowed': {
    en: '{method} is not allowed on {path}; allowed: {allowed}',
    zh: '{path} 不支持 {method} 方法；支持：{allowed}',
  },
  'server.internal': { en: 'internal error (request id {requestId})', zh: '服务器内部错误（请求 id {requestId}）' },
} as const satisfies Record<string, Record<Locale, string>>;

export type MessageKey = keyof typeof MESSAGES;

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(MESSAGES, key);
}

/** The message of `key` in `locale`, with `{name}` placeholders filled from `params`. */
export function formatMessage(key: MessageKey, params: Params = {}, locale: Locale = 'en'): string {
  return MESSAGES[key][locale].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/**
 * The language of an Accept-Language header: zh when Chinese is preferred over English, en when
 * English is, the fallback otherwise (no header, or neither language named).
 */
export function localeOf(acceptLanguage: string | undefined, fallback: Locale): Locale {
  if (!acceptLanguage) return fallback;
  let best: { locale: Locale; q: number } | undefined;
  for (const part of acceptLanguage.split(',')) {
    const [tag = '', ...attrs] = part.trim().toLowerCase().split(';');
    const qAttr = attrs.map((a) => a.trim()).find((a) => a.startsWith('q='));
    const q = qAttr ? Number(qAttr.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const locale: Locale | undefined =
      tag === 'zh' || tag.startsWith('zh-') ? 'zh' : tag === 'en' || tag.startsWith('en-') ? 'en' : undefined;
    if (locale && (!best || q > best.q)) best = { locale, q };
  }
  return best?.locale ?? fallback;
}
