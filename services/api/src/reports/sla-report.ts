import type { ClockStage } from '@huiying/contracts';
import { clockFigures, type TrackedClock } from '@huiying/deadlines';
import type { DepartmentFigures, SlaReport } from '../http-schemas';

/**
 * The leadership report (分管领导): per department and month, who met and who missed the 5-hour
 * and 24-hour deadlines, with each breach's timeline. Pure: the caller loads the month's
 * incidents and passes `now`. Drills never count in the figures; paused time is listed apart.
 */
export interface ReportIncident {
  id: string;
  title: string;
  departments: readonly string[];
  drill: boolean;
  t0: string;
  /** When the first authoritative statement was published; null if none yet. */
  firstStatementAt: string | null;
  /** When the press conference was held; null if none yet. */
  pressConferenceAt: string | null;
  clocks: TrackedClock[];
  /** Everything that happened to the incident and its clocks, for a breach's timeline. */
  timeline: TimelineEntry[];
}

export interface TimelineEntry {
  at: string;
  kind: string;
  actor: string | null;
  note: string | null;
  /** Set for clock events: only the breached clock's own events go in its timeline. */
  clockId?: string;
}

/** Incidents nobody was assigned to yet are reported under this name, never dropped. */
export const UNASSIGNED = '（未指派）';

const MINUTE = 60_000;

/** The calendar month in Beijing time (UTC+8, no daylight saving) as a half-open instant range. */
export function beijingMonth(month: string): { from: Date; to: Date } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: new Date(Date.UTC(year, index, 1, -8)), to: new Date(Date.UTC(year, index + 1, 1, -8)) };
}

/** Nearest-rank percentile of minutes, rounded to one decimal; null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}

function percentileOfSorted(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return Math.round(sorted[rank - 1]! * 10) / 10;
}

/** Minutes from t0 to the first statement and to the press conference, per incident; null if none. */
type Durations = Map<ReportIncident, readonly [number | null, number | null]>;

const minutesSince = (i: ReportIncident, at: string | null) =>
  at === null ? null : Math.max(0, (Date.parse(at) - Date.parse(i.t0)) / MINUTE);

/** Once per incident and report: each incident counts for its departments and the totals. */
function durationsOf(incidents: readonly ReportIncident[]): Durations {
  return new Map(incidents.map((i) => [i, [minutesSince(i, i.firstStatementAt), minutesSince(i, i.pressConferenceAt)]] as const));
}

function durations(incidents: readonly ReportIncident[], of: Durations, which: 0 | 1) {
  // A plain loop and one sort: this runs per department and for the totals over the whole month,
  // on the event loop that serves every other request meanwhile.
  const minutes: number[] = [];
  for (const i of incidents) {
    const m = of.get(i)![which];
    if (m !== null) minutes.push(m);
  }
  minutes.sort((a, b) => a - b);
  return { count: minutes.length, medianMinutes: percentileOfSorted(minutes, 50), p90Minutes: percentileOfSorted(minutes, 90) };
}

export type FiguresOfClock = (clock: TrackedClock) => ReturnType<typeof clockFigures>;
type Figures = FiguresOfClock;

/**
 * `clockFigures` once per clock and report: a clock counts for its departments, the totals and
 * the breach list, and at 100,000 incidents the repeats were a good part of the event loop's time.
 */
export function memoFigures(now: Date): Figures {
  const known = new Map<TrackedClock, ReturnType<typeof clockFigures>>();
  return (clock) => {
    let f = known.get(clock);
    if (!f) {
      f = clockFigures(clock, now);
      known.set(clock, f);
    }
    return f;
  };
}

function figuresOf(department: string, incidents: readonly ReportIncident[], figures: Figures, of: Durations): DepartmentFigures {
  const clocks = { started: 0, met: 0, breached: 0, running: 0, cancelled: 0 };
  for (const incident of incidents) {
    for (const clock of incident.clocks) {
      const f = figures(clock);
      clocks.started += 1;
      if (f.outcome === 'met_on_time') clocks.met += 1;
      else if (f.outcome === 'met_late' || f.outcome === 'breached_open') clocks.breached += 1;
      else if (f.outcome === 'cancelled') clocks.cancelled += 1;
      else clocks.running += 1;
    }
  }
  const decided = clocks.met + clocks.breached;
  return {
    department,
    incidents: incidents.length,
    clocks,
    onTimeRate: decided === 0 ? null : clocks.met / decided,
    firstStatement: durations(incidents, of, 0),
    pressConference: durations(incidents, of, 1),
  };
}

const departmentsOf = (i: ReportIncident) => (i.departments.length > 0 ? i.departments : [UNASSIGNED]);

export function buildSlaReport(input: {
  month: string;
  department: string | null;
  incidents: readonly ReportIncident[];
  now: Date;
  /** `memoFigures(now)`, when the caller has already computed some (in slices, between requests). */
  figures?: FiguresOfClock;
}): SlaReport {
  const { now } = input;
  const figures = input.figures ?? memoFigures(now);
  const inScope = input.incidents.filter((i) => input.department === null || departmentsOf(i).includes(input.department));
  const real = inScope.filter((i) => !i.drill);
  const drills = inScope.filter((i) => i.drill);
  const minutes = durationsOf(real);

  const byDepartment = new Map<string, ReportIncident[]>();
  for (const incident of real) {
    for (const d of departmentsOf(incident)) {
      if (input.department !== null && d !== input.department) continue;
      const list = byDepartment.get(d);
      if (list) list.push(incident);
      else byDepartment.set(d, [incident]);
    }
  }
  const departments = [...byDepartment.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'zh-CN'))
    .map(([d, list]) => figuresOf(d, list, figures, minutes));

  const breaches: SlaReport['breaches'] = [];
  const paused: SlaReport['paused'] = [];
  for (const incident of real) {
    const department = departmentsOf(incident).join('、');
    for (const clock of incident.clocks) {
      const f = figures(clock);
      if (f.outcome === 'met_late' || f.outcome === 'breached_open') {
        const dueAt = f.dueAt ?? clock.dueAt;
        breaches.push({
          clockId: clock.id,
          incidentId: incident.id,
          incidentTitle: incident.title,
          department,
          stage: clock.stage as ClockStage,
          t0: clock.t0,
          dueAt,
          breachedAt: clock.breachedAt ?? dueAt,
          metAt: clock.metAt,
          overdueMinutes: Math.round(f.latenessMs / MINUTE),
          timeline: incident.timeline
            .filter((e) => e.clockId === undefined || e.clockId === clock.id)
            .map(({ at, kind, actor, note }) => ({ at, kind, actor, note }))
            .sort((a, b) => Date.parse(a.at) - Date.parse(b.at)),
        });
      }
      if (clock.pauses.length > 0) {
        paused.push({
          clockId: clock.id,
          incidentId: incident.id,
          incidentTitle: incident.title,
          department,
          stage: clock.stage as ClockStage,
          pausedMinutes: Math.round(f.pausedMs / MINUTE),
          reason: [...new Set(clock.pauses.map((p) => p.reason))].join('；'),
          approvedBy: [...new Set(clock.pauses.map((p) => p.signedOffBy))].join('、') || null,
        });
      }
    }
  }
  // Canonical ISO instants (UTC, milliseconds) sort as strings, without parsing each twice per comparison.
  breaches.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));

  const drillClocks = { started: 0, met: 0, breached: 0 };
  for (const incident of drills) {
    for (const clock of incident.clocks) {
      const f = figures(clock);
      drillClocks.started += 1;
      if (f.outcome === 'met_on_time') drillClocks.met += 1;
      else if (f.outcome === 'met_late' || f.outcome === 'breached_open') drillClocks.breached += 1;
    }
  }

  return {
    month: input.month,
    department: input.department,
    generatedAt: now.toISOString(),
    departments,
    totals: figuresOf(input.department ?? '全部', real, figures, minutes),
    breaches,
    drills: { incidents: drills.length, clocks: drillClocks },
    paused,
  };
}

/** The CSV the leader hands to assessors: one row per department, then one per breach. */
export function slaReportRows(report: SlaReport): { header: string[]; rows: (string | number | null)[][] } {
  const header = ['类别', '单位', '事件数', '启动时限', '按时完成', '超时', '进行中', '已取消', '按时率', '首次发布中位(分钟)', '首次发布P90(分钟)', '发布会中位(分钟)', '发布会P90(分钟)', '事件', '环节', '截止', '超时(分钟)'];
  const figureRow = (kind: string, d: DepartmentFigures) => [
    kind, d.department, d.incidents, d.clocks.started, d.clocks.met, d.clocks.breached, d.clocks.running, d.clocks.cancelled,
    d.onTimeRate === null ? null : Math.round(d.onTimeRate * 1000) / 10,
    d.firstStatement.medianMinutes, d.firstStatement.p90Minutes, d.pressConference.medianMinutes, d.pressConference.p90Minutes,
    null, null, null, null,
  ];
  return {
    header,
    rows: [
      ...report.departments.map((d) => figureRow('单位', d)),
      figureRow('合计', report.totals),
      ...report.breaches.map((b) => ['超时', b.department, null, null, null, null, null, null, null, null, null, null, null, b.incidentTitle, b.stage, b.dueAt, b.overdueMinutes]),
      ...report.paused.map((p) => ['暂停', p.department, null, null, null, null, null, null, null, null, null, null, null, p.incidentTitle, p.stage, `${p.reason}（${p.approvedBy ?? '未记录'}）`, p.pausedMinutes]),
    ],
  };
}
