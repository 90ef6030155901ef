import { paced, replayOffsets, type PaceClock } from './replay-pace';

const t = (iso: string) => Date.parse(iso);

describe('replayOffsets', () => {
  it.each<[string, Parameters<typeof replayOffsets>[0], (number | undefined)[], number[]]>([
    ['as fast as possible', { kind: 'asap' }, [1, 2, 3], [0, 0, 0]],
    ['4 posts a second', { kind: 'rate', postsPerSecond: 4 }, [1, 2, 3, 4], [0, 250, 500, 750]],
    [
      'original spacing at 60×',
      { kind: 'original', speed: 60 },
      [t('2026-11-26T08:00:00Z'), t('2026-11-26T08:01:00Z'), t('2026-11-26T08:11:00Z')],
      [0, 1000, 11_000],
    ],
    [
      'original spacing with a capped gap',
      { kind: 'original', speed: 1, maxGapMs: 5_000 },
      [t('2026-11-26T08:00:00Z'), t('2026-11-26T08:00:02Z'), t('2026-11-26T09:00:00Z')],
      [0, 2_000, 7_000],
    ],
    [
      'out-of-order and missing times never go backwards',
      { kind: 'original', speed: 1 },
      [t('2026-11-26T08:00:10Z'), t('2026-11-26T08:00:00Z'), undefined, t('2026-11-26T08:00:12Z')],
      [0, 0, 0, 2_000],
    ],
    ['original spacing without any times', { kind: 'original', speed: 1 }, [undefined, undefined], [0, 0]],
  ])('%s', (_name, pace, times, offsets) => {
    expect(replayOffsets(pace, times)).toEqual(offsets);
  });

  it.each([[{ kind: 'rate', postsPerSecond: 0 } as const], [{ kind: 'original', speed: -1 } as const]])(
    'refuses %p',
    (pace) => {
      expect(() => replayOffsets(pace, [1])).toThrow(RangeError);
    },
  );
});

describe('paced', () => {
  it('waits on the clock it is given until each item is due', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock: PaceClock = {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const out: number[] = [];
    for await (const item of paced([1, 2, 3, 4], { kind: 'rate', postsPerSecond: 2 }, () => undefined, { clock }))
      out.push(item);
    expect(out).toEqual([1, 2, 3, 4]);
    expect(sleeps).toEqual([500, 500, 500]);
  });
});
