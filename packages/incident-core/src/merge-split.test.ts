import type { Classification, EmergencyLevel, IncidentSnapshot } from '@huiying/contracts';
import { IncidentEditError, mergeIncidents, splitIncident, type IncidentPost } from './merge-split';

const now = new Date('2025-07-01T06:00:00Z');
const edit = { actor: 'duty:zhang', reason: '同一次滑坡', now };

const incident = (id: string, over: Partial<IncidentSnapshot> = {}): IncidentSnapshot => ({
  id, kind: 'emergency', status: 'detected', title: id, category: 'natural_disaster', subtype: 'landslide',
  level: 'IV', levelConfirmed: false, levelConfidence: 0.5, importantOpinion: false, t0: '2025-07-01T02:00:00.000Z',
  departments: ['市国土资源局'], counties: ['文县'], postCount: 10, drill: false,
  openedAt: '2025-07-01T02:01:00.000Z', updatedAt: '2025-07-01T02:30:00.000Z', ...over,
});

describe('mergeIncidents', () => {
  it.each<[string, Partial<IncidentSnapshot>, Partial<IncidentSnapshot>, Partial<IncidentSnapshot>, string[]]>([
    ['keeps the earlier t0 and sums posts', {}, { t0: '2025-07-01T01:00:00.000Z', postCount: 5 }, { t0: '2025-07-01T01:00:00.000Z', postCount: 15 }, ['updated', 't0_corrected']],
    ['takes the graver proposed level', { level: 'IV' }, { level: 'II', levelConfidence: 0.9 }, { level: 'II', levelConfirmed: false, levelConfidence: 0.9 }, ['updated', 'level_changed']],
    ['keeps its confirmed level over a graver proposal', { level: 'III', levelConfirmed: true }, { level: 'I' }, { level: 'III', levelConfirmed: true }, ['updated']],
    ['adopts the absorbed one’s confirmed level', { level: 'II' }, { level: 'IV', levelConfirmed: true, levelConfidence: 1 }, { level: 'IV', levelConfirmed: true, levelConfidence: 1 }, ['updated', 'level_changed']],
    ['unions places and departments', { counties: ['文县'], departments: ['a'] }, { counties: ['武都区', '文县'], departments: ['b'] }, { counties: ['文县', '武都区'], departments: ['a', 'b'] }, ['updated']],
    ['keeps the further status', { status: 'detected' }, { status: 'responding' }, { status: 'responding' }, ['updated']],
    ['stays a drill only if both were', { drill: true }, { drill: false }, { drill: false }, ['updated']],
    ['fills a missing subtype', { subtype: null, category: null }, {}, { subtype: 'landslide', category: 'natural_disaster' }, ['updated']],
  ])('%s', (_name, survivorOver, absorbedOver, expected, kinds) => {
    const result = mergeIncidents(incident('a', survivorOver), incident('b', absorbedOver), edit);
    expect(result.survivor.snapshot).toMatchObject({ id: 'a', updatedAt: now.toISOString(), ...expected });
    expect(result.survivor.events).toEqual(kinds);
    expect(result.absorbed).toMatchObject({ mergedInto: 'a', events: ['merged'], snapshot: { id: 'b' } });
    expect(result.events.map((e) => [e.kind, e.incident.id, e.actor, e.reason, e.mergedInto])).toEqual([
      ['merged', 'b', 'duty:zhang', '同一次滑坡', 'a'],
      ...kinds.map((k) => [k, 'a', 'duty:zhang', '同一次滑坡', undefined]),
    ]);
  });

  it('leaves a t0 a person set', () => {
    const result = mergeIncidents(incident('a'), incident('b', { t0: '2025-07-01T00:00:00.000Z' }), edit, { survivorT0SetByPerson: true });
    expect(result.survivor.snapshot.t0).toBe('2025-07-01T02:00:00.000Z');
    expect(result.survivor.events).toEqual(['updated']);
  });

  it.each<[string, () => unknown]>([
    ['no reason', () => mergeIncidents(incident('a'), incident('b'), { ...edit, reason: ' ' })],
    ['no actor', () => mergeIncidents(incident('a'), incident('b'), { ...edit, actor: '' })],
    ['itself', () => mergeIncidents(incident('a'), incident('a'), edit)],
    ['a closed one', () => mergeIncidents(incident('a'), incident('b', { status: 'dismissed' }), edit)],
  ])('refuses %s', (_name, merge) => {
    expect(merge).toThrow(IncidentEditError);
  });
});

const classification = (level: EmergencyLevel | null, counties: string[], score = 0.8): Classification => ({
  version: 'test', sentiment: 'negative', departments: counties.map((c) => `${c}政府`), counties, keyTerms: [...counties, '滑坡'],
  emergency: { flagged: true, category: 'natural_disaster', subtype: 'landslide', level, score, evidence: [] },
  rumor: { flagged: false, score: 0, evidence: [] },
});
const post = (id: string, minute: number, level: EmergencyLevel | null, counties: string[]): IncidentPost => ({
  post: { id, publishedAt: new Date(Date.UTC(2025, 6, 1, 2, minute)).toISOString(), text: `${counties.join('')}滑坡 ${id}` },
  classification: classification(level, counties),
});

describe('splitIncident', () => {
  const posts = [post('p1', 0, 'IV', ['文县']), post('p2', 5, 'II', ['康县']), post('p3', 10, null, ['文县']), post('p4', 15, 'III', ['康县'])];
  const source = incident('src', { t0: '2025-07-01T02:00:00.000Z', level: 'II', counties: ['文县', '康县'], departments: ['文县政府', '康县政府'], postCount: 4 });

  it('moves the posts to a new incident and recomputes both', () => {
    const result = splitIncident(source, posts, ['p2', 'p4'], edit);
    expect(result.movedPostIds).toEqual(['p2', 'p4']);
    expect(result.keptPostIds).toEqual(['p1', 'p3']);
    expect(result.source.snapshot).toMatchObject({ id: 'src', postCount: 2, counties: ['文县'], departments: ['文县政府'], level: 'IV', t0: '2025-07-01T02:00:00.000Z' });
    expect(result.source.events).toEqual(['updated', 'level_changed']);
    expect(result.split.snapshot).toMatchObject({
      kind: 'emergency', status: 'detected', postCount: 2, counties: ['康县'], level: 'II', levelConfirmed: false,
      t0: '2025-07-01T02:05:00.000Z', openedAt: now.toISOString(), subtype: 'landslide', title: '康县滑坡 p2',
    });
    expect(result.split.snapshot.id).not.toBe('src');
    expect(result.events.map((e) => [e.kind, e.incident.id === 'src' ? 'src' : 'new', e.actor, e.reason])).toEqual([
      ['updated', 'src', 'duty:zhang', '同一次滑坡'],
      ['level_changed', 'src', 'duty:zhang', '同一次滑坡'],
      ['opened', 'new', 'duty:zhang', '同一次滑坡'],
    ]);
  });

  it('moves t0 of the source forward when its first post leaves, and gives a stable new id', () => {
    const a = splitIncident(source, posts, ['p1'], edit);
    const b = splitIncident(source, posts, ['p1'], { ...edit, now: new Date('2025-07-02T00:00:00Z') });
    expect(a.source.snapshot.t0).toBe('2025-07-01T02:05:00.000Z');
    expect(a.source.events).toContain('t0_corrected');
    expect(a.split.snapshot.id).toBe(b.split.snapshot.id);
  });

  it('keeps a confirmed level and a t0 a person set on the source', () => {
    const confirmed = { ...source, levelConfirmed: true };
    const result = splitIncident(confirmed, posts, ['p1', 'p2'], edit, { sourceT0SetByPerson: true });
    expect(result.source.snapshot).toMatchObject({ level: 'II', t0: source.t0 });
    expect(result.source.events).toEqual(['updated']);
  });

  it.each<[string, string[], Partial<typeof edit>]>([
    ['nothing to move', [], {}],
    ['every post', ['p1', 'p2', 'p3', 'p4'], {}],
    ['a post of another incident', ['p9'], {}],
    ['no reason', ['p1'], { reason: '' }],
  ])('refuses %s', (_name, ids, over) => {
    expect(() => splitIncident(source, posts, ids, { ...edit, ...over })).toThrow(IncidentEditError);
  });
});
