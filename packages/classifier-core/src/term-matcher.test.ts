import { createTermMatcher, createTermScanner } from './term-matcher';

describe('createTermScanner', () => {
  const scanner = createTermScanner({
    events: [
      { pattern: '山体滑坡', value: 'landslide' },
      { pattern: '(?<!业绩|销量)滑坡', value: 'landslide' },
      { pattern: '爆炸(?!性|式)', value: 'explosion' },
    ],
    places: [
      { pattern: '文县', value: '文县' },
      { pattern: '山体', value: 'not a place, overlaps 山体滑坡' },
    ],
    sentiment: [{ pattern: '惨', value: -1 }],
  });
  const terms = (text: string) => {
    const r = scanner.scan(text);
    return {
      events: r.events.map((m) => `${m.term}@${m.index}`),
      places: r.places.map((m) => m.term),
      sentiment: r.sentiment.map((m) => m.term),
    };
  };

  it.each([
    ['文县发生山体滑坡', ['山体滑坡@4'], ['文县', '山体'], []],
    ['公司业绩滑坡', [], [], []],
    ['业绩滑坡，文县又滑坡', ['滑坡@8'], ['文县'], []],
    ['信息爆炸式增长，工厂爆炸很惨', ['爆炸@10'], [], ['惨']],
    ['', [], [], []],
    ['滑', [], [], []],
  ])('%s', (text, events, places, sentiment) => {
    expect(terms(text)).toEqual({ events, places, sentiment });
  });

  it('within a list matches do not overlap and the longest wins', () => {
    const m = createTermMatcher([
      { pattern: '山体', value: 1 },
      { pattern: '山体滑坡', value: 2 },
      { pattern: '滑坡', value: 3 },
    ]);
    expect(m.matchAll('山体滑坡滑坡').map((x) => [x.term, x.value])).toEqual([
      ['山体滑坡', 2],
      ['滑坡', 3],
    ]);
  });

  it('refuses a pattern that is not a literal with lookarounds', () => {
    expect(() => createTermMatcher([{ pattern: '滑.坡', value: 1 }])).toThrow(/literal/);
  });
});
