import { cleanText, normaliseText, stripHtml } from './text';

describe('normaliseText', () => {
  it.each([
    ['full-width digits and Latin fold to ASCII', '２４日ＡＢＣ', '24日ABC'],
    ['Chinese punctuation stays full-width', '你好，世界！（测试）：是吗？', '你好，世界！（测试）：是吗？'],
    ['ellipsis stays', '未完……', '未完……'],
    ['ideographic space and NBSP become a space', '记者\u3000张遥\u00a0报道', '记者 张遥 报道'],
    ['runs of spaces and tabs collapse', 'a \t  b', 'a b'],
    ['CRLF and spaces around newlines', 'a  \r\n  b', 'a\nb'],
    ['more than one blank line collapses', 'a\n\n\n\nb', 'a\n\nb'],
    ['zero-width and BOM removed', '\ufeff谣\u200b言', '谣言'],
    ['half-width katakana widen', 'ｶﾀｶﾅ', 'カタカナ'],
    ['trimmed', '  \n 文本 \n ', '文本'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });
});

describe('stripHtml / cleanText', () => {
  it.each([
    ['tags dropped, entities decoded', '<p>约翰&#183;霍普金斯 &amp; 大学</p>', '约翰·霍普金斯 & 大学'],
    [
      'script, style and iframe content dropped',
      'a<script>var x = "<b>";</script><style>p{}</style><iframe src="x">player</iframe>b',
      'ab',
    ],
    ['block elements break lines', '<p>一</p><p>二</p>二点五<br>三', '一\n\n二\n二点五\n三'],
    ['broken markup tolerated', '\t\t<span><font>记者</span> 报道</font>', '记者 报道'],
    ['plain text untouched', '没有标签', '没有标签'],
    ['HTML named entities', '&nbsp;&ldquo;引号&rdquo;', '“引号”'],
  ])('%s', (_name, input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });

  it('keeps text that only looks like a tag start', () => {
    expect(stripHtml('a < b')).toBe('a < b');
  });
});
