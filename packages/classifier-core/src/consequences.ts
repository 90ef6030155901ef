import type { EmergencyLevel } from '@huiying/contracts';
import { CHINESE_NUMERAL_CHARS, parseQuantity } from './numerals';

/**
 * Consequences a post states (deaths, injuries, missing, direct losses) and the level they imply
 * under the work-safety grading (生产安全事故报告和调查处理条例) that domain.md gives.
 */
export interface Consequences {
  deaths: number;
  injured: number;
  seriouslyInjured: number;
  missing: number;
  lossYuan: number;
  /** The phrases the numbers came from, for the evidence. */
  matches: string[];
  /** 无人员伤亡 and the like: a stated zero. */
  noCasualties: boolean;
}

/** Lower bounds of levels I, II, III; below III is IV. Configurable: another grading is data. */
export interface LevelThresholds {
  I: { deaths: number; seriouslyInjured: number; lossYuan: number };
  II: { deaths: number; seriouslyInjured: number; lossYuan: number };
  III: { deaths: number; seriouslyInjured: number; lossYuan: number };
}

export const DEFAULT_LEVEL_THRESHOLDS: LevelThresholds = {
  I: { deaths: 30, seriouslyInjured: 100, lossYuan: 1e8 },
  II: { deaths: 10, seriouslyInjured: 50, lossYuan: 5e7 },
  III: { deaths: 3, seriouslyInjured: 10, lossYuan: 1e7 },
};

const NUM = `(?:[0-9][0-9,.]*[万千百]?|[${CHINESE_NUMERAL_CHARS}]+|[数几][十百千]|[上成近][百千万]|十[几多余])[余多]?`;
const WHO = `(?:人|名|位|个人|口人)`;
// Up to 6 characters between the count and the verb: 12名矿工遇难, 3人当场死亡.
const GAP = `[^，。,；;！!？?\\n0-9]{0,6}?`;
const DEATH = `(?:死亡|遇难|丧生|身亡|罹难|殒命|丧命|溺亡|不治|去世|牺牲)`;
const INJURY = `(?:重伤|受伤|轻伤|伤)`;
const MISSING = `(?:失踪|下落不明|失联)`;

type Kind = 'death' | 'injury' | 'missing';
// Each kind's patterns need one of its words: a post that names no death runs no death pattern.
const KIND_GATE: Record<Kind, RegExp> = {
  death: new RegExp(DEATH),
  injury: /伤/,
  missing: new RegExp(MISSING),
};
function charSet(chars: string): Int32Array {
  const bits = new Int32Array(2048);
  for (let i = 0; i < chars.length; i++) bits[chars.charCodeAt(i) >>> 5]! |= 1 << (chars.charCodeAt(i) & 31);
  return bits;
}
// The characters a NUM can start with. A pattern that starts with a count is tried (sticky) only
// at those positions instead of searched for at every one: the same matches, as a global search
// finds its first match by trying each position in turn.
const NUM_FIRST = charSet(`0123456789${CHINESE_NUMERAL_CHARS}数几上成近`);
const PATTERNS: ReadonlyArray<[Kind, RegExp, Int32Array | null]> = [
  ['death', new RegExp(`(${NUM})${WHO}${GAP}${DEATH}`, 'y'), NUM_FIRST],
  ['death', new RegExp(`${DEATH}(?:人数)?(?:已)?(?:上升|增加|升|增)?(?:至|到|为|达)?(${NUM})${WHO}?`, 'g'), null],
  ['injury', new RegExp(`(${NUM})${WHO}${GAP}(${INJURY})`, 'y'), NUM_FIRST],
  ['injury', new RegExp(`(重伤|受伤)(?:人数)?(?:已)?(?:上升|增加|升|增)?(?:至|到|为|达)?(${NUM})${WHO}?`, 'g'), null],
  ['missing', new RegExp(`(${NUM})${WHO}${GAP}${MISSING}`, 'y'), NUM_FIRST],
  ['missing', new RegExp(`${MISSING}(?:人数)?(?:至|到|为|达)?(${NUM})${WHO}`, 'g'), null],
];
// 3死5伤, 一死两伤
const SHORT_RE = new RegExp(`(${NUM})死(?:(${NUM})(重伤|伤))?`, 'y');
// Headline forms without 死: 致17伤, 致12伤2亡, 致1亡. A lone 3伤 or 2亡 needs 致/造成 before it
// or a second count after it, so 一伤 or 存亡 in ordinary prose is not read as a count.
const HEADLINE_RE = new RegExp(`(致|造成|酿)?(${NUM})(伤|亡)(?:(${NUM})(死|亡|伤))?`, 'y');
const HEADLINE_FIRST = charSet(`0123456789${CHINESE_NUMERAL_CHARS}数几上成近致造酿`);

/**
 * The next match of `re` at or after `from`: a global regex searches; a sticky one (`first`
 * given) is tried at each position whose character can start it, in order.
 */
function nextMatch(re: RegExp, first: Int32Array | null, text: string, from: number): RegExpExecArray | null {
  if (first === null) {
    re.lastIndex = from;
    return re.exec(text);
  }
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((first[c >>> 5]! & (1 << (c & 31))) === 0) continue;
    re.lastIndex = i;
    const m = re.exec(text);
    if (m !== null) return m;
  }
  return null;
}
const LOSS_RE = new RegExp(`(?:经济)?损失(?:约|达|超过|超|逾|近|高达|共计|初步估计|估计)*(${NUM})(亿|万|千万)?元`, 'g');
const NO_CASUALTIES_RE = /(无|未造成|没有造成|未发生|暂无|没有)(人员)?(伤亡|人员伤亡|人员死亡)/;
// Quick gate: most posts state no numbers of victims, and the regexes above are the costly part.
// Every pattern below needs one of these; 难 and 亡 alone are too common (困难, 灭亡) to gate on.
const GATE_RE = /[死伤丧殒溺]|遇难|罹难|身亡|不治|去世|牺牲|失踪|下落不明|失联|损失|[0-9一二两三四五六七八九十]亡/;
// Every alternative of GATE_RE holds one of these characters; a loop over a bitset turns away
// the 77 % of posts without any in a fifth of the regex's time.
const GATE_CHARS = charSet('死伤丧殒溺遇罹亡治踪落联损世牲');

function mayStateConsequences(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((GATE_CHARS[c >>> 5]! & (1 << (c & 31))) !== 0) return GATE_RE.test(text);
  }
  return false;
}

function quantity(s: string | undefined): number | null {
  if (s === undefined) return null;
  return parseQuantity(s)?.value ?? null;
}

export function extractConsequences(text: string): Consequences {
  const c: Consequences = {
    deaths: 0,
    injured: 0,
    seriouslyInjured: 0,
    missing: 0,
    lossYuan: 0,
    matches: [],
    noCasualties: false,
  };
  if (!mayStateConsequences(text)) return c;
  c.noCasualties = NO_CASUALTIES_RE.test(text);
  const present: Record<Kind, boolean> = {
    death: KIND_GATE.death.test(text),
    injury: KIND_GATE.injury.test(text),
    missing: KIND_GATE.missing.test(text),
  };
  for (const [kind, re, first] of PATTERNS) {
    if (!present[kind]) continue;
    for (let m = nextMatch(re, first, text, 0); m !== null; m = nextMatch(re, first, text, m.index + m[0].length)) {
      const n = quantity(kind === 'injury' && /^(重伤|受伤)/.test(m[0]) ? m[2] : m[1]);
      if (n === null || n <= 0 || n > 1e6) continue;
      c.matches.push(m[0]);
      // Reports update upwards (死亡人数升至…), so the largest stated number stands.
      if (kind === 'death') c.deaths = Math.max(c.deaths, n);
      else if (kind === 'missing') c.missing = Math.max(c.missing, n);
      else {
        c.injured = Math.max(c.injured, n);
        if (m[0].includes('重伤')) c.seriouslyInjured = Math.max(c.seriouslyInjured, n);
      }
    }
  }
  for (let m = text.includes('死') ? nextMatch(SHORT_RE, NUM_FIRST, text, 0) : null; m !== null; m = nextMatch(SHORT_RE, NUM_FIRST, text, m.index + m[0].length)) {
    const d = quantity(m[1]);
    if (d === null || d <= 0) continue;
    c.matches.push(m[0]);
    c.deaths = Math.max(c.deaths, d);
    const i = quantity(m[2]);
    if (i !== null) c.injured = Math.max(c.injured, i);
  }
  for (let m = /[伤亡]/.test(text) ? nextMatch(HEADLINE_RE, HEADLINE_FIRST, text, 0) : null; m !== null; m = nextMatch(HEADLINE_RE, HEADLINE_FIRST, text, m.index + m[0].length)) {
    if (m[1] === undefined && m[4] === undefined) continue;
    const first = quantity(m[2]);
    if (first === null || first <= 0 || first > 1e6) continue;
    c.matches.push(m[0]);
    const counts: Array<[string, number | null]> = [[m[3]!, first], [m[5] ?? '', quantity(m[4])]];
    for (const [word, n] of counts) {
      if (n === null || n <= 0 || n > 1e6) continue;
      if (word === '伤') c.injured = Math.max(c.injured, n);
      else if (word === '亡' || word === '死') c.deaths = Math.max(c.deaths, n);
    }
  }
  LOSS_RE.lastIndex = 0;
  for (let m = text.includes('损失') ? LOSS_RE.exec(text) : null; m !== null; m = LOSS_RE.exec(text)) {
    const n = quantity(m[1]);
    if (n === null) continue;
    const unit = m[2] === '亿' ? 1e8 : m[2] === '千万' ? 1e7 : m[2] === '万' ? 1e4 : 1;
    c.matches.push(m[0]);
    c.lossYuan = Math.max(c.lossYuan, n * unit);
  }
  return c;
}

export function hasStatedCasualties(c: Consequences): boolean {
  return c.deaths + c.injured + c.missing > 0;
}

/**
 * The level the stated consequences imply. Missing persons count with the dead, as the grading
 * does in practice; a plain 受伤 counts as serious when no 重伤 figure is given, since a post
 * rarely distinguishes and the duty officer confirms the level (an over-estimate is the safer
 * error here).
 */
export function levelOf(c: Consequences, t: LevelThresholds = DEFAULT_LEVEL_THRESHOLDS): EmergencyLevel {
  const deaths = c.deaths + c.missing;
  const serious = c.seriouslyInjured > 0 ? c.seriouslyInjured : c.injured;
  for (const level of ['I', 'II', 'III'] as const) {
    const th = t[level];
    if (deaths >= th.deaths || serious >= th.seriouslyInjured || c.lossYuan >= th.lossYuan) return level;
  }
  return 'IV';
}
