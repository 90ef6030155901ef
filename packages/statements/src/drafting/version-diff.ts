import { diffArrays, diffChars } from 'diff';

export type DiffGranularity = 'word' | 'char';

export interface DiffSegment {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

export interface VersionDiff {
  granularity: DiffGranularity;
  segments: DiffSegment[];
  /** Characters inserted and deleted: how much the text moved between the two versions. */
  inserted: number;
  deleted: number;
}

// Chinese has no spaces between words: a whitespace tokenizer would treat a whole sentence as one
// word. ICU's dictionary-based segmenter (full-icu ships with Node) splits 山体滑坡 from 死亡.
const segmenter = new Intl.Segmenter('zh-CN', { granularity: 'word' });

export function chineseWords(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** The change from one version's text to another's, as equal / insert / delete runs. */
export function diffVersions(from: string, to: string, granularity: DiffGranularity = 'word'): VersionDiff {
  const segments: DiffSegment[] =
    granularity === 'char'
      ? diffChars(from, to).map((c) => ({ op: c.added ? 'insert' : c.removed ? 'delete' : 'equal', text: c.value }))
      : diffArrays(chineseWords(from), chineseWords(to)).map((c) => ({
          op: c.added ? 'insert' : c.removed ? 'delete' : 'equal',
          text: c.value.join(''),
        }));
  const merged: DiffSegment[] = [];
  for (const segment of segments) {
    if (segment.text === '') continue;
    const last = merged[merged.length - 1];
    if (last && last.op === segment.op) last.text += segment.text;
    else merged.push({ ...segment });
  }
  const total = (op: DiffSegment['op']) => merged.filter((s) => s.op === op).reduce((n, s) => n + [...s.text].length, 0);
  return { granularity, segments: merged, inserted: total('insert'), deleted: total('delete') };
}
