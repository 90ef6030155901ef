import type { Principal } from '@huiying/access';
import type { DraftRecord, SignOffStep } from './draft-store';
import { deskDraftOf, type DeskParts } from './drafting-desk';

const approver: Principal = { id: 'u-approver', roles: ['approver'], departments: ['市安监局'], active: true };
const author: Principal = { id: 'u-author', roles: ['spokesperson', 'approver'], departments: ['市安监局'], active: true };
const newsOffice: Principal = { id: 'u-news', roles: ['approver'], departments: ['市政府新闻办'], active: true };

const draft = (over: Partial<DraftRecord> = {}): DraftRecord => ({
  id: 'dft-1', kind: 'situation_report', department: '市安监局', incidentId: 'inc-1', authorId: 'u-author', status: 'in_review',
  currentVersion: 2, reviewRound: 1, claimId: null, answeredPostIds: [], createdAt: '2026-05-12T01:00:00.000Z', updatedAt: '2026-05-12T02:00:00.000Z',
  ...over,
});
const step = (position: number, status: SignOffStep['status'], over: Partial<SignOffStep> = {}): SignOffStep => ({
  round: 1, position, label: `第${position + 1}步`, department: position === 2 ? '市政府新闻办' : '市安监局', approverIds: [], status, version: 2,
  dueAt: '2026-05-12T04:00:00.000Z', decidedAt: null, decidedBy: null, comment: null, escalations: 0, escalatedAt: null, ...over,
});
const parts = (over: Partial<DeskParts> = {}): DeskParts => ({
  draft: draft(), title: '关于文县山体滑坡的情况通报', incidentTitle: '文县碧口镇山体滑坡',
  clocks: [{ stage: 'press_conference', dueAt: '2026-05-13T01:00:00.000Z' }, { stage: 'statement', dueAt: '2026-05-12T06:00:00.000Z' }],
  steps: [step(0, 'approved', { decidedBy: 'u-approver', decidedAt: '2026-05-12T03:00:00.000Z' }), step(1, 'pending'), step(2, 'waiting')],
  names: new Map([['u-author', '李发言'], ['u-approver', '张审核'], ['u-named', '赵科长']]),
  ...over,
});
const stages = () => ['statement', 'press_conference'] as const;

describe('the drafting desk view of a draft', () => {
  it('names the author, the incident and the deciding approver, and takes the current version', () => {
    expect(deskDraftOf(parts(), approver, stages)).toMatchObject({
      id: 'dft-1', incidentTitle: '文县碧口镇山体滑坡', authorName: '李发言', version: 2, status: 'in_review', title: '关于文县山体滑坡的情况通报',
      signOff: [{ step: 0, approverName: '张审核', at: '2026-05-12T03:00:00.000Z', status: 'approved' }, { step: 1, approverName: null }, { step: 2 }],
    });
  });

  it.each([
    { name: 'the first stage the kind answers that has a running clock', clocks: parts().clocks, expected: { stage: 'statement', dueAt: '2026-05-12T06:00:00.000Z' } },
    { name: 'the next stage once the first clock is over', clocks: [{ stage: 'press_conference', dueAt: '2026-05-13T01:00:00.000Z' }], expected: { stage: 'press_conference', dueAt: '2026-05-13T01:00:00.000Z' } },
    { name: 'none without a running clock', clocks: [], expected: null },
  ])('deadline: $name', ({ clocks, expected }) => {
    expect(deskDraftOf(parts({ clocks }), approver, stages)?.deadline).toEqual(expected);
  });

  it.each([
    { who: 'an approver of the department, on the current step', reader: approver, expected: [false, true, false] },
    { who: 'the author, though an approver too (four eyes)', reader: author, expected: [false, false, false] },
    { who: "the news office's approver before their step is current", reader: newsOffice, expected: [false, false, false] },
  ])('canAct for $who', ({ reader, expected }) => {
    expect(deskDraftOf(parts(), reader, stages)?.signOff.map((s) => s.canAct)).toEqual(expected);
  });

  it('lets only the named approver act, and shows their names while the step waits', () => {
    const named = parts({ steps: [step(0, 'pending', { approverIds: ['u-named'] })] });
    expect(deskDraftOf(named, approver, stages)?.signOff[0]).toMatchObject({ approverName: '赵科长', canAct: false });
    expect(deskDraftOf(named, { ...approver, id: 'u-named' }, stages)?.signOff[0]?.canAct).toBe(true);
  });

  it.each([
    { stored: 'editing' as const, steps: [], expected: 'drafting' },
    { stored: 'editing' as const, steps: [step(0, 'rejected', { comment: '数字不符' }), step(1, 'void')], expected: 'rejected' },
    { stored: 'approved' as const, steps: [], expected: 'approved' },
    { stored: 'published' as const, steps: [], expected: 'published' },
  ])('status $stored with $steps.length steps reads $expected, void steps left out, nobody acts', ({ stored, steps, expected }) => {
    const view = deskDraftOf(parts({ draft: draft({ status: stored }), steps }), approver, stages);
    expect(view?.status).toBe(expected);
    expect(view?.signOff.every((s) => s.status !== ('void' as string) && !s.canAct)).toBe(true);
  });

  it('has no view of a discarded draft', () => {
    expect(deskDraftOf(parts({ draft: draft({ status: 'discarded' }) }), approver, stages)).toBeNull();
  });
});
