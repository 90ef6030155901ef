/** The bench's figures for one path; the last line of `npm run bench:timers` is the wired timer's. */
export interface Figures {
  pending: number;
  fired: number;
  lost: number;
  duplicates: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

export function figuresOf(
  pending: number,
  expected: number,
  firedIds: readonly string[],
  lateness: readonly number[],
): Figures {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const id of firedIds) {
    if (seen.has(id)) duplicates++;
    else seen.add(id);
  }
  const sorted = [...lateness].sort((a, b) => a - b);
  const q = (p: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return {
    pending,
    fired: seen.size,
    lost: expected - seen.size,
    duplicates,
    latenessP50Ms: q(0.5),
    latenessP99Ms: q(0.99),
    latenessMaxMs: sorted[sorted.length - 1] ?? NaN,
  };
}
