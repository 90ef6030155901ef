/**
 * Spikes: the post volume of an incident or a watch scheme against its own baseline, e.g. the
 * last hour against the 12 before it, or a day against the 14 before it. Pure: the caller
 * counts posts into buckets (or hands timestamps to `bucketCounts`) and passes `now`.
 */

/** What the volume is about. */
export interface SpikeSubject {
  kind: 'incident' | 'watch_scheme';
  id: string;
}

export interface SpikeWindow {
  /** Shown in the signal: `hour`, `day`. */
  name: string;
  bucketMs: number;
  /** Buckets in the window looked at, the newest ones. */
  currentBuckets: number;
  /** Buckets of baseline before them; a multiple of `currentBuckets`. */
  baselineBuckets: number;
  /** Fewer posts than this in the current window is never a spike: 1 → 3 posts is noise. */
  minCurrent: number;
  /** Current volume over the baseline mean (the mean floored at 1) must reach this. */
  minRatio: number;
  /** Standard scores above the baseline mean must reach this. */
  minZ: number;
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * The last hour against the previous 12, and the last day against the previous 14. The minimum
 * volumes are a first guess for a city of Longnan's size and belong in configuration.
 */
export const DEFAULT_SPIKE_WINDOWS: readonly SpikeWindow[] = [
  { name: 'hour', bucketMs: HOUR, currentBuckets: 1, baselineBuckets: 12, minCurrent: 20, minRatio: 3, minZ: 3 },
  { name: 'day', bucketMs: DAY, currentBuckets: 1, baselineBuckets: 14, minCurrent: 50, minRatio: 2, minZ: 3 },
];

export interface SpikeFigures {
  /** Posts in the current window. */
  current: number;
  /** Mean and standard deviation of the baseline, per window of `currentBuckets` buckets. */
  baselineMean: number;
  baselineStddev: number;
  /** current / max(baselineMean, 1): a baseline of nothing counts as one post per window. */
  ratio: number;
  /** (current − mean) / max(stddev, √mean, 1): see `assessSpike`. */
  z: number;
}

export interface SpikeAssessment extends SpikeFigures {
  spike: boolean;
  /** Why it is or is not a spike, in words a duty officer reads. */
  because: string;
}

export interface SpikeSignal extends SpikeAssessment {
  subject: SpikeSubject;
  window: string;
  /** The end of the current window (exclusive) and its start. */
  windowEnd: string;
  windowStart: string;
}

export class SpikeWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpikeWindowError';
  }
}

function checkWindow(window: SpikeWindow): void {
  if (!(window.bucketMs > 0) || !Number.isInteger(window.currentBuckets) || window.currentBuckets < 1
    || !Number.isInteger(window.baselineBuckets) || window.baselineBuckets < window.currentBuckets
    || window.baselineBuckets % window.currentBuckets !== 0) {
    throw new SpikeWindowError(`spike window ${window.name}: bucketMs > 0, currentBuckets ≥ 1 and baselineBuckets a multiple of it`);
  }
}

/**
 * Judges bucketed counts, oldest first; the last `currentBuckets` are the current window and the
 * `baselineBuckets` before them the baseline (missing older buckets count as zero: a topic that
 * is new has a baseline of nothing).
 *
 * The stddev is floored at √mean (posts arrive roughly as a Poisson process, whose spread is
 * √mean) and at 1, so a flat baseline does not turn every extra post into an infinite z.
 */
export function assessSpike(counts: readonly number[], window: SpikeWindow): SpikeAssessment {
  checkWindow(window);
  const n = window.currentBuckets;
  const sum = (from: number, to: number): number => {
    let total = 0;
    for (let i = from; i < to; i++) total += i >= 0 ? counts[i] ?? 0 : 0;
    return total;
  };
  const end = counts.length;
  const current = sum(end - n, end);
  const baseline: number[] = [];
  for (let k = 1; k <= window.baselineBuckets / n; k++) baseline.push(sum(end - n * (k + 1), end - n * k));
  const mean = baseline.reduce((a, b) => a + b, 0) / baseline.length;
  const variance = baseline.reduce((a, b) => a + (b - mean) ** 2, 0) / baseline.length;
  const stddev = Math.sqrt(variance);
  const ratio = current / Math.max(mean, 1);
  const z = (current - mean) / Math.max(stddev, Math.sqrt(mean), 1);
  const figures: SpikeFigures = { current, baselineMean: round(mean), baselineStddev: round(stddev), ratio: round(ratio), z: round(z) };

  const shortfalls: string[] = [];
  if (current < window.minCurrent) shortfalls.push(`${current} posts < minimum ${window.minCurrent}`);
  if (ratio < window.minRatio) shortfalls.push(`ratio ${figures.ratio} < ${window.minRatio}`);
  if (z < window.minZ) shortfalls.push(`z ${figures.z} < ${window.minZ}`);
  const spike = shortfalls.length === 0;
  const because = spike
    ? `${current} posts in the last ${window.name}, ${figures.ratio}× the baseline mean ${figures.baselineMean} (z ${figures.z})`
    : `no spike: ${shortfalls.join('; ')}`;
  return { ...figures, spike, because };
}

/**
 * Counts timestamps into `buckets` buckets of `bucketMs` ending at `end` (exclusive), oldest
 * first. Timestamps outside are ignored.
 */
export function bucketCounts(timestamps: Iterable<string | number | Date>, options: { end: Date; bucketMs: number; buckets: number }): number[] {
  const counts = new Array<number>(options.buckets).fill(0);
  const endMs = options.end.getTime();
  const startMs = endMs - options.bucketMs * options.buckets;
  for (const t of timestamps) {
    const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Date.parse(t);
    if (!(ms >= startMs && ms < endMs)) continue;
    const index = Math.floor((ms - startMs) / options.bucketMs);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/**
 * Every window's verdict for one subject from its posts' publication times, current windows
 * ending at `now`. The caller raises an escalation for the signals with `spike: true`, and should
 * remember which window end it raised so the same hour is not raised twice.
 */
export function detectSpikes(
  subject: SpikeSubject,
  publishedAt: readonly (string | number | Date)[],
  now: Date,
  windows: readonly SpikeWindow[] = DEFAULT_SPIKE_WINDOWS,
): SpikeSignal[] {
  return windows.map((window) => {
    checkWindow(window);
    const buckets = window.currentBuckets + window.baselineBuckets;
    const counts = bucketCounts(publishedAt, { end: now, bucketMs: window.bucketMs, buckets });
    return {
      subject,
      window: window.name,
      windowEnd: now.toISOString(),
      windowStart: new Date(now.getTime() - window.bucketMs * window.currentBuckets).toISOString(),
      ...assessSpike(counts, window),
    };
  });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
