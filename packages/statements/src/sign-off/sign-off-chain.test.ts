import { currentStep, decideRound, defaultChain, escalationDue, planSignOff, type StepState, type StepStatus } from './sign-off-chain';

const MIN = 60_000;
const timing = { sliceMs: 30 * MIN, stepWithoutClockMs: 4 * 60 * MIN };

describe('sign-off deadlines', () => {
  const submittedAt = new Date('2025-07-03T07:00:00.000Z');
  it.each([
    ['a 5-hour clock due 11:20', '2025-07-03T11:20:00.000Z', ['2025-07-03T09:50:00.000Z', '2025-07-03T10:20:00.000Z', '2025-07-03T10:50:00.000Z']],
    ['a clock nearly due: the first step is already overdue', '2025-07-03T08:00:00.000Z', ['2025-07-03T06:30:00.000Z', '2025-07-03T07:00:00.000Z', '2025-07-03T07:30:00.000Z']],
    ['no clock: four hours a step', null, ['2025-07-03T11:00:00.000Z', '2025-07-03T15:00:00.000Z', '2025-07-03T19:00:00.000Z']],
  ])('%s', (_what, clockDueAt, dues) => {
    const steps = planSignOff({ chain: defaultChain('市政府新闻办'), department: '市安监局', submittedAt, clockDueAt, timing });
    expect(steps.map((s) => s.dueAt)).toEqual(dues);
    expect(steps.map((s) => s.department)).toEqual(['市安监局', '市安监局', '市政府新闻办']);
  });

  it('follows a configured chain with named approvers', () => {
    const steps = planSignOff({
      chain: [{ label: '分管副县长', department: '文县人民政府', approverIds: ['u-vice'] }], department: '文县应急局', submittedAt,
      clockDueAt: '2025-07-03T11:20:00.000Z', timing,
    });
    expect(steps).toEqual([{ position: 0, label: '分管副县长', department: '文县人民政府', approverIds: ['u-vice'], dueAt: '2025-07-03T10:50:00.000Z' }]);
  });
});

describe('a sign-off round', () => {
  it.each<[StepStatus[], number, Parameters<typeof decideRound>[2], string, StepStatus[]]>([
    [['pending', 'waiting', 'waiting'], 0, { decision: 'approve' }, 'advanced', ['approved', 'pending', 'waiting']],
    [['approved', 'approved', 'pending'], 2, { decision: 'approve' }, 'approved', ['approved', 'approved', 'approved']],
    [['approved', 'pending', 'waiting'], 1, { decision: 'reject', comment: '伤亡数字未核实' }, 'rejected', ['approved', 'rejected', 'void']],
  ])('%j: step %i decides → %s', (steps, position, decision, kind, after) => {
    const outcome = decideRound(steps, position, decision);
    expect(outcome.kind).toBe(kind);
    expect(outcome.steps).toEqual(after);
  });

  it.each<[StepStatus[], number]>([
    [['pending', 'waiting'], 1],
    [['approved', 'pending'], 0],
    [['rejected', 'void'], 1],
  ])('refuses to decide a step that is not current: %j step %i', (steps, position) => {
    expect(() => decideRound(steps, position, { decision: 'approve' })).toThrow('not pending');
  });

  it.each<[StepStatus[], number | null]>([
    [['pending', 'waiting'], 0],
    [['approved', 'pending'], 1],
    [['approved', 'approved'], null],
  ])('current step of %j is %s', (steps, position) => {
    expect(currentStep(steps)).toBe(position);
  });
});

describe('escalating an overdue step', () => {
  const policy = { repeatEveryMs: 30 * MIN, maxEscalations: 2 };
  const step = (over: Partial<StepState>): StepState => ({ position: 0, status: 'pending', dueAt: '2025-07-03T10:00:00.000Z', escalations: 0, escalatedAt: null, ...over });
  it.each<[string, Partial<StepState>, string, boolean]>([
    ['before its deadline', {}, '2025-07-03T09:59:59.000Z', false],
    ['at its deadline', {}, '2025-07-03T10:00:00.000Z', true],
    ['escalated 10 minutes ago', { escalations: 1, escalatedAt: '2025-07-03T10:00:00.000Z' }, '2025-07-03T10:10:00.000Z', false],
    ['escalated 30 minutes ago', { escalations: 1, escalatedAt: '2025-07-03T10:00:00.000Z' }, '2025-07-03T10:30:00.000Z', true],
    ['escalated the maximum', { escalations: 2, escalatedAt: '2025-07-03T10:30:00.000Z' }, '2025-07-03T12:00:00.000Z', false],
    ['no longer current', { status: 'approved' }, '2025-07-03T12:00:00.000Z', false],
  ])('%s → %s', (_what, over, now, due) => {
    expect(escalationDue(step(over), new Date(now), policy)).toBe(due);
  });
});
