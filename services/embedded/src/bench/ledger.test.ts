import { alertHops, quantile, reconcile, type Membership, type StoredPost } from './ledger';

const post = (id: string, storedAt: number, flagged = true, startsClocks = false): StoredPost => ({
  id,
  storedAt,
  flagged,
  startsClocks,
});
const member = (postId: string, incidentId: string, joinedAt: number): Membership => ({ postId, incidentId, joinedAt });

describe('reconciling what the webhook accepted with what came out', () => {
  it('counts an accepted post that was never stored, and a flagged one in no incident, as lost', () => {
    const result = reconcile({
      accepted: new Map([
        ['a', 0],
        ['b', 0],
        ['c', 0],
        ['noise', 0],
      ]),
      stored: [post('a', 10), post('b', 10), post('noise', 10, false)],
      memberships: [member('a', 'inc-1', 20)],
      announced: new Map(),
      firstAlertAt: new Map(),
    });
    expect(result.lost.sort()).toEqual(['b', 'c']);
    expect(result.duplicates).toEqual([]);
  });

  it('counts a post announced in two incidents as a duplicate, though the table holds it once', () => {
    const result = reconcile({
      accepted: new Map([
        ['a', 0],
        ['b', 0],
      ]),
      stored: [post('a', 10), post('b', 10)],
      memberships: [member('a', 'inc-1', 20), member('b', 'inc-1', 20)],
      announced: new Map([
        ['a', new Set(['inc-1', 'inc-2'])],
        ['b', new Set(['inc-1'])],
      ]),
      firstAlertAt: new Map(),
    });
    expect(result.duplicates).toEqual(['a']);
  });

  it('times an alert from the earliest accepted post of its incident that starts clocks', () => {
    const result = reconcile({
      accepted: new Map([
        ['minor', 100],
        ['major', 300],
        ['major-repost', 500],
      ]),
      stored: [post('minor', 150), post('major', 350, true, true), post('major-repost', 550, true, true)],
      memberships: [member('minor', 'inc-1', 160), member('major', 'inc-1', 360), member('major-repost', 'inc-1', 560)],
      announced: new Map(),
      firstAlertAt: new Map([
        ['inc-1', 1_300],
        ['inc-of-another-phase', 50],
      ]),
    });
    expect(result.alertLatenciesMs).toEqual([1_000]);
    expect(result.incidentsWithAlert).toBe(1);
    expect(result.unexplainedAlerts).toBe(0);
    expect(result.storedLatenciesMs).toEqual([50, 50, 50]);
  });

  it('names an alert no accepted post explains', () => {
    const result = reconcile({
      accepted: new Map([['minor', 100]]),
      stored: [post('minor', 150)],
      memberships: [member('minor', 'inc-1', 160)],
      announced: new Map(),
      firstAlertAt: new Map([['inc-1', 900]]),
    });
    expect(result.unexplainedAlerts).toBe(1);
    expect(result.alertLatenciesMs).toEqual([]);
  });

  it('counts a stored post nobody sent as unexpected', () => {
    const result = reconcile({
      accepted: new Map(),
      stored: [post('x', 1)],
      memberships: [],
      announced: new Map(),
      firstAlertAt: new Map(),
    });
    expect(result.unexpected).toBe(1);
  });
});

describe('splitting an alert latency into hops', () => {
  it('times each stage from the post that made the incident major, and the hops add up to the latency', () => {
    const result = reconcile({
      accepted: new Map([
        ['minor', 100],
        ['major', 300],
      ]),
      stored: [post('minor', 150), post('major', 420, true, true)],
      memberships: [member('minor', 'inc-1', 160), member('major', 'inc-1', 430)],
      announced: new Map(),
      firstAlertAt: new Map([['inc-1', 1_000]]),
    });
    expect(result.alertTriggers).toEqual([{ incidentId: 'inc-1', postId: 'major', acceptedAt: 300, alertAt: 1_000 }]);
    const { complete, hops } = alertHops(result.alertTriggers, new Map([['major', 420]]), {
      ingested: new Map([['major', 290]]),
      // The minor post's stamps must not count: it did not start the clocks.
      classified: new Map([
        ['minor', 110],
        ['major', 350],
      ]),
      announced: new Map([['major', 600]]),
      major: new Map([['inc-1', 650]]),
      clockStarted: new Map([['inc-1', 800]]),
    });
    expect(complete).toBe(1);
    expect(Object.fromEntries(Object.entries(hops).map(([hop, s]) => [hop, s.p50]))).toEqual({
      'produced → 202': 10,
      '202 → classified': 50,
      'classified → stored': 70,
      'stored → incident event': 180,
      'incident event → incident major': 50,
      'incident major → clock started': 150,
      'clock started → alert': 200,
    });
  });

  it('leaves out an alert with a stamp missing rather than guess its hops', () => {
    const { complete, hops } = alertHops(
      [{ incidentId: 'inc-1', postId: 'p', acceptedAt: 0, alertAt: 900 }],
      new Map([['p', 100]]),
      {
        ingested: new Map(),
        classified: new Map([['p', 50]]),
        announced: new Map([['p', 200]]),
        major: new Map([['inc-1', 200]]),
        clockStarted: new Map(),
      },
    );
    expect(complete).toBe(0);
    expect(hops['clock started → alert']!.n).toBe(0);
  });
});

describe('quantile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(values, 0.5), quantile(values, 0.99), quantile(values, 1)]).toEqual([50, 99, 100]);
    expect(quantile([], 0.99)).toBe(0);
  });
});
