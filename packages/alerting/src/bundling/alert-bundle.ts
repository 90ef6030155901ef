/**
 * Dedupe and bundling: the first alert with a key is sent at once (a duty officer must not wait),
 * repeats of that key inside the window are folded, and when the window closes the folded ones
 * become one summary message with a count. Pure: state in, state out; the caller stores it
 * (Redis/PostgreSQL) and calls `closeDueWindows` when the earliest window closes.
 */
export interface BundleWindow {
  key: string;
  openedAtMs: number;
  closesAtMs: number;
  /** Alerts seen in this window, the one sent included. */
  count: number;
  firstAlertId: string;
  lastAlertId: string;
}

export interface BundleState {
  windows: Readonly<Record<string, BundleWindow>>;
}

export const EMPTY_BUNDLE_STATE: BundleState = { windows: {} };

export interface ObservedAlert {
  key: string;
  alertId: string;
  atMs: number;
}

export type BundleDecision =
  | { kind: 'send'; key: string; alertId: string }
  | { kind: 'fold'; key: string; alertId: string; countInWindow: number };

/** One message for the repeats folded in a window. */
export interface BundleSummary {
  key: string;
  openedAtMs: number;
  closedAtMs: number;
  /** Alerts in the window, the first (already sent) included. */
  count: number;
  /** Alerts that were not sent on their own. */
  folded: number;
  firstAlertId: string;
  lastAlertId: string;
}

export interface ObserveResult {
  state: BundleState;
  decision: BundleDecision;
  /** Windows of this key that had closed before the alert arrived. */
  summaries: BundleSummary[];
}

export function observeAlert(state: BundleState, alert: ObservedAlert, windowMs: number): ObserveResult {
  if (!(windowMs > 0)) throw new RangeError(`bundle window must be positive, got ${windowMs}`);
  const open = state.windows[alert.key];
  if (open && alert.atMs < open.closesAtMs) {
    const updated = { ...open, count: open.count + 1, lastAlertId: alert.alertId };
    return {
      state: { windows: { ...state.windows, [alert.key]: updated } },
      decision: { kind: 'fold', key: alert.key, alertId: alert.alertId, countInWindow: updated.count },
      summaries: [],
    };
  }
  const summaries = open ? summaryOf(open) : [];
  const fresh: BundleWindow = {
    key: alert.key,
    openedAtMs: alert.atMs,
    closesAtMs: alert.atMs + windowMs,
    count: 1,
    firstAlertId: alert.alertId,
    lastAlertId: alert.alertId,
  };
  return {
    state: { windows: { ...state.windows, [alert.key]: fresh } },
    decision: { kind: 'send', key: alert.key, alertId: alert.alertId },
    summaries,
  };
}

/** Close every window whose end is at or before `nowMs`; summaries only where something folded. */
export function closeDueWindows(state: BundleState, nowMs: number): { state: BundleState; summaries: BundleSummary[] } {
  const windows: Record<string, BundleWindow> = {};
  const summaries: BundleSummary[] = [];
  for (const w of Object.values(state.windows)) {
    if (w.closesAtMs <= nowMs) summaries.push(...summaryOf(w));
    else windows[w.key] = w;
  }
  return { state: { windows }, summaries };
}

/** When the caller should next call `closeDueWindows`; null when nothing is open. */
export function nextWindowClose(state: BundleState): number | null {
  const ends = Object.values(state.windows).map((w) => w.closesAtMs);
  return ends.length === 0 ? null : Math.min(...ends);
}

function summaryOf(w: BundleWindow): BundleSummary[] {
  if (w.count < 2) return [];
  return [
    {
      key: w.key,
      openedAtMs: w.openedAtMs,
      closedAtMs: w.closesAtMs,
      count: w.count,
      folded: w.count - 1,
      firstAlertId: w.firstAlertId,
      lastAlertId: w.lastAlertId,
    },
  ];
}
