import { formatWatchExpression, parseWatchExpression, termsOf, WatchExpressionError } from './expression';

describe('parseWatchExpression', () => {
  it.each([
    // source, how it is read (fully parenthesised)
    ['滑坡', '滑坡'],
    ['(滑坡|泥石流)+(武都|文县)-演练', '(((滑坡|泥石流)+(武都|文县))-演练)'],
    ['滑坡|泥石流+文县', '(滑坡|(泥石流+文县))'], // + binds tighter than |
    ['a+b-c+d', '(((a+b)-c)+d)'], // + and - share a level, left to right
    ['a-b|c', '((a-b)|c)'],
    ['a-(b|c)', '(a-(b|c))'],
    [' 滑坡 + 文县 ', '(滑坡+文县)'], // spaces around operators are ignored
    ['（滑坡｜泥石流）＋文县－演练', '(((滑坡|泥石流)+文县)-演练)'], // full-width operators
    ['"G212 国道"+塌方', '("G212 国道"+塌方)'], // quoted phrase keeps its space
    ['“城关镇”+暴雨', '(城关镇+暴雨)'],
    ['[文县]+地震', '([文县]+地震)'], // whole-token term
    ['((a))', 'a'],
    ['a-b-c', '((a-b)-c)'],
    ['😀+a', '(😀+a)'],
  ])('%s reads as %s', (source, canonical) => {
    expect(formatWatchExpression(parseWatchExpression(source))).toBe(canonical);
  });

  it.each([
    // source, offset, one of the things expected, found
    ['', 0, 'a word', 'end of expression'],
    ['   ', 3, 'a word', 'end of expression'],
    ['滑坡+', 3, 'a word', 'end of expression'],
    ['+滑坡', 0, 'a word', '"+"'],
    ['-演练', 0, 'a word', '"-"'],
    ['(滑坡|泥石流', 7, '")"', 'end of expression'],
    ['滑坡)', 2, 'end of expression', '")"'],
    ['()', 1, 'a word', '")"'],
    ['滑坡 泥石流', 3, '"+"', '"泥石流"'],
    ['(滑坡|泥石流)+(武都|文县)-', 17, 'a word', 'end of expression'],
    ['(滑坡|泥石流)+(武都||文县)-演练', 13, 'a word', '"|"'],
    ['"未闭合', 4, '"\\""', 'end of expression'],
    ['""+a', 1, 'a non-empty phrase', '"\\""'],
    ['[文县', 3, '"]"', 'end of expression'],
    ['a]', 1, 'a word', '"]"'],
    ['😀😀+', 3, 'a word', 'end of expression'], // offsets count characters, not UTF-16 units
    [`${'('.repeat(65)}a${')'.repeat(65)}`, 64, 'at most 64 nested parentheses', '"("'],
  ])('%j is refused at offset %i', (source, offset, expected, found) => {
    let error: unknown;
    try {
      parseWatchExpression(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WatchExpressionError);
    const e = error as WatchExpressionError;
    expect(e.offset).toBe(offset);
    expect(e.expected).toContain(expected);
    expect(e.found).toBe(found);
    expect(e.message).toContain(`at offset ${offset}`);
  });

  it('gives each term its polarity under and-not', () => {
    const terms = termsOf(parseWatchExpression('a-(b-c)+d'));
    expect(terms.map((t) => `${t.text}:${t.positive ? '+' : '-'}`)).toEqual(['a:+', 'b:-', 'c:+', 'd:+']);
  });
});
