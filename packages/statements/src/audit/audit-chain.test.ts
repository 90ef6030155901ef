import { chainEntry, GENESIS_HASH, verifyChain, type AuditEntry, type AuditFacts } from './audit-chain';

const facts = (i: number): AuditFacts => ({
  at: `2025-07-03T08:0${i}:00.000Z`, actor: `u-${i}`, action: 'draft.version_saved', subjectKind: 'draft', subjectId: 'dft_1',
  ip: '10.0.0.1', userAgent: 'test', detail: { version: i, note: '伤亡人数更新' },
});

function chain(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 1; i <= n; i++) entries.push(chainEntry(facts(i), entries[entries.length - 1] ?? null));
  return entries;
}

describe('the audit hash chain', () => {
  it('links each entry to the one before', () => {
    const entries = chain(3);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[2]!.prevHash).toBe(entries[1]!.hash);
    expect(verifyChain(entries)).toEqual({ ok: true, checked: 3 });
  });

  it('does not depend on the key order of the detail', () => {
    const a = chainEntry({ ...facts(1), detail: { a: 1, b: 2 } }, null);
    const b = chainEntry({ ...facts(1), detail: { b: 2, a: 1 } }, null);
    expect(a.hash).toBe(b.hash);
  });

  it.each<[string, (e: AuditEntry[]) => AuditEntry[], number, string, number]>([
    ['an edited detail', (e) => e.map((x) => (x.seq === 3 ? { ...x, detail: { version: 3, note: '无人员伤亡' } } : x)), 3, 'hash_mismatch', 2],
    ['an edited actor', (e) => e.map((x) => (x.seq === 2 ? { ...x, actor: 'someone-else' } : x)), 2, 'hash_mismatch', 1],
    ['a removed entry', (e) => e.filter((x) => x.seq !== 2), 3, 'sequence_gap', 1],
    ['an entry rewritten with a fresh hash', (e) => e.map((x) => (x.seq === 2 ? chainEntry({ ...facts(2), actor: 'forger' }, { seq: 1, hash: 'f'.repeat(64) }) : x)), 2, 'prev_hash_mismatch', 1],
  ])('names the first broken entry after %s', (_what, tamper, seq, reason, checked) => {
    const verdict = verifyChain(tamper(chain(5)));
    expect(verdict).toEqual({ ok: false, checked, firstBroken: { seq, reason } });
  });
});
