/**
 * Realistic request bodies for the partner clue-intake endpoint: Chinese contact names, phone
 * numbers written the many ways partners send them, percent-encoded search/landing URLs and a
 * 1–3 KB chat transcript. Bodies are pre-rendered once (without the businessId) so that building a
 * request under load costs one string concatenation: the load generator shares the machine with
 * the server it measures, so it must stay cheap.
 */

/** Deterministic PRNG (mulberry32) so every run sends the same mix of bodies. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '罗',
  '欧阳',
  '司马',
  '诸葛',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '秀英',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀兰',
  '霞',
  '平',
  '刚',
  '桂英',
  '建华',
  '子涵',
  '雨桐',
  '浩然',
  '欣怡',
];
const CITIES = [
  '上海市浦东新区张江高科技园区碧波路690号',
  '北京市海淀区中关村大街27号中关村大厦12层',
  '广东省深圳市南山区科技园南区高新南七道R2-B栋',
  '浙江省杭州市余杭区文一西路969号',
  '四川省成都市高新区天府大道北段1700号环球中心W6区',
  '江苏省苏州市工业园区星湖街328号创意产业园',
  '湖北省武汉市洪山区珞喻路1037号',
  '',
];
const REMARKS = [
  '想了解企业微信SCRM的报价，团队30人左右，主要做教育培训的私域运营。',
  '我们是做家装的，想把百度来的线索自动分配给销售，并且能看到跟进记录。',
  '请尽快联系，需要演示一下客户群发和渠道活码功能。',
  '公司有三个门店，希望每个门店的顾问都能收到线索，周末也要有人值班。',
  '之前用的别家系统，线索经常重复，想问一下你们怎么去重。',
  '咨询一下价格，另外能否开发票？',
];
const SE = ['baidu', '360', 'sogou', 'bing', 'shenma', ''];
const TAGS = ['百度SEM', '信息流', '官网表单', '抖音', '小红书', ''];
const KEYWORDS = ['企业微信 SCRM', '私域流量 管理系统', '客户管理软件 报价', '销售线索 自动分配', 'CRM 系统 免费试用'];
const CHAT_VISITOR = [
  '你好，我想咨询一下你们的系统',
  '我们公司大概有五十个销售，能支持吗？',
  '价格是怎么算的？按账号还是按年？',
  '可以和企业微信打通吗？客户加好友之后能自动打标签吗？',
  '线索分配可以按地区分吗？比如华东的给上海团队。',
  '有没有案例可以参考一下，最好是教育行业的。',
  '好的，那你们什么时候方便演示？我下午三点以后都有空。',
  '我的电话就是表单里留的那个，微信同号。',
  '数据安全怎么保证？可以私有化部署吗？',
  '嗯嗯，明白了，谢谢！',
];
const CHAT_AGENT = [
  '您好，欢迎咨询！请问您这边是什么行业呢？',
  '可以支持的，我们按坐席数计费，五十个坐席有阶梯优惠。',
  '是的，我们是企业微信官方服务商，加好友后可以按渠道活码自动打标签。',
  '支持按地区、来源、关键词等条件配置分配规则，还可以设置每日上限和轮询。',
  '教育行业的案例很多，我稍后把资料发到您的微信上。',
  '好的，我帮您预约下午三点半的线上演示，届时顾问会电话联系您。',
  '数据都存储在国内的云服务器上，也提供私有化部署方案。',
  '请问怎么称呼您？方便留一下手机号吗？',
  '不客气，祝您工作顺利！',
];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

function digits(rnd: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(rnd() * 10));
  return s;
}

/** A phone number in one of the formats partners actually send; every one passes the API's cn-phone check. */
function phone(rnd: () => number): string {
  const mobile = `1${pick(rnd, ['3', '5', '7', '8', '9'])}${digits(rnd, 9)}`;
  const m = (a: number, b: number) => mobile.slice(a, b);
  switch (Math.floor(rnd() * 9)) {
    case 0:
      return `${m(0, 3)} ${m(3, 7)} ${m(7, 11)}`;
    case 1:
      return `+86 ${mobile}`;
    case 2:
      return `+86-${m(0, 3)}-${m(3, 7)}-${m(7, 11)}`;
    case 3:
      return `0086 ${m(0, 3)} ${m(3, 7)} ${m(7, 11)}`;
    case 4:
      return `(0${pick(rnd, ['10', '21', '755', '571'])}) ${digits(rnd, 4)} ${digits(rnd, 4)}`;
    case 5:
      return `0${pick(rnd, ['10', '21', '20', '28'])}-${digits(rnd, 8)}`;
    case 6:
      return `400-${digits(rnd, 3)}-${digits(rnd, 4)}`;
    default:
      return mobile;
  }
}

function chatTranscript(rnd: () => number, minBytes: number, maxBytes: number): string {
  const target = minBytes + Math.floor(rnd() * (maxBytes - minBytes));
  const agent = `客服(${pick(rnd, ['小李', '小王', 'Amy', '陈顾问'])})`;
  const day = `2024-05-${String(10 + Math.floor(rnd() * 18))}`;
  let minute = Math.floor(rnd() * 600);
  const lines: string[] = [];
  let bytes = 0;
  let visitorTurn = true;
  while (bytes < target) {
    minute += 1 + Math.floor(rnd() * 2);
    const hh = String(9 + (Math.floor(minute / 60) % 12)).padStart(2, '0');
    const mm = String(minute % 60).padStart(2, '0');
    const ss = String(Math.floor(rnd() * 60)).padStart(2, '0');
    const line = `[${day} ${hh}:${mm}:${ss}] ${
      visitorTurn ? `访客: ${pick(rnd, CHAT_VISITOR)}` : `${agent}: ${pick(rnd, CHAT_AGENT)}`
    }`;
    lines.push(line);
    bytes += Buffer.byteLength(line) + 1;
    visitorTurn = !visitorTurn;
  }
  return lines.join('\n');
}

export interface ClueBodyFields {
  linkManName: string;
  linkManTel: string;
  email: string;
  address: string;
  wechat: string;
  remark: string;
  source: number;
  fromPage: string;
  landPage: string;
  submitPage: string;
  device: 'pc' | 'mobile';
  tag: string;
  se: string;
  chat: string;
}

function clueFields(rnd: () => number): ClueBodyFields {
  const name = pick(rnd, SURNAMES) + pick(rnd, GIVEN) + (rnd() < 0.4 ? pick(rnd, GIVEN) : '');
  const se = pick(rnd, SE);
  const keyword = encodeURIComponent(pick(rnd, KEYWORDS));
  const device = rnd() < 0.6 ? 'mobile' : 'pc';
  const campaign = `wecom_${digits(rnd, 4)}`;
  const clickId = Buffer.from(digits(rnd, 24)).toString('base64url');
  const fromPage =
    se === 'baidu' || se === ''
      ? `https://${device === 'mobile' ? 'm' : 'www'}.baidu.com/s?wd=${keyword}&rsv_spt=1&ie=utf-8&tn=baiduhome_pg`
      : se === 'sogou'
        ? `https://www.sogou.com/web?query=${keyword}&ie=utf8`
        : se === '360'
          ? `https://www.so.com/s?q=${keyword}&src=srp`
          : se === 'bing'
            ? `https://cn.bing.com/search?q=${keyword}&form=QBLH`
            : `https://m.sm.cn/s?q=${keyword}&from=smor`;
  const landPage = `https://www.${pick(rnd, ['scrm-demo.cn', 'qiweiyun.com.cn', 'kefu-cloud.cn'])}/lp/2024/${pick(rnd, [
    'wecom-scrm',
    'private-traffic',
    'lead-routing',
  ])}?utm_source=${se || 'direct'}&utm_medium=cpc&utm_campaign=${campaign}&bd_vid=${clickId}`;
  return {
    linkManName: name,
    linkManTel: phone(rnd),
    email:
      rnd() < 0.5
        ? ''
        : `${digits(rnd, 5 + Math.floor(rnd() * 5))}@${pick(rnd, ['qq.com', '163.com', '126.com', 'foxmail.com'])}`,
    address: pick(rnd, CITIES),
    wechat: rnd() < 0.5 ? '' : `wxid_${Buffer.from(digits(rnd, 9)).toString('base64url').toLowerCase()}`,
    remark: pick(rnd, REMARKS),
    source: 1,
    fromPage,
    landPage,
    submitPage: `${landPage}#consult-form`,
    device,
    tag: pick(rnd, TAGS),
    se,
    chat: chatTranscript(rnd, 1024, 3072),
  };
}

/**
 * Hands out request bodies with a fresh businessId each time. `variants` distinct bodies are
 * rendered up front and cycled through; only the id changes between uses of one variant.
 */
export class ClueBodyFactory {
  private readonly heads: string[] = [];
  private readonly tails: string[] = [];
  private next = 0;
  private serial = 0;

  constructor(
    secretKey: string,
    private readonly idPrefix: string,
    variants = 400,
    seed = 20240512,
  ) {
    const rnd = prng(seed);
    const head = `{"secretKey":${JSON.stringify(secretKey)},"businessId":"`;
    for (let i = 0; i < variants; i++) {
      this.heads.push(head);
      this.tails.push(`",${JSON.stringify(clueFields(rnd)).slice(1)}`);
    }
  }

  /** A body whose businessId is `<prefix>-<n>` (n counts up from 1 for this factory). */
  nextBody(): { businessId: string; body: string } {
    const i = this.next;
    this.next = (i + 1) % this.tails.length;
    const businessId = `${this.idPrefix}-${++this.serial}`;
    return { businessId, body: (this.heads[i] as string) + businessId + (this.tails[i] as string) };
  }

  get issued(): number {
    return this.serial;
  }

  /** Mean body size in bytes, for the report. */
  meanBytes(): number {
    const total = this.tails.reduce((sum, t, i) => sum + Buffer.byteLength((this.heads[i] as string) + t), 0);
    return Math.round(total / this.tails.length + this.idPrefix.length + 6);
  }
}
