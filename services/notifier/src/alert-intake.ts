import { observeAlert, snapshotEscalation, type BundleState, type BundleWindow, type EscalationPolicy } from '@huiying/alerting';
import type { Alert } from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';
import type { AlertingSetup } from './alerting-config';

export interface IntakeOptions {
  setup: AlertingSetup;
  escalation: EscalationPolicy;
  bundleWindowMs: number;
}

/** What to schedule once the transaction commits. */
export interface IntakeJobs {
  rounds: Array<{ alertId: string; atMs: number }>;
  bundleCloses: Array<{ key: string; openedAtMs: number; closesAtMs: number }>;
  /** Summaries of windows that closed before this alert came (their close job had not run). */
  summaries: Array<{ key: string; window: BundleWindow }>;
}

export const emptyJobs = (): IntakeJobs => ({ rounds: [], bundleCloses: [], summaries: [] });

/**
 * Alerts of one clock (or incident) at one severity share a bundling key: after a restart the
 * 50 %, 80 % and 30-minutes-before warnings arrive together and make one message with a count.
 */
export function bundleKeyOf(alert: Alert): string {
  return `${alert.clockId ?? alert.incidentId}|${alert.severity}`;
}

/**
 * Starts the delivery of a freshly recorded alert, in its transaction: freezes the escalation
 * chain (persons and contacts as of now), decides send-or-fold for its bundling key, and hands
 * over from older alerts of the same clock (their repeats stop: this one carries on). An
 * `escalated` clock event starts at its chain step, not at the duty officer again.
 */
export async function startDelivery(
  tx: Queryable,
  alert: Alert,
  departments: readonly string[],
  escalationStep: number,
  options: IntakeOptions,
): Promise<IntakeJobs> {
  const jobs = emptyJobs();
  const nowMs = Date.parse(alert.createdAt);
  const snapshot = snapshotEscalation({ chains: options.setup.chains, roster: options.setup.roster, departments, startedAtMs: nowMs });
  const key = bundleKeyOf(alert);

  const { rows } = await tx.query<{ window: BundleWindow; summarised: boolean }>(
    'SELECT "window", summarised FROM alert_bundles WHERE key = $1 FOR UPDATE',
    [key],
  );
  const open = rows[0];
  const state: BundleState = { windows: open && !open.summarised ? { [key]: open.window } : {} };
  const observed = observeAlert(state, { key, alertId: alert.id, atMs: nowMs }, options.bundleWindowMs);
  const window = observed.state.windows[key]!;
  if (observed.summaries.length > 0 && open) jobs.summaries.push({ key, window: open.window });
  await tx.query(
    `INSERT INTO alert_bundles (key, "window", closes_at, summarised) VALUES ($1, $2, $3, false)
     ON CONFLICT (key) DO UPDATE SET "window" = EXCLUDED."window", closes_at = EXCLUDED.closes_at, summarised = false`,
    [key, JSON.stringify(window), new Date(window.closesAtMs).toISOString()],
  );

  // Shifted back so that step k of the chain is reached at once for the clock's k-th escalation.
  const roundsStartMs = nowMs - Math.min(escalationStep, Math.max(0, snapshot.steps.length - 1)) * options.escalation.escalateAfterMinutes * 60_000;
  if (observed.decision.kind === 'fold') {
    await tx.query(
      `UPDATE alerts SET escalation = $2, bundle_key = $3, delivery_state = 'folded', bundled_into = $4, rounds_start_at = $5 WHERE id = $1`,
      [alert.id, JSON.stringify(snapshot), key, window.firstAlertId, new Date(roundsStartMs).toISOString()],
    );
    return jobs;
  }
  if (alert.clockId !== null) {
    await tx.query(
      `UPDATE alerts SET delivery_state = 'superseded', next_round_at = NULL
        WHERE clock_id = $1 AND id <> $2 AND delivery_state = 'active'`,
      [alert.clockId, alert.id],
    );
  }
  await tx.query(
    `UPDATE alerts SET escalation = $2, bundle_key = $3, delivery_state = 'active', rounds_start_at = $4, next_round_at = $5 WHERE id = $1`,
    [alert.id, JSON.stringify(snapshot), key, new Date(roundsStartMs).toISOString(), alert.createdAt],
  );
  jobs.rounds.push({ alertId: alert.id, atMs: nowMs });
  jobs.bundleCloses.push({ key, openedAtMs: window.openedAtMs, closesAtMs: window.closesAtMs });
  return jobs;
}
