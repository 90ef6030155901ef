import type { Evidence } from '@huiying/contracts';
import { createTermScanner, type ScanResult, type TermEntry } from './term-matcher';

/**
 * Rumour cues, the registry of debunked claims and published statements, and source
 * credibility. The cues become model features (the model learns their weight on labelled
 * data); the registry and credibility are added to the model's logit with stated weights.
 */

export const DEFAULT_RUMOR_CUES: Record<string, string[]> = {
  hearsay: ['网传', '据说', '听说', '传闻', '据传', '有消息称', '网曝', '爆料', '内部消息', '小道消息', '朋友说', '有网友称', '疯传', '盛传', '传言'],
  urge_share: ['紧急扩散', '求扩散', '转发救人', '请转发', '扩散', '转起来', '互相转告', '告诉家人', '速转', '帮忙转', '求转', '转给', '让更多人知道', '周知', '转发'],
  alarm: ['紧急通知', '震惊', '惊天', '重大消息', '千万不要', '千万别', '赶紧', '速看', '太可怕', '注意了', '紧急提醒', '快看', '马上删', '即将删除', '被删'],
  debunk: ['辟谣', '不实', '谣言', '造谣', '传谣', '假消息', '系谣传'],
  official: ['通报', '发布会', '记者', '获悉', '据了解', '新华社', '人民日报', '央视', '官方'],
};

/** A debunked claim, or one of our published statements, as the registry holds it. */
export interface RegistryClaim {
  id: string;
  kind: 'debunked' | 'statement';
  text: string;
}

export interface RumorRuleOptions {
  cues?: Record<string, string[]>;
  registry?: RegistryClaim[];
  /** sourceId or author → credibility 0 (known rumour mill) … 1 (authoritative). */
  sourceCredibility?: Record<string, number>;
  /** Share of a claim's bigrams a post must contain to be taken as repeating it. */
  claimContainment?: number;
}

export interface RumorFindings {
  cueTerms: Map<string, string[]>;
  features: string[];
  /** Logit added after the model, with the evidence for it. */
  adjustments: Evidence[];
  claimId: string | null;
}

const CONTRADICTION_RE = /(假的|不实|隐瞒|瞒报|其实|实际上|真相|根本不是|远不止|不止|骗人|谎报|掩盖|压下来|不让报)/;
const OFFICIAL_AUTHOR_RE = /(发布|政府|公安|警方|应急管理|网信|日报|新闻|融媒|电视台|人民网|新华|辟谣|政务)/;

function bigrams(text: string): Set<string> {
  const s = new Set<string>();
  const t = text.replace(/[\s\p{P}]+/gu, '');
  for (let i = 0; i + 1 < t.length; i++) s.add(t.slice(i, i + 2));
  return s;
}

export type RumorLists = { rumorCues: ReadonlyArray<TermEntry<string>> };

export interface RumorRules {
  readonly lists: RumorLists;
  fromMatches(text: string, source: { author?: string; sourceId?: string }, matches: ScanResult<RumorLists>): RumorFindings;
  /** Replaces the registry (the classifier service re-reads it from the database). */
  setRegistry(claims: readonly RegistryClaim[]): void;
  find(text: string, source: { author?: string; sourceId?: string }): RumorFindings;
}

export function createRumorRules(opts: RumorRuleOptions = {}): RumorRules {
  const lists: RumorLists = {
    rumorCues: Object.entries(opts.cues ?? DEFAULT_RUMOR_CUES).flatMap(([kind, terms]) => terms.map((t) => ({ pattern: t, value: kind }))),
  };
  const ownScanner = createTermScanner(lists);
  let registry: Array<{ claim: RegistryClaim; grams: Set<string> }> = [];
  let index = new Map<string, number[]>();
  function setRegistry(claims: readonly RegistryClaim[]): void {
    const next = claims.map((claim) => ({ claim, grams: bigrams(claim.text) }));
    const nextIndex = new Map<string, number[]>();
    next.forEach(({ grams }, i) => {
      for (const g of grams) {
        const list = nextIndex.get(g) ?? [];
        list.push(i);
        nextIndex.set(g, list);
      }
    });
    registry = next;
    index = nextIndex;
  }
  setRegistry(opts.registry ?? []);
  const containment = opts.claimContainment ?? 0.5;
  const credibility = opts.sourceCredibility ?? {};

  function fromMatches(text: string, source: { author?: string; sourceId?: string }, matches: ScanResult<RumorLists>): RumorFindings {
      const cueTerms = new Map<string, string[]>();
      for (const m of matches.rumorCues) {
        const terms = cueTerms.get(m.value) ?? [];
        if (!terms.includes(m.term)) terms.push(m.term);
        cueTerms.set(m.value, terms);
      }
      const features: string[] = [];
      for (const k of cueTerms.keys()) features.push(`rc:${k}`);
      // includes() before a regex: a normalised post has no ！ (NFKC makes it !).
      if (text.includes('!!') || (text.includes('！') && /[!！]{2,}/.test(text))) features.push('rc:exclaim2');
      if (text.includes('http') || text.includes('t.cn')) features.push('rc:link');
      const adjustments: Evidence[] = [];
      let claimId: string | null = null;

      if (registry.length > 0) {
        const grams = bigrams(text);
        const hits = new Map<number, number>();
        for (const g of grams) for (const i of index.get(g) ?? []) hits.set(i, (hits.get(i) ?? 0) + 1);
        let best = -1;
        let bestShare = 0;
        for (const [i, count] of hits) {
          const share = count / Math.max(1, registry[i]!.grams.size);
          if (share > bestShare) {
            best = i;
            bestShare = share;
          }
        }
        const hit = registry[best];
        if (hit !== undefined && hit.claim.kind === 'debunked' && bestShare >= containment) {
          claimId = hit.claim.id;
          adjustments.push({ rule: 'registry:repeats_debunked_claim', terms: [hit.claim.id], weight: 4, note: `${Math.round(bestShare * 100)}% of the claim's wording` });
        }
        // A statement is only partly repeated when a post disputes it, so the bar is lower
        // and a contradiction word must be present.
        const contra = CONTRADICTION_RE.exec(text);
        if (hit !== undefined && hit.claim.kind === 'statement' && bestShare >= containment * 0.6 && contra) {
          claimId = hit.claim.id;
          adjustments.push({ rule: 'registry:contradicts_statement', terms: [hit.claim.id, contra[0]], weight: 3, note: `${Math.round(bestShare * 100)}% of the statement's wording` });
        }
      }

      const key = source.sourceId !== undefined && source.sourceId in credibility ? source.sourceId : source.author;
      const known = key !== undefined ? credibility[key] : undefined;
      if (known !== undefined) {
        // Credibility 1 pulls the logit down by 2, 0 pushes it up by 2.
        adjustments.push({ rule: 'source_credibility', terms: [key!], weight: round((0.5 - known) * 4), note: `credibility ${known}` });
      } else if (source.author !== undefined && OFFICIAL_AUTHOR_RE.test(source.author)) {
        adjustments.push({ rule: 'source_credibility:official_name', terms: [source.author], weight: -1 });
      }
      return { cueTerms, features, adjustments, claimId };
  }

  return { lists, fromMatches, setRegistry, find: (text, source) => fromMatches(text, source, ownScanner.scan(text)) };
}

export function rumorCueEvidence(f: RumorFindings): Evidence[] {
  return [...f.cueTerms].map(([kind, terms]) => ({ rule: `rumor_cue:${kind}`, terms, weight: 0 }));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
