import { chineseWords, diffVersions } from './version-diff';

describe('comparing two versions', () => {
  it('splits Chinese into words, not characters or whole sentences', () => {
    expect(chineseWords('已造成12人死亡')).toEqual(expect.arrayContaining(['造成', '12', '死亡']));
  });

  it.each([
    ['word', '已造成12人死亡，3人失联。', '已造成13人死亡，3人失联。', [['equal', '已造成'], ['delete', '12'], ['insert', '13'], ['equal', '人死亡，3人失联。']], 2, 2],
    ['word', '山体滑坡', '山体滑坡', [['equal', '山体滑坡']], 0, 0],
    ['word', '', '新增内容', [['insert', '新增内容']], 4, 0],
    ['char', '救援队伍已到达', '救援人员已到达', [['equal', '救援'], ['delete', '队伍'], ['insert', '人员'], ['equal', '已到达']], 2, 2],
  ] as const)('%s diff of %s → %s', (granularity, from, to, segments, inserted, deleted) => {
    const diff = diffVersions(from, to, granularity);
    expect(diff.segments.map((s) => [s.op, s.text])).toEqual(segments);
    expect([diff.inserted, diff.deleted]).toEqual([inserted, deleted]);
  });

  it('rebuilds both texts from the segments', () => {
    const from = '经核查，网传“文县大坝决堤”不实。';
    const to = '经现场核查，网传“文县碧口水库大坝决堤”系谣言。';
    const diff = diffVersions(from, to);
    expect(diff.segments.filter((s) => s.op !== 'insert').map((s) => s.text).join('')).toBe(from);
    expect(diff.segments.filter((s) => s.op !== 'delete').map((s) => s.text).join('')).toBe(to);
  });
});
