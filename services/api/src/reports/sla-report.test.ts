import type { TrackedClock } from '@huiying/deadlines';
import { beijingMonth, buildSlaReport, percentile, slaReportRows, UNASSIGNED, type ReportIncident } from './sla-report';

const T0 = Date.parse('2026-04-10T02:00:00.000Z');
const M = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * M).toISOString();
const NOW = new Date(at(48 * 60));

function clock(id: string, o: Partial<TrackedClock> = {}): TrackedClock {
  return {
    id, incidentId: 'i', stage: 'statement', status: 'running', t0: at(0), dueAt: at(300), startedAt: at(0),
    metAt: null, breachedAt: null, drill: false, pauses: [], acknowledgedAt: null, ...o,
  };
}
function incident(id: string, o: Partial<ReportIncident> = {}): ReportIncident {
  return { id, title: `事件${id}`, departments: ['市安监局'], drill: false, t0: at(0), firstStatementAt: null, pressConferenceAt: null, clocks: [], timeline: [], ...o };
}

describe('beijingMonth', () => {
  it.each([
    ['2026-04', '2026-03-31T16:00:00.000Z', '2026-04-30T16:00:00.000Z'],
    ['2026-12', '2026-11-30T16:00:00.000Z', '2026-12-31T16:00:00.000Z'],
    ['2027-02', '2027-01-31T16:00:00.000Z', '2027-02-28T16:00:00.000Z'],
  ])('%s runs from Beijing midnight to Beijing midnight', (month, from, to) => {
    const range = beijingMonth(month);
    expect([range.from.toISOString(), range.to.toISOString()]).toEqual([from, to]);
  });
});

describe('percentile (nearest rank)', () => {
  it.each<[number[], number, number | null]>([
    [[], 50, null],
    [[30], 90, 30],
    [[10, 20, 30, 40], 50, 20],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90, 90],
    [[100, 10, 50], 50, 50],
  ])('%j p%d = %s', (values, p, expected) => expect(percentile(values, p)).toBe(expected));
});

describe('buildSlaReport', () => {
  const incidents = [
    incident('a', {
      firstStatementAt: at(120),
      pressConferenceAt: at(600),
      clocks: [clock('a-st', { status: 'met', metAt: at(120) }), clock('a-pc', { stage: 'press_conference', dueAt: at(1440), status: 'met', metAt: at(600) })],
    }),
    incident('b', {
      firstStatementAt: at(400),
      clocks: [clock('b-st', { status: 'met', metAt: at(400), breachedAt: at(300) }), clock('b-pc', { stage: 'press_conference', dueAt: at(1440), status: 'breached', breachedAt: at(1440) })],
      timeline: [
        { at: at(0), kind: 'incident.opened', actor: 'system:incidents', note: null },
        { at: at(300), kind: 'clock.breached', actor: null, note: null, clockId: 'b-st' },
        { at: at(1440), kind: 'clock.breached', actor: null, note: null, clockId: 'b-pc' },
      ],
    }),
    incident('c', {
      departments: ['市安监局', '市财政局'],
      clocks: [clock('c-st', { status: 'met', metAt: at(330), pauses: [{ from: at(60), to: at(120), reason: '等待现场核实', signedOffBy: 'leader-1', signedOffAt: at(60) }] })],
    }),
    incident('d', { departments: [], clocks: [clock('d-st', { status: 'cancelled' })] }),
    incident('drill', { drill: true, clocks: [clock('x-st', { drill: true, status: 'breached', breachedAt: at(300) })] }),
  ];
  const report = buildSlaReport({ month: '2026-04', department: null, incidents, now: NOW });

  it('counts clocks per department, a late met clock as a breach, drills apart', () => {
    const safety = report.departments.find((d) => d.department === '市安监局')!;
    expect(safety).toMatchObject({ incidents: 3, clocks: { started: 5, met: 3, breached: 2, running: 0, cancelled: 0 }, onTimeRate: 3 / 5 });
    expect(report.departments.map((d) => d.department)).toEqual(expect.arrayContaining(['市财政局', UNASSIGNED]));
    expect(report.totals).toMatchObject({ department: '全部', incidents: 4, clocks: { started: 6, met: 3, breached: 2, cancelled: 1 } });
    expect(report.drills).toEqual({ incidents: 1, clocks: { started: 1, met: 0, breached: 1 } });
  });

  it('measures t0 → first statement and → press conference', () => {
    expect(report.totals.firstStatement).toEqual({ count: 2, medianMinutes: 120, p90Minutes: 400 });
    expect(report.totals.pressConference).toEqual({ count: 1, medianMinutes: 600, p90Minutes: 600 });
  });

  it('lists each breach with its own timeline, and never a drill', () => {
    expect(report.breaches.map((b) => [b.clockId, b.overdueMinutes])).toEqual([['b-st', 100], ['b-pc', 1440]]);
    expect(report.breaches[0]!.timeline.map((e) => e.kind)).toEqual(['incident.opened', 'clock.breached']);
  });

  it('shows paused time apart, with its reason and sign-off, and the pause moves the deadline', () => {
    expect(report.paused).toEqual([expect.objectContaining({ clockId: 'c-st', pausedMinutes: 60, reason: '等待现场核实', approvedBy: 'leader-1' })]);
    expect(report.breaches.map((b) => b.clockId)).not.toContain('c-st');
  });

  it('keeps only the asked department', () => {
    const finance = buildSlaReport({ month: '2026-04', department: '市财政局', incidents, now: NOW });
    expect(finance.departments.map((d) => d.department)).toEqual(['市财政局']);
    expect(finance.totals).toMatchObject({ department: '市财政局', incidents: 1, clocks: { started: 1, met: 1 } });
    expect(finance.breaches).toEqual([]);
  });

  it('exports rows whose hostile titles the CSV writer will neutralise', () => {
    const hostile = buildSlaReport({ month: '2026-04', department: null, incidents: [incident('h', { title: '=HYPERLINK("x")', clocks: [clock('h-st', { status: 'breached', breachedAt: at(300) })] })], now: NOW });
    const { header, rows } = slaReportRows(hostile);
    expect(header[0]).toBe('类别');
    expect(rows.find((r) => r[0] === '超时')![13]).toBe('=HYPERLINK("x")');
  });
});
