/**
 * Hashed sparse features for the linear models: jieba tokens, character bigrams and trigrams,
 * and the names of rules that fired. One pass, no substrings built for n-grams, so the model
 * costs a fraction of what segmentation costs.
 */

/** Number of hash buckets (a power of two). Part of the model file: changing it means retraining. */
export const DEFAULT_FEATURE_BITS = 18;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of `s`, continuing from `h`. */
export function hashString(s: string, h: number = FNV_OFFSET): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

// Namespace seeds keep a token 的 and a bigram 的x from sharing buckets by construction.
const SEED_TOKEN = hashString('w:');
const SEED_BIGRAM = hashString('c2:');
const SEED_RULE = hashString('r:');

export interface FeatureSet {
  /** Distinct bucket indices: text features first, then rule features. */
  indices: Int32Array;
  /** Indices [0, textLength) are text features, weighted 1/√textLength. */
  textLength: number;
  /** Indices [textLength, length) are rule features, weighted 1 each. */
  length: number;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 0x3000;
}

export function featureBucket(kind: 'w' | 'c2' | 'r', text: string, bits: number): number {
  const seed = kind === 'w' ? SEED_TOKEN : kind === 'c2' ? SEED_BIGRAM : SEED_RULE;
  return hashString(text, seed) & ((1 << bits) - 1);
}

/**
 * Reused between calls so a post allocates nothing. `table` is an open-addressing set of the
 * buckets this post used (stored +1, 0 = free), sized to the post: it deduplicates features
 * (presence, not counts: measured better on the rumour data). A small set cleared per post
 * stays in cache beside jieba's dictionary, where a stamp per bucket (512 KB) pushed it out.
 * `origin` remembers where each text feature came from (token index ≥ 0, or −1 − the bigram's
 * character index), so the explanation of a flag names the top tokens without hashing the text
 * a second time.
 */
export interface FeatureScratch {
  buf: Int32Array;
  origin: Int32Array;
  table: Int32Array;
  /** Slots of `table` this post uses (a power of two): a long post must not make later ones clear more. */
  size: number;
  /** 32 − log2(size): the multiplicative hash keeps the top bits. */
  shift: number;
}

export function createScratch(_bits: number): FeatureScratch {
  return { buf: new Int32Array(1024), origin: new Int32Array(1024), table: new Int32Array(2048), size: 2048, shift: 21 };
}

/** Adds bucket `b` to the post's set; false when it was there already. */
function addBucket(scratch: FeatureScratch, b: number): boolean {
  const table = scratch.table;
  const mask = scratch.size - 1;
  const key = b + 1;
  for (let slot = Math.imul(key, 0x9e3779b1) >>> scratch.shift; ; slot = (slot + 1) & mask) {
    const k = table[slot]!;
    if (k === key) return false;
    if (k === 0) {
      table[slot] = key;
      return true;
    }
  }
}

function hasBucket(scratch: FeatureScratch, b: number): boolean {
  const table = scratch.table;
  const mask = scratch.size - 1;
  const key = b + 1;
  for (let slot = Math.imul(key, 0x9e3779b1) >>> scratch.shift; ; slot = (slot + 1) & mask) {
    const k = table[slot]!;
    if (k === key) return true;
    if (k === 0) return false;
  }
}

/**
 * Builds the text features of one text: jieba tokens and character bigrams (they carry what
 * jieba splits differently across sources: names, numbers, emoticons like [泪]). Character
 * unigrams, trigrams and style features were measured on the rumour data and dropped: no gain
 * on held-out posts, more collisions. Valid until the next call with the same scratch; rule
 * features are added after them with `setRuleFeatures`, once per task.
 */
export function extractTextFeatures(
  text: string,
  tokens: readonly string[],
  bits: number,
  scratch: FeatureScratch,
): number {
  const mask = (1 << bits) - 1;
  const need = tokens.length + text.length + 64;
  if (scratch.buf.length < need) {
    scratch.buf = new Int32Array(need * 2);
    scratch.origin = new Int32Array(need * 2);
  }
  // At most half full, so probes stay short; cleared per post (a few KB, sequential).
  let size = 2048;
  while (size < 2 * need) size *= 2;
  if (size > scratch.table.length) scratch.table = new Int32Array(size);
  else scratch.table.fill(0, 0, size);
  scratch.size = size;
  scratch.shift = 32 - Math.log2(size);
  const buf = scratch.buf;
  const origin = scratch.origin;
  let n = 0;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.length === 1 && isSpace(token.charCodeAt(0))) continue;
    const b = hashString(token, SEED_TOKEN) & mask;
    if (addBucket(scratch, b)) {
      origin[n] = t;
      buf[n++] = b;
    }
  }
  let prev = -1;
  let prevAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    if (prev !== -1) {
      let h = SEED_BIGRAM;
      h = Math.imul(h ^ prev, FNV_PRIME);
      h = Math.imul(h ^ c, FNV_PRIME);
      const b = (h >>> 0) & mask;
      if (addBucket(scratch, b)) {
        origin[n] = -1 - prevAt;
        buf[n++] = b;
      }
    }
    prev = c;
    prevAt = i;
  }
  return n;
}

/**
 * Puts the rule features of one task after the `textLength` text features (overwriting another
 * task's), skipping buckets already used by this post. Returns the feature set for `logit`.
 */
export function setRuleFeatures(
  rules: readonly string[],
  textLength: number,
  bits: number,
  scratch: FeatureScratch,
): FeatureSet {
  const mask = (1 << bits) - 1;
  if (scratch.buf.length < textLength + rules.length) {
    const grown = new Int32Array((textLength + rules.length) * 2);
    grown.set(scratch.buf.subarray(0, textLength));
    scratch.buf = grown;
  }
  const buf = scratch.buf;
  let n = textLength;
  outer: for (const rule of rules) {
    const b = hashString(rule, SEED_RULE) & mask;
    if (hasBucket(scratch, b)) continue;
    for (let i = textLength; i < n; i++) if (buf[i] === b) continue outer;
    buf[n++] = b;
  }
  return { indices: buf, textLength, length: n };
}

/** Text and rule features of one text and one task, in the layout training stores. */
export function extractFeatures(
  text: string,
  tokens: readonly string[],
  rules: readonly string[],
  bits: number,
  scratch: FeatureScratch,
): FeatureSet {
  const textLength = extractTextFeatures(text, tokens, bits, scratch);
  return setRuleFeatures(rules, textLength, bits, scratch);
}

/** The label of text feature `i` (a token, or a bigram of `text`), for explanations. */
export function featureLabel(scratch: FeatureScratch, i: number, text: string, tokens: readonly string[]): string {
  const o = scratch.origin[i]!;
  if (o >= 0) return tokens[o]!;
  const at = -1 - o;
  // The bigram skips spaces, as extraction does.
  let j = at + 1;
  while (j < text.length && isSpace(text.charCodeAt(j))) j++;
  return text[at]! + (text[j] ?? '');
}
