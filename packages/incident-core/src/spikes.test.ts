import { assessSpike, type SpikeFigures, bucketCounts, DEFAULT_SPIKE_WINDOWS, detectSpikes, SpikeWindowError, type SpikeWindow } from './spikes';

const hour: SpikeWindow = DEFAULT_SPIKE_WINDOWS[0]!;
const flat = (value: number, n = 12): number[] => new Array<number>(n).fill(value);

describe('assessSpike, the last hour against the 12 before it', () => {
  it.each<[string, number[], boolean, Partial<SpikeFigures>]>([
    ['1 → 3 posts is not a spike (minimum volume)', [...flat(1), 3], false, { current: 3, baselineMean: 1, ratio: 3, z: 2 }],
    ['0 → 19 is below the minimum', [...flat(0), 19], false, { current: 19, ratio: 19 }],
    ['0 → 20 from nothing is a spike', [...flat(0), 20], true, { current: 20, baselineMean: 0, ratio: 20, z: 20 }],
    ['10 → 40 is a spike', [...flat(10), 40], true, { current: 40, baselineMean: 10, ratio: 4, z: 9.49 }],
    ['10 → 25 is not: ratio 2.5', [...flat(10), 25], false, { ratio: 2.5 }],
    ['a noisy baseline needs more', [5, 60, 5, 60, 5, 60, 5, 60, 5, 60, 5, 60, 100], false, { baselineMean: 32.5, baselineStddev: 27.5, ratio: 3.08, z: 2.45 }],
    ['a short history counts missing buckets as zero', [2, 30], true, { current: 30, baselineMean: 0.17 }],
    ['only the last 13 buckets count', [1000, 1000, ...flat(0), 25], true, { baselineMean: 0 }],
  ])('%s', (_name, counts, spike, figures) => {
    const result = assessSpike(counts, hour);
    expect(result.spike).toBe(spike);
    expect(result).toMatchObject(figures);
    expect(result.because).toMatch(spike ? /posts in the last hour/ : /^no spike/);
  });

  it('compares multi-bucket windows with baseline windows of the same size', () => {
    const window: SpikeWindow = { name: '3h', bucketMs: 3_600_000, currentBuckets: 3, baselineBuckets: 6, minCurrent: 10, minRatio: 2, minZ: 2 };
    // Baseline windows: [1,2,3]=6 and [4,5,6]=15 → mean 10.5, stddev 4.5; current 40.
    expect(assessSpike([1, 2, 3, 4, 5, 6, 10, 10, 20], window)).toMatchObject({ current: 40, baselineMean: 10.5, baselineStddev: 4.5, spike: true });
  });

  it.each([
    [{ ...hour, baselineBuckets: 5, currentBuckets: 2 }],
    [{ ...hour, currentBuckets: 0 }],
    [{ ...hour, bucketMs: 0 }],
  ])('refuses a window that cannot be read: %j', (window) => {
    expect(() => assessSpike([1, 2, 3], window)).toThrow(SpikeWindowError);
  });
});

describe('bucketCounts', () => {
  const end = new Date('2025-06-01T12:00:00Z');
  it.each<[string[], number[]]>([
    [['2025-06-01T11:59:59.999Z', '2025-06-01T11:00:00Z', '2025-06-01T10:30:00+08:00'], [0, 0, 2]],
    [['2025-06-01T12:00:00Z', '2025-06-01T08:59:59Z'], [0, 0, 0]], // the end is exclusive; before the start is ignored
    [['2025-06-01T09:00:00Z', '2025-06-01T10:15:00Z'], [1, 1, 0]],
  ])('%j → %j', (timestamps, expected) => {
    expect(bucketCounts(timestamps, { end, bucketMs: 3_600_000, buckets: 3 })).toEqual(expected);
  });
});

describe('detectSpikes', () => {
  it('gives hour and day verdicts with the figures, for the subject', () => {
    const now = new Date('2025-06-01T12:00:00Z');
    const posts: number[] = [];
    for (let h = 1; h <= 12; h++) posts.push(now.getTime() - h * 3_600_000 - 60_000); // one an hour before
    for (let i = 0; i < 30; i++) posts.push(now.getTime() - 30 * 60_000 + i * 1000); // 30 in the last half hour
    const [hourly, daily] = detectSpikes({ kind: 'watch_scheme', id: 'geo-hazards' }, posts, now);
    expect(hourly).toMatchObject({ subject: { kind: 'watch_scheme', id: 'geo-hazards' }, window: 'hour', spike: true, current: 30, baselineMean: 1, windowStart: '2025-06-01T11:00:00.000Z', windowEnd: '2025-06-01T12:00:00.000Z' });
    expect(daily).toMatchObject({ window: 'day', current: 42, baselineMean: 0, spike: false });
    expect(daily!.because).toContain('42 posts < minimum 50');
  });
});
