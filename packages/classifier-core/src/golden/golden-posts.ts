import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClassifyInput } from '../classifier';

const root = path.join(__dirname, '..', '..', '..', '..');
const readJsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, string>);

/** Where the classifications of the committed code are kept, to prove a speed-up changes no output. */
export const GOLDEN_FILE = path.join(__dirname, '..', '..', 'fixtures', 'classifier.golden.jsonl');

/**
 * The project's own posts (sentiment fixtures, the embedded demo) plus the awkward inputs the
 * normalisation and rules branch on: traditional and full-width text, emoji, titles, repeats.
 * Not the eval data: its licences keep it out of the repo.
 */
export function goldenPosts(): ClassifyInput[] {
  const fixtures = path.join(__dirname, '..', '..', 'fixtures');
  const posts: ClassifyInput[] = [
    ...readJsonl(path.join(fixtures, 'sentiment.longnan.jsonl')),
    ...readJsonl(path.join(fixtures, 'sentiment.longnan.check.jsonl')),
  ].map((p) => ({ id: p.id!, text: p.text! }));
  for (const p of readJsonl(path.join(root, 'services', 'embedded', 'samples', 'longnan-sample.jsonl'))) {
    posts.push({
      id: `sample-${p.nativeId}`,
      text: p.text!,
      ...(p.author && { author: p.author }),
      ...(p.sourceId && { sourceId: p.sourceId }),
    });
  }
  const extra: Array<Omit<ClassifyInput, 'id'>> = [
    { text: '文縣發生山體滑坡，已造成3人死亡，數十人受傷' },
    { text: '宕昌县哈达铺镇突发泥石流，１２名群众失踪，直接经济损失1.2亿元' },
    { text: '😀😀 文县 🔥🔥 起火了，二十余人被困' },
    { text: 'Breaking: 武都区 landslide 滑坡 3 dead, ДТП' },
    { text: '网传康县阳坝镇水库溃坝，下游村庄全部被淹，紧急扩散！转发救人！' },
    { title: '宕昌县学校开学', text: '提醒家长注意孩子上下学交通安全' },
    { title: '网传礼县发生地震', text: '据说死了很多人，大家赶紧转发' },
    { text: '西和县开展山体滑坡应急演练，模拟3人被埋' },
    { text: '今天成县天气晴，气温18度，适合出游' },
    { text: '徽县江洛镇一煤矿发生透水事故，5名矿工被困井下，救援正在进行 '.repeat(40) },
    { text: '两当县站儿巷镇发生食物中毒，三人送医，疾控中心已介入\n\t　全角空格　后面还有字' },
    { text: '文县碧口镇李子坝村昨夜暴雨后发生山体滑坡', sourceId: 'gov-longnan' },
  ];
  extra.forEach((p, i) => posts.push({ id: `extra-${i}`, ...p }));
  return posts;
}
