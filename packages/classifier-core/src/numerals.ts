/**
 * Numbers as posts write them: 3, 1,200, 1.2万, 三, 十二, 二十余, 数十, 上百, 一千二百万, 1.2亿.
 * `value` is a conservative (lower) estimate: 二十余 → 20, 数十 → 20, 近百 → 90. A level
 * estimate must not climb on vague wording, and the duty officer confirms the level anyway.
 */

const DIGIT: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};
const SMALL_UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const BIG_UNIT: Record<string, number> = { 万: 1e4, 亿: 1e8 };

/** The characters a Chinese numeral is made of; callers build their regexes from it. */
export const CHINESE_NUMERAL_CHARS = '零〇一二两三四五六七八九十百千万亿';

/** Vague quantities: the lower end of what the words mean. */
const VAGUE: ReadonlyArray<[RegExp, (unit: number) => number]> = [
  [/^(数|几)(十|百|千|万)$/, (u) => 2 * u],
  [/^十(几|多|余)$/, () => 10],
  [/^(上|成)(百|千|万)$/, (u) => u],
  [/^近(百|千|万)$/, (u) => 0.9 * u],
];

/** Parses a pure Chinese numeral (三, 十二, 二百零五, 一千二百万). NaN when it is not one. */
export function parseChineseInteger(s: string): number {
  if (s.length === 0) return NaN;
  let total = 0; // completed 亿/万 sections
  let section = 0; // within the current 万 section
  let digit = -1; // pending digit, -1 = none
  for (const ch of s) {
    const d = DIGIT[ch];
    if (d !== undefined) {
      digit = d;
      continue;
    }
    const small = SMALL_UNIT[ch];
    if (small !== undefined) {
      // 十二 means 12: a unit with no digit before it counts once.
      section += (digit === -1 ? 1 : digit) * small;
      digit = -1;
      continue;
    }
    const big = BIG_UNIT[ch];
    if (big !== undefined) {
      const value = (section + (digit === -1 ? 0 : digit)) || (total === 0 ? 1 : 0);
      total = (total + value) * big;
      section = 0;
      digit = -1;
      continue;
    }
    return NaN;
  }
  return total + section + (digit === -1 ? 0 : digit);
}

/**
 * Parses a quantity as it appears before a measure word: Arabic (with , separators and a
 * decimal point), Chinese, mixed (1.2万, 3千), approximate (二十余, 20多, 数十, 上百).
 * Returns null when the string holds no number.
 */
export function parseQuantity(raw: string): { value: number; approximate: boolean } | null {
  let s = raw.replace(/[,，\s]/g, '');
  let approximate = false;
  if (/[余多几]$/.test(s) && !/^[数几]/.test(s)) {
    approximate = true;
    s = s.slice(0, -1);
  }
  for (const [re, f] of VAGUE) {
    const m = re.exec(s);
    if (m) {
      const unitChar = m[m.length - 1] ?? '十';
      const unit = SMALL_UNIT[unitChar] ?? BIG_UNIT[unitChar] ?? 10;
      return { value: f(unit), approximate: true };
    }
  }
  // A trailing 万/亿 may follow an Arabic number (1.2万, 3亿) or a Chinese one (十二万).
  let multiplier = 1;
  while (s.length > 0) {
    const last = s[s.length - 1]!;
    const big = BIG_UNIT[last];
    const isArabicBefore = /[0-9.]$/.test(s.slice(0, -1));
    if (big !== undefined && isArabicBefore) {
      multiplier *= big;
      s = s.slice(0, -1);
    } else if ((last === '千' || last === '百') && isArabicBefore) {
      multiplier *= SMALL_UNIT[last]!;
      s = s.slice(0, -1);
    } else break;
  }
  if (/^[0-9]+(\.[0-9]+)?$/.test(s)) {
    return { value: Number(s) * multiplier, approximate };
  }
  if (/^[0-9]+(\.[0-9]+)?\+?$/.test(s)) return { value: Number(s.replace('+', '')), approximate: true };
  const chinese = parseChineseInteger(s);
  if (Number.isNaN(chinese) || s.length === 0) return null;
  return { value: chinese * multiplier, approximate };
}
