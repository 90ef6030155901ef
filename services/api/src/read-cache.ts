/**
 * A very short-lived cache of read results, single-flight per key, cleared by every change the
 * API hears of (its own duty actions, and every incident, clock and alert event on the live feed).
 * Twenty open consoles reloading on the same event then cost one query, not twenty, and nothing
 * stays stale after a change this instance knows about; `ttlMs` bounds staleness otherwise.
 *
 * Once an entry is older than `ttlMs` it is still served while its successor is read (stale
 * while revalidating): with a refresh every second, the requests arriving during each refresh
 * would otherwise all wait for it, which was most of the list's p99 under load. After `clear()`
 * nothing old is served: a change must show at once.
 */
export class ReadCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 200,
    /** Past this age an entry is never served, even while a refresh is under way. Default 10 × ttlMs. */
    private readonly maxStaleMs = ttlMs * 10,
  ) {}

  get(key: string, load: () => Promise<T>, nowMs = Date.now()): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && nowMs - hit.at < this.ttlMs) return hit.value;
    if (hit?.settled && nowMs - hit.at < this.maxStaleMs) {
      if (!hit.refreshing) this.refresh(key, hit, load, nowMs);
      return hit.value;
    }
    const entry: Entry<T> = { at: nowMs, value: load(), settled: false, refreshing: false };
    this.entries.set(key, entry);
    entry.value.then(
      () => void (entry.settled = true),
      () => this.entries.get(key) === entry && this.entries.delete(key),
    );
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return entry.value;
  }

  clear(): void {
    this.entries.clear();
  }

  private refresh(key: string, stale: Entry<T>, load: () => Promise<T>, nowMs: number): void {
    stale.refreshing = true;
    const value = load();
    value.then(
      // Only if nothing cleared or replaced the entry meanwhile: a read begun before a change
      // may not show what the change did.
      () => void (this.entries.get(key) === stale && this.entries.set(key, { at: nowMs, value, settled: true, refreshing: false })),
      () => void (stale.refreshing = false),
    );
  }
}

interface Entry<T> {
  at: number;
  value: Promise<T>;
  /** The value is there: only a settled entry is served stale. */
  settled: boolean;
  /** A successor is being read. */
  refreshing: boolean;
}
