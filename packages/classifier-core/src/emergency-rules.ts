import type { EmergencyCategory, EmergencyLevel, Evidence } from '@huiying/contracts';
import {
  type Consequences,
  DEFAULT_LEVEL_THRESHOLDS,
  extractConsequences,
  hasStatedCasualties,
  type LevelThresholds,
  levelOf,
} from './consequences';
import { DEFAULT_SUBTYPES, FACT_CUES, SUPPRESSORS, type SubtypeEntry } from './emergency-lexicon';
import { createTermScanner, type ScanResult, type TermEntry, type TermMatch } from './term-matcher';

export interface EmergencyRuleOptions {
  subtypes?: SubtypeEntry[];
  factCues?: string[];
  suppressors?: Record<string, string[]>;
  levelThresholds?: LevelThresholds;
}

/** What the rules found in one text; the classifier combines it with the model. */
export interface EmergencyFindings {
  subtype: string | null;
  category: EmergencyCategory | null;
  /** Sum of the best subtype's term weights, capped at 2. */
  eventWeight: number;
  eventTerms: string[];
  factTerms: string[];
  /** Suppressor kind → the terms that matched anywhere. */
  suppressed: Map<string, string[]>;
  /**
   * Veto kind → terms, set only when every sentence naming the event also carries a veto word
   * (文县举行山体滑坡应急演练). A report that states the event plainly in one sentence and adds
   * 请注意防范 in another is not vetoed.
   */
  vetoes: Map<string, string[]>;
  consequences: Consequences;
  /**
   * A death stated right after an event word in the same clause, without a count
   * (遭遇严重车祸去世, 遭遇暴雨洪流，不幸因公牺牲 is two clauses and does not count; 死于车祸 does).
   */
  eventDeath: string | null;
  /**
   * The magnitude an earthquake report states (6.1级地震, 里氏6.8级, 五点五级地震), the largest if
   * several; null when none is stated. A measured magnitude is itself the fact that a quake happened.
   */
  magnitude: number | null;
  level: EmergencyLevel;
  /** Rule names, fed to the model as features so it learns how much each is worth. */
  features: string[];
}

/** Suppressor kinds that veto a flag outright (spec: these must not fire). */
export const VETO_KINDS = ['drill', 'forecast', 'negation', 'prevention', 'anniversary', 'fiction'] as const;

export type EmergencyLists = {
  events: ReadonlyArray<TermEntry<SubtypeEntry>>;
  facts: ReadonlyArray<TermEntry<string>>;
  suppressors: ReadonlyArray<TermEntry<string>>;
};

export interface EmergencyRules {
  /** The word lists, for a scanner shared with the other rules (one pass over the text). */
  readonly lists: EmergencyLists;
  /** The findings from the matches of `lists` in `text`. */
  fromMatches(text: string, matches: ScanResult<EmergencyLists>): EmergencyFindings;
  /** Scans on its own: for tests and callers without a shared scanner. */
  find(text: string): EmergencyFindings;
  readonly levelThresholds: LevelThresholds;
}

/** Read only: the subtypes of a post naming no event word (most posts). */
const NO_SUBTYPES: Map<SubtypeEntry, string[]> = new Map();

export function createEmergencyRules(opts: EmergencyRuleOptions = {}): EmergencyRules {
  const subtypes = opts.subtypes ?? DEFAULT_SUBTYPES;
  const lists: EmergencyLists = {
    events: subtypes.flatMap((entry) => entry.patterns.map((pattern) => ({ pattern, value: entry }))),
    facts: (opts.factCues ?? FACT_CUES).map((t) => ({ pattern: t, value: t })),
    suppressors: Object.entries(opts.suppressors ?? SUPPRESSORS).flatMap(([kind, terms]) => terms.map((t) => ({ pattern: t, value: kind }))),
  };
  const ownScanner = createTermScanner(lists);
  const levelThresholds = opts.levelThresholds ?? DEFAULT_LEVEL_THRESHOLDS;

  function fromMatches(text: string, matches: ScanResult<EmergencyLists>): EmergencyFindings {
      const eventMatches: TermMatch<SubtypeEntry>[] = matches.events;
      // Most posts name no event: no map built for them (allocation is what the cut pays for).
      const bySubtype: Map<SubtypeEntry, string[]> = eventMatches.length > 0 ? new Map() : NO_SUBTYPES;
      for (const m of eventMatches) {
        const terms = bySubtype.get(m.value) ?? [];
        if (!terms.includes(m.term)) terms.push(m.term);
        bySubtype.set(m.value, terms);
      }
      let best: SubtypeEntry | null = null;
      let bestWeight = 0;
      let eventTerms: string[] = [];
      for (const [entry, terms] of bySubtype) {
        // A second distinct term of the same subtype adds half: 山体滑坡 + 塌方 is surer than one.
        const w = Math.min(2, entry.weight * (1 + 0.5 * (terms.length - 1)));
        if (w > bestWeight) {
          best = entry;
          bestWeight = w;
          eventTerms = terms;
        }
      }
      const factTerms = matches.facts.length > 0 ? [...new Set(matches.facts.map((m) => m.term))] : [];
      const suppressed = new Map<string, string[]>();
      const suppressorMatches = matches.suppressors;
      for (const m of suppressorMatches) {
        const terms = suppressed.get(m.value) ?? [];
        if (!terms.includes(m.term)) terms.push(m.term);
        suppressed.set(m.value, terms);
      }
      const vetoes = findVetoes(text, eventMatches, suppressorMatches);
      const consequences = extractConsequences(text);
      const features: string[] = [];
      for (const entry of bySubtype.keys()) features.push(`ev:${entry.subtype}`, `cat:${entry.category}`);
      if (factTerms.length > 0) features.push('fact', factTerms.length >= 3 ? 'fact3' : 'fact1');
      for (const kind of suppressed.keys()) features.push(`sup:${kind}`);
      if (consequences.deaths > 0) features.push('cas:death');
      if (consequences.injured > 0) features.push('cas:injury');
      if (consequences.missing > 0) features.push('cas:missing');
      if (consequences.lossYuan > 0) features.push('cas:loss');
      if (consequences.noCasualties) features.push('cas:none');
      if (best !== null && factTerms.length > 0) features.push('ev+fact');
      if (best !== null && hasStatedCasualties(consequences)) features.push('ev+cas');
      const eventDeath = eventMatches.length > 0 ? findEventDeath(text, eventMatches) : null;
      if (eventDeath !== null) features.push('ev+death');
      const magnitude = bySubtype.size > 0 && [...bySubtype.keys()].some((e) => e.subtype === 'earthquake') ? statedMagnitude(text) : null;
      if (magnitude !== null) features.push('eq:magnitude');
      return {
        subtype: best?.subtype ?? null,
        category: best?.category ?? null,
        eventWeight: bestWeight,
        eventTerms,
        factTerms,
        suppressed,
        vetoes,
        consequences,
        eventDeath,
        magnitude,
        level: levelOf(consequences, levelThresholds),
        features,
      };
  }

  return { levelThresholds, lists, fromMatches, find: (text) => fromMatches(text, ownScanner.scan(text)) };
}

const SENTENCE_END_RE = /[。！？!?；;\n]/g;

// A death word a few characters after an event word, no clause break between (车祸去世, 火灾中
// 丧生, 被砸成脑死亡), or 死于 just before it (死于车祸). 死亡率 is a statistic, not a death.
const DEATH_AFTER_EVENT_RE = /^[^，。,；;！!？?\n]{0,6}?(身亡|去世|丧生|遇难|罹难|殒命|丧命|牺牲|不治|死亡(?!率))/;
const DEATH_WORD_GATE_RE = /身亡|去世|丧生|遇难|罹难|殒命|丧命|牺牲|不治|死亡|死于/;

function findEventDeath(text: string, eventMatches: ReadonlyArray<{ index: number; term: string }>): string | null {
  if (!DEATH_WORD_GATE_RE.test(text)) return null;
  for (const m of eventMatches) {
    const end = m.index + m.term.length;
    const after = DEATH_AFTER_EVENT_RE.exec(text.slice(end, end + 10));
    if (after) return m.term + after[0];
    if (m.index >= 2 && text.startsWith('死于', m.index - 2)) return `死于${m.term}`;
  }
  return null;
}
// 6.1级地震, 6.2级强烈地震, 里氏6.8级, 震级5.0 (NFKC has made ６．８ ASCII); 五点五级地震 in words.
const MAGNITUDE_RE = /(?:里氏|震级)\s*(\d{1,2}(?:\.\d)?)|(\d{1,2}(?:\.\d)?)\s*级(?:强烈|强|大)?(?:地震|强震|余震)|([一二三四五六七八九])点([〇零一二三四五六七八九])级(?:强烈|强|大)?(?:地震|强震|余震)|([三四五六七八九])级(?:强烈|强|大)?(?:地震|强震)/g;
const DIGIT_WORDS = '〇一二三四五六七八九';

function statedMagnitude(text: string): number | null {
  let best: number | null = null;
  MAGNITUDE_RE.lastIndex = 0;
  for (let m = MAGNITUDE_RE.exec(text); m !== null; m = MAGNITUDE_RE.exec(text)) {
    const digits = m[1] ?? m[2];
    let v: number;
    if (digits !== undefined) v = Number(digits);
    else if (m[3] !== undefined) v = DIGIT_WORDS.indexOf(m[3]) + DIGIT_WORDS.indexOf(m[4]!.replace('零', '〇')) / 10;
    else v = DIGIT_WORDS.indexOf(m[5]!);
    // Magnitudes run 0–9.x; anything else is another number before 级 (a 12级 wind is not a quake).
    if (v > 0 && v < 10 && (best === null || v > best)) best = v;
  }
  return best;
}

const VETO_SET: ReadonlySet<string> = new Set(VETO_KINDS);

function findVetoes(
  text: string,
  eventMatches: ReadonlyArray<{ index: number }>,
  suppressorMatches: ReadonlyArray<{ index: number; term: string; value: string }>,
): Map<string, string[]> {
  const vetoes = new Map<string, string[]>();
  if (suppressorMatches.length === 0) return vetoes;
  const relevant = suppressorMatches.filter((m) => VETO_SET.has(m.value));
  if (relevant.length === 0) return vetoes;
  const ends: number[] = [];
  SENTENCE_END_RE.lastIndex = 0;
  for (let m = SENTENCE_END_RE.exec(text); m !== null; m = SENTENCE_END_RE.exec(text)) ends.push(m.index);
  const sentenceOf = (i: number): number => {
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const eventSentences = new Set(eventMatches.map((m) => sentenceOf(m.index)));
  const bySentence = new Map<number, typeof relevant>();
  for (const m of relevant) {
    const s = sentenceOf(m.index);
    bySentence.set(s, [...(bySentence.get(s) ?? []), m]);
  }
  // No event word at all (the model flagged on other words): a short post with a veto word
  // anywhere is vetoed; a long one is left to the model.
  const sentences = eventSentences.size > 0 ? [...eventSentences] : text.length < 200 ? [...bySentence.keys()] : [];
  if (sentences.length === 0 || !sentences.every((s) => bySentence.has(s))) return vetoes;
  for (const s of sentences) {
    for (const m of bySentence.get(s)!) {
      const terms = vetoes.get(m.value) ?? [];
      if (!terms.includes(m.term)) terms.push(m.term);
      vetoes.set(m.value, terms);
    }
  }
  return vetoes;
}

/** The evidence lines of the rule findings, weights as they entered the decision. */
export function emergencyRuleEvidence(f: EmergencyFindings): Evidence[] {
  const out: Evidence[] = [];
  if (f.subtype !== null) {
    out.push({ rule: `event_term:${f.subtype}`, terms: f.eventTerms, weight: round(f.eventWeight) });
  }
  if (f.factTerms.length > 0) out.push({ rule: 'fact_cue', terms: f.factTerms.slice(0, 8), weight: 0 });
  if (f.consequences.matches.length > 0) {
    const c = f.consequences;
    out.push({
      rule: 'stated_consequences',
      terms: f.consequences.matches.slice(0, 8),
      weight: 0,
      note: `deaths ${c.deaths}, injured ${c.injured} (serious ${c.seriouslyInjured}), missing ${c.missing}, loss ¥${c.lossYuan} → level ${f.level}`,
    });
  }
  for (const [kind, terms] of f.suppressed) {
    out.push({ rule: `suppressor:${kind}`, terms, weight: 0 });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
