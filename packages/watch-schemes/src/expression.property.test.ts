import fc from 'fast-check';
import { formatWatchExpression, MAX_EXPRESSION_DEPTH, parseWatchExpression, WatchExpressionError, type WatchExpression } from './expression';

/** Characters that matter to the grammar, so random strings hit the interesting paths often. */
const grammarChar = fc.constantFrom('(', ')', '|', '+', '-', '"', '[', ']', ' ', '（', '）', '｜', '＋', '－', '“', '”', '滑坡', '文县', 'a', '😀', '\n');

function parsesOrRefusesWithPosition(source: string): boolean {
  try {
    parseWatchExpression(source);
    return true;
  } catch (error) {
    if (!(error instanceof WatchExpressionError)) return false;
    return Number.isInteger(error.offset) && error.offset >= 0 && error.offset <= Array.from(source).length && error.expected.length > 0;
  }
}

const term = fc
  .string({ unit: fc.constantFrom('滑', '坡', '文', '县', 'a', 'b', ' ', '+', '(', '1'), minLength: 1, maxLength: 4 })
  .filter((t) => t.trim() !== '' && !t.includes('"'));
const expression: fc.Arbitrary<WatchExpression> = fc.letrec<{ node: WatchExpression }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    term.map((text) => ({ kind: 'term' as const, text, whole: false, offset: 0 })),
    fc.record({ kind: fc.constantFrom('or' as const, 'and' as const, 'and-not' as const), left: tie('node'), right: tie('node') }),
  ),
})).node;

/** Structural equality without offsets (they depend on the text). */
function shape(node: WatchExpression): unknown {
  return node.kind === 'term' ? [node.text, node.whole] : [node.kind, shape(node.left), shape(node.right)];
}

function depthOf(node: WatchExpression): number {
  return node.kind === 'term' ? 0 : 1 + Math.max(depthOf(node.left), depthOf(node.right));
}

describe('parseWatchExpression on arbitrary input', () => {
  it('never throws anything but a WatchExpressionError with a position, on any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), parsesOrRefusesWithPosition), { numRuns: 2000 });
  });

  it('never throws anything but a WatchExpressionError, on strings made of grammar characters', () => {
    fc.assert(fc.property(fc.array(grammarChar, { maxLength: 80 }).map((a) => a.join('')), parsesOrRefusesWithPosition), { numRuns: 5000 });
  });

  it('refuses hostile nesting with its typed error instead of overflowing the stack', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_EXPRESSION_DEPTH + 1, max: 50_000 }), (n) => parsesOrRefusesWithPosition(`${'('.repeat(n)}a${')'.repeat(n)}`)),
      { numRuns: 20 },
    );
  });

  it('reads back what it formats: format then parse gives the same tree', () => {
    fc.assert(
      fc.property(
        expression.filter((e) => depthOf(e) < MAX_EXPRESSION_DEPTH),
        (tree) => JSON.stringify(shape(parseWatchExpression(formatWatchExpression(tree)))) === JSON.stringify(shape(tree)),
      ),
      { numRuns: 1000 },
    );
  });
});
