import { z } from 'zod';
import { ClockSnapshot, Instant } from '@huiying/contracts';
import { toMs } from './time';

/**
 * A pause: the only exception to the wall clock. The rules allow none without a recorded reason
 * and a leader's sign-off, and reports must show it, so both are required fields.
 */
export const ClockPause = z.object({
  from: Instant,
  /** null while the clock is still paused. */
  to: Instant.nullable(),
  reason: z.string().trim().min(1),
  /** The leader (分管领导) who signed the pause off. */
  signedOffBy: z.string().trim().min(1),
  signedOffAt: Instant,
});
export type ClockPause = z.infer<typeof ClockPause>;

/**
 * A clock as the timer keeps it: the contract's snapshot plus what the deadline arithmetic needs.
 * `dueAt` is the nominal deadline (t0 + duration, or the working-day deadline); paused time is
 * added on top by `effectiveDueMs`, so a pause never rewrites the recorded deadline.
 */
export const TrackedClock = ClockSnapshot.extend({
  pauses: z.array(ClockPause).default([]),
  /** When a leader acknowledged the breach: escalation stops there. */
  acknowledgedAt: Instant.nullable().default(null),
});
export type TrackedClock = z.infer<typeof TrackedClock>;

/** A pause as epoch-ms bounds, clipped to start no earlier than t0; `toMs` null = still paused. */
export interface PauseSpan {
  fromMs: number;
  toMs: number | null;
}

/** Pauses sorted, clipped to t0 and with overlaps joined, so paused time is never counted twice. */
export function pauseSpans(clock: Pick<TrackedClock, 't0' | 'pauses'>): PauseSpan[] {
  const t0 = toMs(clock.t0);
  const spans = clock.pauses
    .map((p) => ({ fromMs: Math.max(t0, toMs(p.from)), toMs: p.to === null ? null : toMs(p.to) }))
    .filter((s) => s.toMs === null || s.toMs > s.fromMs)
    .sort((a, b) => a.fromMs - b.fromMs);
  const joined: PauseSpan[] = [];
  for (const span of spans) {
    const last = joined[joined.length - 1];
    if (last && (last.toMs === null || span.fromMs <= last.toMs)) {
      last.toMs = last.toMs === null || span.toMs === null ? null : Math.max(last.toMs, span.toMs);
    } else {
      joined.push({ ...span });
    }
  }
  return joined;
}

/**
 * The wall instant at which `offsetMs` of running (unpaused) time has passed since t0, or null
 * when an open pause begins before it: the instant is not known until the clock resumes.
 */
export function wallAtActiveOffset(t0Ms: number, offsetMs: number, spans: readonly PauseSpan[]): number | null {
  let wall = t0Ms + offsetMs;
  for (const span of spans) {
    // A pause that starts exactly at the instant does not delay it: the step fires first.
    if (span.fromMs >= wall) break;
    if (span.toMs === null) return null;
    wall += span.toMs - span.fromMs;
  }
  return wall;
}

/** Paused time between t0 and `untilMs` (an open pause counts up to `untilMs`). */
export function pausedMsUntil(spans: readonly PauseSpan[], untilMs: number): number {
  let total = 0;
  for (const span of spans) {
    const end = Math.min(span.toMs ?? untilMs, untilMs);
    if (end > span.fromMs) total += end - span.fromMs;
  }
  return total;
}

/** The deadline with paused time excluded; null while a pause that began before it is open. */
export function effectiveDueMs(clock: Pick<TrackedClock, 't0' | 'dueAt' | 'pauses'>): number | null {
  const t0 = toMs(clock.t0);
  return wallAtActiveOffset(t0, toMs(clock.dueAt) - t0, pauseSpans(clock));
}
