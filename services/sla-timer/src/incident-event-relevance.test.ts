import type { IncidentEvent, IncidentSnapshot } from '@huiying/contracts';
import { planClocks, type TrackedClock } from '@huiying/deadlines';
import { clockFingerprint, IncidentFingerprints, mattersToClocks } from './incident-event-relevance';
import { MINUTE, incidentOf, testPolicy } from './testing/clock-fixtures';

const policy = testPolicy();
const T0 = '2026-03-01T08:00:00.000Z';
const before = incidentOf({ id: 'inc-1', t0: T0, status: 'detected', level: 'II', levelConfirmed: false, levelConfidence: 0.5 });
const joined = (change: Partial<IncidentSnapshot>): IncidentEvent => ({
  kind: 'updated',
  incident: { ...before, postCount: before.postCount + 3, ...change },
  actor: 'system:incidents',
  postId: 'p3',
  postIds: ['p1', 'p2', 'p3'],
});

describe('which incident events can change a clock', () => {
  const prior = clockFingerprint(before, policy);
  it.each<[string, IncidentEvent, string | undefined, boolean]>([
    ['posts join, only counts, places and departments grow', joined({ departments: ['文县政府', '应急管理局'], counties: ['文县', '武都区'], title: '新标题' }), prior, false],
    ['posts join, confidence rises but stays under the provisional threshold', joined({ levelConfidence: 0.7 }), prior, false],
    ['posts join, confidence crosses the provisional threshold', joined({ levelConfidence: 0.85 }), prior, true],
    ['posts join, the proposed level rises', joined({ level: 'I' }), prior, true],
    ['posts join, an earlier post moves t0 back', joined({ t0: new Date(Date.parse(T0) - 5 * MINUTE).toISOString() }), prior, true],
    ['posts join, status moved on (stored by a person meanwhile)', joined({ status: 'confirmed' }), prior, true],
    ['posts join, the level was confirmed meanwhile', joined({ levelConfirmed: true }), prior, true],
    ['posts join, flagged important meanwhile', joined({ importantOpinion: true }), prior, true],
    ['posts join, now marked a drill', joined({ drill: true }), prior, true],
    ['posts join, nothing known of the incident before', joined({}), undefined, true],
    ['an update without posts (a person, a merge, a split)', { ...joined({}), postIds: undefined, postId: undefined, actor: 'user:duty-1' }, prior, true],
    ...(['opened', 'level_changed', 'confirmed', 'dismissed', 'merged', 'resolved', 't0_corrected'] as const).map(
      (kind): [string, IncidentEvent, string | undefined, boolean] => [`${kind}, even with the same state`, { ...joined({}), kind }, prior, true],
    ),
  ])('%s', (_what, event, previous, expected) => {
    expect(mattersToClocks(event, previous, policy)).toBe(expected);
  });

  // What a skip relies on: the plan for the event's state equals the plan for the state before,
  // whatever clocks the incident has.
  const clockOf = (stage: TrackedClock['stage'], status: TrackedClock['status']): TrackedClock => ({
    id: `c-${stage}-${status}`, incidentId: 'inc-1', stage, status, t0: T0, dueAt: new Date(Date.parse(T0) + 10 * MINUTE).toISOString(),
    startedAt: T0, metAt: status === 'met' ? T0 : null, breachedAt: null, drill: false, pauses: [], acknowledgedAt: null,
  });
  const clockSets: TrackedClock[][] = [[], [clockOf('statement', 'running'), clockOf('press_conference', 'running')], [clockOf('statement', 'met')], [clockOf('response', 'running')]];
  const skippable = [joined({ departments: ['应急管理局'], postCount: 40 }), joined({ levelConfidence: 0.79 }), joined({ title: '改名', counties: [] })];
  it.each(skippable.map((e, i) => [i, e] as const))('a passed-over event (%s) plans what the state before it planned', (_i, event) => {
    expect(mattersToClocks(event, prior, policy)).toBe(false);
    const now = new Date(Date.parse(T0) + 2 * MINUTE);
    for (const clocks of clockSets) {
      expect(planClocks({ incident: event.incident, clocks, policy, now })).toEqual(planClocks({ incident: before, clocks, policy, now }));
    }
  });
});

describe('what the timer knows of a partition', () => {
  it('keeps the fingerprints while runs follow on, and forgets them after a gap or a failure', () => {
    const known = new IncidentFingerprints();
    known.forRun('incidents', 0, '10').set('inc-1', 'a');
    known.handled('incidents', 0, '14');
    expect(known.forRun('incidents', 0, '15').get('inc-1')).toBe('a');
    // Another partition is its own.
    expect(known.forRun('incidents', 1, '15').get('inc-1')).toBeUndefined();
    known.handled('incidents', 0, '20');
    // Offsets 21..29 went to another instance: what it handled is unknown here.
    expect(known.forRun('incidents', 0, '30').get('inc-1')).toBeUndefined();
    known.forRun('incidents', 0, '30').set('inc-1', 'b');
    known.handled('incidents', 0, '31');
    known.forget('incidents', 0);
    expect(known.forRun('incidents', 0, '32').get('inc-1')).toBeUndefined();
  });
});
