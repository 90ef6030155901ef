import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How a file is replayed: as fast as possible, at a fixed rate, or with the posts' original
 * spacing sped up `speed` times (a drill replays a 6-hour storm in 6 minutes at speed 60).
 */
export type ReplayPace =
  | { kind: 'asap' }
  | { kind: 'rate'; postsPerSecond: number }
  | {
      kind: 'original';
      speed: number;
      /** Longest wait between two posts after scaling, so a quiet night does not stall a drill. */ maxGapMs?: number;
    };

/**
 * When each post is due, in ms after the replay started. Stateful over the sequence, pure in
 * its inputs: feed it posts in file order. Posts out of time order, or without a time, are due
 * immediately after the previous one (offsets never go backwards).
 */
export class ReplaySchedule {
  private index = 0;
  private firstTime: number | undefined;
  private lastTime: number | undefined;
  private lastOffset = 0;

  constructor(private readonly pace: ReplayPace) {
    if (pace.kind === 'rate' && !(pace.postsPerSecond > 0)) throw new RangeError('postsPerSecond must be positive');
    if (pace.kind === 'original' && !(pace.speed > 0)) throw new RangeError('speed must be positive');
  }

  dueAt(publishedAtMs?: number): number {
    const i = this.index++;
    switch (this.pace.kind) {
      case 'asap':
        return 0;
      case 'rate':
        return (i * 1000) / this.pace.postsPerSecond;
      case 'original': {
        if (publishedAtMs === undefined || Number.isNaN(publishedAtMs)) return this.lastOffset;
        if (this.firstTime === undefined || this.lastTime === undefined) {
          this.firstTime = publishedAtMs;
          this.lastTime = publishedAtMs;
          return 0;
        }
        let gap = Math.max(0, publishedAtMs - this.lastTime) / this.pace.speed;
        if (this.pace.maxGapMs !== undefined) gap = Math.min(gap, this.pace.maxGapMs);
        this.lastTime = Math.max(this.lastTime, publishedAtMs);
        this.lastOffset += gap;
        return this.lastOffset;
      }
    }
  }
}

/** Offsets for a whole list of publication times (the table-testable form of ReplaySchedule). */
export function replayOffsets(pace: ReplayPace, publishedAtMs: readonly (number | undefined)[]): number[] {
  const schedule = new ReplaySchedule(pace);
  return publishedAtMs.map((t) => schedule.dueAt(t));
}

export interface PaceClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const realClock: PaceClock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, { signal });
  },
};

/** Yields items at the pace given; `timeOf` returns an item's publication time in epoch ms. */
export async function* paced<T>(
  items: AsyncIterable<T> | Iterable<T>,
  pace: ReplayPace,
  timeOf: (item: T) => number | undefined,
  options: { clock?: PaceClock; signal?: AbortSignal } = {},
): AsyncGenerator<T> {
  const clock = options.clock ?? realClock;
  const schedule = new ReplaySchedule(pace);
  const start = clock.now();
  for await (const item of items) {
    const wait = start + schedule.dueAt(pace.kind === 'original' ? timeOf(item) : undefined) - clock.now();
    // Waits under 1 ms are skipped: timers cannot honour them and a 20,000/s replay would crawl.
    if (wait >= 1) await clock.sleep(wait, options.signal);
    yield item;
  }
}
