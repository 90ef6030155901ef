import type { ChannelConfig } from '../channels/channel-config';
import { EscalationChainsFile } from '../escalation/chain-file';
import { RosterFile } from '../roster/roster-file';
import { allChannels, withChannel } from '../testing/channel-fixtures';
import { at, chains, roster } from '../testing/fixtures';
import { checkReadiness, type ReadinessProblem } from './readiness-check';

const NOW = at('2025-09-29T00:00:00+08:00');

function describeProblem(p: ReadinessProblem): string {
  switch (p.kind) {
    case 'no_working_channel':
      return `${p.kind} ${p.chain}/${p.step}/${p.personId}`;
    case 'unknown_person':
      return `${p.kind} ${p.chain}/${p.step}/${p.personId}`;
    case 'roster_gap':
      return `${p.kind} ${p.role} ${new Date(p.startMs).toISOString()}`;
    case 'channel_not_configured':
      return `${p.kind} ${p.channelId} ${p.missing.join(',')}`;
    case 'no_drill_channel':
      return p.kind;
  }
}

describe('readiness check', () => {
  type Row = [string, ChannelConfig[], EscalationChainsFile, RosterFile, string[]];
  const chainsWith = (steps: unknown) => EscalationChainsFile.parse({ version: 1, default: { steps } });
  it.each<Row>([
    ['everything configured: no problem', allChannels(), chains, roster, []],
    [
      'SMS disabled: the leader has no other channel, in both chains',
      withChannel(allChannels(), 'sms', { enabled: false }),
      chains,
      roster,
      ['no_working_channel default/分管领导/zhao', 'no_working_channel 市应急局/分管领导/zhao'],
    ],
    [
      'SMS secret missing: the channel is named, and the leader is unreachable',
      withChannel(allChannels(), 'sms', { secret: undefined }),
      chains,
      roster,
      ['channel_not_configured sms secret', 'no_working_channel default/分管领导/zhao', 'no_working_channel 市应急局/分管领导/zhao'],
    ],
    [
      'Feishu secret missing: named, but its people have SMS too',
      withChannel(allChannels(), 'feishu-duty', { secret: '' }),
      chains,
      roster,
      ['channel_not_configured feishu-duty secret'],
    ],
    [
      'a disabled channel with no secret is not reported as misconfigured',
      withChannel(allChannels(), 'dingtalk-duty', { enabled: false, secret: undefined }),
      chains,
      roster,
      [],
    ],
    ['no drill channel', allChannels().filter((c) => c.audience === 'live'), chains, roster, ['no_drill_channel']],
    [
      'a drill channel only does not reach anyone for real alerts',
      allChannels().filter((c) => c.audience === 'drill'),
      chainsWith([{ label: '主任', targets: [{ personId: 'wang' }] }]),
      roster,
      ['no_working_channel default/主任/wang'],
    ],
    [
      'a chain naming an unknown person',
      allChannels(),
      chainsWith([{ label: '主任', targets: [{ personId: 'nobody' }] }]),
      roster,
      ['unknown_person default/主任/nobody'],
    ],
    [
      'a stretch with nobody on duty within the horizon',
      allChannels(),
      chainsWith([{ label: '值班员', targets: [{ onDuty: 'duty_officer' }] }]),
      RosterFile.parse({
        ...roster,
        shifts: [{ kind: 'dated', role: 'duty_officer', personIds: ['zhang'], start: '2025-09-29T00:00', end: '2025-10-05T00:00' }],
      }),
      ['roster_gap duty_officer 2025-10-04T16:00:00.000Z'],
    ],
    [
      'everyone who may hold a duty role is checked, not only who is on now',
      withChannel(withChannel(allChannels(), 'dingtalk-duty', { enabled: false }), 'mail', { enabled: false }),
      chainsWith([{ label: '值班员', targets: [{ onDuty: 'duty_officer' }] }]),
      roster,
      ['no_working_channel default/值班员/li'],
    ],
  ])('%s', (_why, channels, c, r, expected) => {
    expect(checkReadiness({ roster: r, chains: c, channels, nowMs: NOW }).map(describeProblem)).toEqual(expected);
  });

  it('says why each channel fails for the person', () => {
    const channels = withChannel(withChannel(allChannels(), 'sms', { enabled: false }), 'wecom-duty', { key: undefined });
    const problem = checkReadiness({ roster, chains, channels, nowMs: NOW }).find((p) => p.kind === 'no_working_channel' && p.personId === 'zhao');
    expect(problem).toMatchObject({
      personId: 'zhao',
      why: [
        'webhook-city: no webhook contact',
        'wecom-duty: missing key',
        'dingtalk-duty: no dingtalk contact',
        'feishu-duty: no feishu contact',
        'mail: no email contact',
        'sms: disabled',
      ],
    });
    expect(problem?.message).toContain('赵敏');
  });
});
