/**
 * Simplified Chinese for the domain's errors, by their stable `code`. The domain writes its
 * messages in English (they also go to logs); `{id}` is a NotFoundError's id and `{message}` the
 * English message, for details that come from elsewhere (WeCom's own errmsg). Kept beside the
 * API's catalogue (messages.ts) and checked against the codes the source uses.
 */
export const DOMAIN_MESSAGES_ZH: Record<string, string> = {
  // Defaults of the error classes.
  NOT_FOUND: '记录 {id} 不存在',
  CONFLICT: '与已有数据冲突',
  FORBIDDEN: '没有此操作的权限',
  UNAUTHORIZED: '未登录或登录已失效',
  RATE_LIMITED: '请求过于频繁，请稍后再试',
  DEPENDENCY_UNAVAILABLE: '依赖的服务暂不可用，请稍后再试（{message}）',

  // Admin sign-in and tokens.
  TOKEN_MISSING: '缺少 token 请求头',
  TOKEN_INVALID: 'token 无效',
  TOKEN_EXPIRED: 'token 已过期，请重新登录',
  TOKEN_REVOKED: 'token 已失效，请重新登录',
  ACCOUNT_DISABLED: '账号已停用',
  LOGIN_FAILED: '用户名或密码错误',
  PERMISSION_DENIED: '没有此操作的权限（需要 {permission}）',
  PASSWORD_CHANGE_REQUIRED: '请先修改一次性密码',
  TOO_MANY_FAILURES: '失败次数过多，请 {retryAfter} 秒后再试',

  // Menus and roles.
  MENU_NOT_FOUND: '菜单 {id} 不存在',
  MENU_BUILT_IN: '该节点来自系统路由，类型和权限标识不能修改',
  MENU_BUILT_IN_DELETE: '系统路由生成的节点不能删除，可以设为隐藏',
  MENU_HAS_CHILDREN: '该菜单下还有 {count} 个节点，请先删除或选择级联删除',
  MENU_GRANTED: '该菜单已授权给角色 {roles}，请先取消授权或选择级联删除',
  MENU_PERMISSION_TAKEN: '权限标识 {permission} 已被其他节点使用',
  ROLE_NOT_FOUND: '角色 {id} 不存在',
  ROLE_BUILT_IN: '超级管理员角色拥有全部权限，不能停用、修改标识、缩小数据权限或编辑授权',
  ROLE_BUILT_IN_DELETE: '超级管理员角色不能删除',
  ROLE_IN_USE: '角色仍有用户在使用：{roles}，如需删除请选择同时解除',
  ROLE_KEY_TAKEN: '角色标识 {roleKey} 已被使用',

  // System users.
  USERNAME_TAKEN: '用户名 {username} 已被占用',
  EMP_NO_TAKEN: '工号 {empNo} 已属于其他用户',
  LAST_SUPER_ADMIN: '系统必须至少保留一个启用的超级管理员',
  SUPER_ADMIN_REQUIRED: '只有超级管理员可以修改超级管理员或授予超级管理员角色',
  WECOM_USERID_TAKEN: '企业微信成员 {userid} 已绑定用户 {username}',

  // Partners.
  PARTNER_NOT_FOUND: '合作方 {id} 不存在',
  PARTNER_KEY_NOT_FOUND: '合作方密钥 {id} 不存在或已吊销',
  PARTNER_KEY_INVALID: 'secretKey 无效',
  PARTNER_KEY_REVOKED: 'secretKey 已被吊销',

  // Clues and distribution.
  CLUE_NOT_FOUND: '线索 {id} 不存在',
  CUSTOMER_HAS_NO_CLUE: '企业微信客户 {id} 没有关联的线索',
  CONTACT_NOT_FOUND: '联系方式 {id} 不存在',
  CONTACT_EXISTS: '该线索已有相同的联系方式',
  CLUE_MERGED: '线索 {id} 已合并到线索 {survivorId}，请在该线索上操作',
  CLUE_MERGED_ELSEWHERE: '线索 {id} 已合并到另一条线索 {survivorId}，不能再合并',
  MERGE_SURVIVOR_MERGED: '保留的线索 {id} 已合并到线索 {survivorId}，不能作为合并目标',
  MERGE_ACROSS_CORPS: '这些线索关联的企业微信客户属于不同企业，不能合并',
  MERGE_NOTHING_TO_DO: '这些线索已经合并过了',
  MERGE_NOT_FOUND: '合并记录 {id} 不存在',
  POLICY_NOT_FOUND: '分配策略 {id} 不存在',
  INTAKE_BUSY: '该线索正在分配中，请稍后重试',
  CLUE_CREATED_NOT_ASSIGNED: '线索已保存，但未能直接分配给指定员工，将按分配策略分配（{message}）',
  DATABASE_UNAVAILABLE: '数据库暂时不可用，请稍后重试',
  CLUE_IMPORT_NOT_FOUND: '线索导入记录 {id} 不存在',
  CLUE_IMPORT_NOT_STARTED: '导入任务未能启动，请稍后重新上传（{message}）',

  // WeCom corps and the service itself.
  WECOM_CORP_MISSING: '当前用户没有配置企业微信企业',
  WECOM_CORP_NOT_FOUND: '企业微信企业 {id} 不存在',
  WECOM_CORP_NOT_CONFIGURED: '该企业尚未配置企业微信',
  WECOM_UNAVAILABLE: '企业微信暂时无法访问，请稍后再试',
  WECOM_REJECTED: '企业微信拒绝了此操作：{message}',
  WECOM_CREDENTIALS_INVALID: '企业微信拒绝了企业的凭证，请检查企业 ID 和 secret',
  TEMPORAL_UNAVAILABLE: '工作流服务（Temporal）暂不可用，请稍后再试',
  UNHEALTHY: '服务不健康：{message}',
  NOT_READY: '服务未就绪：数据库不可用',
  SYNC_NOT_FOUND: '没有找到 {id} 的同步记录',
  SAVE_IN_PROGRESS: '同名记录正在保存中，请稍后重试',

  // The WeCom mirror.
  CUSTOMER_NOT_FOUND: '客户 {id} 不存在',
  TRANSFER_NOT_FOUND: '在职继承记录 {id} 不存在',
  WECOM_CUSTOMER_NOT_FOUND: '企业微信中不存在客户 {id}',
  WECOM_EMPLOYEE_NOT_FOUND: '企业微信成员 {id} 不存在',
  WECOM_EMPLOYEE_EXISTS: '企业微信成员已存在',
  WECOM_DEPT_NOT_FOUND: '企业微信部门 {id} 不存在',
  WECOM_DEPT_EXISTS: '企业微信部门已存在',
  RELATION_NOT_FOUND: '客户与成员的关系 {id} 不存在',
  RELATION_VANISHED: '保存时该客户关系已被删除',
  RELATION_INACTIVE: '该客户关系已失效',
  WECOM_RELATION_MISSING: '企业微信中不存在该客户关系：{message}',
  GROUP_NOT_FOUND: '客户群 {id} 不存在',
  GROUP_MEMBER_NOT_FOUND: '群成员 {id} 不存在',
  CHAT_GROUP_NOT_FOUND: '客户群记录 {id} 不存在',
  CHAT_GROUP_EXISTS: '该客户群已有记录',

  // Acquisition.
  CHANNEL_NOT_FOUND: '获客渠道 {id} 不存在',
  CHANNEL_NAME_TAKEN: '已有名为 {name} 的获客渠道',
  ACQ_LINK_NOT_FOUND: '获客链接 {id} 不存在',
  ACQ_LINK_NOT_PUBLISHED: '获客链接 {id} 未发布（草稿或链接异常），不能分配',
  ACQ_STATE_TAKEN: 'state {state} 已被本企业的其他获客链接或分配规则使用',
  ACQ_QR_NOT_FOUND: '渠道活码 {id} 不存在',
  JOIN_QR_NOT_FOUND: '加群二维码 {id} 不存在',
  JOIN_QR_GONE_IN_WECOM: '企业微信中已不存在加群二维码 {id} 对应的「加入群聊」配置，请删除后重新创建',
  MINI_LINK_NOT_FOUND: '小程序推广链接 {id} 不存在',
  MINI_PROGRAM_NOT_CONFIGURED: '小程序 {appId} 尚未配置 AppSecret，请先在小程序推广链接中配置',
  MINI_PROGRAM_CREDENTIALS_INVALID:
    '微信拒绝了小程序 {appId} 已保存的 AppSecret（错误码 {errcode}），AppSecret 可能已重置，请重新配置',
  MINI_PROGRAM_NOT_RELEASED: '小程序 {appId} 还没有发布的线上版本，无法生成跳转链接',
  MINI_SCHEME_PAGE_INVALID: '微信不认可该链接的小程序页面或参数（错误码 {errcode}），请确认页面已在线上版本中发布',
  MINI_SCHEME_NOT_PERMITTED: '小程序 {appId} 没有生成 URL Scheme 的权限或权限已被封禁（错误码 {errcode}）',
  MINI_SCHEME_QUOTA: '小程序 {appId} 生成 URL Scheme 的次数已达微信上限（错误码 {errcode}），请稍后再试',
  WECHAT_UNAVAILABLE: '微信暂时无法访问或繁忙，请稍后再试',
  WECHAT_REJECTED: '微信拒绝了此操作（错误码 {errcode}）：{message}',

  // Materials.
  MATERIAL_NOT_FOUND: '素材 {id} 不存在',
  MATERIAL_IN_USE: '该素材正被已发布的获客链接使用：{links}；请先下线链接或从链接中移除该素材',
  MATERIAL_USED_AS_COVER: '该素材正被小程序推广链接用作封面：{links}；请先更换或清除这些链接的封面',
  MATERIAL_FILE_MISSING: '素材 {id} 的原文件已丢失，请重新上传',

  // Tags.
  TAG_NOT_FOUND: '标签 {id} 不存在',
  TAG_GROUP_NOT_FOUND: '标签组 {id} 不存在',
  TAG_NAME_TAKEN: '已有同名标签或标签组',
  TAG_GROUP_NAME_TAKEN: '已有同名标签组',
  WECOM_TAG_NOT_FOUND: '企业微信中不存在标签 {id}',
  WECOM_TAG_LIMIT: '企业标签数量已达企业微信上限（3000 个）',
  CUSTOMER_TAG_NOT_FOUND: '客户标签 {id} 不存在',
  CUSTOMER_TAG_EXISTS: '该客户已有此标签',

  // The HR system (Nexus): signed sync calls and single sign-on.
  NEXUS_NOT_CONFIGURED: '尚未配置 HR 系统（Nexus）对接',
  NEXUS_SSO_NOT_CONFIGURED: '尚未配置 HR 系统（Nexus）单点登录',
  NEXUS_SIGNATURE_MISSING:
    '缺少 X-Nexus-Timestamp（Unix 秒）或 X-Nexus-Signature（十六进制 HMAC-SHA256）请求头，或格式不正确',
  NEXUS_TIMESTAMP_STALE: 'X-Nexus-Timestamp 超出允许的时间范围',
  NEXUS_SIGNATURE_MISMATCH: 'X-Nexus-Signature 与请求体不符，签名校验失败',
  NEXUS_REPLAYED: '该签名请求已经收到过，拒绝重放',
  NEXUS_USER_NOT_FOUND: '工号 {id} 没有对应的用户',
  NEXUS_USERNAME_TAKEN: '用户名 {username} 已被其他用户使用',
  NEXUS_DEPT_HAS_CHILDREN: '部门 {code} 下还有子部门；如需一并删除，请设置 includeSubDepts',
  NEXUS_SSO_TOKEN_REJECTED: 'HR 系统（Nexus）不认可此 token',
  NEXUS_SSO_UNKNOWN_EMPLOYEE: '该员工在本系统中没有可用的用户',
  NEXUS_SSO_EXPIRED: '此 HR 系统 token 的单点登录已超过 12 小时，请重新登录 HR 系统',
  NEXUS_UNAVAILABLE: 'HR 系统（Nexus）暂时无法访问，请稍后再试（{message}）',

  // WeCom callbacks.
  WECOM_CALLBACK_STALE: '回调时间戳超出允许范围，可能是重放请求',
  WECOM_SIGNATURE_MISMATCH: '回调签名校验失败',
  WECOM_RECEIVE_ID_MISMATCH: '回调的企业 ID 不匹配',
  WECOM_DECRYPT_FAILED: '回调解密失败',
  WECOM_INVALID_AES_KEY: 'EncodingAESKey 不合法',
  WECOM_ENCRYPT_FAILED: '回调加密失败',

  // System users' avatars.
  USER_NOT_FOUND: '用户 {id} 不存在',
  AVATAR_NOT_FOUND: '头像文件 {id} 不存在',
};
