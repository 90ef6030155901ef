import { DEFAULT_LEVEL_THRESHOLDS, extractConsequences, levelOf } from './consequences';

describe('extractConsequences', () => {
  it.each([
    ['陇南市文县发生山体滑坡，已造成3人死亡', { deaths: 3 }],
    ['事故造成十二名矿工遇难，二十余人受伤', { deaths: 12, injured: 20 }],
    ['数十人死亡', { deaths: 20 }],
    ['死亡人数上升至31人', { deaths: 31 }],
    ['车祸致3死5伤', { deaths: 3, injured: 5 }],
    ['1人失踪，2人受伤', { missing: 1, injured: 2 }],
    ['造成1人死亡、12人重伤', { deaths: 1, injured: 12, seriouslyInjured: 12 }],
    ['直接经济损失1.2亿元', { lossYuan: 120_000_000 }],
    ['经济损失约3000万元', { lossYuan: 30_000_000 }],
    ['死亡率达3%', {}],
    ['埃及巴士炸弹袭击致17伤', { injured: 17 }],
    ['游乐场发生安全事故，致12伤2亡', { deaths: 2, injured: 12 }],
    ['货车侧翻致1亡', { deaths: 1 }],
    ['生死存亡之际一伤再伤', {}],
    ['现场无人员伤亡', { noCasualties: true }],
  ])('%s', (text, expected) => {
    const c = extractConsequences(text);
    const zero = { deaths: 0, injured: 0, seriouslyInjured: 0, missing: 0, lossYuan: 0, noCasualties: false };
    expect({ deaths: c.deaths, injured: c.injured, seriouslyInjured: c.seriouslyInjured, missing: c.missing, lossYuan: c.lossYuan, noCasualties: c.noCasualties }).toEqual({ ...zero, ...expected });
  });
});

describe('levelOf (生产安全事故 grading, domain.md)', () => {
  const base = { deaths: 0, injured: 0, seriouslyInjured: 0, missing: 0, lossYuan: 0, matches: [], noCasualties: false };
  it.each([
    [{ deaths: 30 }, 'I'],
    [{ deaths: 29 }, 'II'],
    [{ deaths: 10 }, 'II'],
    [{ deaths: 9 }, 'III'],
    [{ deaths: 3 }, 'III'],
    [{ deaths: 2 }, 'IV'],
    [{ deaths: 2, missing: 1 }, 'III'],
    [{ seriouslyInjured: 100, injured: 100 }, 'I'],
    [{ seriouslyInjured: 50, injured: 50 }, 'II'],
    [{ seriouslyInjured: 10, injured: 10 }, 'III'],
    [{ injured: 9 }, 'IV'],
    [{ lossYuan: 1e8 }, 'I'],
    [{ lossYuan: 5e7 }, 'II'],
    [{ lossYuan: 1e7 }, 'III'],
    [{ lossYuan: 9_999_999 }, 'IV'],
    [{}, 'IV'],
  ])('%j → %s', (partial, level) => {
    expect(levelOf({ ...base, ...partial }, DEFAULT_LEVEL_THRESHOLDS)).toBe(level);
  });

  it.each([
    ['陇南市文县发生山体滑坡，已造成3人死亡', 'III'],
    ['矿井透水事故已致十二名矿工遇难', 'II'],
    ['泥石流造成数十人死亡', 'II'],
    ['洪水造成直接经济损失1.2亿元', 'I'],
    ['特大暴雨已致三十五人遇难', 'I'],
  ])('%s → level %s', (text, level) => {
    expect(levelOf(extractConsequences(text))).toBe(level);
  });
});
