import { Type, type Static } from '@sinclair/typebox';
import { OptionalText, RequiredText, StringEnum } from '../../validation';

const url = (description: string) => Type.String({ minLength: 1, maxLength: 2048, format: 'http-url', description });

/** Seed 000 "收集线索": every field, its required-ness and type as the partner document gives them. */
export const CollectClueBody = Type.Object(
  {
    secretKey: Type.String({ minLength: 1, maxLength: 128, description: '请求秘钥 — the partner secret key' }),
    businessId: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[\\x21-\\x7E]+$',
      'x-message': 'field.businessId',
      description: '线索唯一索引 — the partner’s unique clue id; sending it again updates the clue',
    }),
    linkManName: RequiredText(64, '联系人名称 — contact name'),
    linkManTel: Type.String({
      minLength: 1,
      maxLength: 32,
      format: 'cn-phone',
      description: '联系人电话 — contact phone',
    }),
    email: Type.Optional(
      Type.String({
        maxLength: 254,
        pattern: '^$|^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
        'x-message': 'format.email',
        description: '联系人邮箱 — contact email',
      }),
    ),
    address: OptionalText(256, '联系人地址 — contact address'),
    wechat: OptionalText(64, '联系人微信 — contact WeChat id'),
    remark: RequiredText(2000, '客户需求 — what the customer needs'),
    source: Type.Integer({ minimum: 1, maximum: 2147483647, description: '来源 — source; partners send 1' }),
    fromPage: url('来源 URL — referring page'),
    landPage: url('落地 URL — landing page'),
    submitPage: url('表单提交 URL — page the form was submitted on'),
    device: StringEnum(['pc', 'mobile'] as const, 'pc | mobile'),
    tag: OptionalText(64, '标签 — tag'),
    se: OptionalText(64, '搜索引擎 — search engine'),
    chat: Type.String({ minLength: 1, maxLength: 200_000, pattern: '\\S', description: '聊天内容 — chat transcript' }),
  },
  {
    additionalProperties: true,
    description:
      'Fields not listed here are accepted and ignored (partners’ systems send extras of their own); nothing but ' +
      'these fields is stored. The body is JSON in UTF-8; GBK and GB18030 are read when the Content-Type says ' +
      'charset=gbk or charset=gb18030, and bytes that are not valid in the declared charset are refused (400).',
  },
);

export type CollectClueInput = Static<typeof CollectClueBody>;
