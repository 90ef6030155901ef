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

/** `ch` is only read the first time a code point is seen (the text is passed, not a one-character string per call). */
function isNoise(text: string, at: number, length: number, code: number): boolean {
  if (code < 0x10000) {
    const known = bmpNoise[code]!;
    if (known !== 0) return known === 1;
    const noise = NOISE_RE.test(text.slice(at, at + length));
    bmpNoise[code] = noise ? 1 : 2;
    return noise;
  }
  let noise = astralNoise.get(code);
  if (noise === undefined) {
    noise = NOISE_RE.test(text.slice(at, at + length));
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
    if (code < 128 || isNoise(ch, 0, ch.length, code)) flushRun();
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

/**
 * fmix32 as a signed 32-bit integer (the same bits): simhash passes hashes between functions,
 * and an unsigned value past 2^31 is a heap-allocated number there, two per feature.
 */
function fmix32Bits(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
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
 * A feature's 64 bits are counted in byte lanes rather than bit by bit: a lookup per byte adds
 * 0 or 1 to four 8-bit counters packed in one integer, so a feature costs 16 additions instead
 * of one loop step per set bit (the loop was most of the dedup's CPU per post). A lane holds at
 * most 255, so the lanes are spilled into the per-bit counts every 255 features.
 *
 * LANES_HIGH[v]: bits 7..4 of byte v (top first) as lanes 0..3; LANES_LOW[v]: bits 3..0.
 */
const LANES_HIGH = new Int32Array(256);
const LANES_LOW = new Int32Array(256);
for (let v = 0; v < 256; v++) {
  for (let k = 0; k < 4; k++) {
    if ((v >>> (7 - k)) & 1) LANES_HIGH[v] = LANES_HIGH[v]! | (1 << (8 * k));
    if ((v >>> (3 - k)) & 1) LANES_LOW[v] = LANES_LOW[v]! | (1 << (8 * k));
  }
}
/** Layout of the counting state: per-bit counts, then the feature count, then the lanes and their fill. */
const FEATURES = 64;
const LANES = 65;
const PENDING = 81;
const STATE_SIZE = 82;
const MAX_PENDING = 255;
/** simhash's working memory, allocated once: a typed array per call was most of its garbage. */
const scratchState = new Int32Array(STATE_SIZE);
/** The current CJK run's code points (grown when a run is longer). */
let scratchRun = new Int32Array(256);

/**
 * SimHash of a text: `simhashOf(textFeatures(text))`, computed in one pass without building the
 * feature strings (the dedup of every ingested post runs it). No closures here: the hot path
 * stays monomorphic and free of per-call allocations.
 */
export function simhash(text: string, options: SimHashOptions = {}): string {
  const n = options.shingle ?? 3;
  // state[0..63]: features with that bit set (bit 0 = the top bit of the high half); state[64]:
  // features; then the byte lanes not yet spilled into the counts (see addFeature). Shared by
  // every call, as is the run below: this function never yields, so no two calls overlap.
  const state = scratchState.fill(0);
  // Latin word / digit run, hashed as it is read.
  let wordHi = 0;
  let wordLo = 0;
  let inWord = false;
  // CJK run: its code points; shingles are hashed when the run ends.
  let run = scratchRun;
  let runLength = 0;
  const normalised = text.normalize('NFKC').toLowerCase();
  for (let i = 0; i < normalised.length; i++) {
    const at = i;
    let code = normalised.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < normalised.length) {
      const next = normalised.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = (code - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
        i++;
      }
    }
    if ((code >= 48 && code <= 57) || (code >= 97 && code <= 122)) {
      if (runLength > 0) runLength = addShingles(state, run, runLength, n);
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
      addFeature(state, fmix32Bits(wordHi), fmix32Bits(wordLo));
      inWord = false;
    }
    if (code < 128 || isNoise(normalised, at, i + 1 - at, code)) {
      if (runLength > 0) runLength = addShingles(state, run, runLength, n);
    } else {
      if (runLength === run.length) {
        const longer = new Int32Array(2 * run.length);
        longer.set(run);
        run = scratchRun = longer;
      }
      run[runLength++] = code;
    }
  }
  if (inWord) addFeature(state, fmix32Bits(wordHi), fmix32Bits(wordLo));
  if (runLength > 0) addShingles(state, run, runLength, n);
  spillLanes(state);
  const features = state[FEATURES]!;
  let hi = 0;
  let lo = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (2 * state[bit]! > features) hi |= 1 << (31 - bit);
    if (2 * state[32 + bit]! > features) lo |= 1 << (31 - bit);
  }
  return hex64(hi, lo);
}

/** Counts one feature's set bits into the byte lanes; a bit's SimHash weight is then 2 × count − features. */
function addFeature(state: Int32Array, hi: number, lo: number): void {
  state[FEATURES]!++;
  let b = hi >>> 24;
  state[LANES] = state[LANES]! + LANES_HIGH[b]!;
  state[LANES + 1] = state[LANES + 1]! + LANES_LOW[b]!;
  b = (hi >>> 16) & 0xff;
  state[LANES + 2] = state[LANES + 2]! + LANES_HIGH[b]!;
  state[LANES + 3] = state[LANES + 3]! + LANES_LOW[b]!;
  b = (hi >>> 8) & 0xff;
  state[LANES + 4] = state[LANES + 4]! + LANES_HIGH[b]!;
  state[LANES + 5] = state[LANES + 5]! + LANES_LOW[b]!;
  b = hi & 0xff;
  state[LANES + 6] = state[LANES + 6]! + LANES_HIGH[b]!;
  state[LANES + 7] = state[LANES + 7]! + LANES_LOW[b]!;
  b = lo >>> 24;
  state[LANES + 8] = state[LANES + 8]! + LANES_HIGH[b]!;
  state[LANES + 9] = state[LANES + 9]! + LANES_LOW[b]!;
  b = (lo >>> 16) & 0xff;
  state[LANES + 10] = state[LANES + 10]! + LANES_HIGH[b]!;
  state[LANES + 11] = state[LANES + 11]! + LANES_LOW[b]!;
  b = (lo >>> 8) & 0xff;
  state[LANES + 12] = state[LANES + 12]! + LANES_HIGH[b]!;
  state[LANES + 13] = state[LANES + 13]! + LANES_LOW[b]!;
  b = lo & 0xff;
  state[LANES + 14] = state[LANES + 14]! + LANES_HIGH[b]!;
  state[LANES + 15] = state[LANES + 15]! + LANES_LOW[b]!;
  if (++state[PENDING]! === MAX_PENDING) spillLanes(state);
}

/** Adds the lanes to the per-bit counts and empties them (lane k of state[LANES + i] is bit 4i + k). */
function spillLanes(state: Int32Array): void {
  if (state[PENDING] === 0) return;
  for (let i = 0; i < 16; i++) {
    const lanes = state[LANES + i]!;
    state[4 * i] = state[4 * i]! + (lanes & 0xff);
    state[4 * i + 1] = state[4 * i + 1]! + ((lanes >>> 8) & 0xff);
    state[4 * i + 2] = state[4 * i + 2]! + ((lanes >>> 16) & 0xff);
    state[4 * i + 3] = state[4 * i + 3]! + ((lanes >>> 24) & 0xff);
    state[LANES + i] = 0;
  }
  state[PENDING] = 0;
}

/** The run's shingles (the whole run when shorter), FNV-1a over their UTF-16 code units; returns the emptied run's length, 0. */
function addShingles(state: Int32Array, run: Int32Array, runLength: number, n: number): number {
  const len = runLength <= n ? runLength : n;
  const last = runLength - len;
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
    addFeature(state, fmix32Bits(hi), fmix32Bits(lo));
  }
  return 0;
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

/** Value of a hex digit's char code, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** The 32-bit value of 8 hex digits at `start`, or -1 when one is not a hex digit. */
function hex32At(s: string, start: number): number {
  if (s.length < start + 8) return -1;
  let value = 0;
  for (let i = start; i < start + 8; i++) {
    const d = hexDigit(s.charCodeAt(i));
    if (d < 0) return -1;
    value = (value << 4) | d;
  }
  return value >>> 0;
}

/**
 * Hamming distance from a hash given as its two 32-bit halves to the hash `other` starts with.
 * Bucket members are compared by the thousand per batch, so their digits are read in place
 * rather than through two substrings and parseInt (the same value whenever all 16 are hex).
 */
export function hammingDistanceOf(hi: number, lo: number, other: string): number {
  const otherHi = hex32At(other, 0);
  const otherLo = hex32At(other, 8);
  if (otherHi < 0 || otherLo < 0) {
    return popcount32((hi ^ parseInt(other.slice(0, 8), 16)) >>> 0) + popcount32((lo ^ parseInt(other.slice(8, 16), 16)) >>> 0);
  }
  return popcount32((hi ^ otherHi) >>> 0) + popcount32((lo ^ otherLo) >>> 0);
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
