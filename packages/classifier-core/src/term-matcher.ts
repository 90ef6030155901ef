/**
 * Finds the terms of many word lists in one left-to-right pass over the text: a trie of every
 * term of every list, walked from each position whose character starts some term (a bitmap over
 * the UTF-16 code units answers that without a map look-up). The classifier has seven lists
 * (event words, fact cues, suppressors, rumour cues, routing topics, places, sentiment): scanning
 * once instead of seven times is what keeps the rules cheap next to segmentation.
 *
 * A pattern is a literal, optionally wrapped in one lookbehind and one lookahead of
 * alternatives: `(?<!业绩|销量)滑坡`, `爆炸(?!性|式)`. Within a list the longest term whose
 * context allows it wins at a position, and a list's matches do not overlap; lists are
 * independent of each other (山体滑坡 can be an event word and a place can sit inside it).
 */
export interface TermMatch<T> {
  term: string;
  index: number;
  value: T;
}

export interface TermMatcher<T> {
  matchAll(text: string): TermMatch<T>[];
}

export type TermEntry<T> = { pattern: string; value: T };
type Lists = Record<string, ReadonlyArray<TermEntry<unknown>>>;
export type ScanResult<L extends Lists> = { [K in keyof L]: TermMatch<L[K][number]['value']>[] };

export interface TermScanner<L extends Lists> {
  scan(text: string): ScanResult<L>;
}

const PATTERN_RE = /^(?:\(\?<!([^()]*)\))?([^()|[\]\\.*+?^${}]+)(?:\(\?!([^()]*)\))?$/;

export function literalOf(pattern: string): string {
  const m = PATTERN_RE.exec(pattern);
  if (!m) throw new Error(`term pattern ${pattern}: a literal with at most one (?<!…) and one (?!…)`);
  return m[2]!;
}

/** Terms are literals now; kept so a table can still be written as regex-escaped strings. */
export function escapeRegex(s: string): string {
  return s;
}

interface Entry {
  list: number;
  term: string;
  notAfter: string[] | null;
  notBefore: string[] | null;
  value: unknown;
}

interface TrieNode {
  next: Map<number, TrieNode>;
  /** Entries whose term ends at this node, in list order. */
  ends: Entry[];
}

function pairHash(c1: number, c2: number): number {
  return (Math.imul(c1, 0x9e3779b1) + Math.imul(c2, 0x85ebca6b)) >>> 16;
}

function contextAllows(e: Entry, text: string, start: number, end: number): boolean {
  if (e.notAfter !== null) {
    for (const p of e.notAfter) if (start >= p.length && text.startsWith(p, start - p.length)) return false;
  }
  if (e.notBefore !== null) {
    for (const p of e.notBefore) if (text.startsWith(p, end)) return false;
  }
  return true;
}

export function createTermScanner<L extends Lists>(lists: L): TermScanner<L> {
  const names = Object.keys(lists) as Array<keyof L & string>;
  const root: TrieNode = { next: new Map(), ends: [] };
  // The first step indexed by code unit: most characters start no term, and an array read is
  // cheaper than a map look-up on the path every character takes.
  const first: Array<TrieNode | undefined> = new Array<TrieNode | undefined>(0x10000).fill(undefined);
  names.forEach((name, list) => {
    const seen = new Set<string>();
    for (const e of lists[name]!) {
      const m = PATTERN_RE.exec(e.pattern);
      if (!m) throw new Error(`term pattern ${e.pattern}: a literal with at most one (?<!…) and one (?!…)`);
      if (seen.has(e.pattern)) continue;
      seen.add(e.pattern);
      const term = m[2]!;
      let node = root;
      for (let i = 0; i < term.length; i++) {
        const c = term.charCodeAt(i);
        let child = node.next.get(c);
        if (child === undefined) {
          child = { next: new Map(), ends: [] };
          node.next.set(c, child);
        }
        node = child;
      }
      first[term.charCodeAt(0)] = root.next.get(term.charCodeAt(0));
      node.ends.push({
        list,
        term,
        notAfter: m[1] ? m[1].split('|') : null,
        notBefore: m[3] ? m[3].split('|') : null,
        value: e.value,
      });
    }
  });
  // Second gate: a position passes only if some term is one character long or its first two
  // characters hash here. Common characters that start a term (文 of 文县, 成 of 成县) are
  // mostly followed by something else, and this answers that without walking the trie.
  // Both gates are bitsets (8 KB each, not 64 KB tables): they are read at every character,
  // and small ones stay in cache beside jieba's dictionary.
  const pairs = new Int32Array(1 << 11);
  const singles = new Int32Array(1 << 11);
  const addPairs = (node: TrieNode, c1: number) => {
    if (node.ends.length > 0) singles[c1 >>> 5]! |= 1 << (c1 & 31);
    for (const c2 of node.next.keys()) {
      const h = pairHash(c1, c2);
      pairs[h >>> 5]! |= 1 << (h & 31);
    }
  };
  for (const [c1, node] of root.next) addPairs(node, c1);
  const passes = (text: string, i: number, c1: number): boolean => {
    if ((singles[c1 >>> 5]! & (1 << (c1 & 31))) !== 0) return true;
    if (i + 1 >= text.length) return false;
    const h = pairHash(c1, text.charCodeAt(i + 1));
    return (pairs[h >>> 5]! & (1 << (h & 31))) !== 0;
  };
  const n = names.length;
  // Per scan: where each list may match next, and its best (longest) match at this position.
  const nextFree = new Int32Array(n);
  const bestEnd = new Int32Array(n);
  const best: Array<Entry | null> = new Array<Entry | null>(n).fill(null);

  return {
    scan(text) {
      const out: TermMatch<unknown>[][] = names.map(() => []);
      nextFree.fill(0);
      const len = text.length;
      for (let i = 0; i < len; i++) {
        const c1 = text.charCodeAt(i);
        // The pair gate first: it turns away most characters, including most that start a term.
        if (!passes(text, i, c1)) continue;
        let node: TrieNode | undefined = first[c1];
        if (node === undefined) continue;
        let touched = false;
        // `node` holds the terms text[i, end) spells.
        for (let end = i + 1; ; end++) {
          for (const e of node.ends) {
            if (nextFree[e.list]! > i || !contextAllows(e, text, i, end)) continue;
            // Deeper nodes come later, so the last allowed entry of a list is its longest.
            best[e.list] = e;
            bestEnd[e.list] = end;
            touched = true;
          }
          if (end >= len) break;
          node = node.next.get(text.charCodeAt(end));
          if (node === undefined) break;
        }
        if (!touched) continue;
        for (let l = 0; l < n; l++) {
          const e = best[l];
          if (e === null || e === undefined) continue;
          out[l]!.push({ term: e.term, index: i, value: e.value });
          nextFree[l] = bestEnd[l]!;
          best[l] = null;
        }
      }
      const result = {} as Record<string, TermMatch<unknown>[]>;
      names.forEach((name, l) => (result[name] = out[l]!));
      return result as ScanResult<L>;
    },
  };
}

/** One word list on its own (tests, and callers that need a single list). */
export function createTermMatcher<T>(entries: ReadonlyArray<TermEntry<T>>): TermMatcher<T> {
  const scanner = createTermScanner({ terms: entries });
  return { matchAll: (text) => scanner.scan(text).terms };
}
