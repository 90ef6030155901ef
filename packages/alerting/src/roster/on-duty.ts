import {
  DAY_MS,
  MINUTE_MS,
  addDays,
  minutesOfLocalTime,
  parseShanghaiDateTime,
  shanghaiParts,
  startOfShanghaiDay,
} from '../time/shanghai-time';
import type { DatedShift, DutyRole, Person, RosterFile, WeeklyShift } from './roster-file';

/** One shift occurrence as an instant range, start inclusive, end exclusive. */
export interface ShiftSpan {
  startMs: number;
  endMs: number;
  personIds: string[];
  label: string | undefined;
  source: 'weekly' | 'dated';
}

export interface OnDuty {
  role: DutyRole;
  /** Persons on duty, in roster order, without repeats. Empty = nobody: a gap in the roster. */
  people: Person[];
  /** `dated` when a holiday/special shift replaced the weekly rota at this instant. */
  source: 'weekly' | 'dated' | 'none';
  spans: ShiftSpan[];
}

/** Who holds `role` at `nowMs`. A boundary instant belongs to the shift that starts there. */
export function onDutyAt(roster: RosterFile, role: DutyRole, nowMs: number): OnDuty {
  const dated = roster.shifts
    .filter((s): s is DatedShift => s.kind === 'dated' && s.role === role)
    .map(datedSpan)
    .filter((span) => covers(span, nowMs));
  const spans =
    dated.length > 0
      ? dated
      : roster.shifts
          .filter((s): s is WeeklyShift => s.kind === 'weekly' && s.role === role)
          .flatMap((s) => weeklySpansAround(s, nowMs))
          .filter((span) => covers(span, nowMs));
  const ids = new Set(spans.flatMap((s) => s.personIds));
  const people = roster.people.filter((p) => ids.has(p.id));
  return { role, people, source: spans.length === 0 ? 'none' : dated.length > 0 ? 'dated' : 'weekly', spans };
}

/** Every role named by a shift. */
export function dutyRoles(roster: RosterFile): DutyRole[] {
  return [...new Set(roster.shifts.map((s) => s.role))];
}

export interface CoverageGap {
  role: DutyRole;
  startMs: number;
  endMs: number;
}

/**
 * Stretches in [fromMs, toMs) when nobody holds `role`. On-duty sets change only at shift
 * boundaries, so checking one instant per stretch between boundaries is exact.
 */
export function findCoverageGaps(roster: RosterFile, role: DutyRole, fromMs: number, toMs: number): CoverageGap[] {
  const points = new Set<number>([fromMs]);
  for (const s of roster.shifts) {
    if (s.role !== role) continue;
    const spans = s.kind === 'dated' ? [datedSpan(s)] : weeklySpansBetween(s, fromMs, toMs);
    for (const span of spans) {
      if (span.startMs > fromMs && span.startMs < toMs) points.add(span.startMs);
      if (span.endMs > fromMs && span.endMs < toMs) points.add(span.endMs);
    }
  }
  const sorted = [...points].sort((a, b) => a - b);
  const gaps: CoverageGap[] = [];
  sorted.forEach((start, i) => {
    const end = sorted[i + 1] ?? toMs;
    if (onDutyAt(roster, role, start).people.length > 0) return;
    const last = gaps[gaps.length - 1];
    if (last && last.endMs === start) last.endMs = end;
    else gaps.push({ role, startMs: start, endMs: end });
  });
  return gaps;
}

function covers(span: ShiftSpan, t: number): boolean {
  return span.startMs <= t && t < span.endMs;
}

function datedSpan(s: DatedShift): ShiftSpan {
  return {
    startMs: parseShanghaiDateTime(s.start),
    endMs: parseShanghaiDateTime(s.end),
    personIds: s.personIds,
    label: s.label,
    source: 'dated',
  };
}

function weeklyDurationMinutes(s: WeeklyShift): number {
  const start = minutesOfLocalTime(s.start);
  const end = minutesOfLocalTime(s.end);
  return end > start ? end - start : end - start + 24 * 60;
}

/** The occurrence starting on `date`, if the shift runs that day. */
function weeklySpanOn(s: WeeklyShift, date: string): ShiftSpan | undefined {
  if (s.validFrom !== undefined && date < s.validFrom) return undefined;
  if (s.validUntil !== undefined && date > s.validUntil) return undefined;
  const dayStart = startOfShanghaiDay(date);
  if (!s.days.includes(shanghaiParts(dayStart).isoWeekday)) return undefined;
  const startMs = dayStart + minutesOfLocalTime(s.start) * MINUTE_MS;
  return {
    startMs,
    endMs: startMs + weeklyDurationMinutes(s) * MINUTE_MS,
    personIds: s.personIds,
    label: s.label,
    source: 'weekly',
  };
}

/** A weekly shift lasts at most 24 h, so only today's and yesterday's occurrences can cover now. */
function weeklySpansAround(s: WeeklyShift, nowMs: number): ShiftSpan[] {
  const today = shanghaiParts(nowMs).date;
  return [addDays(today, -1), today].flatMap((d) => weeklySpanOn(s, d) ?? []);
}

function weeklySpansBetween(s: WeeklyShift, fromMs: number, toMs: number): ShiftSpan[] {
  const spans: ShiftSpan[] = [];
  const last = shanghaiParts(toMs).date;
  for (let d = shanghaiParts(fromMs - DAY_MS).date; d <= last; d = addDays(d, 1)) {
    const span = weeklySpanOn(s, d);
    if (span) spans.push(span);
  }
  return spans;
}
