import fc from 'fast-check';
import { matchSchemes } from './matcher';
import { validateWatchScheme } from './scheme';

// The expression parser alone is fuzzed in expression.property.test.ts; this is the whole scheme
// as the API receives it when a department saves one, and the matcher that then runs on posts.

const grammarChar = fc.constantFrom(
  '(',
  ')',
  '|',
  '+',
  '-',
  '"',
  '（',
  '）',
  '｜',
  '＋',
  '－',
  '“',
  '”',
  ' ',
  '滑坡',
  '文县',
  '泥石流',
  'a',
  '\\',
  '\u0000',
  '😀',
);
const expression = fc.oneof(
  fc.string({ unit: grammarChar, maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('文县 + (滑坡 | 泥石流) - 演练', '"文县碧口"', '((((', ')', '-', '""', '文县 +', '(滑坡|)'),
  fc.nat(80).map((n) => `${'('.repeat(n)}滑坡${')'.repeat(n)}`),
);
const word = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('文县', '滑坡', '', ' '),
);
const odd = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const schemeLike = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 120 }), odd),
    department: fc.oneof(fc.constantFrom('文县政府', '市应急局', ' ', ''), fc.string({ maxLength: 120 }), odd),
    name: fc.oneof(fc.string({ maxLength: 210 }), odd),
    enabled: fc.oneof(fc.boolean(), odd),
    regionWords: fc.oneof(fc.array(word, { maxLength: 5 }), odd),
    eventWords: fc.oneof(fc.array(word, { maxLength: 5 }), odd),
    exclusionWords: fc.oneof(fc.array(word, { maxLength: 5 }), odd),
    expressions: fc.oneof(fc.array(expression, { maxLength: 4 }), fc.array(odd, { maxLength: 2 }), odd),
    extra: odd,
  },
  { requiredKeys: [] },
);

describe('a watch scheme as a department saves it, on arbitrary input', () => {
  it('is accepted, or refused with a path and a message for every problem; it never throws', () => {
    fc.assert(
      fc.property(fc.oneof(schemeLike, fc.anything({ maxDepth: 2 })), (input) => {
        const result = validateWatchScheme(input);
        if (!result.ok) {
          expect(result.issues.length).toBeGreaterThan(0);
          for (const issue of result.issues) {
            expect(typeof issue.path).toBe('string');
            expect(issue.message).toEqual(expect.stringMatching(/\S/));
            // An expression error points into the expression it names.
            if (issue.offset !== undefined) expect(issue.path).toMatch(/^expressions\.\d+$/);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('an accepted scheme matches any post text without throwing, next to a valid scheme that still matches', () => {
    const valid = validateWatchScheme({
      id: 'wen-landslide',
      department: '文县政府',
      name: '文县地质灾害',
      expressions: ['文县 + (滑坡 | 泥石流)'],
    });
    if (!valid.ok) throw new Error('the reference scheme must be valid');
    fc.assert(
      fc.property(schemeLike, fc.string({ unit: 'binary', maxLength: 200 }), (input, text) => {
        const other = validateWatchScheme(input);
        const schemes = other.ok ? [valid.scheme, other.scheme] : [valid.scheme];
        matchSchemes(schemes, { text });
        const hits = matchSchemes(schemes, { text: `${text} 文县碧口镇发生山体滑坡` });
        // A post naming 文县 and 滑坡 is routed to 文县政府, whatever else was saved or written.
        expect(hits.map((h) => h.schemeId)).toContain('wen-landslide');
      }),
      { numRuns: 1500 },
    );
  });
});
