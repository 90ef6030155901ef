import { type ClockOutcome, clockFigures, summarizeClocks } from './figures';
import type { ClockPause, TrackedClock } from './tracked-clock';
import { at, clock } from './test-fixtures';

const M = 60_000;
const pause = (from: number, to: number | null): ClockPause => ({
  from: at(from),
  to: to === null ? null : at(to),
  reason: '等待现场核实',
  signedOffBy: 'leader-1',
  signedOffAt: at(from),
});
/** A 5-hour statement clock. */
const statement = (o: Partial<TrackedClock> = {}) => clock({ id: 'st', dueAt: at(300), ...o });

describe('clockFigures', () => {
  type Row = [string, Partial<TrackedClock>, number, ClockOutcome, boolean | null, number | null, number, number];
  it.each<Row>([
    ['met 60 minutes early', { status: 'met', metAt: at(240) }, 500, 'met_on_time', true, 60, 0, 0],
    ['met exactly at the deadline is on time', { status: 'met', metAt: at(300) }, 500, 'met_on_time', true, 0, 0, 0],
    ['met 15 minutes late', { status: 'met', metAt: at(315) }, 500, 'met_late', false, -15, 15, 0],
    ['open, not yet due', {}, 200, 'open', null, null, 0, 0],
    ['past due and unmet: a breach, late until now', { status: 'breached' }, 420, 'breached_open', false, null, 120, 0],
    [
      'a 30-minute pause moves the deadline: met at 320 is on time',
      { status: 'met', metAt: at(320), pauses: [pause(100, 130)] },
      500,
      'met_on_time',
      true,
      10,
      0,
      30,
    ],
    [
      'paused now: no deadline yet, paused time counts to now',
      { status: 'paused', pauses: [pause(200, null)] },
      260,
      'paused',
      null,
      null,
      0,
      60,
    ],
    [
      'met during an open pause: the pause ends at the met time',
      { status: 'met', metAt: at(350), pauses: [pause(250, null)] },
      500,
      'met_on_time',
      true,
      50,
      0,
      100,
    ],
    ['cancelled', { status: 'cancelled' }, 500, 'cancelled', null, null, 0, 0],
  ])('%s', (_name, overrides, nowMinutes, outcome, onTime, marginMinutes, latenessMinutes, pausedMinutes) => {
    const figures = clockFigures(statement(overrides), new Date(at(nowMinutes)));
    expect(figures).toMatchObject({
      outcome,
      onTime,
      marginMs: marginMinutes === null ? null : marginMinutes * M,
      latenessMs: latenessMinutes * M,
      pausedMs: pausedMinutes * M,
    });
  });

  it('keeps the recorded deadline and the pauses with their sign-off for the report', () => {
    const figures = clockFigures(
      statement({ status: 'met', metAt: at(320), pauses: [pause(100, 130)] }),
      new Date(at(500)),
    );
    expect(figures.nominalDueAt).toBe(at(300));
    expect(figures.dueAt).toBe(at(330));
    expect(figures.pauses).toEqual([pause(100, 130)]);
  });

  it('shows a clock started after its own deadline', () => {
    const figures = clockFigures(statement({ startedAt: at(420), status: 'breached' }), new Date(at(420)));
    expect(figures.startedLateMs).toBe(120 * M);
    expect(figures.onTime).toBe(false);
  });
});

describe('summarizeClocks', () => {
  it('leaves drills and cancelled clocks out and counts paused time apart', () => {
    const clocks = [
      statement({ id: 'a', status: 'met', metAt: at(200) }),
      statement({ id: 'b', status: 'met', metAt: at(330) }),
      statement({ id: 'c', status: 'breached', startedAt: at(400) }),
      statement({ id: 'd', status: 'met', metAt: at(310), pauses: [pause(0, 20)] }),
      statement({ id: 'e' }),
      statement({ id: 'f', status: 'cancelled' }),
      statement({ id: 'g', status: 'met', metAt: at(500), drill: true }),
      statement({ id: 'h', status: 'breached', drill: true }),
    ];
    expect(summarizeClocks(clocks, new Date(at(299)))).toMatchObject({ counted: 5, drillsExcluded: 2, cancelled: 1 });
    expect(summarizeClocks(clocks, new Date(at(450)))).toEqual({
      counted: 5,
      drillsExcluded: 2,
      cancelled: 1,
      metOnTime: 2,
      metLate: 1,
      breachedOpen: 2,
      open: 0,
      paused: 0,
      onTimeRate: 2 / 5,
      startedLate: 1,
      totalPausedMs: 20 * M,
      withPauses: 1,
    });
  });

  it('has no on-time rate before anything is decided', () => {
    expect(summarizeClocks([statement()], new Date(at(10))).onTimeRate).toBeNull();
    expect(summarizeClocks([], new Date(at(10))).onTimeRate).toBeNull();
  });
});
