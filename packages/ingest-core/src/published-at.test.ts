import { formatInstant, parsePublishedAt } from './published-at';

describe('parsePublishedAt', () => {
  it.each([
    ['QQ zone-less local time is Beijing', '2018-09-18 14:38:10', '2018-09-18T14:38:10+08:00', true],
    ['ISO with Z and millis (Baidu)', '2011-06-24T21:33:14.000Z', '2011-06-24T21:33:14Z', false],
    ['RFC 822 +0800', 'Thu, 17 Dec 2020 22:00:09 +0800', '2020-12-17T22:00:09+08:00', false],
    ['RFC 822 with invalid weekday Wes', 'Wes, 18 Aug 2021 17:00:00 +0800', '2021-08-18T17:00:00+08:00', false],
    ['RFC 822 GMT', 'Fri, 03 Apr 2020 04:02:23 GMT', '2020-04-03T04:02:23Z', false],
    ['RFC 822 without weekday or seconds', '3 Apr 2020 04:02 GMT', '2020-04-03T04:02:00Z', false],
    ['RFC 822 without zone is Beijing', 'Fri, 03 Apr 2020 12:00:00', '2020-04-03T12:00:00+08:00', true],
    ['space-separated with offset (kilerd)', '2019-12-31 21:34:22 +08:00', '2019-12-31T21:34:22+08:00', false],
    ['Weibo year-last', 'Wed Apr 18 14:00:30 +0800 2012', '2012-04-18T14:00:30+08:00', false],
    ['RFC 3339 negative offset', '2020-04-10T01:07:36-05:00', '2020-04-10T01:07:36-05:00', false],
    ['Chinese date and time', '2021年06月17日 10:00', '2021-06-17T10:00:00+08:00', true],
    ['full-width digits', '２０２１年６月１７日', '2021-06-17T00:00:00+08:00', true],
    ['slashes', '2018/09/18 14:38', '2018-09-18T14:38:00+08:00', true],
    ['epoch seconds string', '1600000000', '2020-09-13T12:26:40Z', false],
    ['CST read as China Standard Time', 'Tue, 15 Sep 2020 10:00:00 CST', '2020-09-15T10:00:00+08:00', false],
  ])('%s', (_name, input, instant, assumed) => {
    const parsed = parsePublishedAt(input);
    expect(parsed).toEqual(expect.objectContaining({ ok: true, instant, offsetAssumed: assumed }));
  });

  it.each([
    ['blank (caogen channel dates)', '  ', 'blank'],
    ['missing', undefined, 'missing'],
    ['nonsense', 'yesterday', 'unrecognised'],
    ['impossible day', '2021-02-30 10:00:00', 'does not exist'],
    ['bad month name', '3 Foo 2020 04:02 GMT', 'unknown month'],
    ['hour 25', '2021-02-03 25:00:00', 'out of range'],
    ['unknown zone', 'Fri, 03 Apr 2020 04:02:23 XYZ', 'unknown time zone'],
  ])('refuses %s', (_name, input, reason) => {
    const parsed = parsePublishedAt(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('reads epoch numbers in seconds or milliseconds', () => {
    expect(parsePublishedAt(1_600_000_000)).toEqual(expect.objectContaining({ instant: '2020-09-13T12:26:40Z' }));
    expect(parsePublishedAt(1_600_000_000_123)).toEqual(
      expect.objectContaining({ instant: '2020-09-13T12:26:40.123Z' }),
    );
  });

  it('honours a source-specific default offset', () => {
    expect(parsePublishedAt('2020-01-01 00:00:00', 0)).toEqual(
      expect.objectContaining({ instant: '2020-01-01T00:00:00Z' }),
    );
  });
});

describe('formatInstant', () => {
  it.each([
    [0, 0, '1970-01-01T00:00:00Z'],
    [0, 480, '1970-01-01T08:00:00+08:00'],
    [0, -330, '1969-12-31T18:30:00-05:30'],
    [1234, 0, '1970-01-01T00:00:01.234Z'],
  ])('%i ms at offset %i', (ms, offset, expected) => {
    expect(formatInstant(ms, offset)).toBe(expected);
  });
});
