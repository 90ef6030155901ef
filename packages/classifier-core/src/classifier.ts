import type { Classification, Evidence } from '@huiying/contracts';
import { createHash } from 'node:crypto';
import { type LevelThresholds } from './consequences';
import { createEmergencyRules, emergencyRuleEvidence, type EmergencyFindings } from './emergency-rules';
import type { SubtypeEntry } from './emergency-lexicon';
import { appendOpeningFeatures, createScratch, extractTextFeatures, featureBucket, setRuleFeatures } from './features';
import { DEFAULT_MAX_CHARS, normalizeText } from './input';
import { createTopFeatures, findTopFeatures, interleaveWeights, logitWithTextSum, openingSum, pairedTextSums, sigmoid, type LinearModel } from './linear-model';
import { loadModelFile, type LoadedModels } from './model-file';
import { createRouter, loadDefaultRegion, loadDefaultRoutingTable, type Region, type RoutingTopic } from './routing';
import { createRumorRules, rumorCueEvidence, type RegistryClaim, type RumorFindings } from './rumor-rules';
import { jiebaSegmenter, type Segmenter } from './segmenter';
import { createSentimentScorer } from './sentiment';
import { topContributions } from './contributions';
import { createTermScanner } from './term-matcher';

export interface ClassifyInput {
  id: string;
  text: string;
  title?: string;
  author?: string;
  sourceId?: string;
}

export interface Classifier {
  readonly version: string;
  classify(input: ClassifyInput): Classification;
  /** Features and rule findings without a verdict: what training reads. */
  analyze(input: ClassifyInput): Analysis;
  /**
   * Replaces the debunked claims and published statements posts are compared with. The registry
   * is data, not part of the version: a post's evidence names the claim it matched.
   */
  setRegistry(claims: readonly RegistryClaim[]): void;
}

export interface Analysis {
  text: string;
  tokens: string[];
  emergency: EmergencyFindings;
  rumor: RumorFindings;
  emergencyFeatures: Int32Array;
  emergencyTextLength: number;
  rumorFeatures: Int32Array;
  rumorTextLength: number;
  /** Counties named (directly or by a town): the local-event rule reads them. */
  counties: string[];
}

/** Bump when a rule, lexicon or decision changes what the classifier says. */
export const RULES_REVISION = 'r8';
const PACKAGE_VERSION = '0.1.0';

export interface ClassifierOptions {
  segmenter?: Segmenter;
  /** The loaded model file; `null` runs the rules alone (what training starts from). */
  models?: LoadedModels | null;
  routingTable?: RoutingTopic[];
  region?: Region;
  subtypes?: SubtypeEntry[];
  suppressors?: Record<string, string[]>;
  levelThresholds?: LevelThresholds;
  rumorCues?: Record<string, string[]>;
  /** Debunked claims and our published statements. */
  registry?: RegistryClaim[];
  sourceCredibility?: Record<string, number>;
  /** Hash buckets (bits) of the features when running without models (training). Default 18. */
  featureBits?: number;
  /** Characters read per post (default 20,000); the rest is ignored. */
  maxChars?: number;
}

const RULES_ONLY_BITS = 18;
/** Terms a model flag's explanation lists. */
const EXPLAINED_TERMS = 6;
/** Cue kinds that back a rumour flag on an article (official and debunk words do not). */
const RUMOR_CUE_KINDS = ['hearsay', 'urge_share', 'alarm'] as const;
/** Logit added for a headlined article without rumour cues (as a credible source's −2). */
const ARTICLE_WEIGHT = -2;

export function createClassifier(options: ClassifierOptions = {}): Classifier {
  const segmenter = options.segmenter ?? jiebaSegmenter();
  const models = options.models === undefined ? loadModelFile() : options.models;
  const bits = models?.featureBits ?? options.featureBits ?? RULES_ONLY_BITS;
  const emergencyRules = createEmergencyRules({
    ...(options.subtypes && { subtypes: options.subtypes }),
    ...(options.suppressors && { suppressors: options.suppressors }),
    ...(options.levelThresholds && { levelThresholds: options.levelThresholds }),
  });
  const rumorRules = createRumorRules({
    ...(options.rumorCues && { cues: options.rumorCues }),
    ...(options.registry && { registry: options.registry }),
    ...(options.sourceCredibility && { sourceCredibility: options.sourceCredibility }),
  });
  const region = options.region ?? loadDefaultRegion();
  const router = createRouter(options.routingTable ?? loadDefaultRoutingTable(), region);
  const sentiment = createSentimentScorer();
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const scratch = createScratch(bits);
  const interleaved = models ? interleaveWeights(models.emergency, models.rumor) : null;
  const sums = new Float64Array(2);
  // A word among the top features as token and as bigram becomes one line (contributions.ts), so
  // an explanation may list fewer: keeping twice as many features cost 2–3 % of the speed ratio.
  const top = createTopFeatures(EXPLAINED_TERMS);
  // Every word list of every rule in one trie: one pass over the text per post.
  const scanner = createTermScanner({ ...emergencyRules.lists, ...rumorRules.lists, ...router.lists, ...sentiment.lists });

  const custom = { ...options, segmenter: undefined, models: undefined, registry: undefined, featureBits: undefined };
  const customHash = Object.values(custom).some((v) => v !== undefined)
    ? `+custom.${createHash('sha256').update(JSON.stringify(custom)).digest('hex').slice(0, 8)}`
    : '';
  const version = `classifier-core@${PACKAGE_VERSION}+${RULES_REVISION}+${models ? `model.${models.digest}` : 'rules-only'}${customHash}`;

  function textOf(input: ClassifyInput): string {
    const title = input.title?.trim();
    // The title usually names the event; joined with 。 so no bigram spans the seam.
    return normalizeText(title ? `${title}。${input.text ?? ''}` : input.text, maxChars);
  }

  function analyze(input: ClassifyInput): Analysis {
    const text = textOf(input);
    const tokens = segmenter.cut(text);
    const matches = scanner.scan(text);
    const emergency = emergencyRules.fromMatches(text, matches);
    const rumor = rumorRules.fromMatches(text, input, matches);
    const { counties } = router.fromMatches(matches);
    const textLength = extractTextFeatures(text, tokens, bits, scratch);
    const ef = setRuleFeatures(emergency.features, textLength, bits, scratch);
    const emergencyFeatures = Int32Array.from(ef.indices.subarray(0, ef.length));
    const rumorTextLength = appendOpeningFeatures(textLength, scratch);
    const rf = setRuleFeatures(rumor.features, rumorTextLength, bits, scratch);
    return {
      text,
      tokens,
      emergency,
      rumor,
      emergencyFeatures,
      emergencyTextLength: textLength,
      rumorFeatures: Int32Array.from(rf.indices.subarray(0, rf.length)),
      rumorTextLength,
      counties,
    };
  }

  /** The tokens and bigrams that pushed model m (0 emergency, 1 rumour) up: built for flags only. */
  function explain(m: 0 | 1, text: string, tokens: string[], textLength: number): string[] {
    if (!interleaved) return [];
    findTopFeatures(interleaved, m, scratch.buf, textLength, top);
    return topContributions(top, m, textLength, scratch, text, tokens, EXPLAINED_TERMS);
  }

  // A handful of rule names recur on every post: their weights are looked up once.
  const ruleWeights = new Map<LinearModel, Map<string, number>>();
  function ruleWeight(model: LinearModel | undefined, rule: string): number {
    if (!model) return 0;
    let cache = ruleWeights.get(model);
    if (!cache) ruleWeights.set(model, (cache = new Map()));
    let w = cache.get(rule);
    if (w === undefined) cache.set(rule, (w = round(model.weights[featureBucket('r', rule, bits)]!)));
    return w;
  }

  // The same per evidence line's rule name, so a post builds no feature name to look it up.
  const evidenceWeights = new Map<LinearModel, Map<string, number>>();
  function evidenceWeight(model: LinearModel | undefined, evidenceRule: string, featureOf: (rule: string) => string): number {
    if (!model) return 0;
    let cache = evidenceWeights.get(model);
    if (!cache) evidenceWeights.set(model, (cache = new Map()));
    let w = cache.get(evidenceRule);
    if (w === undefined) cache.set(evidenceRule, (w = ruleWeight(model, featureOf(evidenceRule))));
    return w;
  }

  function classify(input: ClassifyInput): Classification {
    const text = textOf(input);
    // Segment once, scan once: the tokens feed both models, the matches every rule.
    const tokens = segmenter.cut(text);
    const matches = scanner.scan(text);
    const em = emergencyRules.fromMatches(text, matches);
    const ru = rumorRules.fromMatches(text, input, matches);
    const routing = router.fromMatches(matches);
    const textLength = models ? extractTextFeatures(text, tokens, bits, scratch) : 0;
    if (interleaved) pairedTextSums(interleaved, scratch.buf, textLength, sums);

    // Emergency: the model's probability, rescaled so 0.5 is its tuned threshold; the rules
    // decide category, subtype, level, and veto drills, forecasts and the like.
    // The lines are fresh objects: their weights are set in place (no copies per post).
    const emEvidence: Evidence[] = emergencyRuleEvidence(em);
    for (const e of emEvidence) {
      if (e.rule.startsWith('suppressor:') || e.rule === 'fact_cue') e.weight = evidenceWeight(models?.emergency, e.rule, emergencyFeatureOf);
    }
    let emScore: number;
    if (models) {
      const f = setRuleFeatures(em.features, textLength, bits, scratch);
      const z = logitWithTextSum(models.emergency, sums[0]!, f) - logitOf(models.emergency.threshold);
      emScore = sigmoid(z);
      if (emScore >= 0.5) {
        emEvidence.unshift({
          rule: 'model:emergency',
          terms: explain(0, text, tokens, textLength),
          weight: round(z),
          note: `logistic model over jieba tokens and character bigrams; p=${round(emScore)} against the tuned threshold`,
        });
      }
    } else {
      emScore = em.subtype !== null && em.factTerms.length > 0 ? Math.min(1, 0.4 + 0.25 * em.eventWeight) : 0.2 * em.eventWeight;
    }
    const localEvent = isLocalEvent(em, routing.counties);
    if (localEvent && emScore < 0.5) {
      emScore = 0.75;
      const stated = [...(em.eventDeath !== null ? [em.eventDeath] : []), ...(isFeltQuake(em) ? [`${em.magnitude}级`] : [])];
      emEvidence.unshift({ rule: 'local_event', terms: [...em.eventTerms, ...stated, ...routing.counties], weight: 1, note: 'event word with a stated fact, in the region or with victims, or a quake of stated magnitude' });
    }
    let emFlagged = emScore >= 0.5;
    if (emFlagged && em.vetoes.size > 0) {
      emFlagged = false;
      const kinds = [...em.vetoes.keys()];
      emEvidence.push({ rule: 'veto', terms: kinds.flatMap((k) => em.vetoes.get(k) ?? []), weight: -1, note: `not a current event (${kinds.join(', ')}) in every sentence naming it` });
      emScore = Math.min(emScore, 0.49);
    }

    // Rumour: model + cues, then the registry and source credibility with stated weights.
    const ruEvidence: Evidence[] = rumorCueEvidence(ru);
    for (const e of ruEvidence) e.weight = evidenceWeight(models?.rumor, e.rule, rumorFeatureOf);
    let z = 0;
    if (models) {
      // The rumour model also reads how the post opens (features.ts, r6).
      const rumorTextLength = appendOpeningFeatures(textLength, scratch);
      const f = setRuleFeatures(ru.features, rumorTextLength, bits, scratch);
      const textSum = sums[1]! + openingSum(interleaved!, scratch.buf, textLength, rumorTextLength);
      z = logitWithTextSum(models.rumor, textSum, f) - logitOf(models.rumor.threshold);
      if (z >= 0) {
        ruEvidence.unshift({
          rule: 'model:rumor',
          terms: explain(1, text, tokens, rumorTextLength),
          weight: round(z),
          note: 'logistic model over jieba tokens and character bigrams',
        });
      }
    } else {
      z = ru.cueTerms.has('hearsay') || ru.cueTerms.has('urge_share') ? 1 : -2;
    }
    for (const a of ru.adjustments) {
      z += a.weight;
      ruEvidence.push(a);
    }
    // The rumour model learnt from Weibo posts, none with a headline. On a headlined article (a
    // news site, an RSS item) its style features are out of their domain (宕昌县学校开学 read
    // as a rumour for 提醒家长注意): there a model-only verdict is damped; a rumour cue or a
    // registry match still counts in full.
    const title = input.title?.trim();
    if (models && title && ru.claimId === null && !RUMOR_CUE_KINDS.some((k) => ru.cueTerms.has(k))) {
      z += ARTICLE_WEIGHT;
      ruEvidence.push({ rule: 'article_not_social_post', terms: [title.slice(0, 30)], weight: ARTICLE_WEIGHT, note: 'headlined article without rumour cues: the model was trained on social posts' });
    }
    const ruScore = sigmoid(z);

    const sent = sentiment.fromMatches(matches);
    // The county a town resolves to comes first: posts naming 碧口镇 and 文县 share a key term.
    const keyTerms: string[] = [];
    for (const list of [routing.counties, routing.places, em.eventTerms]) {
      for (const t of list) if (keyTerms.length < 12 && !keyTerms.includes(t)) keyTerms.push(t);
    }
    // Built to the schema's type; not re-parsed per post (zod cost ~as much as the rules), the
    // tests validate the output against the schema instead.
    const result: Classification = {
      version,
      emergency: {
        flagged: emFlagged,
        category: em.category,
        subtype: em.subtype,
        level: emFlagged ? em.level : null,
        score: round(emScore),
        evidence: emEvidence,
      },
      rumor: { flagged: ruScore >= 0.5, score: round(ruScore), evidence: ruEvidence, claimId: ru.claimId },
      departments: routing.departments,
      counties: routing.counties,
      sentiment: sent.sentiment,
      keyTerms,
    };
    return result;
  }

  return { version, classify, analyze, setRegistry: (claims) => rumorRules.setRegistry(claims) };
}

/**
 * Local rule: a known event word with a stated fact in our region, or with a stated number of
 * dead or missing, fires even when the model, trained on national news without landslides, is
 * unsure. A death toll is itself the stated fact (r5: 煤矿顶板垮塌致3死 names no other fact
 * word); so are three or more injured (r7: 炸弹袭击致17伤, 坠入山谷24人受伤), a death stated
 * right after the event word (r7: 遭遇车祸去世) and a quake's stated magnitude (r8). Training chooses the model's threshold with this
 * rule and the vetoes applied, as `classify` applies them.
 */
export function isLocalEvent(em: EmergencyFindings, counties: readonly string[]): boolean {
  return em.subtype !== null && em.eventWeight >= 0.9 && ((em.factTerms.length > 0 && counties.length > 0) || em.consequences.deaths + em.consequences.missing > 0 || em.consequences.injured >= 3 || em.eventDeath !== null || isFeltQuake(em));
}

/**
 * Below magnitude 3 a quake is rarely felt (the national network's automatic reports start at 3);
 * from 3 up a measured magnitude says a quake happened (r8: 青海海西州发生3.6级地震, 甘肃深夜突发5.7级地震).
 * Forecasts and denials stay vetoed.
 */
const MIN_FELT_MAGNITUDE = 3;

function isFeltQuake(em: EmergencyFindings): boolean {
  return em.subtype === 'earthquake' && em.magnitude !== null && em.magnitude >= MIN_FELT_MAGNITUDE;
}

/** The rule feature an emergency evidence line's weight is read from. */
function emergencyFeatureOf(rule: string): string {
  return rule === 'fact_cue' ? 'fact' : `sup:${rule.slice(11)}`;
}

const RUMOR_CUE_PREFIX = 'rumor_cue:';
/** The rule feature a rumour cue line's weight is read from (`rumor_cue:hearsay` → `rc:hearsay`). */
function rumorFeatureOf(rule: string): string {
  return `rc:${rule.slice(RUMOR_CUE_PREFIX.length)}`;
}

function logitOf(p: number): number {
  return Math.log(p / (1 - p));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
