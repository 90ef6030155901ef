import { Parser } from 'htmlparser2';

/**
 * Chinese punctuation is written in full-width forms (，。！？：；（）) and NFKC would turn it into
 * ASCII, which changes how the text reads and how it segments. These survive normalisation; every
 * other compatibility character (full-width Latin and digits, half-width katakana, NBSP, the
 * ideographic space) is folded by NFKC.
 */
const KEEP_FULL_WIDTH = '！（），：；？［］｛｝｟｠…';
const KEEP_SET = new Map<string, string>();
const RESTORE = new Map<string, string>();
[...KEEP_FULL_WIDTH].forEach((ch, i) => {
  const placeholder = String.fromCharCode(0xe000 + i);
  KEEP_SET.set(ch, placeholder);
  RESTORE.set(placeholder, ch);
});
const KEEP_RE = new RegExp(`[${KEEP_FULL_WIDTH}]`, 'g');
const PLACEHOLDER_RE = new RegExp(`[\\ue000-\\u${(0xe000 + KEEP_SET.size).toString(16)}]`, 'g');

// Zero-width characters and C0/C1 controls other than tab and newline: invisible, but they break
// exact-duplicate keys and segmentation.
// eslint-disable-next-line no-control-regex
const INVISIBLE_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200d\u2060\ufeff]/g;

/** Full-width/half-width folding (NFKC except Chinese punctuation) and whitespace tidying. */
export function normaliseText(input: string): string {
  let s = input.replace(/\r\n?/g, '\n').replace(INVISIBLE_RE, '');
  // Fast path: ASCII-only text has nothing to fold.
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u007f]/.test(s)) {
    s = s
      .replace(KEEP_RE, (ch) => KEEP_SET.get(ch) ?? ch)
      .normalize('NFKC')
      .replace(PLACEHOLDER_RE, (ch) => RESTORE.get(ch) ?? ch);
  }
  return s
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const SKIP_CONTENT = new Set(['script', 'style', 'iframe', 'noscript', 'template', 'object', 'svg']);
const BLOCK = new Set([
  'p',
  'br',
  'div',
  'li',
  'ul',
  'ol',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'table',
  'blockquote',
  'section',
  'article',
  'header',
  'footer',
  'pre',
  'hr',
  'figure',
  'figcaption',
]);

/**
 * HTML to plain text: tags dropped, entities decoded, block elements become line breaks, and the
 * content of script/style/iframe elements is dropped (feeds embed AdSense scripts and players).
 * Tolerates broken markup (a `<span>` closed by `</font>`).
 */
export function stripHtml(html: string): string {
  if (!html.includes('<') && !html.includes('&')) return html;
  const parts: string[] = [];
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (SKIP_CONTENT.has(name)) skipDepth++;
        else if (BLOCK.has(name)) parts.push('\n');
      },
      onclosetag(name, isImplied) {
        if (SKIP_CONTENT.has(name)) skipDepth = Math.max(0, skipDepth - 1);
        else if (BLOCK.has(name) && !isImplied) parts.push('\n');
      },
      ontext(text) {
        if (skipDepth === 0) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return parts.join('');
}

/** What a post's title and text go through: HTML stripped, entities decoded, then normalised. */
export function cleanText(htmlOrText: string): string {
  return normaliseText(stripHtml(htmlOrText));
}
