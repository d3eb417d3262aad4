/** Word lists the generator draws from; plausible for a Chinese company selling through WeCom. */

const words = (text: string): readonly string[] => text.split(' ');

export const SURNAMES = words(
  '王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹',
);

export const GIVEN_CHARS = words(
  '伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 英 华 玉 萍 红 鹏 辉 婷 雪',
);

export const PINYIN = words('wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo');

export const DEPARTMENT_NAMES = words(
  '销售部 市场部 客服部 运营部 华东大区 华南大区 华北大区 西南大区 电商组 渠道组 大客户组 新零售组 售后服务组 会员运营组 直播组 品牌组',
);

export const POSITIONS = words('销售顾问 客户经理 高级销售 销售主管 客服专员 运营专员 区域经理 店长');

export const COMPANY_NAMES = words(
  '星河科技 恒信贸易 青禾餐饮 远山教育 晨光文具 嘉禾地产 蓝海物流 云帆传媒 锦程旅游 长风汽车',
);

export const TAG_CATALOGUE: ReadonlyArray<{ group: string; tags: readonly string[] }> = [
  { group: '客户等级', tags: words('重要 普通 潜在 流失 VIP 战略 待激活 沉睡') },
  { group: '意向程度', tags: words('高意向 中意向 低意向 已成交 已复购 无意向 待跟进 观望') },
  { group: '客户来源', tags: words('线下门店 官网 抖音 小红书 朋友推荐 展会 电话邀约 公众号') },
  { group: '关注产品', tags: words('基础版 专业版 旗舰版 增值服务 培训课程 硬件套装 年度订阅 定制方案') },
  { group: '所在城市', tags: words('北京 上海 广州 深圳 杭州 成都 武汉 南京') },
  { group: '生命周期', tags: words('新客 试用中 活跃 续费期 待挽回 已续约 即将到期 老客') },
];

export const CHAT_NAME_SUFFIXES = words('客户交流群 VIP服务群 新品体验群 售后服务群 会员福利群 学习打卡群');

export const DESCRIPTIONS = [
  '',
  '',
  '有采购预算',
  '对价格敏感',
  '希望周末联系',
  '老客户转介绍',
  '需要发票',
  '已加微信',
];

/** add_way values a generated relation may carry (1 QR, 2 phone search, 3 card, 4 group, 5 phone book, 16 link, 201/202 assigned). */
export const ADD_WAYS = [1, 1, 1, 2, 3, 4, 5, 6, 16, 201, 202] as const;
