import { Readable } from 'node:stream';
import { formatFromPath, readImportFile, type ImportRecord } from './file-import';

async function read(content: string, format: 'jsonl' | 'csv'): Promise<ImportRecord[]> {
  const out: ImportRecord[] = [];
  for await (const r of readImportFile(Readable.from([Buffer.from(content, 'utf8')]), {
    format,
    sourceId: 'drill',
    now: () => 0,
  }))
    out.push(r);
  return out;
}

const summary = (records: ImportRecord[]) =>
  records.map((r) =>
    r.kind === 'post'
      ? [r.line, 'post', r.post.text]
      : [r.line, 'rejected', r.issues.map((i) => i.path.join('.')).join(',')],
  );

describe('readImportFile', () => {
  it('reads JSONL with rejections by line number', async () => {
    const lines = [
      '{"nativeId":"1","text":"网传文县滑坡","publishedAt":"2026-11-26 08:00:00"}',
      '',
      '{"text":"broken json"',
      '{"text":5,"publishedAt":""}',
      '{"title":"只有标题","text":"","publishedAt":"2026-11-26T00:00:00Z","engagement":{"likes":3}}',
    ];
    const records = await read('\ufeff' + lines.join('\r\n') + '\n', 'jsonl');
    expect(summary(records)).toEqual([
      [1, 'post', '网传文县滑坡'],
      [3, 'rejected', ''],
      [4, 'rejected', 'text,publishedAt'],
      [5, 'post', ''],
    ]);
    const first = records[0];
    expect(first?.kind === 'post' && first.post).toEqual(
      expect.objectContaining({
        id: 'drill:1',
        sourceKind: 'file',
        publishedAt: '2026-11-26T08:00:00+08:00',
        collectedAt: '1970-01-01T00:00:00Z',
      }),
    );
    expect(records[1]?.kind === 'rejected' && records[1].issues[0]?.reason).toMatch(/^invalid JSON/);
  });

  it('dates each record at the time it was read, also when the clock moves between lines', async () => {
    const clock = [Date.UTC(2026, 10, 26, 1, 0, 0), Date.UTC(2026, 10, 26, 1, 0, 0), Date.UTC(2026, 10, 26, 1, 0, 0, 7), Date.UTC(2026, 10, 26, 1, 0, 0)];
    const lines = clock.map((_, i) => JSON.stringify({ nativeId: String(i), text: '网传文县滑坡', publishedAt: '2026-11-26 08:00:00' }));
    const records: ImportRecord[] = [];
    let tick = 0;
    for await (const r of readImportFile(Readable.from([lines.join('\n')]), { format: 'jsonl', sourceId: 'drill', now: () => clock[tick++]! })) records.push(r);
    expect(records.map((r) => r.kind === 'post' && r.post.collectedAt)).toEqual(['2026-11-26T01:00:00Z', '2026-11-26T01:00:00Z', '2026-11-26T01:00:00.007Z', '2026-11-26T01:00:00Z']);
  });

  it('reads CSV with quoted multi-line fields, counts and rejections', async () => {
    const csv = [
      'nativeId,title,text,publishedAt,reposts,likes,extra',
      '1,标题,"第一行',
      '第二行, 带逗号",2026-11-26 08:00:00,12,,x',
      '2,,,2026-11-26 08:00:00,,,',
      '3,,正文,2026-11-26 08:00:00,many,,',
      '4,只有,三列',
      '5,,"正文 ""引号""",1790000000,,,',
    ].join('\n');
    const records = await read(csv, 'csv');
    expect(summary(records)).toEqual([
      [3, 'post', '第一行\n第二行, 带逗号'],
      [4, 'rejected', 'text'],
      [5, 'rejected', 'engagement.reposts'],
      [6, 'rejected', ''],
      [7, 'post', '正文 "引号"'],
    ]);
    expect(records[3]?.kind === 'rejected' && records[3].issues[0]?.reason).toBe('CSV row has 3 fields, the header 7');
    expect(records[0]?.kind === 'post' && records[0].post.engagement).toEqual({ reposts: 12 });
  });

  it('reports an unclosed quote and keeps the rows before it', async () => {
    const records = await read('text,publishedAt\n正文,2026-11-26\n"未闭合,2026-11-26\n再一行,x\n', 'csv');
    expect(summary(records)).toEqual([
      [2, 'post', '正文'],
      [4, 'rejected', ''],
    ]);
  });

  it.each([
    ['a.jsonl', 'jsonl'],
    ['A.NDJSON', 'jsonl'],
    ['b.csv', 'csv'],
    ['c.txt', undefined],
  ])('format of %s', (path, format) => {
    expect(formatFromPath(path)).toBe(format);
  });
});
