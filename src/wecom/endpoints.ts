import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';

/**
 * The WeCom endpoints the product uses, as one table read by both the client (what to send, what
 * comes back) and the simulator (what to accept, what to answer), so the two cannot disagree.
 * Paths are relative to https://qyapi.weixin.qq.com/cgi-bin/. Field names are WeCom's own.
 */
export interface WecomEndpoint<Q extends TSchema = TSchema, B extends TSchema = TSchema, R extends TSchema = TSchema> {
  method: 'GET' | 'POST';
  path: string;
  /** Query parameters besides access_token. */
  query: Q;
  /** JSON body of a POST (Type.Null() for none; media uploads are multipart and described apart). */
  body: B;
  /** Response fields besides errcode/errmsg. */
  response: R;
  /** Largest page a call may ask for, where the endpoint pages. */
  maxPage?: number;
}

function endpoint<Q extends TSchema, B extends TSchema, R extends TSchema>(
  e: WecomEndpoint<Q, B, R>,
): WecomEndpoint<Q, B, R> {
  return e;
}

const Opt = Type.Optional;
const Str = Type.String;
const Int = Type.Integer;
const NoQuery = Type.Object({});
const NoBody = Type.Null();
const Empty = Type.Object({});

export const DepartmentSchema = Type.Object({
  id: Int(),
  name: Str(),
  name_en: Opt(Str()),
  department_leader: Opt(Type.Array(Str())),
  parentid: Int(),
  order: Int(),
});

export const UserSchema = Type.Object({
  userid: Str(),
  name: Str(),
  department: Type.Array(Int()),
  order: Opt(Type.Array(Int())),
  position: Opt(Str()),
  mobile: Opt(Str()),
  gender: Opt(Str()),
  email: Opt(Str()),
  is_leader_in_dept: Opt(Type.Array(Int())),
  avatar: Opt(Str()),
  alias: Opt(Str()),
  status: Int(),
  main_department: Opt(Int()),
  open_userid: Opt(Str()),
});

export const ExternalContactSchema = Type.Object({
  external_userid: Str(),
  name: Str(),
  position: Opt(Str()),
  avatar: Opt(Str()),
  corp_name: Opt(Str()),
  corp_full_name: Opt(Str()),
  type: Int(),
  gender: Int(),
  unionid: Opt(Str()),
  external_profile: Opt(Type.Object({ external_attr: Type.Array(Type.Unknown()) })),
});

const FollowUserBase = {
  userid: Str(),
  remark: Str(),
  description: Str(),
  createtime: Int(),
  remark_corp_name: Opt(Str()),
  remark_mobiles: Opt(Type.Array(Str())),
  oper_userid: Opt(Str()),
  add_way: Int(),
  state: Opt(Str()),
  wechat_channels: Opt(Type.Object({ nickname: Str(), source: Opt(Int()) })),
};

/** follow_user item of externalcontact/get: tags with names. */
export const FollowUserSchema = Type.Object({
  ...FollowUserBase,
  tags: Opt(Type.Array(Type.Object({ group_name: Str(), tag_name: Str(), tag_id: Opt(Str()), type: Int() }))),
});

/** follow_info of batch/get_by_user: corp tag ids only. */
export const FollowInfoSchema = Type.Object({ ...FollowUserBase, tag_id: Opt(Type.Array(Str())) });

export const CorpTagSchema = Type.Object({
  id: Str(),
  name: Str(),
  create_time: Int(),
  order: Int(),
  deleted: Opt(Type.Boolean()),
});

export const CorpTagGroupSchema = Type.Object({
  group_id: Str(),
  group_name: Str(),
  create_time: Int(),
  order: Int(),
  deleted: Opt(Type.Boolean()),
  tag: Type.Array(CorpTagSchema),
});

export const GroupChatMemberSchema = Type.Object({
  userid: Str(),
  type: Int(),
  unionid: Opt(Str()),
  join_time: Int(),
  join_scene: Int(),
  invitor: Opt(Type.Object({ userid: Str() })),
  group_nickname: Opt(Str()),
  name: Opt(Str()),
  state: Opt(Str()),
});

export const GroupChatSchema = Type.Object({
  chat_id: Str(),
  name: Str(),
  owner: Str(),
  create_time: Int(),
  notice: Opt(Str()),
  member_list: Type.Array(GroupChatMemberSchema),
  admin_list: Opt(Type.Array(Type.Object({ userid: Str() }))),
  member_version: Opt(Str()),
});

const TransferResultCustomer = Type.Object({ external_userid: Str(), status: Int(), takeover_time: Opt(Int()) });
const TransferStartCustomer = Type.Object({ external_userid: Str(), errcode: Int() });

const ContactWayFields = {
  type: Int(),
  scene: Int(),
  style: Opt(Int()),
  remark: Opt(Str()),
  skip_verify: Opt(Type.Boolean()),
  state: Opt(Str()),
  user: Opt(Type.Array(Str())),
  party: Opt(Type.Array(Int())),
  is_temp: Opt(Type.Boolean()),
  expires_in: Opt(Int()),
  chat_expires_in: Opt(Int()),
  unionid: Opt(Str()),
  conclusions: Opt(Type.Unknown()),
};

const JoinWayFields = {
  scene: Int(),
  remark: Opt(Str()),
  auto_create_room: Opt(Int()),
  room_base_name: Opt(Str()),
  room_base_id: Opt(Int()),
  chat_id_list: Type.Array(Str()),
  state: Opt(Str()),
};

const AcquisitionRange = Type.Object({
  user_list: Opt(Type.Array(Str())),
  department_list: Opt(Type.Array(Int())),
});
const PriorityOption = Type.Object({ priority_type: Int(), priority_userid_list: Opt(Type.Array(Str())) });

export const wecomEndpoints = {
  getToken: endpoint({
    method: 'GET',
    path: 'gettoken',
    query: Type.Object({ corpid: Str(), corpsecret: Str() }),
    body: NoBody,
    response: Type.Object({ access_token: Str(), expires_in: Int() }),
  }),
  getJsapiTicket: endpoint({
    method: 'GET',
    path: 'get_jsapi_ticket',
    query: NoQuery,
    body: NoBody,
    response: Type.Object({ ticket: Str(), expires_in: Int() }),
  }),
  getAgentTicket: endpoint({
    method: 'GET',
    path: 'ticket/get',
    query: Type.Object({ type: Type.Literal('agent_config') }),
    body: NoBody,
    response: Type.Object({ ticket: Str(), expires_in: Int() }),
  }),

  // Organisation
  listDepartments: endpoint({
    method: 'GET',
    path: 'department/list',
    query: Type.Object({ id: Opt(Str()) }),
    body: NoBody,
    response: Type.Object({ department: Type.Array(DepartmentSchema) }),
  }),
  getUser: endpoint({
    method: 'GET',
    path: 'user/get',
    query: Type.Object({ userid: Str() }),
    body: NoBody,
    response: UserSchema,
  }),
  listUsers: endpoint({
    method: 'GET',
    path: 'user/list',
    query: Type.Object({ department_id: Str(), fetch_child: Opt(Str()) }),
    body: NoBody,
    response: Type.Object({ userlist: Type.Array(UserSchema) }),
  }),
  listUserIds: endpoint({
    method: 'POST',
    path: 'user/list_id',
    query: NoQuery,
    body: Type.Object({ cursor: Opt(Str()), limit: Opt(Int({ minimum: 1, maximum: 10000 })) }),
    response: Type.Object({
      next_cursor: Opt(Str()),
      dept_user: Type.Array(Type.Object({ userid: Str(), department: Int() })),
    }),
    maxPage: 10000,
  }),

  // Customer contact
  getFollowUserList: endpoint({
    method: 'GET',
    path: 'externalcontact/get_follow_user_list',
    query: NoQuery,
    body: NoBody,
    response: Type.Object({ follow_user: Type.Array(Str()) }),
  }),
  listExternalContacts: endpoint({
    method: 'GET',
    path: 'externalcontact/list',
    query: Type.Object({ userid: Str() }),
    body: NoBody,
    response: Type.Object({ external_userid: Type.Array(Str()) }),
  }),
  getExternalContact: endpoint({
    method: 'GET',
    path: 'externalcontact/get',
    query: Type.Object({ external_userid: Str(), cursor: Opt(Str()) }),
    body: NoBody,
    response: Type.Object({
      external_contact: ExternalContactSchema,
      follow_user: Type.Array(FollowUserSchema),
      next_cursor: Opt(Str()),
    }),
    maxPage: 500,
  }),
  batchGetByUser: endpoint({
    method: 'POST',
    path: 'externalcontact/batch/get_by_user',
    query: NoQuery,
    body: Type.Object({
      userid_list: Type.Array(Str(), { minItems: 1, maxItems: 100 }),
      cursor: Opt(Str()),
      limit: Opt(Int({ minimum: 1 })),
    }),
    response: Type.Object({
      external_contact_list: Type.Array(
        Type.Object({ external_contact: ExternalContactSchema, follow_info: FollowInfoSchema }),
      ),
      next_cursor: Opt(Str()),
    }),
    maxPage: 100,
  }),
  remark: endpoint({
    method: 'POST',
    path: 'externalcontact/remark',
    query: NoQuery,
    body: Type.Object({
      userid: Str(),
      external_userid: Str(),
      remark: Opt(Str({ maxLength: 20 })),
      description: Opt(Str({ maxLength: 150 })),
      remark_company: Opt(Str({ maxLength: 20 })),
      remark_mobiles: Opt(Type.Array(Str())),
      remark_pic_mediaid: Opt(Str()),
    }),
    response: Empty,
  }),

  // Corp tags
  getCorpTagList: endpoint({
    method: 'POST',
    path: 'externalcontact/get_corp_tag_list',
    query: NoQuery,
    body: Type.Object({ tag_id: Opt(Type.Array(Str())), group_id: Opt(Type.Array(Str())) }),
    response: Type.Object({ tag_group: Type.Array(CorpTagGroupSchema) }),
  }),
  addCorpTag: endpoint({
    method: 'POST',
    path: 'externalcontact/add_corp_tag',
    query: NoQuery,
    body: Type.Object({
      group_id: Opt(Str()),
      group_name: Opt(Str({ maxLength: 30 })),
      order: Opt(Int()),
      tag: Type.Array(Type.Object({ name: Str({ minLength: 1, maxLength: 30 }), order: Opt(Int()) }), { minItems: 1 }),
      agentid: Opt(Int()),
    }),
    response: Type.Object({ tag_group: CorpTagGroupSchema }),
  }),
  editCorpTag: endpoint({
    method: 'POST',
    path: 'externalcontact/edit_corp_tag',
    query: NoQuery,
    body: Type.Object({ id: Str(), name: Opt(Str({ maxLength: 30 })), order: Opt(Int()), agentid: Opt(Int()) }),
    response: Empty,
  }),
  delCorpTag: endpoint({
    method: 'POST',
    path: 'externalcontact/del_corp_tag',
    query: NoQuery,
    body: Type.Object({ tag_id: Opt(Type.Array(Str())), group_id: Opt(Type.Array(Str())), agentid: Opt(Int()) }),
    response: Empty,
  }),
  markTag: endpoint({
    method: 'POST',
    path: 'externalcontact/mark_tag',
    query: NoQuery,
    body: Type.Object({
      userid: Str(),
      external_userid: Str(),
      add_tag: Opt(Type.Array(Str())),
      remove_tag: Opt(Type.Array(Str())),
    }),
    response: Empty,
  }),

  // Customer groups
  listGroupChats: endpoint({
    method: 'POST',
    path: 'externalcontact/groupchat/list',
    query: NoQuery,
    body: Type.Object({
      status_filter: Opt(Int()),
      owner_filter: Opt(Type.Object({ userid_list: Type.Array(Str(), { maxItems: 100 }) })),
      cursor: Opt(Str()),
      limit: Int({ minimum: 1, maximum: 1000 }),
    }),
    response: Type.Object({
      group_chat_list: Type.Array(Type.Object({ chat_id: Str(), status: Int() })),
      next_cursor: Opt(Str()),
    }),
    maxPage: 1000,
  }),
  getGroupChat: endpoint({
    method: 'POST',
    path: 'externalcontact/groupchat/get',
    query: NoQuery,
    body: Type.Object({ chat_id: Str(), need_name: Opt(Int()) }),
    response: Type.Object({ group_chat: GroupChatSchema }),
  }),

  // Transfers
  transferCustomer: endpoint({
    method: 'POST',
    path: 'externalcontact/transfer_customer',
    query: NoQuery,
    body: Type.Object({
      handover_userid: Str(),
      takeover_userid: Str(),
      external_userid: Type.Array(Str(), { minItems: 1, maxItems: 100 }),
      transfer_success_msg: Opt(Str({ maxLength: 200 })),
    }),
    response: Type.Object({ customer: Type.Array(TransferStartCustomer) }),
  }),
  transferResult: endpoint({
    method: 'POST',
    path: 'externalcontact/transfer_result',
    query: NoQuery,
    body: Type.Object({ handover_userid: Str(), takeover_userid: Str(), cursor: Opt(Str()) }),
    response: Type.Object({ customer: Type.Array(TransferResultCustomer), next_cursor: Opt(Str()) }),
    maxPage: 1000,
  }),
  transferGroupChats: endpoint({
    method: 'POST',
    path: 'externalcontact/groupchat/onjob_transfer',
    query: NoQuery,
    body: Type.Object({ chat_id_list: Type.Array(Str(), { minItems: 1, maxItems: 100 }), new_owner: Str() }),
    response: Type.Object({
      failed_chat_list: Opt(Type.Array(Type.Object({ chat_id: Str(), errcode: Int(), errmsg: Str() }))),
    }),
  }),

  // Contact ways («联系我»)
  addContactWay: endpoint({
    method: 'POST',
    path: 'externalcontact/add_contact_way',
    query: NoQuery,
    body: Type.Object(ContactWayFields),
    response: Type.Object({ config_id: Str(), qr_code: Opt(Str()) }),
  }),
  getContactWay: endpoint({
    method: 'POST',
    path: 'externalcontact/get_contact_way',
    query: NoQuery,
    body: Type.Object({ config_id: Str() }),
    response: Type.Object({
      contact_way: Type.Object({ config_id: Str(), qr_code: Opt(Str()), ...ContactWayFields }),
    }),
  }),
  updateContactWay: endpoint({
    method: 'POST',
    path: 'externalcontact/update_contact_way',
    query: NoQuery,
    body: Type.Object({ config_id: Str(), ...Type.Partial(Type.Object(ContactWayFields)).properties }),
    response: Empty,
  }),
  delContactWay: endpoint({
    method: 'POST',
    path: 'externalcontact/del_contact_way',
    query: NoQuery,
    body: Type.Object({ config_id: Str() }),
    response: Empty,
  }),

  // Group join ways («加入群聊»)
  addJoinWay: endpoint({
    method: 'POST',
    path: 'externalcontact/groupchat/add_join_way',
    query: NoQuery,
    body: Type.Object(JoinWayFields),
    response: Type.Object({ config_id: Str() }),
  }),
  getJoinWay: endpoint({
    method: 'POST',
    path: 'externalcontact/groupchat/get_join_way',
    query: NoQuery,
    body: Type.Object({ config_id: Str() }),
    response: Type.Object({
      join_way: Type.Object({ config_id: Str(), qr_code: Opt(Str()), ...JoinWayFields }),
    }),
  }),
  updateJoinWay: endpoint({
    method: 'POST',
    path: 'externalcontact/groupchat/update_join_way',
    query: NoQuery,
    body: Type.Object({ config_id: Str(), ...JoinWayFields }),
    response: Empty,
  }),
  delJoinWay: endpoint({
    method: 'POST',
    path: 'externalcontact/groupchat/del_join_way',
    query: NoQuery,
    body: Type.Object({ config_id: Str() }),
    response: Empty,
  }),

  // Customer-acquisition links (获客助手)
  createAcquisitionLink: endpoint({
    method: 'POST',
    path: 'externalcontact/customer_acquisition/create_link',
    query: NoQuery,
    body: Type.Object({
      link_name: Str({ minLength: 1, maxLength: 30 }),
      range: AcquisitionRange,
      skip_verify: Opt(Type.Boolean()),
      priority_option: Opt(PriorityOption),
      mark_source: Opt(Type.Boolean()),
    }),
    response: Type.Object({
      link: Type.Object({ link_id: Str(), link_name: Str(), url: Str(), create_time: Int() }),
    }),
  }),
  getAcquisitionLink: endpoint({
    method: 'POST',
    path: 'externalcontact/customer_acquisition/get',
    query: NoQuery,
    body: Type.Object({ link_id: Str() }),
    response: Type.Object({
      link: Type.Object({
        link_name: Str(),
        url: Str(),
        create_time: Int(),
        skip_verify: Opt(Type.Boolean()),
      }),
      range: AcquisitionRange,
      priority_option: Opt(PriorityOption),
      skip_verify: Opt(Type.Boolean()),
    }),
  }),
  updateAcquisitionLink: endpoint({
    method: 'POST',
    path: 'externalcontact/customer_acquisition/update_link',
    query: NoQuery,
    body: Type.Object({
      link_id: Str(),
      link_name: Opt(Str({ maxLength: 30 })),
      range: Opt(AcquisitionRange),
      skip_verify: Opt(Type.Boolean()),
      priority_option: Opt(PriorityOption),
      mark_source: Opt(Type.Boolean()),
    }),
    response: Empty,
  }),
  deleteAcquisitionLink: endpoint({
    method: 'POST',
    path: 'externalcontact/customer_acquisition/delete_link',
    query: NoQuery,
    body: Type.Object({ link_id: Str() }),
    response: Empty,
  }),
  listAcquisitionLinks: endpoint({
    method: 'POST',
    path: 'externalcontact/customer_acquisition/list_link',
    query: NoQuery,
    body: Type.Object({ limit: Opt(Int({ minimum: 1, maximum: 100 })), cursor: Opt(Str()) }),
    response: Type.Object({ link_id_list: Type.Array(Str()), next_cursor: Opt(Str()) }),
    maxPage: 100,
  }),

  getAcquisitionQuota: endpoint({
    method: 'GET',
    path: 'externalcontact/customer_acquisition_quota',
    query: NoQuery,
    body: NoBody,
    response: Type.Object({
      total: Int(),
      balance: Int(),
      quota_list: Opt(Type.Array(Type.Object({ expire_date: Int(), balance: Int() }))),
    }),
  }),

  sendWelcomeMessage: endpoint({
    method: 'POST',
    path: 'externalcontact/send_welcome_msg',
    query: NoQuery,
    body: Type.Object({
      welcome_code: Str({ minLength: 1 }),
      text: Opt(Type.Object({ content: Str() })),
      attachments: Opt(Type.Array(Type.Object({ msgtype: Str() }, { additionalProperties: true }), { maxItems: 9 })),
    }),
    response: Empty,
  }),
} as const;

export type WecomEndpoints = typeof wecomEndpoints;
export type EndpointName = keyof WecomEndpoints;
export type EndpointQuery<N extends EndpointName> = Static<WecomEndpoints[N]['query']>;
export type EndpointBody<N extends EndpointName> = Static<WecomEndpoints[N]['body']>;
export type EndpointResponse<N extends EndpointName> = Static<WecomEndpoints[N]['response']>;

/** Media uploads are multipart (one part named `media`), so they sit outside the JSON table. */
export const MEDIA_UPLOAD_PATH = 'media/upload';
export const MEDIA_UPLOAD_IMAGE_PATH = 'media/uploadimg';
export const MediaUploadResponse = Type.Object({ type: Str(), media_id: Str(), created_at: Str() });
export const MediaUploadImageResponse = Type.Object({ url: Str() });

/** Every WeCom answer carries these; errcode 0 is success. */
export const EnvelopeSchema: TObject = Type.Object({ errcode: Int(), errmsg: Str() });
export type Envelope = { errcode: number; errmsg: string };
