import { buildTimeline, EVENT_CAPACITY } from './corpus';

const options = {
  seed: 7,
  posts: 5_000,
  events: 100,
  firstSlot: 0,
  flaggedShare: 0.45,
  majorShare: 0.5,
  idPrefix: 't-',
};

describe('the bench corpus', () => {
  it('opens every event once, each about its own town and subtype, in sending order', () => {
    const { items, events } = buildTimeline(options);
    expect(items).toHaveLength(5_000);
    expect(new Set(events.map((e) => `${e.town}|${e.subtype}`)).size).toBe(100);
    const openers = events.map((e) => items.findIndex((i) => i.event === e.index));
    expect(openers).toEqual([...openers].sort((a, b) => a - b));
    // Openings spread over the first 80 %: alerts are due throughout the phase.
    expect(openers[openers.length - 1]!).toBeLessThan(4_000);
    expect(openers[openers.length - 1]!).toBeGreaterThan(3_500);
  });

  it('states a death toll of ten or more in a major event opening, none in a minor one', () => {
    const { items, events } = buildTimeline(options);
    for (const e of events) {
      const opening = items.find((i) => i.event === e.index)!.post.text;
      expect(opening).toContain(e.town);
      expect(opening.includes(`已造成${e.deaths}人死亡`)).toBe(e.major);
    }
    expect(events.some((e) => e.major) && events.some((e) => !e.major)).toBe(true);
  });

  it('gives every post its own id and keeps everyday posts about no event', () => {
    const { items } = buildTimeline(options);
    expect(new Set(items.map((i) => i.post.nativeId)).size).toBe(items.length);
    const share = items.filter((i) => i.event === undefined).length / items.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.65);
  });

  it('refuses more events than there are distinct (town, subtype) pairs', () => {
    expect(() => buildTimeline({ ...options, events: EVENT_CAPACITY + 1 })).toThrow(/distinct/);
  });

  it('is the same for the same seed', () => {
    expect(buildTimeline(options).items.slice(0, 50)).toEqual(buildTimeline(options).items.slice(0, 50));
  });
});
