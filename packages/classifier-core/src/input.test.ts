import { ClassifierInputError, normalizeText } from './input';

describe('normalizeText', () => {
  it.each([
    ['文縣發生山體滑坡', '文县发生山体滑坡'],
    ['造成３人死亡', '造成3人死亡'],
    ['emoji 😀 滑坡', 'emoji 😀 滑坡'],
    ['a\u0000b滑坡', 'ab滑坡'],
  ])('%s → %s', (raw, normal) => {
    expect(normalizeText(raw)).toBe(normal);
  });

  it('cuts a 1 MB text to the cap', () => {
    expect(normalizeText('滑'.repeat(1_000_000), 20_000)).toHaveLength(20_000);
  });

  it.each([
    ['', 'empty'],
    ['   \n ', 'empty'],
    ['\u0000\u0001\u0002\u0003\ufffd\ufffd\ufffda', 'binary'],
    [42, 'not_text'],
    [undefined, 'not_text'],
  ])('%j is rejected as %s', (raw, reason) => {
    let caught: unknown;
    try {
      normalizeText(raw);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ClassifierInputError);
    expect((caught as ClassifierInputError).reason).toBe(reason);
  });
});
