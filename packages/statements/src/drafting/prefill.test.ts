import type { Classification, IncidentSnapshot } from '@huiying/contracts';
import { describeFigures, eventWords, formatChineseTime, prefillFields, statedFigures, type AnsweredPost } from './prefill';

function post(id: string, evidence: Classification['emergency']['evidence'], rumor = false): AnsweredPost {
  return {
    id, url: null, text: `帖子${id}：网传文县碧口镇发生山体滑坡`, publishedAt: '2025-07-03T06:20:00.000Z',
    classification: {
      version: 't', emergency: { flagged: true, category: 'natural_disaster', subtype: 'landslide', level: 'II', score: 0.9, evidence },
      rumor: { flagged: rumor, score: rumor ? 0.8 : 0.1, evidence: [] }, departments: [], counties: ['文县'], sentiment: 'negative', keyTerms: [],
    },
  };
}
const consequences = (note: string) => ({ rule: 'stated_consequences', terms: [], weight: 0, note });

describe('figures stated in the posts', () => {
  it.each([
    [[], null],
    [[post('a', [consequences('deaths 12, injured 0 (serious 0), missing 3, loss ¥0 → level II')])], { deaths: 12, injured: 0, seriouslyInjured: 0, missing: 3, lossYuan: 0 }],
    [
      [post('a', [consequences('deaths 3, injured 20 (serious 5), missing 0, loss ¥0 → level III')]), post('b', [consequences('deaths 5, injured 2 (serious 0), missing 1, loss ¥2000000 → level III')])],
      { deaths: 5, injured: 20, seriouslyInjured: 5, missing: 1, lossYuan: 2_000_000 },
    ],
    [[post('a', [{ rule: 'fact_cue', terms: ['死亡'], weight: 0 }])], null],
  ])('takes the largest of each figure (%#)', (posts, expected) => {
    expect(statedFigures(posts)).toEqual(expected);
  });

  it.each([
    [null, ''],
    [{ deaths: 12, injured: 0, seriouslyInjured: 0, missing: 3, lossYuan: 0 }, '（网传死亡12人、失联3人，待核实）'],
    [{ deaths: 0, injured: 20, seriouslyInjured: 5, missing: 0, lossYuan: 25_000_000 }, '（网传重伤5人、受伤20人、直接经济损失约2500万元，待核实）'],
  ])('describes %j', (figures, text) => {
    expect(describeFigures(figures)).toBe(text);
  });
});

describe('prefill', () => {
  it.each([
    ['2025-07-03T06:20:00.000Z', 'Asia/Shanghai', '2025年7月3日14时20分'],
    ['2025-12-31T16:05:00.000Z', 'Asia/Shanghai', '2026年1月1日0时05分'],
  ])('formats %s in %s', (iso, zone, text) => {
    expect(formatChineseTime(iso, zone)).toBe(text);
  });

  it('names the event in the posts\' own words', () => {
    const posts = [post('a', [{ rule: 'event_term:landslide', terms: ['滑坡'], weight: 1 }]), post('b', [{ rule: 'event_term:landslide', terms: ['山体滑坡'], weight: 1 }]), post('c', [{ rule: 'event_term:landslide', terms: ['山体滑坡'], weight: 1 }])];
    expect(eventWords(posts, 'landslide')).toBe('山体滑坡');
    expect(eventWords([], 'landslide')).toBeNull();
  });

  const incident: IncidentSnapshot & { keyTerms: string[] } = {
    id: 'inc-1', kind: 'emergency', status: 'confirmed', title: '文县碧口镇李子坝村发生山体滑坡，已造成12人死亡', category: 'natural_disaster',
    subtype: 'landslide', level: 'II', levelConfirmed: false, levelConfidence: 0.8, importantOpinion: false, t0: '2025-07-03T06:20:00.000Z',
    departments: ['文县人民政府'], counties: ['文县'], postCount: 2, drill: false, openedAt: '2025-07-03T06:21:00.000Z', updatedAt: '2025-07-03T06:22:00.000Z', keyTerms: [],
  };
  const posts = [post('a', [{ rule: 'event_term:landslide', terms: ['山体滑坡'], weight: 1 }, consequences('deaths 12, injured 0 (serious 0), missing 3, loss ¥0 → level II')]), post('b', [], true)];
  const now = new Date('2025-07-03T08:00:00.000Z');

  it.each([
    ['situation_report', { time: '2025年7月3日14时20分', place: '文县', event: '山体滑坡', category: '自然灾害', level: '重大（II级）', casualties: '（网传死亡12人、失联3人，待核实）', issuer: '文县人民政府', issuedAt: '2025年7月3日16时00分' }],
    ['rebuttal', { claim: '帖子b：网传文县碧口镇发生山体滑坡', issuer: '文县人民政府', issuedAt: '2025年7月3日16时00分' }],
    ['press_notice', { topic: incident.title, issuer: '文县人民政府' }],
  ] as const)('fills a %s from the incident', (kind, expected) => {
    expect(prefillFields({ kind, incident, posts, department: '文县人民政府', now, timeZone: 'Asia/Shanghai' })).toMatchObject(expected);
  });

  it('names the event from the title, without the county the template already puts first, when no post names it', () => {
    const fields = prefillFields({ kind: 'situation_report', incident, posts: [], department: '文县人民政府', now, timeZone: 'Asia/Shanghai' });
    expect([fields.place, fields.event]).toEqual(['文县', '碧口镇李子坝村发生山体滑坡，已造成12人死亡']);
    const elsewhere = prefillFields({ kind: 'situation_report', incident: { ...incident, title: '碧口镇山体滑坡' }, posts: [], department: '文县人民政府', now, timeZone: 'Asia/Shanghai' });
    expect(elsewhere.event).toBe('碧口镇山体滑坡');
  });
});
