import { randomUUID } from 'node:crypto';
import type { Bus } from '@huiying/bus';
import { messageDefByType, type MessageDef } from '@huiying/contracts';
import type { Logger } from '@huiying/telemetry';

/** The part of a database connection the outbox needs (a transaction or the pool). */
export interface Queryable {
  query<T = any>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
}

export interface OutboxEntry<P> {
  def: MessageDef<string, any>;
  payload: P;
  key: string;
  traceId: string;
  occurredAt?: Date;
  /** A deterministic id makes the event the same event if the transaction is ever redone. */
  id?: string;
}

/**
 * Records an event in the same transaction as the state it describes. Validates the payload
 * now, so a bad event fails the transaction instead of poisoning the topic later.
 */
export async function enqueueEvent<P>(tx: Queryable, entry: OutboxEntry<P>): Promise<string> {
  const parsed = entry.def.payload.safeParse(entry.payload);
  if (!parsed.success) {
    throw new Error(`outbox: ${entry.def.type} payload is invalid: ${parsed.error.message}`);
  }
  const id = entry.id ?? randomUUID();
  await tx.query(
    `INSERT INTO outbox (id, topic, type, key, trace_id, payload, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [id, entry.def.topic, entry.def.type, entry.key, entry.traceId, JSON.stringify(parsed.data), (entry.occurredAt ?? new Date()).toISOString()],
  );
  return id;
}

/** Outbox rows as parallel columns (validated, ids assigned), for one `unnest` insert. */
export interface OutboxColumns {
  id: string[];
  topic: string[];
  type: string[];
  key: string[];
  trace: string[];
  payload: string[];
  at: string[];
}

/**
 * The entries validated and laid out as the columns of `outbox` (rows keep the given order), for
 * a caller that writes them inside a statement of its own: the clock timer inserts a batch's
 * events in the same statement as its steps, one round trip less per firing transaction.
 */
export function outboxColumns(entries: ReadonlyArray<OutboxEntry<unknown>>): OutboxColumns {
  const cols: OutboxColumns = { id: [], topic: [], type: [], key: [], trace: [], payload: [], at: [] };
  for (const entry of entries) {
    const parsed = entry.def.payload.safeParse(entry.payload);
    if (!parsed.success) throw new Error(`outbox: ${entry.def.type} payload is invalid: ${parsed.error.message}`);
    cols.id.push(entry.id ?? randomUUID());
    cols.topic.push(entry.def.topic);
    cols.type.push(entry.def.type);
    cols.key.push(entry.key);
    cols.trace.push(entry.traceId);
    cols.payload.push(JSON.stringify(parsed.data));
    cols.at.push((entry.occurredAt ?? new Date()).toISOString());
  }
  return cols;
}

/**
 * `enqueueEvent` for many events in one statement (rows keep the given order): a batch of clock
 * steps fired in one transaction records its events in one round trip instead of one each.
 */
export async function enqueueEvents(tx: Queryable, entries: ReadonlyArray<OutboxEntry<unknown>>): Promise<string[]> {
  if (entries.length === 0) return [];
  const cols = outboxColumns(entries);
  await tx.query(
    `INSERT INTO outbox (id, topic, type, key, trace_id, payload, occurred_at)
     SELECT id, topic, type, key, trace_id, payload::jsonb, occurred_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
         WITH ORDINALITY AS e(id, topic, type, key, trace_id, payload, occurred_at, n)
      ORDER BY n
     ON CONFLICT (id) DO NOTHING`,
    [cols.id, cols.topic, cols.type, cols.key, cols.trace, cols.payload, cols.at],
  );
  return cols.id;
}

export interface OutboxRelayOptions {
  db: Queryable & { transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> };
  bus: Bus;
  logger: Logger;
  /** How often leftovers (from a crash between commit and publish) are swept. Default 1 s. */
  sweepIntervalMs?: number;
  batchSize?: number;
}

export interface OutboxRelay {
  /** Publishes everything pending now; call right after a commit that enqueued events. */
  flush(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

interface OutboxRow {
  seq: string;
  id: string;
  type: string;
  key: string;
  trace_id: string;
  payload: unknown;
  occurred_at: string | Date;
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 500;
  let timer: NodeJS.Timeout | undefined;
  let sweeping = false;
  let running: Promise<number> | undefined;
  let again = false;

  // Rows are locked while published (SKIP LOCKED), so several relays — one per instance — never
  // publish one row twice at the same time; a relay that dies mid-batch leaves them for the next.
  async function flushOnce(): Promise<number> {
    return options.db.transaction(async (tx) => {
      const { rows } = await tx.query<OutboxRow>(
        `SELECT seq, id, type, key, trace_id, payload, occurred_at FROM outbox
          WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      // Publish per definition in order; one batch per type keeps per-key order within the batch.
      for (const group of groupConsecutiveByType(rows)) {
        const def = messageDefByType(group[0]!.type);
        if (!def) throw new Error(`outbox: no message definition for type ${group[0]!.type}`);
        const payloadOf = (row: OutboxRow) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload);
        await options.bus.publishBatch(
          def,
          group.map((row) => ({
            payload: payloadOf(row),
            // Every row was validated when enqueued (or built by code a test holds against the
            // schema); consumers validate what they read. A second pass here cost about as much CPU again.
            options: { key: row.key, traceId: row.trace_id, id: row.id, occurredAt: new Date(row.occurred_at), prevalidated: true },
          })),
        );
      }
      await tx.query(`UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
      return rows.length;
    });
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await flushOnce();
      total += n;
      if (n < batchSize) return total;
    }
  }

  async function flush(): Promise<number> {
    // Coalesce concurrent calls: one drain at a time, and one more if asked while running.
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        total += await drain();
      } while (again);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    flush,
    start() {
      if (sweeping) return;
      sweeping = true;
      const sweep = () => {
        flush()
          .catch((error) => options.logger.error({ err: error }, 'outbox sweep failed; will retry'))
          .finally(() => {
            // A sweep that was running when stop() came must not schedule another.
            if (sweeping) timer = setTimeout(sweep, options.sweepIntervalMs ?? 1000);
          });
      };
      timer = setTimeout(sweep, 0);
    },
    async stop() {
      sweeping = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

function groupConsecutiveByType(rows: OutboxRow[]): OutboxRow[][] {
  const groups: OutboxRow[][] = [];
  for (const row of rows) {
    const last = groups[groups.length - 1];
    if (last && last[0]!.type === row.type) last.push(row);
    else groups.push([row]);
  }
  return groups;
}
