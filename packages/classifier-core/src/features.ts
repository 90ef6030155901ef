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
 * Reused between calls so a post allocates nothing: `seen` stamps a bucket with the number of
 * the post that last used it, which deduplicates features (presence, not counts: measured
 * better on the rumour data) without a Set per post.
 */
export interface FeatureScratch {
  buf: Int32Array;
  seen: Uint32Array;
  stamp: number;
}

export function createScratch(bits: number): FeatureScratch {
  return { buf: new Int32Array(1024), seen: new Uint32Array(1 << bits), stamp: 0 };
}

/**
 * Builds the feature indices of one text: jieba tokens, character bigrams (they carry what
 * jieba splits differently across sources: names, numbers, emoticons like [泪]), and rule names.
 * Trigrams were measured and dropped: no gain, more collisions. The result is valid until the
 * next call with the same scratch.
 */
export function extractFeatures(
  text: string,
  tokens: readonly string[],
  rules: readonly string[],
  bits: number,
  scratch: FeatureScratch,
): FeatureSet {
  const mask = (1 << bits) - 1;
  const need = tokens.length + text.length + rules.length + 8;
  if (scratch.buf.length < need) scratch.buf = new Int32Array(need * 2);
  if (scratch.seen.length !== 1 << bits) scratch.seen = new Uint32Array(1 << bits);
  scratch.stamp = (scratch.stamp + 1) >>> 0;
  if (scratch.stamp === 0) {
    scratch.seen.fill(0);
    scratch.stamp = 1;
  }
  const stamp = scratch.stamp;
  const seen = scratch.seen;
  const buf = scratch.buf;
  let n = 0;
  for (const token of tokens) {
    if (token.length === 1 && isSpace(token.charCodeAt(0))) continue;
    const b = hashString(token, SEED_TOKEN) & mask;
    if (seen[b] !== stamp) {
      seen[b] = stamp;
      buf[n++] = b;
    }
  }
  let prev = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    if (prev !== -1) {
      let h = SEED_BIGRAM;
      h = Math.imul(h ^ prev, FNV_PRIME);
      h = Math.imul(h ^ c, FNV_PRIME);
      const b = (h >>> 0) & mask;
      if (seen[b] !== stamp) {
        seen[b] = stamp;
        buf[n++] = b;
      }
    }
    prev = c;
  }
  const textLength = n;
  for (const rule of rules) {
    const b = hashString(rule, SEED_RULE) & mask;
    if (seen[b] !== stamp) {
      seen[b] = stamp;
      buf[n++] = b;
    }
  }
  return { indices: buf, textLength, length: n };
}
