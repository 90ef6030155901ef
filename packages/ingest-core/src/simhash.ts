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
/** Per BMP code point: 0 not yet seen, 1 noise, 2 not noise (an array lookup per character, not a Map's). */
const bmpNoise = new Uint8Array(0x10000);
const astralNoise = new Map<number, boolean>();

function isNoise(ch: string, code: number): boolean {
  if (code < 0x10000) {
    const known = bmpNoise[code]!;
    if (known !== 0) return known === 1;
    const noise = NOISE_RE.test(ch);
    bmpNoise[code] = noise ? 1 : 2;
    return noise;
  }
  let noise = astralNoise.get(code);
  if (noise === undefined) {
    noise = NOISE_RE.test(ch);
    astralNoise.set(code, noise);
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

const FNV_PRIME = 0x01000193;
const FNV_OFFSET = 0x811c9dc5 | 0;
/** The second half's seed: 0x9e3779b9 mixed into the FNV offset. */
const FNV_OFFSET_LO = (0x811c9dc5 ^ 0x9e3779b9) | 0;

/** Final avalanche (murmur3 fmix32): FNV alone leaves the high bits poorly mixed for short keys. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a 32-bit over UTF-16 code units, with a seed so two independent halves can be made. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return fmix32(h);
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
  return hex64(hi, lo);
}

/**
 * SimHash of a text: `simhashOf(textFeatures(text))`, computed in one pass without building the
 * feature strings (the dedup of every ingested post runs it). No closures here: the hot path
 * stays monomorphic and free of per-call allocations.
 */
export function simhash(text: string, options: SimHashOptions = {}): string {
  const n = options.shingle ?? 3;
  // counts[0..63]: features with that bit set (bit 0 = the top bit of the high half); counts[64]: features.
  const counts = new Int32Array(65);
  // Latin word / digit run, hashed as it is read.
  let wordHi = 0;
  let wordLo = 0;
  let inWord = false;
  // CJK run: its code points; shingles are hashed when the run ends.
  const run: number[] = [];
  const normalised = text.normalize('NFKC').toLowerCase();
  for (let i = 0; i < normalised.length; i++) {
    let code = normalised.charCodeAt(i);
    let ch: string | undefined;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < normalised.length) {
      const next = normalised.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = (code - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
        ch = normalised.slice(i, i + 2);
        i++;
      }
    }
    if ((code >= 48 && code <= 57) || (code >= 97 && code <= 122)) {
      if (run.length > 0) addShingles(counts, run, n);
      if (!inWord) {
        wordHi = FNV_OFFSET;
        wordLo = FNV_OFFSET_LO;
        inWord = true;
      }
      wordHi = Math.imul(wordHi ^ code, FNV_PRIME);
      wordLo = Math.imul(wordLo ^ code, FNV_PRIME);
      continue;
    }
    if (inWord) {
      addFeature(counts, fmix32(wordHi), fmix32(wordLo));
      inWord = false;
    }
    if (code < 128 || isNoise(ch ?? normalised[i]!, code)) {
      if (run.length > 0) addShingles(counts, run, n);
    } else run.push(code);
  }
  if (inWord) addFeature(counts, fmix32(wordHi), fmix32(wordLo));
  if (run.length > 0) addShingles(counts, run, n);
  const features = counts[64]!;
  let hi = 0;
  let lo = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (2 * counts[bit]! > features) hi |= 1 << (31 - bit);
    if (2 * counts[32 + bit]! > features) lo |= 1 << (31 - bit);
  }
  return hex64(hi, lo);
}

/** Counts one feature's set bits; a bit's SimHash weight is then 2 × count − features. */
function addFeature(counts: Int32Array, hi: number, lo: number): void {
  counts[64]!++;
  // x & -x is the lowest set bit; clz32 of it is the bit's index from the top, as in simhashOf.
  for (let x = hi | 0; x !== 0; x &= x - 1) counts[Math.clz32(x & -x)]!++;
  for (let x = lo | 0; x !== 0; x &= x - 1) counts[32 + Math.clz32(x & -x)]!++;
}

/** The run's shingles (the whole run when shorter), FNV-1a over their UTF-16 code units; empties the run. */
function addShingles(counts: Int32Array, run: number[], n: number): void {
  const len = run.length <= n ? run.length : n;
  const last = run.length - len;
  for (let i = 0; i <= last; i++) {
    let hi = FNV_OFFSET;
    let lo = FNV_OFFSET_LO;
    for (let k = i; k < i + len; k++) {
      const code = run[k]!;
      if (code > 0xffff) {
        const high = ((code - 0x10000) >> 10) + 0xd800;
        const low = ((code - 0x10000) & 0x3ff) + 0xdc00;
        hi = Math.imul(Math.imul(hi ^ high, FNV_PRIME) ^ low, FNV_PRIME);
        lo = Math.imul(Math.imul(lo ^ high, FNV_PRIME) ^ low, FNV_PRIME);
      } else {
        hi = Math.imul(hi ^ code, FNV_PRIME);
        lo = Math.imul(lo ^ code, FNV_PRIME);
      }
    }
    addFeature(counts, fmix32(hi), fmix32(lo));
  }
  run.length = 0;
}

function hex64(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  return hammingDistanceOf(parseInt(a.slice(0, 8), 16), parseInt(a.slice(8, 16), 16), b);
}

/** Hamming distance from a hash given as its two 32-bit halves to the hash `other` starts with. */
export function hammingDistanceOf(hi: number, lo: number, other: string): number {
  return popcount32((hi ^ parseInt(other.slice(0, 8), 16)) >>> 0) + popcount32((lo ^ parseInt(other.slice(8, 16), 16)) >>> 0);
}

/**
 * Band keys for looking up near duplicates in a key-value store. Split the 64 bits into
 * `threshold + 1` bands: two hashes within `threshold` bits agree on at least one band whole
 * (pigeonhole), so fetching the candidates of each band finds every near duplicate.
 */
export function simhashBands(hash: string, threshold: number): string[] {
  const bands = threshold + 1;
  const width = Math.floor(64 / bands);
  const hi = parseInt(hash.slice(0, 8), 16);
  const lo = parseInt(hash.slice(8, 16), 16);
  const keys: string[] = [];
  for (let i = 0; i < bands; i++) {
    const start = i * width;
    const len = i === bands - 1 ? 64 - start : width;
    keys.push(`${i}:${bitsOf(hash, hi, lo, start, len)}`);
  }
  return keys;
}

/** Bits [start, start + len) of the 64-bit hash, in hex without leading zeros. */
function bitsOf(hash: string, hi: number, lo: number, start: number, len: number): string {
  if (len > 32) return BigInt(`0x${hash}`).toString(16); // one band: the whole hash (threshold 0)
  const end = start + len;
  let value: number;
  if (end <= 32) value = hi >>> (32 - end);
  else if (start >= 32) value = lo >>> (64 - end);
  else value = ((hi << (end - 32)) | (lo >>> (64 - end))) >>> 0; // straddles the halves
  if (len < 32) value &= (1 << len) - 1;
  return (value >>> 0).toString(16);
}
