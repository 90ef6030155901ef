import fs from 'node:fs';
import { DEFAULT_USER_DICT } from './segmenter';
import { loadDefaultRegion, loadDefaultRoutingTable } from './routing';
import { DEFAULT_RUMOR_CUES } from './rumor-rules';

// The dictionary keeps place and department names whole for jieba; a name added to the region
// or routing file but not to the dictionary would be split and its token features lost.
const words = new Set(fs.readFileSync(DEFAULT_USER_DICT, 'utf8').split('\n').map((l) => l.split(' ')[0]));
const region = loadDefaultRegion();

describe('user dictionary', () => {
  it.each([
    ...region.counties.flatMap((c) => [c.name, ...c.towns]),
    ...region.rivers,
    region.city,
  ])('has the place %s', (name) => {
    expect(words.has(name)).toBe(true);
  });

  it.each([...new Set(loadDefaultRoutingTable().flatMap((r) => r.departments))])('has the department %s', (d) => {
    expect(words.has(d)).toBe(true);
  });

  it.each(['网传', '据说', '紧急扩散', '转发救人', '山体滑坡', '泥石流', '演练'])('has the term %s', (t) => {
    expect(words.has(t) || Object.values(DEFAULT_RUMOR_CUES).flat().includes(t)).toBe(true);
  });
});
