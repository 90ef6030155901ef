import { EMPTY_BUNDLE_STATE, closeDueWindows, nextWindowClose, observeAlert, type BundleState } from './alert-bundle';

const W = 10 * 60_000;

/** Feed alerts [key, atMinute] through the window, then close at `closeAt` minutes. */
function run(alerts: Array<[string, number]>, closeAt: number) {
  let state: BundleState = EMPTY_BUNDLE_STATE;
  const decisions: string[] = [];
  const summaries: string[] = [];
  alerts.forEach(([key, minute], i) => {
    const r = observeAlert(state, { key, alertId: `a${i}`, atMs: minute * 60_000 }, W);
    state = r.state;
    decisions.push(r.decision.kind === 'send' ? `send ${key}` : `fold ${key} #${r.decision.countInWindow}`);
    summaries.push(...r.summaries.map((s) => `${s.key}×${s.count}`));
  });
  const closed = closeDueWindows(state, closeAt * 60_000);
  summaries.push(...closed.summaries.map((s) => `${s.key}×${s.count}`));
  return { decisions, summaries, open: Object.keys(closed.state.windows) };
}

describe('dedupe and bundling', () => {
  it.each([
    ['one alert: sent, no summary', [['k', 0]], 10, ['send k'], [], []],
    ['three in the window: one sent, then one summary with the count', [['k', 0], ['k', 3], ['k', 9]], 10, ['send k', 'fold k #2', 'fold k #3'], ['k×3'], []],
    ['window end is exclusive: at 10 min a new window opens', [['k', 0], ['k', 5], ['k', 10]], 15, ['send k', 'fold k #2', 'send k'], ['k×2'], ['k']],
    ['other keys do not fold into each other', [['a', 0], ['b', 1], ['a', 2]], 10, ['send a', 'send b', 'fold a #2'], ['a×2'], ['b']],
    ['a window not yet due stays open', [['k', 0], ['k', 1]], 9, ['send k', 'fold k #2'], [], ['k']],
    ['a late alert closes the stale window itself', [['k', 0], ['k', 1], ['k', 30]], 30, ['send k', 'fold k #2', 'send k'], ['k×2'], ['k']],
  ] as Array<[string, Array<[string, number]>, number, string[], string[], string[]]>)(
    '%s',
    (_why, alerts, closeAt, decisions, summaries, open) => {
      expect(run(alerts, closeAt)).toEqual({ decisions, summaries, open });
    },
  );

  it('tells when to close next, and keeps the ids of the first and last alert', () => {
    let state = observeAlert(EMPTY_BUNDLE_STATE, { key: 'k', alertId: 'first', atMs: 0 }, W).state;
    state = observeAlert(state, { key: 'j', alertId: 'other', atMs: 60_000 }, W).state;
    state = observeAlert(state, { key: 'k', alertId: 'last', atMs: 120_000 }, W).state;
    expect(nextWindowClose(state)).toBe(W);
    const { summaries } = closeDueWindows(state, W);
    expect(summaries).toEqual([{ key: 'k', openedAtMs: 0, closedAtMs: W, count: 2, folded: 1, firstAlertId: 'first', lastAlertId: 'last' }]);
    expect(nextWindowClose(EMPTY_BUNDLE_STATE)).toBeNull();
  });

  it('does not change the state it was given', () => {
    const s1 = observeAlert(EMPTY_BUNDLE_STATE, { key: 'k', alertId: 'a', atMs: 0 }, W).state;
    const frozen = JSON.stringify(s1);
    observeAlert(s1, { key: 'k', alertId: 'b', atMs: 1 }, W);
    closeDueWindows(s1, W);
    expect(JSON.stringify(s1)).toBe(frozen);
  });

  it.each([0, -1, Number.NaN])('rejects a window of %p', (w) => {
    expect(() => observeAlert(EMPTY_BUNDLE_STATE, { key: 'k', alertId: 'a', atMs: 0 }, w)).toThrow(RangeError);
  });
});
