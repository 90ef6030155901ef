// Builders for the tests of this package: a valid incident and clock with overridable fields.
import { IncidentSnapshot } from '@huiying/contracts';
import { TrackedClock } from './tracked-clock';

export const T0 = '2026-07-10T02:00:00.000Z'; // 10:00 Beijing

export function incident(overrides: Partial<IncidentSnapshot> = {}): IncidentSnapshot {
  return IncidentSnapshot.parse({
    id: 'inc-1',
    kind: 'emergency',
    status: 'confirmed',
    title: '武都区滑坡',
    category: 'natural_disaster',
    subtype: 'landslide',
    level: 'II',
    levelConfirmed: true,
    levelConfidence: 0.9,
    importantOpinion: false,
    t0: T0,
    departments: ['武都区政府'],
    counties: ['武都区'],
    postCount: 3,
    drill: false,
    openedAt: T0,
    updatedAt: T0,
    ...overrides,
  });
}

export function clock(overrides: Partial<TrackedClock> = {}): TrackedClock {
  return TrackedClock.parse({
    id: 'c1',
    incidentId: 'inc-1',
    stage: 'statement',
    status: 'running',
    t0: T0,
    dueAt: '2026-07-10T07:00:00.000Z',
    startedAt: T0,
    metAt: null,
    breachedAt: null,
    drill: false,
    pauses: [],
    acknowledgedAt: null,
    ...overrides,
  });
}

/** T0 plus minutes, as an ISO instant. */
export function at(minutes: number): string {
  return new Date(Date.parse(T0) + minutes * 60_000).toISOString();
}
