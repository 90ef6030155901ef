import { canonicalUrl } from './canonical-url';

describe('canonicalUrl', () => {
  it.each([
    ['host lower-cased, fragment dropped', 'HTTP://News.QQ.com/a/1.htm#comments', 'http://news.qq.com/a/1.htm'],
    ['utm_* removed, rest sorted', 'https://x.cn/p?z=1&utm_source=wx&a=2&utm_medium=s', 'https://x.cn/p?a=2&z=1'],
    [
      'spm, from, share_token removed',
      'https://x.cn/p?id=7&spm=a.b.c&from=timeline&share_token=abc',
      'https://x.cn/p?id=7',
    ],
    [
      'WeChat identity kept, tracking removed',
      'https://mp.weixin.qq.com/s?__biz=MjM5&mid=26&idx=2&sn=ca35&chksm=bed&scene=21#rd',
      'https://mp.weixin.qq.com/s?__biz=MjM5&idx=2&mid=26&sn=ca35',
    ],
    ['query emptied', 'https://x.cn/p?utm_source=a', 'https://x.cn/p'],
    ['default port dropped', 'https://x.cn:443/p', 'https://x.cn/p'],
    ['trailing dot in host', 'https://x.cn./p', 'https://x.cn/p'],
    ['case-insensitive parameter names', 'https://x.cn/p?UTM_Source=a&ID=1', 'https://x.cn/p?ID=1'],
    ['not http', 'javascript:alert(1)', undefined],
    ['relative without base', '/n?cmd=2', undefined],
    ['blank', '  ', undefined],
  ])('%s', (_name, input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });

  it('resolves relative links against a base', () => {
    expect(canonicalUrl('/n?cmd=2&b=1', { base: 'http://news.baidu.com/ns?x=1' })).toBe(
      'http://news.baidu.com/n?b=1&cmd=2',
    );
  });

  it('uses a configured tracking list instead of the default', () => {
    expect(canonicalUrl('https://x.cn/p?from=a&sid=2', { trackingParams: ['sid'] })).toBe('https://x.cn/p?from=a');
  });
});
