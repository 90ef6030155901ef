import type { DedupSnapshot, DedupStore, DedupWrite } from '@huiying/ingest-core';
import type { Redis } from 'ioredis';

/**
 * Applies a batch's dedup writes in order, atomically (see DedupStore.commit). KEYS: for each
 * write its exact keys, then (claims only) its band keys. ARGV: ttl, number of writes, then per
 * write kind ('c' claim / 'p' point), value, exact key count, band count, and for a claim its
 * member, threshold and each band's size when read. Returns how many writes were applied.
 * A bucket that grew since the read is scanned for a member within the threshold, so a far
 * text added meanwhile (common: buckets are shared by unrelated texts) is no conflict.
 */
const COMMIT = `
local function popcount(x)
  local c = 0
  while x ~= 0 do
    x = bit.band(x, x - 1)
    c = c + 1
  end
  return c
end
local ttl = ARGV[1]
local n = tonumber(ARGV[2])
local a = 3
local k = 1
for w = 1, n do
  local kind, value, ne, nb = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  a = a + 4
  if kind == 'c' then
    local member, threshold = ARGV[a], tonumber(ARGV[a + 1])
    for i = 0, ne - 1 do
      if redis.call('EXISTS', KEYS[k + i]) == 1 then return w - 1 end
    end
    local hi, lo = tonumber(string.sub(member, 1, 8), 16), tonumber(string.sub(member, 9, 16), 16)
    for i = 0, nb - 1 do
      local key = KEYS[k + ne + i]
      if redis.call('SCARD', key) ~= tonumber(ARGV[a + 2 + i]) then
        for _, m in ipairs(redis.call('SMEMBERS', key)) do
          local d = popcount(bit.bxor(hi, tonumber(string.sub(m, 1, 8), 16))) + popcount(bit.bxor(lo, tonumber(string.sub(m, 9, 16), 16)))
          if d <= threshold then return w - 1 end
        end
      end
    end
    for i = 0, ne - 1 do redis.call('SET', KEYS[k + i], value, 'PX', ttl) end
    for i = 0, nb - 1 do
      redis.call('SADD', KEYS[k + ne + i], member)
      redis.call('PEXPIRE', KEYS[k + ne + i], ttl)
    end
    a = a + 2 + nb
  else
    for i = 0, ne - 1 do redis.call('SET', KEYS[k + i], value, 'PX', ttl, 'NX') end
  end
  k = k + ne + nb
end
return n
`;

/**
 * A batch's snapshot in one command rather than an MGET and an SMEMBERS per band (hundreds of
 * commands per batch, whose client-side cost dominated). KEYS: the exact keys, then the band
 * keys; ARGV[1]: how many exact keys. Returns the exact values (false when absent) followed by
 * one member list per band.
 */
const READ = `
local ne = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  if i <= ne then out[i] = redis.call('GET', KEYS[i]) else out[i] = redis.call('SMEMBERS', KEYS[i]) end
end
return out
`;

/**
 * The dedup keys in Redis, shared by every ingest instance and kept across restarts. A batch is
 * one pipelined read and one Lua commit that records a new post only if nobody claimed its keys
 * or added a near text since the read, so two instances racing on one text never both see "new". Keys expire with
 * the dedup window; nothing here ever deletes by pattern.
 */
export class RedisDedupStore implements DedupStore {
  constructor(private readonly redis: Redis) {
    if (!('huiyingDedupRead' in redis)) redis.defineCommand('huiyingDedupRead', { lua: READ });
    if (!('huiyingDedupCommit' in redis)) redis.defineCommand('huiyingDedupCommit', { lua: COMMIT });
  }

  async read(exactKeys: readonly string[], bandKeys: readonly string[]): Promise<DedupSnapshot> {
    if (exactKeys.length + bandKeys.length === 0) return { exact: [], bands: [] };
    const reply = (await this.scripts().huiyingDedupRead(exactKeys.length + bandKeys.length, ...exactKeys, ...bandKeys, exactKeys.length)) as unknown[];
    // Lua turns a missing value (nil) into false, and ends a table at its first nil: read by position.
    const exact = exactKeys.map((_, i) => (typeof reply[i] === 'string' ? (reply[i] as string) : null));
    const bands = bandKeys.map((_, i) => (reply[exactKeys.length + i] as string[] | undefined) ?? []);
    return { exact, bands };
  }

  async commit(writes: readonly DedupWrite[], ttlMs: number): Promise<number> {
    const keys: string[] = [];
    const args: (string | number)[] = [ttlMs, writes.length];
    for (const write of writes) {
      keys.push(...write.exactKeys);
      if (write.kind === 'claim') {
        keys.push(...write.bands.map((b) => b.key));
        args.push('c', write.value, write.exactKeys.length, write.bands.length, write.member, write.threshold);
        for (const band of write.bands) args.push(band.sizeAtRead);
      } else args.push('p', write.value, write.exactKeys.length, 0);
    }
    return Number(await this.scripts().huiyingDedupCommit(keys.length, ...keys, ...args));
  }

  /** The scripts defined in the constructor (ioredis sends EVALSHA, and EVAL once if Redis lost them). */
  private scripts() {
    return this.redis as unknown as Record<'huiyingDedupRead' | 'huiyingDedupCommit', (numberOfKeys: number, ...args: (string | number)[]) => Promise<unknown>>;
  }
}
