import { parseWatchExpression, termsOf, type WatchExpression } from './expression';
import { normalizeForMatch } from './normalize';
import type { WatchScheme } from './scheme';

export interface PostToMatch {
  text: string;
  title?: string;
  /** The post's jieba tokens, when the classifier has them: `[词]` terms then match whole tokens only. */
  tokens?: readonly string[];
}

export interface SchemeMatch {
  schemeId: string;
  department: string;
  /** The scheme's own words (as the department spelled them) that made it match: why the post was routed. */
  matchedTerms: string[];
}

export interface CompiledWatchSchemes {
  /** Number of enabled schemes compiled in. */
  readonly size: number;
  match(post: PostToMatch): SchemeMatch[];
}

/** Found-term lookup for one post: `term(id)` tells whether term `id` is present. */
type Lookup = { substring(id: number): boolean; whole(id: number): boolean };
type Predicate = (found: Lookup) => boolean;

type Positive = Array<{ spelling: string; id: number; whole: boolean }>;

/** A rule of a scheme (its word lists, or one expression) and the positive terms it explains with. */
interface Rule {
  predicate: Predicate;
  positive: Positive;
}

interface CompiledScheme {
  scheme: WatchScheme;
  rules: Rule[];
  exclusion: Predicate | null;
}

/**
 * Every term of every scheme goes into one Aho–Corasick automaton, so a post is scanned once
 * whatever the number of schemes; then only the schemes that own a found positive term are
 * evaluated (a scheme cannot match without one: `-` is binary, so every satisfied expression
 * has a satisfied positive term).
 */
export function compileWatchSchemes(schemes: readonly WatchScheme[]): CompiledWatchSchemes {
  const automaton = new TermAutomaton();
  const compiled: CompiledScheme[] = [];
  /** term id → indices of compiled schemes that use it positively. */
  const owners: number[][] = [];

  for (const scheme of schemes) {
    if (!scheme.enabled) continue;
    const termId = (spelling: string) => automaton.add(normalizeForMatch(spelling));
    const anyOf = (words: readonly string[]): { predicate: Predicate; positive: Positive } | null => {
      if (words.length === 0) return null;
      const positive = words.map((spelling) => ({ spelling, id: termId(spelling), whole: false }));
      return { predicate: (found) => positive.some((t) => found.substring(t.id)), positive };
    };

    const rules: Rule[] = [];
    const region = anyOf(scheme.regionWords);
    const event = anyOf(scheme.eventWords);
    if (region || event) {
      rules.push({
        predicate: (found) => (region ? region.predicate(found) : true) && (event ? event.predicate(found) : true),
        positive: [...(region?.positive ?? []), ...(event?.positive ?? [])],
      });
    }
    for (const source of scheme.expressions) {
      const positive: Positive = [];
      const predicate = compileExpression(parseWatchExpression(source), (spelling, whole, isPositive) => {
        const id = termId(spelling);
        if (isPositive) positive.push({ spelling, id, whole });
        return id;
      });
      rules.push({ predicate, positive });
    }
    const exclusion = anyOf(scheme.exclusionWords)?.predicate ?? null;

    const index = compiled.length;
    compiled.push({ scheme, rules, exclusion });
    for (const { id } of rules.flatMap((r) => r.positive)) {
      const list = (owners[id] ??= []);
      if (list[list.length - 1] !== index) list.push(index);
    }
  }
  automaton.build();

  return {
    size: compiled.length,
    match(post) {
      const text = normalizeForMatch(post.title ? `${post.title}\n${post.text}` : post.text);
      const found = automaton.scan(text);
      const tokens = post.tokens ? new Set(post.tokens.map(normalizeForMatch)) : null;
      const lookup: Lookup = {
        substring: (id) => found.has(id),
        whole: (id) => (tokens ? tokens.has(automaton.termOf(id)) : found.has(id)),
      };
      const candidates = new Set<number>();
      for (const id of found) for (const index of owners[id] ?? []) candidates.add(index);
      const matches: SchemeMatch[] = [];
      for (const index of [...candidates].sort((a, b) => a - b)) {
        const { scheme, rules, exclusion } = compiled[index]!;
        const satisfied = rules.filter((rule) => rule.predicate(lookup));
        if (satisfied.length === 0 || (exclusion && exclusion(lookup))) continue;
        // Only the rules that held explain the match; a found term of a failed rule is noise.
        const present = satisfied.flatMap((r) => r.positive).filter((t) => (t.whole ? lookup.whole(t.id) : lookup.substring(t.id)));
        const matchedTerms = [...new Set(present.map((t) => t.spelling))];
        matches.push({ schemeId: scheme.id, department: scheme.department, matchedTerms });
      }
      return matches;
    },
  };
}

const compiledCache = new WeakMap<readonly WatchScheme[], CompiledWatchSchemes>();

/**
 * The schemes a post matches, in the order they were given. Pass the result of
 * `compileWatchSchemes` on a hot path; a plain array is compiled once and cached by identity,
 * so mutate it in place and the cache goes stale: hand over a new array instead.
 */
export function matchSchemes(schemes: readonly WatchScheme[] | CompiledWatchSchemes, post: PostToMatch): SchemeMatch[] {
  if (!Array.isArray(schemes)) return (schemes as CompiledWatchSchemes).match(post);
  const list = schemes as readonly WatchScheme[];
  let compiled = compiledCache.get(list);
  if (!compiled) {
    compiled = compileWatchSchemes(list);
    compiledCache.set(list, compiled);
  }
  return compiled.match(post);
}

function compileExpression(
  expression: WatchExpression,
  idOf: (spelling: string, whole: boolean, positive: boolean) => number,
): Predicate {
  // termsOf walks the tree in the same order as `build`, which lets the ids carry the polarity.
  const terms = termsOf(expression);
  let next = 0;
  const build = (node: WatchExpression): Predicate => {
    switch (node.kind) {
      case 'term': {
        const { positive } = terms[next++]!;
        const id = idOf(node.text, node.whole, positive);
        return node.whole ? (found) => found.whole(id) : (found) => found.substring(id);
      }
      case 'or': {
        const left = build(node.left);
        const right = build(node.right);
        return (found) => left(found) || right(found);
      }
      case 'and': {
        const left = build(node.left);
        const right = build(node.right);
        return (found) => left(found) && right(found);
      }
      case 'and-not': {
        const left = build(node.left);
        const right = build(node.right);
        return (found) => left(found) && !right(found);
      }
    }
  };
  return build(expression);
}

/** Aho–Corasick over UTF-16 code units: one pass over the text finds every term in it. */
class TermAutomaton {
  private readonly children: Array<Map<number, number>> = [new Map()];
  private fail = new Int32Array(1);
  private readonly outputs: number[][] = [[]];
  private readonly terms: string[] = [];
  private readonly ids = new Map<string, number>();
  private built = false;

  /** Registers a term and returns its id; the same term twice gets the same id. */
  add(term: string): number {
    const known = this.ids.get(term);
    if (known !== undefined) return known;
    if (this.built) throw new Error('TermAutomaton: add after build');
    const id = this.terms.length;
    this.terms.push(term);
    this.ids.set(term, id);
    let node = 0;
    for (let i = 0; i < term.length; i++) {
      const c = term.charCodeAt(i);
      let child = this.children[node]!.get(c);
      if (child === undefined) {
        child = this.children.length;
        this.children.push(new Map());
        this.outputs.push([]);
        this.children[node]!.set(c, child);
      }
      node = child;
    }
    this.outputs[node]!.push(id);
    return id;
  }

  termOf(id: number): string {
    return this.terms[id]!;
  }

  build(): void {
    this.fail = new Int32Array(this.children.length);
    const queue: number[] = [];
    for (const child of this.children[0]!.values()) queue.push(child);
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      for (const [c, child] of this.children[node]!) {
        let f = this.fail[node]!;
        while (f !== 0 && !this.children[f]!.has(c)) f = this.fail[f]!;
        const target = this.children[f]!.get(c);
        this.fail[child] = target !== undefined && target !== child ? target : 0;
        // Merge the fail state's outputs now so scanning never walks fail links to report.
        const inherited = this.outputs[this.fail[child]!]!;
        if (inherited.length > 0) this.outputs[child] = [...this.outputs[child]!, ...inherited];
        queue.push(child);
      }
    }
    this.built = true;
  }

  scan(text: string): Set<number> {
    const found = new Set<number>();
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let next = this.children[node]!.get(c);
      while (next === undefined && node !== 0) {
        node = this.fail[node]!;
        next = this.children[node]!.get(c);
      }
      node = next ?? 0;
      for (const id of this.outputs[node]!) found.add(id);
    }
    return found;
  }
}
