import { quantile, reconcile, type Membership, type StoredPost } from './ledger';

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

describe('quantile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(values, 0.5), quantile(values, 0.99), quantile(values, 1)]).toEqual([50, 99, 100]);
    expect(quantile([], 0.99)).toBe(0);
  });
});
