import { z } from 'zod';
import { MINUTE_MS } from '../time/shanghai-time';
import type { Person } from '../roster/roster-file';
import type { EscalationSnapshot } from './chain-file';

export const EscalationPolicy = z.object({
  /** An unacknowledged alert is sent again to everyone reached so far every N minutes. */
  repeatEveryMinutes: z.number().int().positive().default(30),
  /** Each M minutes without acknowledgement, the next step of the chain is added. */
  escalateAfterMinutes: z.number().int().positive().default(30),
});
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

export interface DueInput {
  snapshot: EscalationSnapshot;
  policy: EscalationPolicy;
  startedAtMs: number;
  nowMs: number;
  /**
   * The `nowMs` of the previous evaluation (exclusive), or null on the first. Rounds due in
   * (sinceMs, nowMs] are returned, so a late or repeated tick neither loses nor doubles a round.
   */
  sinceMs: number | null;
  acknowledgedAtMs: number | null;
}

export interface DueNotification {
  person: Person;
  /** Index in `snapshot.steps` of the highest step this person is notified for. */
  step: number;
  stepLabel: string;
  /** 0 = the step's first message; 1, 2, … = repeats. */
  round: number;
  dueAtMs: number;
  /** Rounds of this step that fell due in the window but are folded into this one message. */
  foldedRounds: number;
}

export interface DueResult {
  notifications: DueNotification[];
  /** Highest step reached by `nowMs` (-1 before start or with an empty snapshot). */
  escalationStep: number;
  /** When the next round falls due; null once acknowledged or when there is nobody to reach. */
  nextDueAtMs: number | null;
}

/**
 * Who must be notified now. Step k joins at start + k·M and is repeated every N minutes from
 * then on; a higher step does not relieve the lower ones — everyone reached so far keeps getting
 * the repeat until someone acknowledges. After an outage, one message per step stands for every
 * round missed (`foldedRounds`), not a burst. Acknowledgement stops everything.
 */
export function dueNotifications(input: DueInput): DueResult {
  const { snapshot, startedAtMs, nowMs, sinceMs } = input;
  const every = input.policy.repeatEveryMinutes * MINUTE_MS;
  const after = input.policy.escalateAfterMinutes * MINUTE_MS;
  const acknowledged = input.acknowledgedAtMs !== null && input.acknowledgedAtMs <= nowMs;
  const escalationStep = nowMs < startedAtMs ? -1 : Math.min(snapshot.steps.length - 1, Math.floor((nowMs - startedAtMs) / after));
  if (acknowledged || snapshot.steps.length === 0) return { notifications: [], escalationStep, nextDueAtMs: null };

  const byPerson = new Map<string, DueNotification>();
  let nextDueAtMs = Number.POSITIVE_INFINITY;
  snapshot.steps.forEach((step, k) => {
    const joinsAt = startedAtMs + k * after;
    nextDueAtMs = Math.min(nextDueAtMs, nowMs < joinsAt ? joinsAt : joinsAt + (Math.floor((nowMs - joinsAt) / every) + 1) * every);
    if (nowMs < joinsAt) return;
    const lastRound = Math.floor((nowMs - joinsAt) / every);
    const lastDue = joinsAt + lastRound * every;
    if (sinceMs !== null && lastDue <= sinceMs) return;
    // Rounds strictly after sinceMs: the first is the smallest r with joinsAt + r·N > sinceMs.
    const firstRound = sinceMs === null || sinceMs < joinsAt ? 0 : Math.floor((sinceMs - joinsAt) / every) + 1;
    for (const person of step.recipients) {
      // The highest step wins when one person sits in two steps: one message, the sharper label.
      byPerson.set(person.id, {
        person,
        step: k,
        stepLabel: step.label,
        round: lastRound,
        dueAtMs: lastDue,
        foldedRounds: lastRound - firstRound,
      });
    }
  });
  return { notifications: [...byPerson.values()], escalationStep, nextDueAtMs };
}
