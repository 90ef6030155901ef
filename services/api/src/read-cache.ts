/**
 * A very short-lived cache of read results, single-flight per key, cleared by every change the
 * API hears of (its own duty actions, and every incident, clock and alert event on the live feed).
 * Twenty open consoles reloading on the same event then cost one query, not twenty, and nothing
 * stays stale after a change this instance knows about; `ttlMs` bounds staleness otherwise.
 */
export class ReadCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 200,
  ) {}

  get(key: string, load: () => Promise<T>, nowMs = Date.now()): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && nowMs - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.entries.set(key, { at: nowMs, value });
    value.catch(() => this.entries.delete(key));
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
