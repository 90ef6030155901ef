import { createRouter, type Region } from './routing';

// Another city is a different region file: the router reads only what it is given.
const region: Region = {
  city: '示例市',
  cityAliases: [],
  countyGovernmentSuffix: '政府',
  counties: [
    { name: '甲县', aliases: [], towns: ['东风镇', '同名乡'] },
    { name: '乙县', aliases: ['乙'], towns: ['西湖镇', '同名乡'] },
  ],
  rivers: ['清水河'],
  province: '甘肃省',
  provinceAliases: ['甘肃'],
};
const router = createRouter([{ topic: 'education', departments: ['市教育局'], terms: ['学校'] }], region);

describe('router', () => {
  it.each([
    ['东风镇学校停课', ['甲县'], ['市教育局', '甲县政府']],
    ['西湖镇和东风镇都下了暴雨', ['乙县', '甲县'], ['乙县政府', '甲县政府']],
    // A town name two counties share names neither: guessing would route the post wrong.
    ['同名乡发生山体滑坡', [], []],
    ['清水河涨水了', [], []],
    // Town names repeat across China: with another province named, the town is that province's.
    ['河南省东风镇发生车祸', [], []],
    ['甘肃东风镇发生车祸', ['甲县'], ['甲县政府']],
    ['四川的救援队赶到乙县西湖镇', ['乙县'], ['乙县政府']],
    ['北京时间今天凌晨，东风镇发生地震', ['甲县'], ['甲县政府']],
  ])('%s → counties %j, departments %j', (text, counties, departments) => {
    const r = router.route(text);
    expect(r.counties).toEqual(counties);
    expect(r.departments).toEqual(departments);
  });

  it('keeps the town names it matched as places', () => {
    expect(router.route('同名乡发生山体滑坡').places).toEqual(['同名乡']);
  });
});
