import { at, chains, roster } from '../testing/fixtures';
import { RosterFile } from '../roster/roster-file';
import { EscalationChainsFile, EscalationSnapshot } from './chain-file';
import { dueNotifications } from './due-notifications';
import { snapshotEscalation } from './snapshot';

const HOLIDAY_START = at('2025-10-01T08:30:00+08:00');
const MIN = 60_000;

describe('snapshot of the escalation chain', () => {
  it.each([
    ['no department chain: default', ['市教育局'], HOLIDAY_START, 'default', [['值班员', ['chen']], ['新闻办主任', ['wang']], ['分管领导', ['zhao']]]],
    ['the first department with a chain decides', ['市教育局', '市应急局'], HOLIDAY_START, '市应急局', [['值班员', ['chen']], ['分管领导', ['zhao']]]],
    ['on-duty roles resolve at the alert start', [], at('2025-09-30T20:00:00+08:00'), 'default', [['值班员', ['li']], ['新闻办主任', ['wang']], ['分管领导', ['zhao']]]],
  ])('%s', (_why, departments, startedAtMs, source, steps) => {
    const snap = snapshotEscalation({ chains, roster, departments, startedAtMs });
    expect(snap.chainSource).toBe(source);
    expect(snap.steps.map((s) => [s.label, s.recipients.map((p) => p.id)])).toEqual(steps);
    expect(EscalationSnapshot.safeParse(snap).success).toBe(true);
  });

  it('later roster and chain edits do not change a running escalation', () => {
    const editableRoster: RosterFile = structuredClone(roster);
    const editableChains: EscalationChainsFile = structuredClone(chains);
    const snap = snapshotEscalation({ chains: editableChains, roster: editableRoster, departments: [], startedAtMs: HOLIDAY_START });
    const before = JSON.stringify(snap);
    editableRoster.people.find((p) => p.id === 'chen')!.contacts.sms = '13900000000';
    editableRoster.shifts.splice(0, editableRoster.shifts.length);
    editableChains.default.steps.pop();
    expect(JSON.stringify(snap)).toBe(before);
    // …while a new snapshot sees the edits.
    const fresh = snapshotEscalation({ chains: editableChains, roster: editableRoster, departments: [], startedAtMs: HOLIDAY_START });
    expect(fresh.steps.map((s) => s.label)).toEqual([]);
    expect(fresh.skipped.map((s) => s.label)).toEqual(['值班员', '新闻办主任']);
  });

  it('a step that reaches nobody is skipped and the next one moves up', () => {
    const noOfficer = RosterFile.parse({ ...roster, shifts: roster.shifts.filter((s) => s.role !== 'duty_officer') });
    const snap = snapshotEscalation({ chains, roster: noOfficer, departments: [], startedAtMs: HOLIDAY_START });
    expect(snap.steps.map((s) => s.label)).toEqual(['新闻办主任', '分管领导']);
    expect(snap.skipped).toEqual([{ label: '值班员', reason: 'nobody on duty as duty_officer' }]);
  });
});

describe('who must be notified now', () => {
  const snapshot = snapshotEscalation({ chains, roster, departments: [], startedAtMs: HOLIDAY_START });
  type Row = [string, number, number | null, number | null, number, number, Array<[string, number, number, number]>, number | null];
  it.each<Row>([
    // why                                    now  since  ack  N   M   [person, step, round, folded]                          next
    ['start: the duty officer', 0, null, null, 30, 30, [['chen', 0, 0, 0]], 30],
    ['between rounds: nobody', 10, 0, null, 30, 30, [], 30],
    ['M reached: repeat + director', 30, 10, null, 30, 30, [['chen', 0, 1, 0], ['wang', 1, 0, 0]], 60],
    ['2M: everyone reached so far, leader added', 60, 30, null, 30, 30, [['chen', 0, 2, 0], ['wang', 1, 1, 0], ['zhao', 2, 0, 0]], 90],
    ['last step keeps repeating', 90, 60, null, 30, 30, [['chen', 0, 3, 0], ['wang', 1, 2, 0], ['zhao', 2, 1, 0]], 120],
    ['the same tick twice sends nothing twice', 30, 30, null, 30, 30, [], 60],
    ['a late tick still sends the round it passed', 41, 29, null, 30, 30, [['chen', 0, 1, 0], ['wang', 1, 0, 0]], 60],
    ['after an outage: one message per person, missed rounds folded', 95, null, null, 30, 30, [['chen', 0, 3, 3], ['wang', 1, 2, 2], ['zhao', 2, 1, 1]], 120],
    ['acknowledged: nothing, and nothing scheduled', 45, 10, 20, 30, 30, [], null],
    ['acknowledged exactly at the round: stops it', 30, 10, 30, 30, 30, [], null],
    ['an acknowledgement stamped in the future does not count yet', 30, 10, 50, 30, 30, [['chen', 0, 1, 0], ['wang', 1, 0, 0]], 60],
    ['repeat every 10, escalate after 30', 30, 20, null, 10, 30, [['chen', 0, 3, 0], ['wang', 1, 0, 0]], 40],
    ['repeat every 60, escalate after 15', 15, 0, null, 60, 15, [['wang', 1, 0, 0]], 30],
    ['before the start: nothing yet', -5, null, null, 30, 30, [], 0],
  ])('%s', (_why, now, since, ack, every, after, expected, next) => {
    const result = dueNotifications({
      snapshot,
      policy: { repeatEveryMinutes: every, escalateAfterMinutes: after },
      startedAtMs: HOLIDAY_START,
      nowMs: HOLIDAY_START + now * MIN,
      sinceMs: since === null ? null : HOLIDAY_START + since * MIN,
      acknowledgedAtMs: ack === null ? null : HOLIDAY_START + ack * MIN,
    });
    expect(result.notifications.map((n) => [n.person.id, n.step, n.round, n.foldedRounds])).toEqual(expected);
    expect(result.nextDueAtMs).toBe(next === null ? null : HOLIDAY_START + next * MIN);
  });

  it('a person in two steps gets one message, under the higher step', () => {
    const twice = EscalationChainsFile.parse({
      version: 1,
      default: { steps: [{ label: '值班员', targets: [{ onDuty: 'duty_officer' }] }, { label: '复核', targets: [{ personId: 'chen' }, { personId: 'wang' }] }] },
    });
    const snap = snapshotEscalation({ chains: twice, roster, departments: [], startedAtMs: HOLIDAY_START });
    const result = dueNotifications({
      snapshot: snap,
      policy: { repeatEveryMinutes: 30, escalateAfterMinutes: 30 },
      startedAtMs: HOLIDAY_START,
      nowMs: HOLIDAY_START + 30 * MIN,
      sinceMs: HOLIDAY_START,
      acknowledgedAtMs: null,
    });
    expect(result.notifications.map((n) => [n.person.id, n.stepLabel, n.round])).toEqual([
      ['chen', '复核', 0],
      ['wang', '复核', 0],
    ]);
    expect(result.escalationStep).toBe(1);
  });
});
