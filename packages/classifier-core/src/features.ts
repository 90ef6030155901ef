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

/**
 * How a post opens, as features of the rumour model only (r6): its first words and first
 * character bigrams again, in buckets of their own (`openingHash`). A bag of words cannot tell
 * 【网传…】 or 转发微博 at the start from the same words further down; on the rumour data they
 * gained F1 in 4-fold CV on each of six fold splits of the training 75 % (+0.001 to +0.007, mean
 * +0.005; README, r6).
 * Words: tokens other than blanks and lone punctuation. The emergency model does not read them:
 * with them its CV lost a hit and gained a false alarm (191/10/10 against 192/9/9).
 */
export const OPENING_TOKENS = 10;
export const OPENING_BIGRAMS = 10;
const LONE_PUNCTUATION = /^\p{P}$/u;
const BLANK = /^\s*$/;

function isOpeningWord(token: string): boolean {
  const c = token.charCodeAt(0);
  // Most tokens start with a Han character, a digit or a Latin letter: a word, no regex needed.
  if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122)) return true;
  return !BLANK.test(token) && !(token.length === 1 && LONE_PUNCTUATION.test(token));
}
/** `origin` of an opening feature: the token's or bigram's own origin, shifted by this. */
const OPENING_ORIGIN = 1 << 29;

/** An opening feature's bucket, from its token's or bigram's full hash (no second pass over the string). */
function openingHash(h: number): number {
  h = Math.imul(h ^ (h >>> 16) ^ 0x5bd1e995, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

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
 * character index; an opening feature's is shifted by `OPENING_ORIGIN`), so the explanation of a
 * flag names the top tokens without hashing the text a second time.
 */
export interface FeatureScratch {
  buf: Int32Array;
  origin: Int32Array;
  /** The post's opening features (rumour only), kept apart until `appendOpeningFeatures`. */
  opening: Int32Array;
  openingOrigin: Int32Array;
  openingLength: number;
  table: Int32Array;
  /** Slots of `table` this post uses (a power of two): a long post must not make later ones clear more. */
  size: number;
  /** 32 − log2(size): the multiplicative hash keeps the top bits. */
  shift: number;
}

export function createScratch(_bits: number): FeatureScratch {
  const opening = OPENING_TOKENS + OPENING_BIGRAMS;
  return {
    buf: new Int32Array(1024),
    origin: new Int32Array(1024),
    opening: new Int32Array(opening),
    openingOrigin: new Int32Array(opening),
    openingLength: 0,
    table: new Int32Array(2048),
    size: 2048,
    shift: 21,
  };
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
 * jieba splits differently across sources: names, numbers, emoticons like [泪]); the opening
 * features are set aside in the scratch (`appendOpeningFeatures`). Character
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
  const opening = scratch.opening;
  const openingOrigin = scratch.openingOrigin;
  let n = 0;
  let words = 0;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.length === 1 && isSpace(token.charCodeAt(0))) continue;
    const h = hashString(token, SEED_TOKEN);
    const b = h & mask;
    if (addBucket(scratch, b)) {
      origin[n] = t;
      buf[n++] = b;
    }
    if (words < OPENING_TOKENS && isOpeningWord(token)) {
      openingOrigin[words] = t + OPENING_ORIGIN;
      opening[words++] = openingHash(h) & mask;
    }
  }
  let prev = -1;
  let prevAt = 0;
  let m = words;
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
      if (m < words + OPENING_BIGRAMS) {
        openingOrigin[m] = -1 - prevAt - OPENING_ORIGIN;
        opening[m++] = openingHash(h) & mask;
      }
    }
    prev = c;
    prevAt = i;
  }
  // Deduplicated after the shared features, so a collision never takes a bucket from those.
  let kept = 0;
  for (let j = 0; j < m; j++) {
    if (addBucket(scratch, opening[j]!)) {
      openingOrigin[kept] = openingOrigin[j]!;
      opening[kept++] = opening[j]!;
    }
  }
  scratch.openingLength = kept;
  return n;
}

/**
 * Puts the opening features of the last `extractTextFeatures` after its `textLength` shared
 * text features (overwriting the emergency rule features) and returns the rumour model's text
 * length. Both models' weights over the shared features are summed before this.
 */
export function appendOpeningFeatures(textLength: number, scratch: FeatureScratch): number {
  const k = scratch.openingLength;
  for (let j = 0; j < k; j++) {
    scratch.buf[textLength + j] = scratch.opening[j]!;
    scratch.origin[textLength + j] = scratch.openingOrigin[j]!;
  }
  return textLength + k;
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

/**
 * Text and rule features of one text in the emergency model's layout (the rumour model's has the
 * opening features, `appendOpeningFeatures`, before its rules).
 */
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
  let o = scratch.origin[i]!;
  // An opening feature is shown as its word or bigram after ^ (start of text, as in a regex).
  const opening = o >= OPENING_ORIGIN || o < -OPENING_ORIGIN;
  if (opening) o += o > 0 ? -OPENING_ORIGIN : OPENING_ORIGIN;
  const mark = opening ? '^' : '';
  if (o >= 0) return mark + tokens[o]!;
  const at = -1 - o;
  // The bigram skips spaces, as extraction does.
  let j = at + 1;
  while (j < text.length && isSpace(text.charCodeAt(j))) j++;
  return mark + text[at]! + (text[j] ?? '');
}
