import { hammingDistance, hammingDistanceOf, simhash, simhashBands, simhashOf, textFeatures } from './simhash';

const rumour = '网传文县城关镇发生山体滑坡，已造成三人死亡，十二名群众被困，请大家转发扩散，注意安全';

describe('simhash', () => {
  it('is 16 hex digits and deterministic', () => {
    expect(simhash(rumour)).toMatch(/^[0-9a-f]{16}$/);
    expect(simhash(rumour)).toBe(simhash(rumour));
  });

  it.each([
    ['punctuation and spacing only', `${rumour.replace(/，/g, ' ')}！！`, 3],
    ['a repost prefix', `转发微博 ${rumour}`, 6],
    ['one numeral written as a digit', rumour.replace('三', '３'), 10],
  ])('a near copy (%s) is within %i bits', (_name, copy, maxDistance) => {
    expect(hammingDistance(simhash(rumour), simhash(copy))).toBeLessThanOrEqual(maxDistance);
  });

  it('an unrelated text is far', () => {
    const other = '市财政局发布二〇二五年政府债务情况说明，全年地方政府债务余额控制在限额以内';
    expect(hammingDistance(simhash(rumour), simhash(other))).toBeGreaterThan(12);
  });

  it('accepts segmenter tokens instead of shingles', () => {
    expect(simhashOf(['文县', '滑坡', '死亡'])).toBe(simhashOf(['文县', '滑坡', '死亡']));
    expect(simhashOf(['文县', '滑坡'])).not.toBe(simhashOf(['礼县', '洪水']));
  });
});

describe('textFeatures', () => {
  it.each([
    ['CJK trigrams', '山体滑坡', ['山体滑', '体滑坡']],
    ['Latin words whole, punctuation dropped', 'CNN, Ward!', ['cnn', 'ward']],
    ['a single CJK char', '谣', ['谣']],
    ['mixed', 'G75高速', ['g75', '高速']],
  ])('%s', (_name, text, features) => {
    expect(textFeatures(text)).toEqual(features);
  });

  it('takes another shingle length', () => {
    expect(textFeatures('山体滑坡', { shingle: 2 })).toEqual(['山体', '体滑', '滑坡']);
  });
});

describe('hammingDistance', () => {
  it.each([
    ['0000000000000000', '0000000000000000', 0],
    ['0000000000000000', 'ffffffffffffffff', 64],
    ['8000000000000001', '0000000000000000', 2],
    ['00000000ffffffff', '0000000000000000', 32],
  ])('%s vs %s', (a, b, d) => {
    expect(hammingDistance(a, b)).toBe(d);
  });
});

describe('simhashBands', () => {
  it.each([
    [3, 4],
    [0, 1],
    [5, 6],
  ])('threshold %i gives %i bands', (threshold, count) => {
    expect(simhashBands('0123456789abcdef', threshold)).toHaveLength(count);
  });

  it('hashes within the threshold share a band (pigeonhole)', () => {
    const a = 'ffff0000ffff0000';
    const b = 'fffe0001ffff0001'; // 3 bits apart
    const shared = simhashBands(a, 3).filter((band) => simhashBands(b, 3).includes(band));
    expect(shared.length).toBeGreaterThan(0);
  });

  it('splits exactly into the given bits', () => {
    expect(simhashBands('0123456789abcdef', 3)).toEqual(['0:123', '1:4567', '2:89ab', '3:cdef']);
  });
});

describe('simhash in one pass', () => {
  it.each([
    ['a rumour', rumour],
    ['Latin words, digits and CJK mixed', 'G75兰海高速K1234+500处发生追尾，CNN、BBC均有报道 2026年'],
    ['full-width forms and upper case (NFKC, lower-cased)', 'ＡＢＣ１２３文县ＸＹＺ'],
    ['characters outside the BMP and emoji', '𠮷野家门口排队𠮷𠮷😀😀网传有人晕倒'],
    ['a lone surrogate', `文县\ud800滑坡`],
    ['runs shorter than a shingle', '文 县 滑 坡 a b'],
    ['empty', ''],
  ])('equals simhashOf(textFeatures(text)) for %s', (_name, text) => {
    expect(simhash(text)).toBe(simhashOf(textFeatures(text)));
    expect(simhash(text, { shingle: 2 })).toBe(simhashOf(textFeatures(text, { shingle: 2 })));
  });
});

describe('simhash counted in byte lanes', () => {
  /** Texts of every length up to ~1,300 features, from a fixed seed: CJK, Latin, digits, punctuation, astral. */
  const pieces = ['文', '县', '滑', '坡', '网', '传', '，', '。', ' ', 'K12', 'cnn', '𠮷', '😀', 'Ｘ', '\n', '救援'];
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const texts = Array.from({ length: 300 }, (_, i) => Array.from({ length: i * 5 }, () => pieces[Math.floor(random() * pieces.length)]).join(''));

  it('equals simhashOf(textFeatures(text)), also past 255 features (where the lanes spill)', () => {
    expect(Math.max(...texts.map((t) => textFeatures(t).length))).toBeGreaterThan(3 * 255);
    for (const text of texts) {
      expect(simhash(text)).toBe(simhashOf(textFeatures(text)));
      expect(simhash(text, { shingle: 2 })).toBe(simhashOf(textFeatures(text, { shingle: 2 })));
    }
  });
});

describe('hammingDistanceOf', () => {
  /** The definition: both halves through parseInt. */
  const byParseInt = (hi: number, lo: number, other: string) => {
    const pop = (x: number) => [...(x >>> 0).toString(2)].filter((b) => b === '1').length;
    return pop(hi ^ parseInt(other.slice(0, 8), 16)) + pop(lo ^ parseInt(other.slice(8, 16), 16));
  };
  it.each([
    ['a member', 'deadbeefcafef00d:weibo:1'],
    ['upper-case digits', 'DEADBEEFCAFEF00D:x'],
    ['all ones', 'ffffffffffffffff'],
    ['a non-hex digit in the high half', '12z45678cafef00d:x'],
    ['a non-hex digit in the low half', 'deadbeef1234567g'],
    ['too short', 'dead'],
  ])('reads %s as parseInt does', (_name, other) => {
    for (const [hi, lo] of [
      [0, 0],
      [0xdeadbeef, 0xcafef00d],
      [0xffffffff, 0x12345678],
    ] as const) {
      expect(hammingDistanceOf(hi, lo, other)).toBe(byParseInt(hi, lo, other));
    }
  });
});

describe('simhashBands without BigInt', () => {
  /** The 64-bit arithmetic the bands are defined by. */
  const reference = (hash: string, threshold: number) => {
    const bands = threshold + 1;
    const bits = BigInt(`0x${hash}`);
    const width = Math.floor(64 / bands);
    return Array.from({ length: bands }, (_, i) => {
      const start = i * width;
      const len = i === bands - 1 ? 64 - start : width;
      return `${i}:${((bits >> BigInt(64 - start - len)) & ((1n << BigInt(len)) - 1n)).toString(16)}`;
    });
  };
  it.each(['0123456789abcdef', 'ffffffffffffffff', '0000000000000000', '8000000180000001', 'deadbeefcafef00d'])('%s at thresholds 0–9', (hash) => {
    for (let threshold = 0; threshold <= 9; threshold++) expect(simhashBands(hash, threshold)).toEqual(reference(hash, threshold));
  });
});
