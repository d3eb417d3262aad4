import {
  CallbackXmlError,
  buildEventXml,
  parseCallbackEnvelope,
  parseCallbackEvent,
  parseXmlDocument,
  type CallbackEvent,
  type XmlBuildValue,
} from '../../src/wecom/callback-xml';

function errorCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof CallbackXmlError ? error.code : `not a CallbackXmlError: ${String(error)}`;
  }
  return undefined;
}

/** Everything but the raw fields, for readable comparisons. */
function typed(event: CallbackEvent): Record<string, unknown> {
  const { fields: _fields, ...rest } = event;
  return rest;
}

describe('parseCallbackEnvelope', () => {
  const encrypt = 'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHH==';

  it.each([
    [
      'official order',
      `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`,
    ],
    [
      'agent first, bare values, whitespace',
      `<xml>\n  <AgentID>218</AgentID>\n  <Encrypt><![CDATA[${encrypt}]]></Encrypt>\n  <ToUserName>wx5823bf96d3bd56c7</ToUserName>\n</xml>\n`,
    ],
    [
      'with an XML declaration',
      `<?xml version="1.0" encoding="UTF-8"?><xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID>218</AgentID><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName></xml>`,
    ],
  ])('reads the envelope in any element order (%s)', (_label, xml) => {
    expect(parseCallbackEnvelope(xml)).toEqual({ toUserName: 'wx5823bf96d3bd56c7', encrypt, agentId: '218' });
  });

  it('keeps an empty AgentID as empty and a missing one as absent', () => {
    expect(
      parseCallbackEnvelope(`<xml><ToUserName>c</ToUserName><Encrypt>e</Encrypt><AgentID></AgentID></xml>`),
    ).toEqual({
      toUserName: 'c',
      encrypt: 'e',
      agentId: '',
    });
    expect(parseCallbackEnvelope(`<xml><ToUserName>c</ToUserName><Encrypt>e</Encrypt></xml>`)).toEqual({
      toUserName: 'c',
      encrypt: 'e',
    });
  });

  it('requires Encrypt', () => {
    expect(errorCode(() => parseCallbackEnvelope('<xml><ToUserName>c</ToUserName></xml>'))).toBe('MISSING_FIELD');
    expect(errorCode(() => parseCallbackEnvelope('<xml><Encrypt></Encrypt></xml>'))).toBe('MISSING_FIELD');
  });
});

describe('parseXmlDocument', () => {
  it.each([
    ['unclosed root', '<xml><A>1</A>'],
    ['mismatched tags', '<xml><A>1</B></xml>'],
    ['not XML at all', 'hello'],
    ['empty input', ''],
    ['bare ampersand', '<xml><A>a & b</A></xml>'],
    ['wrong root', '<root><A>1</A></root>'],
    ['two roots', '<xml><A>1</A></xml><xml><A>2</A></xml>'],
    ['JSON', '{"Encrypt":"x"}'],
  ])('rejects malformed input: %s', (_label, xml) => {
    expect(errorCode(() => parseXmlDocument(xml))).toBe('MALFORMED_XML');
  });

  it('refuses DOCTYPE and entity declarations instead of expanding them', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY boom "expanded">]><xml><A>&boom;</A></xml>';
    expect(errorCode(() => parseXmlDocument(xml))).toBe('MALFORMED_XML');
  });

  it('accepts declaration-like text inside CDATA', () => {
    expect(parseXmlDocument('<xml><Content><![CDATA[<!DOCTYPE html> <!ENTITY x "y">]]></Content></xml>')).toEqual({
      Content: '<!DOCTYPE html> <!ENTITY x "y">',
    });
  });

  it('refuses element names that would pollute prototypes', () => {
    expect(errorCode(() => parseXmlDocument('<xml><__proto__>x</__proto__></xml>'))).toBe('MALFORMED_XML');
  });

  it('keeps every value a string: numbers, leading zeros, long ids', () => {
    const fields = parseXmlDocument(
      '<xml><CreateTime>1409659813</CreateTime><Code>007</Code><MsgId>4561255354251345929</MsgId><Flag>true</Flag></xml>',
    );
    expect(fields).toEqual({ CreateTime: '1409659813', Code: '007', MsgId: '4561255354251345929', Flag: 'true' });
  });

  it('keeps CDATA verbatim and decodes only predefined entities and character references in text', () => {
    const fields = parseXmlDocument(
      '<xml><A><![CDATA[ <b>a &amp; b</b> ]]></A><B>x &amp; y &lt;z&gt; &#20013;&#x6587; &quot;q&quot; &apos;</B>' +
        '<C>&amp;lt;</C><D>&nbsp;</D><E><![CDATA[x]]]]><![CDATA[>y]]></E></xml>',
    );
    expect(fields.A).toBe(' <b>a &amp; b</b> ');
    expect(fields.B).toBe(`x & y <z> 中文 "q" '`);
    expect(fields.C).toBe('&lt;');
    expect(fields.D).toBe('&nbsp;');
    expect(fields.E).toBe('x]]>y');
  });

  it('turns repeated elements into lists and nested elements into objects', () => {
    const fields = parseXmlDocument(
      '<xml><L><Item>Jack</Item>\n<Item><![CDATA[Rose]]></Item></L><One><Item>solo</Item></One><Empty></Empty><Self/></xml>',
    );
    expect(fields).toEqual({ L: { Item: ['Jack', 'Rose'] }, One: { Item: 'solo' }, Empty: '', Self: '' });
  });
});

describe('parseCallbackEvent: WECOM-API.md §7.4 samples', () => {
  it('add_external_contact (the documented sample)', () => {
    const xml = `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
<CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>
<UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACH71w]]></ExternalUserID>
<State><![CDATA[teststate]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>`;
    const event = parseCallbackEvent(xml);
    expect(typed(event)).toEqual({
      kind: 'change_external_contact',
      changeType: 'add_external_contact',
      toUserName: 'toUser',
      fromUserName: 'sys',
      createTime: 1403610513,
      userId: 'zhangsan',
      externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mACH71w',
      state: 'teststate',
      welcomeCode: 'WELCOMECODE',
    });
    expect(event.fields.MsgType).toBe('event');
  });

  it('change_external_chat update (the documented sample values)', () => {
    const xml = buildEventXml({
      ToUserName: 'toUser',
      FromUserName: 'sys',
      CreateTime: 1403610513,
      MsgType: 'event',
      Event: 'change_external_chat',
      ChatId: 'wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ',
      ChangeType: 'update',
      UpdateDetail: 'add_member',
      JoinScene: 1,
      QuitScene: 0,
      MemChangeCnt: 10,
      MemChangeList: { Item: ['Jack', 'Rose'] },
      LastMemVer: '9c3f97c2ada667dfb5f6d03308d963e1',
      CurMemVer: '71217227bbd112ecfe3a49c482195cb4',
    });
    expect(typed(parseCallbackEvent(xml))).toEqual({
      kind: 'change_external_chat',
      changeType: 'update',
      toUserName: 'toUser',
      fromUserName: 'sys',
      createTime: 1403610513,
      chatId: 'wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ',
      updateDetail: 'add_member',
      joinScene: 1,
      quitScene: 0,
      memChangeCnt: 10,
      memChangeList: ['Jack', 'Rose'],
      lastMemVer: '9c3f97c2ada667dfb5f6d03308d963e1',
      curMemVer: '71217227bbd112ecfe3a49c482195cb4',
    });
  });
});

describe('parseCallbackEvent: every modelled change type', () => {
  const head = (event: string, changeType: string): Record<string, XmlBuildValue> => ({
    ToUserName: 'ww1234567890',
    FromUserName: 'sys',
    CreateTime: 1700000000,
    MsgType: 'event',
    Event: event,
    ChangeType: changeType,
  });
  const common = { toUserName: 'ww1234567890', fromUserName: 'sys', createTime: 1700000000 };
  const parse = (fields: Record<string, XmlBuildValue>) => typed(parseCallbackEvent(buildEventXml(fields)));

  it('change_external_contact', () => {
    const who = { UserID: 'lisi', ExternalUserID: 'wmEXT1' };
    const ids = { userId: 'lisi', externalUserId: 'wmEXT1' };
    const kind = 'change_external_contact';
    expect(parse({ ...head(kind, 'add_half_external_contact'), ...who, State: 's1', WelcomeCode: 'W1' })).toEqual({
      ...common,
      ...ids,
      kind,
      changeType: 'add_half_external_contact',
      state: 's1',
      welcomeCode: 'W1',
    });
    expect(parse({ ...head(kind, 'add_external_contact'), ...who })).toEqual({
      ...common,
      ...ids,
      kind,
      changeType: 'add_external_contact',
    });
    expect(parse({ ...head(kind, 'edit_external_contact'), ...who })).toEqual({
      ...common,
      ...ids,
      kind,
      changeType: 'edit_external_contact',
    });
    expect(parse({ ...head(kind, 'del_external_contact'), ...who, Source: 'DELETE_BY_TRANSFER' })).toEqual({
      ...common,
      ...ids,
      kind,
      changeType: 'del_external_contact',
      source: 'DELETE_BY_TRANSFER',
    });
    expect(parse({ ...head(kind, 'del_follow_user'), ...who })).toEqual({
      ...common,
      ...ids,
      kind,
      changeType: 'del_follow_user',
    });
    expect(parse({ ...head(kind, 'transfer_fail'), ...who, FailReason: 'customer_refused' })).toEqual({
      ...common,
      ...ids,
      kind,
      changeType: 'transfer_fail',
      failReason: 'customer_refused',
    });
  });

  it('change_external_chat create, dismiss, and updates without member lists', () => {
    const kind = 'change_external_chat';
    expect(parse({ ...head(kind, 'create'), ChatId: 'wrA' })).toEqual({
      ...common,
      kind,
      changeType: 'create',
      chatId: 'wrA',
    });
    expect(parse({ ...head(kind, 'dismiss'), ChatId: 'wrA' })).toEqual({
      ...common,
      kind,
      changeType: 'dismiss',
      chatId: 'wrA',
    });
    expect(parse({ ...head(kind, 'update'), ChatId: 'wrA', UpdateDetail: 'change_name' })).toEqual({
      ...common,
      kind,
      changeType: 'update',
      chatId: 'wrA',
      updateDetail: 'change_name',
      memChangeList: [],
    });
    const quit = parse({
      ...head(kind, 'update'),
      ChatId: 'wrA',
      UpdateDetail: 'del_member',
      QuitScene: 1,
      MemChangeCnt: 1,
      MemChangeList: { Item: 'wmGone' },
    });
    expect(quit).toMatchObject({
      updateDetail: 'del_member',
      quitScene: 1,
      memChangeCnt: 1,
      memChangeList: ['wmGone'],
    });
    expect(parse({ ...head(kind, 'update'), ChatId: 'wrA', UpdateDetail: 'brand_new_detail' })).toMatchObject({
      updateDetail: 'other',
    });
  });

  it('change_external_tag', () => {
    const kind = 'change_external_tag';
    expect(parse({ ...head(kind, 'create'), Id: 'etTAG', TagType: 'tag' })).toEqual({
      ...common,
      kind,
      changeType: 'create',
      id: 'etTAG',
      tagType: 'tag',
    });
    expect(parse({ ...head(kind, 'delete'), Id: 'etGROUP', TagType: 'tag_group', StrategyId: 7 })).toEqual({
      ...common,
      kind,
      changeType: 'delete',
      id: 'etGROUP',
      tagType: 'tag_group',
      strategyId: '7',
    });
    expect(parse({ ...head(kind, 'shuffle'), Id: 'etGROUP', StrategyId: '3' })).toEqual({
      ...common,
      kind,
      changeType: 'shuffle',
      id: 'etGROUP',
      strategyId: '3',
    });
    expect(parse({ ...head(kind, 'shuffle'), Id: '' })).toEqual({ ...common, kind, changeType: 'shuffle', id: '' });
    expect(
      errorCode(() => parseCallbackEvent(buildEventXml({ ...head(kind, 'update'), Id: 'x', TagType: 'label' }))),
    ).toBe('INVALID_FIELD');
  });

  it('change_contact users', () => {
    const kind = 'change_contact';
    expect(
      parse({
        ...head(kind, 'create_user'),
        UserID: 'zhangsan',
        Name: '张三',
        Department: '1,2,3',
        MainDepartment: 1,
        IsLeaderInDept: '1,0,0',
        Mobile: '13800000000',
        Position: 'sales',
        Gender: 1,
        Email: 'zs@example.com',
        BizMail: 'zs@corp.example.com',
        Status: 1,
        Avatar: 'http://wx.qlogo.cn/a.png',
        Alias: 'Sam',
        Telephone: '020-123456',
        Address: 'Guangzhou',
        ExtAttr: {
          Item: [
            { Name: 'badge', Type: 0, Text: { Value: 'A1' } },
            { Name: 'site', Type: 1, Web: { Title: 'Home', Url: 'https://example.com' } },
          ],
        },
      }),
    ).toEqual({
      ...common,
      kind,
      changeType: 'create_user',
      userId: 'zhangsan',
      name: '张三',
      department: [1, 2, 3],
      mainDepartment: 1,
      isLeaderInDept: [1, 0, 0],
      mobile: '13800000000',
      position: 'sales',
      gender: 1,
      email: 'zs@example.com',
      bizMail: 'zs@corp.example.com',
      status: 1,
      avatar: 'http://wx.qlogo.cn/a.png',
      alias: 'Sam',
      telephone: '020-123456',
      address: 'Guangzhou',
      extAttr: [
        { name: 'badge', type: 0, text: 'A1' },
        { name: 'site', type: 1, web: { title: 'Home', url: 'https://example.com' } },
      ],
    });
    // Updates carry only what changed.
    expect(
      parse({ ...head(kind, 'update_user'), UserID: 'zhangsan', NewUserID: 'zhangsan2', Position: 'lead' }),
    ).toEqual({
      ...common,
      kind,
      changeType: 'update_user',
      userId: 'zhangsan',
      newUserId: 'zhangsan2',
      position: 'lead',
    });
    expect(parse({ ...head(kind, 'update_user'), UserID: 'zhangsan', Status: 2 })).toEqual({
      ...common,
      kind,
      changeType: 'update_user',
      userId: 'zhangsan',
      status: 2,
    });
    expect(parse({ ...head(kind, 'delete_user'), UserID: 'zhangsan' })).toEqual({
      ...common,
      kind,
      changeType: 'delete_user',
      userId: 'zhangsan',
    });
  });

  it('change_contact parties', () => {
    const kind = 'change_contact';
    expect(parse({ ...head(kind, 'create_party'), Id: 2, Name: '销售部', ParentId: '1', Order: 100 })).toEqual({
      ...common,
      kind,
      changeType: 'create_party',
      id: 2,
      name: '销售部',
      parentId: 1,
      order: 100,
    });
    expect(parse({ ...head(kind, 'update_party'), Id: 2, Name: 'Sales' })).toEqual({
      ...common,
      kind,
      changeType: 'update_party',
      id: 2,
      name: 'Sales',
    });
    expect(parse({ ...head(kind, 'delete_party'), Id: 2 })).toEqual({
      ...common,
      kind,
      changeType: 'delete_party',
      id: 2,
    });
    expect(errorCode(() => parseCallbackEvent(buildEventXml({ ...head(kind, 'delete_party'), Id: 'abc' })))).toBe(
      'INVALID_FIELD',
    );
  });

  it('falls back to kind other for messages, unknown events and unknown change types', () => {
    expect(
      parse({
        ToUserName: 'c',
        FromUserName: 'mycreate',
        CreateTime: 1409659813,
        MsgType: 'text',
        Content: 'hello',
        MsgId: '1',
      }),
    ).toEqual({ kind: 'other', msgType: 'text', toUserName: 'c', fromUserName: 'mycreate', createTime: 1409659813 });
    expect(parse({ ...head('customer_acquisition', 'friend_request'), LinkId: 'L1', State: 's' })).toEqual({
      ...common,
      kind: 'other',
      msgType: 'event',
      event: 'customer_acquisition',
      changeType: 'friend_request',
    });
    // Unknown change types of known events do not need the fields of the known ones.
    expect(parse({ ...head('change_contact', 'update_tag'), TagId: 1 })).toMatchObject({
      kind: 'other',
      event: 'change_contact',
      changeType: 'update_tag',
    });
    expect(parse({ ...head('change_external_contact', 'something_new') })).toMatchObject({
      kind: 'other',
      changeType: 'something_new',
    });
  });

  it('keeps the raw fields on the generic event', () => {
    const event = parseCallbackEvent(buildEventXml({ ...head('customer_acquisition', 'delete_link'), LinkId: 'L9' }));
    expect(event.kind).toBe('other');
    expect(event.fields.LinkId).toBe('L9');
  });

  it('reports missing required fields with MISSING_FIELD', () => {
    expect(
      errorCode(() =>
        parseCallbackEvent(buildEventXml({ ...head('change_external_contact', 'del_follow_user'), UserID: 'a' })),
      ),
    ).toBe('MISSING_FIELD');
    expect(errorCode(() => parseCallbackEvent(buildEventXml({ ...head('change_external_chat', 'create') })))).toBe(
      'MISSING_FIELD',
    );
    expect(errorCode(() => parseCallbackEvent('<xml><MsgType>event</MsgType></xml>'))).toBe('MISSING_FIELD');
  });

  it('parses the decrypted text message of the official crypto sample', () => {
    const xml =
      '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n' +
      '<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n' +
      '<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>';
    const event = parseCallbackEvent(xml);
    expect(event).toMatchObject({ kind: 'other', msgType: 'text', createTime: 1409659813 });
    expect(event.fields).toMatchObject({ Content: 'hello', MsgId: '4561255354251345929', AgentID: '218' });
  });
});

describe('buildEventXml', () => {
  it('writes strings as CDATA and numbers bare, in the given order', () => {
    expect(buildEventXml({ ToUserName: 'ww1', CreateTime: 1700000000, Empty: '', Skipped: undefined })).toBe(
      '<xml><ToUserName><![CDATA[ww1]]></ToUserName><CreateTime>1700000000</CreateTime><Empty><![CDATA[]]></Empty></xml>',
    );
  });

  it('repeats elements for lists and nests objects', () => {
    expect(buildEventXml({ MemChangeList: { Item: ['a', 'b'] } })).toBe(
      '<xml><MemChangeList><Item><![CDATA[a]]></Item><Item><![CDATA[b]]></Item></MemChangeList></xml>',
    );
  });

  it('rejects names that are not XML element names and non-finite numbers', () => {
    expect(errorCode(() => buildEventXml({ 'bad name': 'x' }))).toBe('INVALID_FIELD');
    expect(errorCode(() => buildEventXml({ '<script>': 'x' }))).toBe('INVALID_FIELD');
    expect(errorCode(() => buildEventXml({ N: Number.NaN }))).toBe('INVALID_FIELD');
  });

  it('round-trips through the parser, including awkward text', () => {
    const fields: Record<string, XmlBuildValue> = {
      ToUserName: 'ww1234567890',
      FromUserName: 'sys',
      CreateTime: 1700000000,
      MsgType: 'event',
      Event: 'change_external_chat',
      ChangeType: 'update',
      ChatId: 'wr<&>"\'',
      UpdateDetail: 'change_notice',
      Notice: 'line1\nline2 ]]> end & <tag/> 中文 😀',
      Padded: '  spaced  ',
      MemChangeList: { Item: ['x', 'y', 'z'] },
      ExtAttr: { Item: [{ Name: 'n', Type: 0, Text: { Value: 'v' } }] },
    };
    const parsed = parseXmlDocument(buildEventXml(fields));
    expect(parsed).toEqual({
      ...fields,
      CreateTime: '1700000000',
      ExtAttr: { Item: { Name: 'n', Type: '0', Text: { Value: 'v' } } },
    });
    expect(parseCallbackEvent(buildEventXml(fields))).toMatchObject({
      kind: 'change_external_chat',
      changeType: 'update',
      chatId: 'wr<&>"\'',
      updateDetail: 'change_notice',
      memChangeList: ['x', 'y', 'z'],
    });
  });
});
