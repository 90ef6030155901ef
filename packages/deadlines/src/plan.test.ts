import type { IncidentSnapshot } from '@huiying/contracts';
import { type ClockAction, earliestT0, planClocks } from './plan';
import { ClockPolicy, defaultClockPolicy } from './policy';
import type { TrackedClock } from './tracked-clock';
import { T0, at, clock, incident } from './test-fixtures';

/** One line per action, so a table row reads like the expected plan. */
function describeAction(action: ClockAction): string {
  switch (action.kind) {
    case 'start':
      return `start ${action.stage} t0=${action.t0} due=${action.dueAt} late=${action.lateByMs / 60_000}m${action.provisional ? ' provisional' : ''}${action.drill ? ' drill' : ''}`;
    case 'cancel':
      return `cancel ${action.clockId} ${action.reason}`;
    case 'rebase':
      return `rebase ${action.clockId} t0=${action.t0} due=${action.dueAt}`;
  }
}

const statement = (o: Partial<TrackedClock> = {}) => clock({ id: 'st', stage: 'statement', dueAt: at(300), ...o });
const conference = (o: Partial<TrackedClock> = {}) =>
  clock({ id: 'pc', stage: 'press_conference', dueAt: at(1440), ...o });
const response = (o: Partial<TrackedClock> = {}) => clock({ id: 'rs', stage: 'response', dueAt: at(2880), ...o });

type Row = [string, Partial<IncidentSnapshot>, TrackedClock[], number, string[]];

describe('planClocks', () => {
  it.each<Row>([
    [
      'confirmed level II starts the 5-hour statement and the 24-hour press conference',
      {},
      [],
      10,
      [`start statement t0=${T0} due=${at(300)} late=0m`, `start press_conference t0=${T0} due=${at(1440)} late=0m`],
    ],
    [
      'a clock started late counts from t0 and is already late',
      {},
      [],
      420,
      [`start statement t0=${T0} due=${at(300)} late=120m`, `start press_conference t0=${T0} due=${at(1440)} late=0m`],
    ],
    [
      'a confident I/II proposal starts the clocks before confirmation',
      { levelConfirmed: false, level: 'I', levelConfidence: 0.8 },
      [],
      0,
      [
        `start statement t0=${T0} due=${at(300)} late=0m provisional`,
        `start press_conference t0=${T0} due=${at(1440)} late=0m provisional`,
      ],
    ],
    ['a hesitant proposal waits for a person', { levelConfirmed: false, level: 'I', levelConfidence: 0.79 }, [], 0, []],
    [
      'a wavering proposal never cancels clocks already started',
      { levelConfirmed: false, level: 'III', levelConfidence: 0.6 },
      [statement(), conference()],
      30,
      [],
    ],
    ['level III confirmed starts nothing', { level: 'III' }, [], 0, []],
    [
      'upgrade starts the missing clocks from t0',
      { level: 'I' },
      [statement({ status: 'met', metAt: at(200) })],
      600,
      [
        `start press_conference t0=${T0} due=${at(1440)} late=0m`,
        `start continued_release t0=${at(200)} due=${at(440)} late=160m`,
      ],
    ],
    [
      'upgrade after a downgrade starts new clocks; the cancelled ones stay cancelled',
      {},
      [statement({ status: 'cancelled' }), conference({ status: 'cancelled' })],
      60,
      [`start statement t0=${T0} due=${at(300)} late=0m`, `start press_conference t0=${T0} due=${at(1440)} late=0m`],
    ],
    [
      'downgrade cancels pending clocks, breached ones included, and leaves met ones',
      { level: 'III' },
      [
        statement({ status: 'met', metAt: at(100) }),
        conference({ status: 'breached' }),
        clock({ id: 'cr', stage: 'continued_release', t0: at(100), dueAt: at(340) }),
      ],
      1500,
      ['cancel pc downgrade', 'cancel cr downgrade'],
    ],
    [
      'dismissal cancels every pending clock',
      { status: 'dismissed' },
      [statement(), conference(), response({ status: 'met', metAt: at(5) })],
      30,
      ['cancel st dismissal', 'cancel pc dismissal'],
    ],
    [
      'resolution cancels the continued-release reminder',
      { status: 'resolved' },
      [
        statement({ status: 'met', metAt: at(100) }),
        conference({ status: 'met', metAt: at(900) }),
        clock({ id: 'cr', stage: 'continued_release', t0: at(100), dueAt: at(340) }),
      ],
      1000,
      ['cancel cr resolution'],
    ],
    [
      'a t0 correction moves every pending deadline and leaves met clocks alone',
      { t0: at(-60) },
      [
        statement({ status: 'met', metAt: at(100) }),
        conference(),
        clock({ id: 'cr', stage: 'continued_release', t0: at(100), dueAt: at(340) }),
      ],
      120,
      [`rebase pc t0=${at(-60)} due=${at(1380)}`],
    ],
    [
      'a t0 correction later also moves a paused clock',
      { t0: at(30) },
      [statement({ status: 'paused' }), conference()],
      120,
      [`rebase st t0=${at(30)} due=${at(330)}`, `rebase pc t0=${at(30)} due=${at(1470)}`],
    ],
    [
      'after the first statement, a continued-release reminder counts from it',
      {},
      [statement({ status: 'met', metAt: at(120) }), conference()],
      121,
      [`start continued_release t0=${at(120)} due=${at(360)} late=0m`],
    ],
    [
      'after a met reminder, the next one counts from the latest release',
      {},
      [
        statement({ status: 'met', metAt: at(120) }),
        conference(),
        clock({ id: 'cr1', stage: 'continued_release', status: 'met', t0: at(120), dueAt: at(360), metAt: at(300) }),
      ],
      301,
      [`start continued_release t0=${at(300)} due=${at(540)} late=0m`],
    ],
    [
      'a running reminder is enough',
      {},
      [
        statement({ status: 'met', metAt: at(120) }),
        conference(),
        clock({ id: 'cr', stage: 'continued_release', t0: at(120), dueAt: at(360) }),
      ],
      200,
      [],
    ],
    [
      'important opinion starts the 48-hour response',
      { kind: 'opinion', level: null, importantOpinion: true },
      [],
      5,
      [`start response t0=${T0} due=${at(2880)} late=0m`],
    ],
    [
      'a cleared important-opinion flag cancels the response',
      { kind: 'opinion', level: null, importantOpinion: false },
      [response()],
      5,
      ['cancel rs no_longer_important'],
    ],
    [
      'an upgrade to level I supersedes the pending response',
      { importantOpinion: true, level: 'I' },
      [response()],
      5,
      [
        `start statement t0=${T0} due=${at(300)} late=0m`,
        `start press_conference t0=${T0} due=${at(1440)} late=0m`,
        'cancel rs superseded',
      ],
    ],
    [
      'a drill incident starts drill clocks',
      { drill: true },
      [],
      0,
      [
        `start statement t0=${T0} due=${at(300)} late=0m drill`,
        `start press_conference t0=${T0} due=${at(1440)} late=0m drill`,
      ],
    ],
    [
      "disclosure clocks are not the incident planner's business",
      { status: 'dismissed' },
      [clock({ id: 'dr', stage: 'disclosure_reply' })],
      0,
      [],
    ],
    ['nothing changed: nothing to do', {}, [statement(), conference()], 60, []],
  ])('%s', (_name, overrides, clocks, nowMinutes, expected) => {
    const actions = planClocks({
      incident: incident(overrides),
      clocks,
      policy: defaultClockPolicy,
      now: new Date(at(nowMinutes)),
    });
    expect(actions.map(describeAction)).toEqual(expected);
  });

  it('merging keeps the earliest t0 and re-bases onto it', () => {
    const actions = planClocks({
      incident: incident(),
      clocks: [statement(), conference()],
      policy: defaultClockPolicy,
      now: new Date(at(60)),
      mergedT0s: [at(-45), at(20)],
    });
    expect(actions.map(describeAction)).toEqual([
      `rebase st t0=${at(-45)} due=${at(255)}`,
      `rebase pc t0=${at(-45)} due=${at(1395)}`,
    ]);
  });

  it('the incident merged away cancels its pending clocks', () => {
    const actions = planClocks({
      incident: incident(),
      clocks: [statement(), conference({ status: 'met', metAt: at(10) })],
      policy: defaultClockPolicy,
      now: new Date(at(60)),
      mergedInto: 'inc-0',
    });
    expect(actions).toEqual([
      { kind: 'cancel', clockId: 'st', stage: 'statement', reason: 'merged', detail: 'merged into incident inc-0' },
    ]);
  });

  it.each([
    [{ enabled: false, minConfidence: 0.8 }, 0.99, 0],
    [{ enabled: true, minConfidence: 0.95 }, 0.9, 0],
    [{ enabled: true, minConfidence: 0.95 }, 0.95, 2],
  ])('provisional start %p at confidence %p starts %i clocks', (provisionalStart, confidence, count) => {
    const policy = ClockPolicy.parse({ provisionalStart });
    const actions = planClocks({
      incident: incident({ levelConfirmed: false, levelConfidence: confidence }),
      clocks: [],
      policy,
      now: new Date(T0),
    });
    expect(actions.filter((a) => a.kind === 'start')).toHaveLength(count);
  });

  it('applying the plan, then planning again, gives nothing to do', () => {
    const now = new Date(at(10));
    const first = planClocks({ incident: incident(), clocks: [], policy: defaultClockPolicy, now });
    const started = first.map((a, i) =>
      a.kind === 'start'
        ? clock({ id: `c${i}`, stage: a.stage, t0: a.t0, dueAt: a.dueAt, startedAt: a.startedAt })
        : null,
    );
    const clocks = started.filter((c): c is TrackedClock => c !== null);
    expect(planClocks({ incident: incident(), clocks, policy: defaultClockPolicy, now })).toEqual([]);
  });
});

describe('earliestT0', () => {
  it.each([
    [[T0], T0],
    [[at(5), at(-5), T0], at(-5)],
    [['2026-07-10T10:00:00+08:00', '2026-07-10T01:59:00Z'], '2026-07-10T01:59:00.000Z'],
  ])('earliest of %p is %s', (t0s, expected) => {
    expect(earliestT0(t0s)).toBe(expected);
  });
});
