import type { Alert } from '@huiying/contracts';
import type { AlertNotice } from '../channels/alert-text';
import type { ChannelConfig } from '../channels/channel-config';
import { ChannelConfig as ChannelConfigSchema } from '../channels/channel-config';
import { EscalationChainsFile } from '../escalation/chain-file';
import { RosterFile } from '../roster/roster-file';

/**
 * A week of the news office: weekday day shifts, a nightly overnight shift, weekend day shifts,
 * a 24-hour National Day duty on 2025-10-01 (a Wednesday) laid over the weekly rota.
 */
export const roster: RosterFile = RosterFile.parse({
  version: 1,
  timeZone: 'Asia/Shanghai',
  people: [
    { id: 'zhang', name: '张伟', contacts: { wecom: { userId: 'zhangwei' }, sms: '13800000001' } },
    { id: 'li', name: '李娜', contacts: { dingtalk: { mobile: '13800000002' }, email: 'lina@news.example.gov.cn' } },
    { id: 'chen', name: '陈静', contacts: { feishu: { userId: 'ou_chen' }, sms: '13800000005' } },
    { id: 'wang', name: '王强', title: '新闻办主任', contacts: { email: 'wangqiang@news.example.gov.cn', sms: '13800000003' } },
    { id: 'zhao', name: '赵敏', title: '分管副市长', contacts: { sms: '13800000004' } },
  ],
  shifts: [
    { kind: 'weekly', label: '工作日白班', role: 'duty_officer', personIds: ['zhang'], days: [1, 2, 3, 4, 5], start: '08:30', end: '17:30' },
    { kind: 'weekly', label: '夜班', role: 'duty_officer', personIds: ['li'], days: [1, 2, 3, 4, 5, 6, 7], start: '17:30', end: '08:30' },
    { kind: 'weekly', label: '周末白班', role: 'duty_officer', personIds: ['zhang'], days: [6, 7], start: '08:30', end: '17:30' },
    { kind: 'dated', label: '国庆值班', role: 'duty_officer', personIds: ['chen'], start: '2025-10-01T08:30', end: '2025-10-02T08:30' },
    { kind: 'weekly', role: 'news_office_director', personIds: ['wang'], days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' },
    { kind: 'weekly', role: 'leader', personIds: ['zhao'], days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
  ],
});

export const chains: EscalationChainsFile = EscalationChainsFile.parse({
  version: 1,
  departments: {
    市应急局: {
      steps: [
        { label: '值班员', targets: [{ onDuty: 'duty_officer' }] },
        { label: '分管领导', targets: [{ personId: 'zhao' }] },
      ],
    },
  },
});

export function alertOf(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'alert-1',
    key: 'incident-7:statement:breached',
    incidentId: 'incident-7',
    clockId: 'clock-7-statement',
    severity: 'critical',
    title: '武都区滑坡致道路中断',
    body: '网传武都区某镇发生山体滑坡，道路中断，5 小时权威信息发布时限已到，尚未发布情况通报。',
    drill: false,
    createdAt: '2025-10-01T02:00:00.000Z',
    ...overrides,
  };
}

export function noticeOf(overrides: Partial<Alert> = {}, extra: Omit<AlertNotice, 'alert'> = {}): AlertNotice {
  return { alert: alertOf(overrides), ...extra };
}

export function channel(config: Record<string, unknown>): ChannelConfig {
  return ChannelConfigSchema.parse(config);
}

export function at(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
}
