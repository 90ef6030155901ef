import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The hash the first entry chains to. */
export const GENESIS_HASH = '0'.repeat(64);

/** One action on a draft or statement: who, when, what, on what, and from where. */
export interface AuditFacts {
  at: string;
  actor: string;
  action: string;
  subjectKind: 'draft' | 'statement' | 'press_conference' | 'claim' | 'sign_off_chain';
  subjectId: string;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

export interface AuditEntry extends AuditFacts {
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * SHA-256 over the RFC 8785 canonical JSON of the entry with its predecessor's hash: key order and
 * whitespace cannot change it, and jsonb's own key reordering does not break a stored chain.
 */
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const canonical = canonicalize({
    seq: entry.seq, at: entry.at, actor: entry.actor, action: entry.action, subjectKind: entry.subjectKind,
    subjectId: entry.subjectId, ip: entry.ip, userAgent: entry.userAgent, detail: entry.detail, prevHash: entry.prevHash,
  });
  if (canonical === undefined) throw new Error('audit: entry has no canonical JSON');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function chainEntry(facts: AuditFacts, previous: { seq: number; hash: string } | null): AuditEntry {
  const base = { ...facts, seq: (previous?.seq ?? 0) + 1, prevHash: previous?.hash ?? GENESIS_HASH };
  return { ...base, hash: entryHash(base) };
}

export type ChainBreak = { seq: number; reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' };
export type ChainVerdict = { ok: true; checked: number } | { ok: false; checked: number; firstBroken: ChainBreak };

/**
 * Walks entries in order. An edited row fails its own hash; a removed or inserted row breaks the
 * sequence or the next row's link. Entries must come sorted by seq. `after` continues a verification
 * from a checkpoint (the last entry verified before).
 */
export function verifyChain(entries: Iterable<AuditEntry>, after: { seq: number; hash: string } | null = null): ChainVerdict {
  let previous = after;
  let checked = 0;
  for (const entry of entries) {
    const broken = (reason: ChainBreak['reason']): ChainVerdict => ({ ok: false, checked, firstBroken: { seq: entry.seq, reason } });
    if (entry.seq !== (previous?.seq ?? 0) + 1) return broken('sequence_gap');
    if (entry.prevHash !== (previous?.hash ?? GENESIS_HASH)) return broken('prev_hash_mismatch');
    const { hash, ...rest } = entry;
    if (entryHash(rest) !== hash) return broken('hash_mismatch');
    previous = { seq: entry.seq, hash };
    checked++;
  }
  return { ok: true, checked };
}
