import { ChannelConfig } from './channel-config';
import { rateLimitsOf, sendDelayMs } from './rate-limits';

describe('robot rate limits', () => {
  const wecom = [{ max: 20, windowMs: 60_000 }];
  const feishu = [
    { max: 5, windowMs: 1_000 },
    { max: 100, windowMs: 60_000 },
  ];

  it.each([
    ['nothing sent yet', [], wecom, 0],
    ['19 in the last minute: one more fits', Array.from({ length: 19 }, (_, i) => 100_000 - i * 1_000), wecom, 0],
    [
      '20 in the last minute: wait until the oldest leaves it',
      Array.from({ length: 20 }, (_, i) => 100_000 - i * 1_000),
      wecom,
      41_000,
    ],
    ['20 sent over a minute ago do not count', Array.from({ length: 20 }, () => 39_999), wecom, 0],
    ['Feishu: 5 in the last second', [99_900, 99_800, 99_700, 99_600, 99_500], feishu, 500],
    [
      'Feishu: 100 in the minute binds although the second is free',
      Array.from({ length: 100 }, (_, i) => 50_000 + i * 10),
      feishu,
      10_000,
    ],
  ])('%s', (_what, sent, limits, expected) => {
    expect(sendDelayMs(sent, limits, 100_000)).toBe(expected);
  });

  it('takes the documented limits by kind unless the channel sets its own', () => {
    const parse = (c: object) => ChannelConfig.parse(c);
    expect(rateLimitsOf(parse({ id: 'w', kind: 'wecom', key: 'k' }))).toEqual([{ max: 20, windowMs: 60_000 }]);
    expect(rateLimitsOf(parse({ id: 'd', kind: 'dingtalk', accessToken: 't', secret: 's' }))).toEqual([
      { max: 20, windowMs: 60_000 },
    ]);
    expect(rateLimitsOf(parse({ id: 'f', kind: 'feishu', hookToken: 't', secret: 's' }))).toEqual(feishu);
    expect(
      rateLimitsOf(parse({ id: 'w', kind: 'wecom', key: 'k', rateLimits: [{ max: 3, windowMs: 2_000 }] })),
    ).toEqual([{ max: 3, windowMs: 2_000 }]);
    expect(rateLimitsOf(parse({ id: 'h', kind: 'webhook', url: 'https://example.gov.cn/h', secret: 's' }))).toEqual([]);
  });
});
