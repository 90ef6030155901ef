/**
 * The boolean expressions of a watch scheme, e.g. `(滑坡|泥石流)+(武都|文县)-演练`.
 * Grammar and precedence are in the README; this is a hand-written recursive-descent parser whose
 * only failure is a `WatchExpressionError` carrying the character offset and what was expected.
 */

export type WatchExpression =
  | { kind: 'term'; text: string; /** Must equal a whole jieba token when tokens are given. */ whole: boolean; offset: number }
  | { kind: 'or'; left: WatchExpression; right: WatchExpression }
  | { kind: 'and'; left: WatchExpression; right: WatchExpression }
  | { kind: 'and-not'; left: WatchExpression; right: WatchExpression };

/** Deeper nesting is refused rather than risking the stack on hostile input. */
export const MAX_EXPRESSION_DEPTH = 64;

export class WatchExpressionError extends Error {
  constructor(
    /** Offset of the offending character, in characters (code points) from 0; the length at the end. */
    readonly offset: number,
    /** What the parser would have accepted there. */
    readonly expected: readonly string[],
    /** What it found: a quoted character, or `end of expression`. */
    readonly found: string,
  ) {
    super(`at offset ${offset}: expected ${expected.join(' or ')}, found ${found}`);
    this.name = 'WatchExpressionError';
  }
}

type TokenKind = 'word' | 'phrase' | 'whole' | 'or' | 'and' | 'not' | 'open' | 'close' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  offset: number;
}

// Full-width forms are what a Chinese keyboard types; they mean the same as the ASCII ones.
const OPERATORS: Record<string, TokenKind> = {
  '|': 'or', '｜': 'or',
  '+': 'and', '＋': 'and',
  '-': 'not', '－': 'not',
  '(': 'open', '（': 'open',
  ')': 'close', '）': 'close',
};
const QUOTES: Record<string, string> = { '"': '"', '＂': '＂', '“': '”' };
const WHOLE_OPEN = '[';
const WHOLE_CLOSE = ']';
const SPECIAL = new Set([...Object.keys(OPERATORS), ...Object.keys(QUOTES), '”', WHOLE_OPEN, WHOLE_CLOSE]);

function isSpace(ch: string): boolean {
  return /^\s$/u.test(ch);
}

function describe(ch: string | undefined): string {
  return ch === undefined ? 'end of expression' : JSON.stringify(ch);
}

const TERM_START = ['a word', 'a quoted phrase', '"["', '"("'];

function lex(chars: readonly string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i]!;
    if (isSpace(ch)) {
      i++;
      continue;
    }
    const op = OPERATORS[ch];
    if (op) {
      tokens.push({ kind: op, text: ch, offset: i });
      i++;
      continue;
    }
    const close = QUOTES[ch];
    if (close !== undefined || ch === WHOLE_OPEN) {
      const end = ch === WHOLE_OPEN ? WHOLE_CLOSE : close!;
      const start = i;
      i++;
      let text = '';
      while (i < chars.length && chars[i] !== end) text += chars[i++];
      if (i >= chars.length) throw new WatchExpressionError(chars.length, [JSON.stringify(end)], 'end of expression');
      if (text.trim() === '') throw new WatchExpressionError(i, ['a non-empty phrase'], describe(end));
      tokens.push({ kind: ch === WHOLE_OPEN ? 'whole' : 'phrase', text, offset: start });
      i++;
      continue;
    }
    if (SPECIAL.has(ch)) throw new WatchExpressionError(i, TERM_START, describe(ch));
    const start = i;
    let text = '';
    while (i < chars.length && !SPECIAL.has(chars[i]!) && !isSpace(chars[i]!)) text += chars[i++];
    tokens.push({ kind: 'word', text, offset: start });
  }
  tokens.push({ kind: 'end', text: '', offset: chars.length });
  return tokens;
}

/**
 * Parses an expression. Offsets count characters (code points), so an emoji counts as one.
 * @throws WatchExpressionError and nothing else.
 */
export function parseWatchExpression(source: string): WatchExpression {
  const chars = Array.from(source);
  const tokens = lex(chars);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const found = (t: Token): string => (t.kind === 'end' ? 'end of expression' : JSON.stringify(t.text));

  function orExpr(depth: number): WatchExpression {
    let left = andExpr(depth);
    while (peek().kind === 'or') {
      pos++;
      left = { kind: 'or', left, right: andExpr(depth) };
    }
    return left;
  }

  function andExpr(depth: number): WatchExpression {
    let left = primary(depth);
    for (;;) {
      const t = peek();
      if (t.kind === 'and') {
        pos++;
        left = { kind: 'and', left, right: primary(depth) };
      } else if (t.kind === 'not') {
        pos++;
        left = { kind: 'and-not', left, right: primary(depth) };
      } else {
        return left;
      }
    }
  }

  function primary(depth: number): WatchExpression {
    const t = peek();
    if (t.kind === 'open') {
      if (depth >= MAX_EXPRESSION_DEPTH) {
        throw new WatchExpressionError(t.offset, [`at most ${MAX_EXPRESSION_DEPTH} nested parentheses`], found(t));
      }
      pos++;
      const inner = orExpr(depth + 1);
      const close = peek();
      if (close.kind !== 'close') throw new WatchExpressionError(close.offset, ['"+"', '"-"', '"|"', '")"'], found(close));
      pos++;
      return inner;
    }
    if (t.kind === 'word' || t.kind === 'phrase' || t.kind === 'whole') {
      pos++;
      return { kind: 'term', text: t.text, whole: t.kind === 'whole', offset: t.offset };
    }
    throw new WatchExpressionError(t.offset, TERM_START, found(t));
  }

  const expression = orExpr(0);
  const rest = peek();
  if (rest.kind !== 'end') {
    // Two terms side by side, or a stray ")": an operator or the end was due here.
    throw new WatchExpressionError(rest.offset, ['"+"', '"-"', '"|"', 'end of expression'], found(rest));
  }
  return expression;
}

/** Each term with its polarity: `positive` unless it sits under an odd number of `-`. */
export function termsOf(expression: WatchExpression, positive = true): Array<{ text: string; whole: boolean; positive: boolean }> {
  switch (expression.kind) {
    case 'term':
      return [{ text: expression.text, whole: expression.whole, positive }];
    case 'or':
    case 'and':
      return [...termsOf(expression.left, positive), ...termsOf(expression.right, positive)];
    case 'and-not':
      return [...termsOf(expression.left, positive), ...termsOf(expression.right, !positive)];
  }
}

/** The canonical text of an expression, fully parenthesised: shows how it was read. */
export function formatWatchExpression(expression: WatchExpression): string {
  switch (expression.kind) {
    case 'term':
      if (expression.whole) return `[${expression.text}]`;
      if (!Array.from(expression.text).some((ch) => SPECIAL.has(ch) || isSpace(ch))) return expression.text;
      return expression.text.includes('"') ? `“${expression.text}”` : `"${expression.text}"`;
    case 'or':
      return `(${formatWatchExpression(expression.left)}|${formatWatchExpression(expression.right)})`;
    case 'and':
      return `(${formatWatchExpression(expression.left)}+${formatWatchExpression(expression.right)})`;
    case 'and-not':
      return `(${formatWatchExpression(expression.left)}-${formatWatchExpression(expression.right)})`;
  }
}
