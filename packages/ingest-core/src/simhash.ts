/**
 * 64-bit SimHash for near-duplicate texts (a repost storm of the same rumour with a prefix or a
 * changed emoji). Pure. The hash is kept as two unsigned 32-bit halves and shown as 16 hex digits.
 */

export interface SimHashOptions {
  /**
   * Shingle length in characters for CJK runs. Default 3: on short Weibo-length texts, trigrams
   * kept a repost with a prefix within 3–8 bits while a different event in the same words
   * ("网传文县发生地震…" against "网传文县…滑坡…") stayed 20+ bits away; bigrams put both near 10–17.
   * Strip repost boilerplate first (dedup.ts `dedupText`): it brings reposts to 0–3 bits.
   */
  shingle?: number;
}

/** Non-ASCII characters that carry no meaning for duplicate detection: punctuation, symbols, spaces. */
const NOISE_RE = /[\s\p{P}\p{S}]/u;
const noiseCache = new Map<number, boolean>();

function isNoise(ch: string, code: number): boolean {
  let noise = noiseCache.get(code);
  if (noise === undefined) {
    noise = NOISE_RE.test(ch);
    noiseCache.set(code, noise);
  }
  return noise;
}

/**
 * Features of a text: Latin words and digit runs as whole tokens, runs of other letters (CJK)
 * as overlapping character shingles; punctuation, symbols and spaces separate runs. Callers that
 * have a segmenter (nodejieba) may pass its tokens to `simhashOf` instead.
 */
export function textFeatures(text: string, options: SimHashOptions = {}): string[] {
  const n = options.shingle ?? 3;
  const features: string[] = [];
  let word = '';
  let run: string[] = [];
  const flushRun = () => {
    if (run.length === 0) return;
    if (run.length <= n) features.push(run.join(''));
    else for (let i = 0; i + n <= run.length; i++) features.push(run.slice(i, i + n).join(''));
    run = [];
  };
  for (const ch of text.normalize('NFKC').toLowerCase()) {
    const code = ch.codePointAt(0)!;
    if ((code >= 48 && code <= 57) || (code >= 97 && code <= 122)) {
      flushRun();
      word += ch;
      continue;
    }
    if (word !== '') {
      features.push(word);
      word = '';
    }
    if (code < 128 || isNoise(ch, code)) flushRun();
    else run.push(ch);
  }
  if (word !== '') features.push(word);
  flushRun();
  return features;
}

/** FNV-1a 32-bit over UTF-16 code units, with a seed so two independent halves can be made. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): FNV alone leaves the high bits poorly mixed for short keys.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** SimHash of a list of features (repeated features weigh more). Returns 16 hex digits. */
export function simhashOf(features: readonly string[]): string {
  const weights = new Int32Array(64);
  for (const f of features) {
    const hi = fnv1a(f, 0);
    const lo = fnv1a(f, 0x9e3779b9);
    for (let bit = 0; bit < 32; bit++) {
      weights[bit] = weights[bit]! + ((hi >>> (31 - bit)) & 1 ? 1 : -1);
      weights[32 + bit] = weights[32 + bit]! + ((lo >>> (31 - bit)) & 1 ? 1 : -1);
    }
  }
  let hi = 0;
  let lo = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (weights[bit]! > 0) hi |= 1 << (31 - bit);
    if (weights[32 + bit]! > 0) lo |= 1 << (31 - bit);
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

export function simhash(text: string, options: SimHashOptions = {}): string {
  return simhashOf(textFeatures(text, options));
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  return (
    popcount32((parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0) +
    popcount32((parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)) >>> 0)
  );
}

/**
 * Band keys for looking up near duplicates in a key-value store. Split the 64 bits into
 * `threshold + 1` bands: two hashes within `threshold` bits agree on at least one band whole
 * (pigeonhole), so fetching the candidates of each band finds every near duplicate.
 */
export function simhashBands(hash: string, threshold: number): string[] {
  const bands = threshold + 1;
  const bits = BigInt(`0x${hash}`);
  const width = Math.floor(64 / bands);
  const keys: string[] = [];
  for (let i = 0; i < bands; i++) {
    const start = i * width;
    const len = i === bands - 1 ? 64 - start : width;
    const value = (bits >> BigInt(64 - start - len)) & ((1n << BigInt(len)) - 1n);
    keys.push(`${i}:${value.toString(16)}`);
  }
  return keys;
}
