import type { Classification } from '@huiying/contracts';

/** One field of a post's verdict that a re-run changed, as `huiying reclassify` prints it. */
export interface FlagChange {
  field: string;
  before: unknown;
  after: unknown;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = [...(a ?? [])].sort();
  const y = [...(b ?? [])].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * What a duty officer would see change: flags, category, subtype, level, the linked claim,
 * routing, counties and sentiment. Scores and evidence move with every model and are left out:
 * a diff of them would drown the changes that matter. A post never classified has `before` null.
 */
export function flagChanges(before: Classification | null, after: Classification): FlagChange[] {
  const out: FlagChange[] = [];
  const check = (field: string, a: unknown, b: unknown) => {
    if (a !== b) out.push({ field, before: a, after: b });
  };
  check('emergency.flagged', before?.emergency.flagged ?? null, after.emergency.flagged);
  check('emergency.category', before?.emergency.category ?? null, after.emergency.category);
  check('emergency.subtype', before?.emergency.subtype ?? null, after.emergency.subtype);
  check('emergency.level', before?.emergency.level ?? null, after.emergency.level);
  check('rumor.flagged', before?.rumor.flagged ?? null, after.rumor.flagged);
  check('rumor.claimId', before?.rumor.claimId ?? null, after.rumor.claimId ?? null);
  if (!sameList(before?.departments, after.departments))
    out.push({ field: 'departments', before: before?.departments ?? null, after: after.departments });
  if (!sameList(before?.counties, after.counties))
    out.push({ field: 'counties', before: before?.counties ?? null, after: after.counties });
  check('sentiment', before?.sentiment ?? null, after.sentiment);
  return out;
}
