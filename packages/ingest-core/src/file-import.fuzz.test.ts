import { Readable } from 'node:stream';
import fc from 'fast-check';
import { readImportFile, type ImportFormat, type ImportRecord } from './file-import';

const NOW = Date.parse('2026-07-01T06:00:00Z');

/** Reads the bytes fed in the given chunks (a multi-byte character may be cut in two). */
async function importBytes(bytes: Buffer, format: ImportFormat, cuts: number[] = []): Promise<ImportRecord[]> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) chunks.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  const records: ImportRecord[] = [];
  for await (const record of readImportFile(Readable.from(chunks), { format, sourceId: 'fuzz-file', now: () => NOW }))
    records.push(record);
  return records;
}

function everyRejectionHasAReason(records: ImportRecord[]): void {
  for (const r of records) {
    expect(Number.isInteger(r.line) && r.line >= 0).toBe(true);
    if (r.kind === 'rejected') {
      expect(r.issues.length).toBeGreaterThan(0);
      for (const issue of r.issues) expect(issue.reason).toEqual(expect.stringMatching(/\S/));
    }
  }
}

const GOOD = { nativeId: 'good-1', text: '文县碧口镇发生山体滑坡，已造成12人死亡', publishedAt: '2026-07-01 14:30:00' };
const oddField = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '=HYPERLINK("http://evil")',
    '+1+1',
    '@SUM(A1)',
    '-2+3',
    '<img src=x onerror=alert(1)>',
    '2026-13-45',
    '',
    '\r\n',
    '"',
    '""',
  ),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const jsonlLine = fc.oneof(
  fc
    .record(
      {
        nativeId: oddField,
        text: oddField,
        title: oddField,
        url: oddField,
        author: oddField,
        publishedAt: oddField,
        engagement: oddField,
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'undefined'),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('{', '}', '[', '{"text":', '\ufeff{"text":"x"}', 'null', '1e999', '{"text":"\\ud800"}'),
);
const csvCell = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('"', '""', '"a"b', ',', '\n', '\r', '=1+1', '文县', '2026-07-01 14:30:00'),
);

describe('the file import on arbitrary files', () => {
  it('JSONL: any bytes, cut anywhere, give posts or rejections with a reason, and the valid line still imports', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jsonlLine, { maxLength: 12 }),
        fc.nat(12),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.constantFrom('\n', '\r\n'),
        async (lines, at, cuts, eol) => {
          const all = [...lines.slice(0, at), JSON.stringify(GOOD), ...lines.slice(at)];
          const records = await importBytes(Buffer.from(all.join(eol), 'utf8'), 'jsonl', cuts);
          everyRejectionHasAReason(records);
          const good = records.filter(
            (r) => r.kind === 'post' && r.post.nativeId === 'good-1' && r.post.text === GOOD.text,
          );
          expect(good.length).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('JSONL: random binary (not UTF-8) never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 4 }), async (bytes, cuts) => {
        everyRejectionHasAReason(await importBytes(Buffer.from(bytes), 'jsonl', cuts));
      }),
      { numRuns: 300 },
    );
  });

  it('CSV: any rows (broken quotes, wrong field counts, formulas) give posts or rejections with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(csvCell, { minLength: 1, maxLength: 5 }), { maxLength: 10 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (rows, quote, cuts) => {
          const body = [
            'nativeId,text,publishedAt',
            ...rows.map((r) => r.map((c) => (quote ? `"${c.replace(/"/g, '""')}"` : c)).join(',')),
          ].join('\n');
          everyRejectionHasAReason(await importBytes(Buffer.from(body, 'utf8'), 'csv', cuts));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('CSV: random binary never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        everyRejectionHasAReason(await importBytes(Buffer.from(bytes), 'csv'));
      }),
      { numRuns: 300 },
    );
  });

  it('CSV: well-formed quoted rows still import when they carry formulas or line breaks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 5 }), async (texts) => {
        const rows = texts.map((t, i) => `n${i},"文县通报${i}：${t.replace(/"/g, '""')}",2026-07-01 14:30:00`);
        const records = await importBytes(
          Buffer.from(['nativeId,text,publishedAt', ...rows].join('\n'), 'utf8'),
          'csv',
        );
        everyRejectionHasAReason(records);
        const imported = records
          .filter((r) => r.kind === 'post')
          .map((r) => (r.kind === 'post' ? r.post.nativeId : ''));
        expect(imported).toEqual(texts.map((_t, i) => `n${i}`));
      }),
      { numRuns: 300 },
    );
  });
});
