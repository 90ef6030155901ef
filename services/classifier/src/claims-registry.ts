import type { RegistryClaim } from '@huiying/classifier-core';
import type { Queryable } from '@huiying/store';

/**
 * The registry the classifier compares posts with: debunked claims (packages/statements'
 * `claims`) and our published statements still in force (a post disputing one is flagged and
 * linked to it). Each table is read only if it exists, so the classifier runs against a database
 * migrated before the statements work, and against none at all.
 */
export async function loadRegistry(db: Queryable): Promise<RegistryClaim[]> {
  const { rows: present } = await db.query<{ claims: string | null; statements: string | null }>(
    `SELECT to_regclass('claims')::text AS claims, to_regclass('statements')::text AS statements`,
  );
  const out: RegistryClaim[] = [];
  if (present[0]?.claims) {
    const { rows } = await db.query<{ id: string; text: string }>(
      `SELECT id, text FROM claims WHERE status = 'debunked' ORDER BY id`,
    );
    for (const r of rows) out.push({ id: r.id, kind: 'debunked', text: r.text });
  }
  if (present[0]?.statements) {
    // The newest statements matter most; a bound keeps the per-post bigram index small.
    const { rows } = await db.query<{ id: string; title: string; body: string }>(
      `SELECT id, title, body FROM statements WHERE superseded_by IS NULL ORDER BY published_at DESC LIMIT 2000`,
    );
    for (const r of rows) out.push({ id: r.id, kind: 'statement', text: `${r.title}。${r.body}` });
  }
  return out;
}

export interface RegistryRefresherOptions {
  db: Queryable;
  classifier: { setRegistry?(claims: RegistryClaim[]): void };
  /** How often the registry is re-read. Default 60 s: a rebuttal published now applies within a minute. */
  intervalMs?: number;
  onError: (error: unknown) => void;
  onLoaded?: (count: number) => void;
}

/** Reads the registry now and then every `intervalMs`; nothing starts until `start()`. */
export function createRegistryRefresher(options: RegistryRefresherOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  async function refresh(): Promise<void> {
    try {
      const claims = await loadRegistry(options.db);
      options.classifier.setRegistry?.(claims);
      options.onLoaded?.(claims.length);
    } catch (error) {
      // A failed read keeps the last registry: stale claims beat none.
      options.onError(error);
    }
  }
  return {
    refresh,
    async start(): Promise<void> {
      await refresh();
      timer = setInterval(() => {
        running ??= refresh().finally(() => (running = undefined));
      }, options.intervalMs ?? 60_000);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
