/**
 * One normal form for the text of posts and for the terms of schemes, so `ＡＢＣ`, `abc` and
 * full-width digits match what a department typed. NFKC folds full-width forms; lower-casing
 * makes Latin terms (place codes, brand names) case-blind. Chinese text is unchanged by both.
 */
export function normalizeForMatch(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}
