import type { Classification } from '@huiying/contracts';
import { flagChanges } from './flag-changes';

const base: Classification = {
  version: 'v1',
  emergency: {
    flagged: true,
    category: 'natural_disaster',
    subtype: 'landslide',
    level: 'IV',
    score: 0.8,
    evidence: [],
  },
  rumor: { flagged: false, score: 0.1, evidence: [], claimId: null },
  departments: ['市国土资源局', '文县政府'],
  counties: ['文县'],
  sentiment: 'negative',
  keyTerms: [],
};

describe('flagChanges', () => {
  it.each<[string, Partial<Classification>, string[]]>([
    [
      'same verdict, other scores and version',
      { version: 'v2', emergency: { ...base.emergency, score: 0.6, evidence: [{ rule: 'x', terms: [], weight: 1 }] } },
      [],
    ],
    [
      'emergency dropped',
      { emergency: { ...base.emergency, flagged: false, level: null } },
      ['emergency.flagged', 'emergency.level'],
    ],
    ['level raised', { emergency: { ...base.emergency, level: 'III' } }, ['emergency.level']],
    [
      'rumour raised with a claim',
      { rumor: { flagged: true, score: 0.9, evidence: [], claimId: 'c1' } },
      ['rumor.flagged', 'rumor.claimId'],
    ],
    ['departments in another order', { departments: ['文县政府', '市国土资源局'] }, []],
    ['a county added', { counties: ['文县', '武都区'] }, ['counties']],
    ['sentiment', { sentiment: 'neutral' }, ['sentiment']],
  ])('%s', (_, change, fields) => {
    expect(flagChanges(base, { ...base, ...change }).map((c) => c.field)).toEqual(fields);
  });

  it('a post never classified shows every flag as new', () => {
    const changes = flagChanges(null, base);
    expect(changes.find((c) => c.field === 'emergency.flagged')).toEqual({
      field: 'emergency.flagged',
      before: null,
      after: true,
    });
    expect(changes.map((c) => c.field)).toContain('departments');
  });
});
