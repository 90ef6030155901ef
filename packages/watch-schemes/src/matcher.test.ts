import { compileWatchSchemes, matchSchemes, type PostToMatch } from './matcher';
import { WatchScheme, type WatchSchemeInput } from './scheme';

const scheme = (input: Partial<WatchSchemeInput> & { id: string }): WatchScheme =>
  WatchScheme.parse({ department: '市应急局', name: input.id, ...input });

describe('one expression against one post', () => {
  it.each([
    // expression, post text, matches
    ['(滑坡|泥石流)+(武都|文县)-演练', '文县碧口镇发生山体滑坡', true],
    ['(滑坡|泥石流)+(武都|文县)-演练', '武都区突发泥石流', true],
    ['(滑坡|泥石流)+(武都|文县)-演练', '文县举行山体滑坡应急演练', false],
    ['(滑坡|泥石流)+(武都|文县)-演练', '康县发生山体滑坡', false],
    ['(滑坡|泥石流)+(武都|文县)-演练', '文县暴雨', false],
    ['滑坡|泥石流+文县', '康县滑坡', true], // + binds tighter: 滑坡 alone suffices
    ['滑坡|泥石流+文县', '康县泥石流', false],
    ['a-b|c', 'a and c and b', true],
    ['a-(b|c)', 'a and c', false],
    ['a-(b-c)', 'a b c', true], // b is excused by c
    ['"G212 国道"+塌方', 'g212 国道发生塌方', true], // case-blind
    ['"G212 国道"+塌方', 'G212国道发生塌方', false], // the phrase keeps its space
    ['ＡＢＣ+滑坡', 'abc 滑坡', true], // full-width folds to half-width
    ['滑坡+文县', '文縣滑坡', false], // no traditional/simplified folding
  ])('%s on %s → %s', (expression, text, expected) => {
    const s = scheme({ id: 's', expressions: [expression] });
    expect(matchSchemes([s], { text }).length === 1).toBe(expected);
  });
});

describe('whole-token terms', () => {
  const s = scheme({ id: 's', expressions: ['[文县]+地震'] });
  it.each<[PostToMatch, boolean]>([
    [{ text: '文县发生地震', tokens: ['文县', '发生', '地震'] }, true],
    [{ text: '语文县城地震演示', tokens: ['语文', '县城', '地震', '演示'] }, false], // substring, not a token
    [{ text: '语文县城地震演示' }, true], // no tokens: falls back to substring
  ])('%j → %s', (post, expected) => {
    expect(matchSchemes([s], post).length === 1).toBe(expected);
  });
});

describe('word lists', () => {
  const schemes = [
    scheme({ id: 'county-wenxian', department: '文县人民政府', regionWords: ['文县', '碧口'] }),
    scheme({ id: 'geo-hazards', department: '市国土资源局', regionWords: ['武都', '文县'], eventWords: ['滑坡', '泥石流'], exclusionWords: ['演练', '业绩'] }),
    scheme({ id: 'finance', department: '市金融办', eventWords: ['非法集资', 'P2P'], expressions: ['(理财|借贷)+(跑路|爆雷)'] }),
    scheme({ id: 'off', department: '市财政局', eventWords: ['滑坡'], enabled: false }),
  ];
  it.each<[string, Array<[string, string[]]>]>([
    ['碧口镇发生泥石流', [['county-wenxian', ['碧口']]]],
    ['文县碧口镇发生泥石流', [['county-wenxian', ['文县', '碧口']], ['geo-hazards', ['文县', '泥石流']]]],
    ['文县举行滑坡应急演练', [['county-wenxian', ['文县']]]],
    ['武都区某公司业绩滑坡', []],
    ['某p2p平台跑路', [['finance', ['P2P']]]],
    ['网传某理财公司爆雷', [['finance', ['理财', '爆雷']]]],
    ['天气晴好', []],
  ])('%s → %j', (text, expected) => {
    const matches = matchSchemes(schemes, { text });
    expect(matches.map((m) => [m.schemeId, m.matchedTerms])).toEqual(expected);
  });

  it('routes to the scheme department and reads the title too', () => {
    expect(matchSchemes(schemes, { title: '非法集资', text: '警惕' })).toEqual([{ schemeId: 'finance', department: '市金融办', matchedTerms: ['非法集资'] }]);
  });
});

describe('compiled matcher', () => {
  it('finds overlapping and nested terms in one pass', () => {
    const s = scheme({ id: 's', expressions: ['山体滑坡+滑坡+体滑+坡'] });
    expect(matchSchemes([s], { text: '发生山体滑坡' })).toEqual([{ schemeId: 's', department: '市应急局', matchedTerms: ['山体滑坡', '滑坡', '体滑', '坡'] }]);
  });

  it('agrees with a naive evaluation over many schemes', () => {
    // Every pair (a, b) of words gives a scheme a+b-c; the compiled matcher must pick exactly
    // the schemes whose a and b occur and whose c does not.
    const words = ['滑坡', '泥石流', '文县', '武都', '演练', '碧口', '洪水', '康县'];
    const schemes: WatchScheme[] = [];
    for (const a of words) for (const b of words) for (const c of words) {
      if (a !== b && b !== c && a !== c) schemes.push(scheme({ id: `${a}+${b}-${c}`, expressions: [`${a}+${b}-${c}`] }));
    }
    const compiled = compileWatchSchemes(schemes);
    const texts = ['文县碧口镇滑坡', '武都洪水演练', '康县泥石流，文县洪水', '无关'];
    for (const text of texts) {
      const expected = schemes.filter((s) => {
        const [ab, c] = s.id.split('-') as [string, string];
        const [a, b] = ab.split('+') as [string, string];
        return text.includes(a) && text.includes(b) && !text.includes(c);
      }).map((s) => s.id);
      expect(compiled.match({ text }).map((m) => m.schemeId)).toEqual(expected);
    }
    expect(compiled.size).toBe(schemes.length);
  });
});
