import type IORedis from 'ioredis';

/**
 * A Redis sorted set of due instants (score = epoch ms, member = job id) polled by a tight loop:
 * the fast path for firing on time. BullMQ's delayed jobs fire tens to hundreds of milliseconds
 * late under load (its scheduler wakes on markers); a poller that claims what is due with one
 * Lua call every few milliseconds stays within a few. Claiming removes the members atomically,
 * so two pollers never get the same one; what a crashed poller claimed but did not fire is for
 * the durable path (BullMQ + PostgreSQL + the reconciler) to pick up.
 */
const CLAIM_SCRIPT = `
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
if #items > 0 then
  local members = {}
  for i = 1, #items, 2 do members[#members + 1] = items[i] end
  for i = 1, #members, 5000 do
    redis.call('ZREM', KEYS[1], unpack(members, i, math.min(i + 4999, #members)))
  end
end
local nextItem = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
items[#items + 1] = nextItem[2] or ''
return items
`;

export interface DueEntry {
  member: string;
  atMs: number;
}

export interface Claimed {
  entries: DueEntry[];
  /** The earliest instant still in the set, or null when it is empty. */
  nextAtMs: number | null;
}

/**
 * A clock step's member: the step and the clock id, so a claimed member names its clock without a
 * look-up. Step names (`breach`, `escalate-2`, `warn-50pct`) never contain a line feed.
 */
export function dueMember(clockId: string, step: string): string {
  return `${step}\n${clockId}`;
}

/** The clock and step of a member written by `dueMember`; null for any other member. */
export function parseDueMember(member: string): { clockId: string; step: string } | null {
  const at = member.indexOf('\n');
  return at <= 0 ? null : { step: member.slice(0, at), clockId: member.slice(at + 1) };
}

export function createDueSet(redis: IORedis, key: string) {
  const addListeners = new Set<(earliestAtMs: number) => void>();
  return {
    key,
    /** Adds or moves the members; with `onlyNew`, a member already there keeps its instant. */
    async add(entries: readonly DueEntry[], chunk = 10_000, onlyNew = false): Promise<void> {
      for (let i = 0; i < entries.length; i += chunk) {
        const args: Array<string | number> = [];
        for (const e of entries.slice(i, i + chunk)) args.push(e.atMs, e.member);
        if (onlyNew) await redis.zadd(key, 'NX', ...args);
        else await redis.zadd(key, ...args);
      }
      if (entries.length === 0 || addListeners.size === 0) return;
      let earliest = Infinity;
      for (const e of entries) if (e.atMs < earliest) earliest = e.atMs;
      for (const listener of addListeners) listener(earliest);
    },
    /**
     * Told the earliest instant of each `add` made through this object, once Redis holds it: the
     * firing loop of the same process wakes for it instead of polling for it. Returns the unsubscribe.
     */
    onAdded(listener: (earliestAtMs: number) => void): () => void {
      addListeners.add(listener);
      return () => addListeners.delete(listener);
    },
    async remove(member: string): Promise<void> {
      await redis.zrem(key, member);
    },
    async size(): Promise<number> {
      return redis.zcard(key);
    },
    /** Takes (and removes) up to `limit` members due at `nowMs`, and says when the next one is. */
    async claimDue(nowMs: number, limit: number): Promise<Claimed> {
      const raw = (await redis.eval(CLAIM_SCRIPT, 1, key, nowMs, limit)) as string[];
      const entries: DueEntry[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) entries.push({ member: raw[i]!, atMs: Number(raw[i + 1]) });
      const last = raw[raw.length - 1];
      return { entries, nextAtMs: last ? Number(last) : null };
    },
    async clear(): Promise<void> {
      await redis.del(key);
    },
  };
}
export type DueSet = ReturnType<typeof createDueSet>;

export interface FiringLoopOptions {
  dueSet: DueSet;
  /** Called with what was claimed; must not throw (log and leave it to the durable path). */
  fire: (entries: DueEntry[], claimedAtMs: number) => void | Promise<void>;
  /**
   * Longest sleep between polls when nothing is due sooner. Default 2 ms. Members added through
   * `dueSet` wake the loop at once; this only bounds how late a member added by another process
   * (another timer instance) is seen.
   */
  maxSleepMs?: number;
  batch?: number;
  /**
   * Claims members this long before their instant (default 0: only what is due), for a caller
   * that holds them and acts at the instant itself. The next claim then waits until the earliest
   * member left is half this away, so each claim takes a run of members instead of one at a time.
   */
  lookAheadMs?: number;
  onError?: (error: unknown) => void;
}

/** Polls the due set until stopped: claims what is due, sleeps until the next instant (capped). */
export function startFiringLoop(options: FiringLoopOptions): { stop: () => Promise<void> } {
  const maxSleep = options.maxSleepMs ?? 2;
  const lookAhead = options.lookAheadMs ?? 0;
  const batch = options.batch ?? 1_000;
  // How long before its instant a member should be claimed at the latest.
  const lead = lookAhead / 2;
  let stopped = false;
  // The sleep in progress: when it ends, and how to end it early.
  let sleepUntil = Infinity;
  let wake: (() => void) | undefined;
  // The earliest instant added since the current claim began: that claim may not have seen it.
  let addedSinceClaim = Infinity;
  const unsubscribe = options.dueSet.onAdded((earliestAtMs) => {
    addedSinceClaim = Math.min(addedSinceClaim, earliestAtMs);
    if (earliestAtMs - lead < sleepUntil) wake?.();
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        sleepUntil = Infinity;
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      sleepUntil = Date.now() + ms;
      wake = end;
    });
  const done = (async () => {
    while (!stopped) {
      try {
        const now = Date.now();
        addedSinceClaim = Infinity;
        const claimed = await options.dueSet.claimDue(now + lookAhead, batch);
        if (claimed.entries.length > 0) {
          await options.fire(claimed.entries, Date.now());
          // A full claim may have left due members behind; a look-ahead claim took all it should.
          if (lookAhead === 0 || claimed.entries.length >= batch) continue;
        }
        const nextAtMs = Math.min(claimed.nextAtMs ?? Infinity, addedSinceClaim);
        const wait = Math.min(maxSleep, Math.max(0, nextAtMs - lead - Date.now()));
        if (wait > 0 && !stopped) await sleep(wait);
      } catch (error) {
        options.onError?.(error);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await done;
      unsubscribe();
    },
  };
}
