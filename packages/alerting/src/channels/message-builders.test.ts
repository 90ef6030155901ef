import { roster, noticeOf } from '../testing/fixtures';
import { allChannels } from '../testing/channel-fixtures';
import type { SmsChannelConfig } from './channel-config';
import { composeAlertText, DRILL_MARK } from './alert-text';
import { buildDingtalkMessage, DINGTALK_TEXT_MAX_BYTES } from './dingtalk-robot';
import { buildFeishuMessage, FEISHU_TEXT_MAX_BYTES } from './feishu-robot';
import { buildWebhookPayload } from './signed-webhook';
import { buildSmsRequest } from './sms-gateway';
import { buildAlertMail } from './smtp-mail';
import { truncateUtf8, utf8Bytes } from './utf8-limit';
import { buildWecomMessage, WECOM_TEXT_MAX_BYTES } from './wecom-robot';

const people = roster.people;
const signing = { timestampSeconds: 1_759_284_000, secret: 's' };
const smsChannel = allChannels().find((c) => c.id === 'sms') as SmsChannelConfig;

/** Every text a recipient can read, per channel. */
function renderAll(notice: ReturnType<typeof noticeOf>): Record<string, string[]> {
  const mail = buildAlertMail(notice, people);
  const webhook = buildWebhookPayload(notice, people, 'd1');
  const sms = JSON.parse(buildSmsRequest(smsChannel, notice, people).body) as { text: string };
  return {
    wecom: [buildWecomMessage(notice, people).text.content],
    dingtalk: [buildDingtalkMessage(notice, people).text.content],
    feishu: [buildFeishuMessage(notice, people, signing).content.text],
    email: [mail.subject, mail.text],
    webhook: [webhook.title, webhook.text],
    sms: [sms.text],
  };
}

describe('alert text', () => {
  it.each([
    ['critical', false, '【紧急舆情预警】武都区滑坡致道路中断'],
    ['warning', false, '【舆情预警】武都区滑坡致道路中断'],
    ['info', true, '【演练】【舆情提示】武都区滑坡致道路中断'],
  ] as const)('%s, drill=%s: %s', (severity, drill, title) => {
    expect(composeAlertText(noticeOf({ severity, drill })).title).toBe(title);
  });

  it.each(['wecom', 'dingtalk', 'feishu', 'email', 'webhook', 'sms'])('a drill is marked 演练 in every %s text', (kind) => {
    const texts = renderAll(noticeOf({ drill: true, body: '很长的正文'.repeat(5000) }))[kind]!;
    for (const text of texts) expect(text).toContain(DRILL_MARK);
  });

  it.each(['wecom', 'dingtalk', 'feishu', 'email', 'webhook', 'sms'])('a live alert carries no 演练 mark on %s', (kind) => {
    for (const text of renderAll(noticeOf({ drill: false }))[kind]!) expect(text).not.toContain('演练');
  });

  it('shows the time in Beijing time, the count and the escalation', () => {
    const text = composeAlertText(
      noticeOf({}, { bundle: { count: 4, windowStartMs: Date.parse('2025-10-01T02:00:00Z'), windowEndMs: Date.parse('2025-10-01T02:10:00Z') }, escalation: { step: 1, stepLabel: '新闻办主任', round: 2 } }),
    );
    expect(text.head).toEqual(['未确认，已升级至第2级（新闻办主任），第3次提醒', '同一预警在 2025-10-01 10:00 至 2025-10-01 10:10 共出现 4 次']);
    expect(text.tail[0]).toBe('时间：2025-10-01 10:00（北京时间）');
  });
});

describe('platform size limits (UTF-8 bytes, whole characters)', () => {
  const huge = noticeOf({ drill: true, body: '滑坡😀泥石流'.repeat(4000), title: '标题'.repeat(100) }, { link: 'https://huiying.example.gov.cn/incidents/incident-7' });
  it.each([
    ['wecom', buildWecomMessage(huge, people).text.content, WECOM_TEXT_MAX_BYTES],
    ['dingtalk', buildDingtalkMessage(huge, people).text.content, DINGTALK_TEXT_MAX_BYTES],
    ['feishu', buildFeishuMessage(huge, people, signing).content.text, FEISHU_TEXT_MAX_BYTES],
  ])('%s content fits, keeps the mark, the tail and the mentions', (kind, content, max) => {
    expect(utf8Bytes(content)).toBeLessThanOrEqual(max);
    expect(utf8Bytes(content)).toBeGreaterThan(max - 8);
    expect(Buffer.from(content, 'utf8').toString('utf8')).toBe(content); // no half surrogate pair
    expect(content.startsWith(DRILL_MARK)).toBe(true);
    expect(content).toContain('详情：https://huiying.example.gov.cn/incidents/incident-7');
    if (kind === 'dingtalk') expect(content).toContain('@13800000002');
    if (kind === 'feishu') expect(content).toContain('<at user_id="ou_chen">陈静</at>');
  });

  it('the Feishu request body stays under 20 KB', () => {
    expect(utf8Bytes(JSON.stringify(buildFeishuMessage(huge, people, signing)))).toBeLessThan(20 * 1024);
  });

  it.each([
    ['abc', 3, 'abc'],
    ['abcd', 3, ''],
    ['舆情预警', 12, '舆情预警'],
    ['舆情预警', 11, '舆情…'],
    ['舆情预警', 8, '舆…'],
    ['a😀b', 6, 'a😀b'],
    ['a😀b', 5, 'a…'],
    ['a😀bcdef', 8, 'a😀…'],
  ])('truncateUtf8(%p, %i) = %p', (text, max, expected) => {
    expect(truncateUtf8(text, max)).toBe(expected);
    expect(utf8Bytes(truncateUtf8(text, max))).toBeLessThanOrEqual(max);
  });
});

describe('mentions', () => {
  it('WeCom mentions by userid, else by mobile', () => {
    const withMobile = [...people, { id: 'x', name: '某', contacts: { wecom: { mobile: '13800000009' } } }];
    const message = buildWecomMessage(noticeOf(), withMobile);
    expect(message.text.mentioned_list).toEqual(['zhangwei']);
    expect(message.text.mentioned_mobile_list).toEqual(['13800000009']);
  });
  it('DingTalk lists the mobile and writes @mobile in the text', () => {
    const message = buildDingtalkMessage(noticeOf(), people);
    expect(message.at).toEqual({ atMobiles: ['13800000002'], atUserIds: [], isAtAll: false });
    expect(message.text.content.endsWith('@13800000002')).toBe(true);
  });
});

describe('SMS request template', () => {
  it.each([
    ['json', { to: '${phones}', text: '${drill}${level}舆情：${title}', n: 1 }, (body: string) => JSON.parse(body), { to: ['13800000001', '13800000005', '13800000003', '13800000004'], text: '【演练】紧急舆情：【演练】武都区滑坡致道…', n: 1 }],
    [
      'form',
      { PhoneNumbers: '${phonesCsv}', TemplateParam: { level: '${level}', title: '${title}' } },
      (body: string) => Object.fromEntries(new URLSearchParams(body)),
      { PhoneNumbers: '13800000001,13800000005,13800000003,13800000004', TemplateParam: '{"level":"紧急","title":"【演练】武都区滑坡致道…"}' },
    ],
  ] as const)('%s body', (format, body, parse, expected) => {
    const request = buildSmsRequest({ ...smsChannel, format, body, maxVariableChars: 12 }, noticeOf({ drill: true }), people);
    expect(parse(request.body)).toEqual(expected);
    expect(request.headers.authorization).toBe('Bearer sms-secret');
  });
});
