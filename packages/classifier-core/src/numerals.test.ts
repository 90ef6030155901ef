import { parseChineseInteger, parseQuantity } from './numerals';

describe('parseQuantity', () => {
  it.each([
    ['3', 3, false],
    ['1,200', 1200, false],
    ['三', 3, false],
    ['两', 2, false],
    ['十二', 12, false],
    ['二十', 20, false],
    ['四十五', 45, false],
    ['一百一十', 110, false],
    ['二百零五', 205, false],
    ['一千二百万', 12_000_000, false],
    ['一万二千', 12_000, false],
    ['1.2亿', 120_000_000, false],
    ['1.2万', 12_000, false],
    ['3千', 3000, false],
    ['二十余', 20, true],
    ['20多', 20, true],
    ['数十', 20, true],
    ['数百', 200, true],
    ['十几', 10, true],
    ['上百', 100, true],
    ['近百', 90, true],
  ])('%s → %d (approximate %s)', (raw, value, approximate) => {
    expect(parseQuantity(raw)).toEqual({ value, approximate });
  });

  it.each(['', '人', 'abc', '三人'])('%s is not a number', (raw) => {
    expect(parseQuantity(raw)).toBeNull();
  });

  it.each([
    ['十', 10],
    ['十万', 100_000],
    ['三亿', 300_000_000],
    ['零', 0],
  ])('parseChineseInteger(%s) = %d', (raw, value) => {
    expect(parseChineseInteger(raw)).toBe(value);
  });
});
