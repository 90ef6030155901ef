import { InvalidClockIdError } from './errors';
import { ClockPolicy, defaultClockPolicy } from './policy';
import { jobIdFor, scheduleClock, stepsAt, warningStepName } from './schedule';
import type { ClockPause, TrackedClock } from './tracked-clock';
import { T0, at, clock } from './test-fixtures';

const minutesFromT0 = (iso: string | null) => (iso === null ? null : (Date.parse(iso) - Date.parse(T0)) / 60_000);

/** A 5-hour statement clock. */
const statement = (o: Partial<TrackedClock> = {}) => clock({ id: 'st', dueAt: at(300), ...o });

const pause = (from: number, to: number | null): ClockPause => ({
  from: at(from),
  to: to === null ? null : at(to),
  reason: '等待省应急厅核实伤亡数字',
  signedOffBy: 'leader-1',
  signedOffAt: at(from),
});

describe('scheduleClock', () => {
  it('fires warnings at 50 %, 80 %, 30 minutes before and at due, the breach at due, then escalates every 30 minutes', () => {
    const steps = scheduleClock(statement(), defaultClockPolicy);
    expect(steps.map((s) => [s.step, minutesFromT0(s.at)])).toEqual([
      ['warn-50pct', 150],
      ['warn-80pct', 240],
      ['warn-30m-before', 270],
      ['warn-due', 300],
      ['breach', 300],
      ...Array.from({ length: 12 }, (_, i) => [`escalate-${i + 1}`, 300 + 30 * (i + 1)]),
    ]);
    expect(steps[0]?.jobId).toBe('clock-st-warn-50pct');
    for (const step of steps) expect(step.jobId).toMatch(/^clock-st-[a-z0-9_-]+$/);
  });

  it.each([
    [
      'closed pause before the 50 % point',
      [pause(60, 90)],
      [
        ['warn-50pct', 180],
        ['breach', 330],
        ['escalate-1', 360],
      ],
    ],
    [
      'pause starting exactly at a step fires that step first',
      [pause(150, 170)],
      [
        ['warn-50pct', 150],
        ['warn-80pct', 260],
        ['breach', 320],
      ],
    ],
    [
      'two pauses add up',
      [pause(10, 20), pause(200, 260)],
      [
        ['warn-50pct', 160],
        ['warn-80pct', 310],
        ['breach', 370],
      ],
    ],
    [
      'overlapping pauses are counted once',
      [pause(10, 40), pause(30, 50)],
      [
        ['warn-50pct', 190],
        ['breach', 340],
      ],
    ],
    [
      'a pause before t0 counts from t0',
      [pause(-30, 10)],
      [
        ['warn-50pct', 160],
        ['breach', 310],
      ],
    ],
    [
      'a pause after the breach delays only the escalation',
      [pause(310, 400)],
      [
        ['breach', 300],
        ['escalate-1', 420],
      ],
    ],
    [
      'an open pause suspends what follows it',
      [pause(200, null)],
      [
        ['warn-50pct', 150],
        ['warn-80pct', null],
        ['breach', null],
      ],
    ],
  ])('%s', (_name, pauses, expected) => {
    const steps = scheduleClock(statement({ pauses }), defaultClockPolicy);
    const byName = new Map(steps.map((s) => [s.step, minutesFromT0(s.at)]));
    for (const [name, minutes] of expected as Array<[string, number | null]>)
      expect([name, byName.get(name)]).toEqual([name, minutes]);
  });

  it.each([
    // A 60-minute continued-release reminder with a quieter stage override.
    [
      {
        stages: {
          continued_release: { warnings: ['30m-before', 'due'], escalation: { everyMinutes: 15, maxSteps: 2 } },
        },
      },
      'continued_release',
      60,
      ['warn-30m-before@30', 'warn-due@60', 'breach@60', 'escalate-1@75', 'escalate-2@90'],
    ],
    // A warning that would fall before t0 is left out, not fired at once.
    [
      { warnings: ['2h-before', '90%'], escalation: { maxSteps: 1 } },
      'statement',
      60,
      ['warn-90pct@54', 'breach@60', 'escalate-1@90'],
    ],
    [
      { warnings: ['12.5%', '50%', '50%'], escalation: { maxSteps: 0 } },
      'response',
      480,
      ['warn-12_5pct@60', 'warn-50pct@240', 'breach@480'],
    ],
  ] as const)('policy %j for %s of %i minutes', (policyInput, stage, minutes, expected) => {
    const policy = ClockPolicy.parse(policyInput);
    const steps = scheduleClock(clock({ id: 'x', stage, dueAt: at(minutes) }), policy);
    expect(steps.map((s) => `${s.step}@${minutesFromT0(s.at)}`)).toEqual(expected);
  });
});

describe('stepsAt', () => {
  type Row = [string, Partial<TrackedClock>, number, string[], string[], string[], string | null];
  it.each<Row>([
    ['fresh clock: nothing due, next is the 50 % warning', {}, 10, [], [], [], 'warn-50pct'],
    ['restart after a missed warning: it fires once', {}, 260, ['warn-50pct'], ['warn-80pct'], [], 'warn-30m-before'],
    [
      'restart after two missed warnings: both fire, the older one is superseded',
      {},
      260,
      [],
      ['warn-50pct>warn-80pct', 'warn-80pct'],
      [],
      'warn-30m-before',
    ],
    [
      'clock started late: the breach fires at once, the warnings behind it are superseded',
      { startedAt: at(420) },
      420,
      [],
      [
        'warn-50pct>breach',
        'warn-80pct>breach',
        'warn-30m-before>breach',
        'warn-due>breach',
        'breach',
        'escalate-1>escalate-4',
        'escalate-2>escalate-4',
        'escalate-3>escalate-4',
        'escalate-4',
      ],
      [],
      'escalate-5',
    ],
    [
      'nothing fires twice',
      {},
      305,
      ['warn-50pct', 'warn-80pct', 'warn-30m-before', 'warn-due', 'breach'],
      [],
      [],
      'escalate-1',
    ],
    [
      'a met clock fires nothing more',
      { status: 'met', metAt: at(280) },
      400,
      ['warn-50pct', 'warn-80pct', 'warn-30m-before'],
      [],
      ['warn-due:met', 'breach:met', 'escalate-1:met'],
      null,
    ],
    [
      'a cancelled clock fires nothing more',
      { status: 'cancelled' },
      200,
      ['warn-50pct'],
      [],
      ['warn-80pct:cancelled', 'breach:cancelled'],
      null,
    ],
    [
      'a leader acknowledging the breach stops the escalation',
      { status: 'breached', acknowledgedAt: at(340) },
      400,
      ['warn-50pct', 'warn-80pct', 'warn-30m-before', 'warn-due', 'breach', 'escalate-1'],
      [],
      ['escalate-2:acknowledged', 'escalate-12:acknowledged'],
      null,
    ],
    [
      'an acknowledgment before the breach does not stop the escalation',
      { acknowledgedAt: at(100) },
      335,
      ['warn-50pct', 'warn-80pct', 'warn-30m-before', 'warn-due', 'breach'],
      ['escalate-1'],
      [],
      'escalate-2',
    ],
    [
      'an open pause suspends the rest',
      { status: 'paused', pauses: [pause(200, null)] },
      500,
      ['warn-50pct'],
      [],
      [],
      null,
    ],
  ])('%s', (_name, overrides, nowMinutes, fired, due, stopped, next) => {
    const result = stepsAt(statement(overrides), defaultClockPolicy, new Date(at(nowMinutes)), fired);
    expect(result.due.map((s) => (s.supersededBy ? `${s.step}>${s.supersededBy}` : s.step))).toEqual(due);
    const stoppedNames = result.stopped.map((s) => `${s.step}:${s.reason}`);
    for (const name of stopped) expect(stoppedNames).toContain(name);
    expect(result.next?.step ?? null).toBe(next);
    // Every step is in exactly one bucket.
    const all = [...result.due, ...result.pending, ...result.fired, ...result.stopped, ...result.suspended].map(
      (s) => s.step,
    );
    expect(all.sort()).toEqual(
      scheduleClock(statement(overrides), defaultClockPolicy)
        .map((s) => s.step)
        .sort(),
    );
  });

  it('an open pause puts the steps after it in suspended, none pending', () => {
    const result = stepsAt(
      statement({ status: 'paused', pauses: [pause(200, null)] }),
      defaultClockPolicy,
      new Date(at(500)),
      ['warn-50pct'],
    );
    expect(result.pending).toEqual([]);
    expect(result.suspended.map((s) => s.step).slice(0, 3)).toEqual(['warn-80pct', 'warn-30m-before', 'warn-due']);
  });
});

describe('job ids', () => {
  it.each([
    ['50%', 'warn-50pct'],
    ['80%', 'warn-80pct'],
    ['12.5%', 'warn-12_5pct'],
    ['30m-before', 'warn-30m-before'],
    ['2h-before', 'warn-2h-before'],
    ['due', 'warn-due'],
  ])('warning %s is step %s', (point, step) => {
    expect(warningStepName(point)).toBe(step);
  });

  it.each([['a:b'], [''], ['clock:1']])('clock id %p is refused', (id) => {
    expect(() => jobIdFor(id, 'breach')).toThrow(InvalidClockIdError);
  });

  it('a clock id without a colon makes the job id', () => {
    expect(jobIdFor('0b7e2c1a-1f7e-4d4e-9a55-3c5f1c1b2a9d', 'escalate-3')).toBe(
      'clock-0b7e2c1a-1f7e-4d4e-9a55-3c5f1c1b2a9d-escalate-3',
    );
  });
});
