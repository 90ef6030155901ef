export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Epoch milliseconds of an ISO instant or a Date. */
export function toMs(at: string | Date): number {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${String(at)}`);
  return ms;
}

/** The canonical form every output instant takes: UTC ISO-8601 with milliseconds. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
