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

/**
 * The trie as numbers, for scanning: node 0 is the root; a node's entries are
 * ends[endsStart[node], endsStart[node + 1]) in their order; edges sit in one open-addressing
 * table of [parent · 65536 + code unit, child] pairs. The walk after jieba's cut finds little
 * in cache, and a probe here reads one line where a Map step read the map, its table and the
 * node object.
 */
interface FlatTrie {
  endsStart: Int32Array;
  ends: Entry[];
  edges: Float64Array;
  mask: number;
  shift: number;
}

function flattenTrie(root: TrieNode): FlatTrie {
  const nodes: TrieNode[] = [root];
  for (let k = 0; k < nodes.length; k++) for (const child of nodes[k]!.next.values()) nodes.push(child);
  const ids = new Map<TrieNode, number>();
  nodes.forEach((node, id) => ids.set(node, id));
  const endsStart = new Int32Array(nodes.length + 1);
  const ends: Entry[] = [];
  nodes.forEach((node, id) => {
    endsStart[id] = ends.length;
    for (const e of node.ends) ends.push(e);
  });
  endsStart[nodes.length] = ends.length;
  let slots = 16;
  while (slots < 4 * nodes.length) slots *= 2;
  const trie: FlatTrie = {
    endsStart,
    ends,
    edges: new Float64Array(2 * slots),
    mask: slots - 1,
    shift: 32 - Math.log2(slots),
  };
  nodes.forEach((node, parent) => {
    for (const [c, child] of node.next) {
      const key = parent * 0x10000 + c + 1;
      let slot = edgeSlot(trie, parent, c);
      while (trie.edges[2 * slot] !== 0) slot = (slot + 1) & trie.mask;
      trie.edges[2 * slot] = key;
      trie.edges[2 * slot + 1] = ids.get(child)!;
    }
  });
  return trie;
}

function edgeSlot(trie: FlatTrie, parent: number, c: number): number {
  return (Math.imul(parent, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b)) >>> trie.shift;
}

/** The child of `parent` by code unit `c`, or −1. */
function childOf(trie: FlatTrie, parent: number, c: number): number {
  const key = parent * 0x10000 + c + 1;
  const edges = trie.edges;
  for (let slot = edgeSlot(trie, parent, c); ; slot = (slot + 1) & trie.mask) {
    const k = edges[2 * slot]!;
    if (k === key) return edges[2 * slot + 1]!;
    if (k === 0) return -1;
  }
}

export function createTermScanner<L extends Lists>(lists: L): TermScanner<L> {
  const names = Object.keys(lists) as Array<keyof L & string>;
  const root: TrieNode = { next: new Map(), ends: [] };
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
  // Characters that start some term: two thirds of a post's characters start none, and one bit
  // turns them away before the pair is hashed.
  const starts = new Int32Array(1 << 11);
  const addPairs = (node: TrieNode, c1: number) => {
    starts[c1 >>> 5]! |= 1 << (c1 & 31);
    if (node.ends.length > 0) singles[c1 >>> 5]! |= 1 << (c1 & 31);
    for (const c2 of node.next.keys()) {
      const h = pairHash(c1, c2);
      pairs[h >>> 5]! |= 1 << (h & 31);
    }
  };
  for (const [c1, node] of root.next) addPairs(node, c1);
  const passes = (text: string, i: number, c1: number): boolean => {
    const bit = 1 << (c1 & 31);
    if ((starts[c1 >>> 5]! & bit) === 0) return false;
    if ((singles[c1 >>> 5]! & bit) !== 0) return true;
    if (i + 1 >= text.length) return false;
    const h = pairHash(c1, text.charCodeAt(i + 1));
    return (pairs[h >>> 5]! & (1 << (h & 31))) !== 0;
  };
  const trie = flattenTrie(root);
  const { endsStart, ends } = trie;
  const n = names.length;
  // Per scan: where each list may match next, and its best (longest) match at this position.
  const nextFree = new Int32Array(n);
  const bestEnd = new Int32Array(n);
  const best: Array<Entry | null> = new Array<Entry | null>(n).fill(null);

  return {
    scan(text) {
      const out: TermMatch<unknown>[][] = [];
      for (let l = 0; l < n; l++) out.push([]);
      nextFree.fill(0);
      const len = text.length;
      for (let i = 0; i < len; i++) {
        const c1 = text.charCodeAt(i);
        // The pair gate first: it turns away most characters, including most that start a term.
        if (!passes(text, i, c1)) continue;
        let node = childOf(trie, 0, c1);
        if (node < 0) continue;
        let touched = false;
        // `node` holds the terms text[i, end) spells.
        for (let end = i + 1; ; end++) {
          for (let k = endsStart[node]!, last = endsStart[node + 1]!; k < last; k++) {
            const e = ends[k]!;
            if (nextFree[e.list]! > i || !contextAllows(e, text, i, end)) continue;
            // Deeper nodes come later, so the last allowed entry of a list is its longest.
            best[e.list] = e;
            bestEnd[e.list] = end;
            touched = true;
          }
          if (end >= len) break;
          node = childOf(trie, node, text.charCodeAt(end));
          if (node < 0) break;
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
      for (let l = 0; l < n; l++) result[names[l]!] = out[l]!;
      return result as ScanResult<L>;
    },
  };
}

/** One word list on its own (tests, and callers that need a single list). */
export function createTermMatcher<T>(entries: ReadonlyArray<TermEntry<T>>): TermMatcher<T> {
  const scanner = createTermScanner({ terms: entries });
  return { matchAll: (text) => scanner.scan(text).terms };
}
