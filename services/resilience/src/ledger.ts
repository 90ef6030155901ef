// What a drill sent and what it must find afterwards. The sender behaves like a monitoring
// vendor: it signs every request and retries until the webhook answers 202, so a post counts as
// sent only once ingest said Kafka has it.
import { request } from 'node:http';
import { ClockEventMessage } from '@huiying/contracts';
import { webhookSignatureHeader, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '@huiying/ingest-core';
import type { Db } from '@huiying/store';

const PLACES = [
  ['文县', '碧口镇'],
  ['武都区', '安化镇'],
  ['成县', '抛沙镇'],
  ['宕昌县', '哈达铺镇'],
  ['康县', '阳坝镇'],
  ['西和县', '长道镇'],
  ['礼县', '盐官镇'],
  ['徽县', '江洛镇'],
  ['两当县', '站儿巷镇'],
] as const;
const KINDS = ['发生山体滑坡', '发生泥石流', '一居民楼发生火灾'] as const;
/** 27 events (county × kind): no two drills' posts may correlate into one incident. */
export const EVENT_COUNT = PLACES.length * KINDS.length;

export interface SentPost {
  nativeId: string;
  /** `<source>:<nativeId>`, the id ingest gives it. */
  id: string;
  event: string;
  body: { nativeId: string; text: string; publishedAt: string; author: string };
}

/**
 * `posts` posts on each of the events `events`; deaths in 10–29 make them level II emergencies,
 * so each incident starts a 5-hour statement clock (shortened by the drill's policy). They are
 * dated `ageMs` back because a clock counts from the first post's time.
 */
export function eventPosts(
  source: string,
  drill: string,
  events: number[],
  posts: number,
  now: Date,
  ageMs: number,
): SentPost[] {
  const out: SentPost[] = [];
  for (let round = 0; round < posts; round++) {
    for (const e of events) {
      const [county, town] = PLACES[Math.floor(e / KINDS.length) % PLACES.length]!;
      const what = KINDS[e % KINDS.length]!;
      const deaths = 12 + round;
      const text = [
        `${county}${town}${what}，已造成${deaths}人死亡，多人失联，救援正在进行。`,
        `转发：${county}${town}${what}，目前已有${deaths}人遇难，现场仍在搜救。`,
        `刚刚${county}${town}${what}，据当地消息死亡人数升至${deaths}人。`,
      ][round % 3]!;
      const nativeId = `${drill}-e${e}-r${round}`;
      out.push({
        nativeId,
        id: `${source}:${nativeId}`,
        event: `${drill}-e${e}`,
        body: {
          nativeId,
          text,
          author: `${county}本地通${round}`,
          publishedAt: new Date(now.getTime() - ageMs + round * 1000).toISOString(),
        },
      });
    }
  }
  return out;
}

export interface SendReport {
  /** Ingest answered 202 for it (or called a retry an exact duplicate of itself: the first try got through). */
  accepted: Set<string>;
  /** Near duplicates of another post: not published, by design. */
  deduplicated: Set<string>;
  /** Answers other than 202 and network errors, each retried. */
  failedAttempts: Record<string, number>;
  rejected: Array<{ status: number; body: string }>;
}

function post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends the posts in batches, `pauseMs` apart, each batch retried until 202 or `deadline`. */
export async function sendPosts(options: {
  url: string;
  source: string;
  secret: string;
  posts: SentPost[];
  batchSize: number;
  pauseMs: number;
  deadline: number;
  report?: SendReport;
}): Promise<SendReport> {
  const report = options.report ?? { accepted: new Set(), deduplicated: new Set(), failedAttempts: {}, rejected: [] };
  for (let i = 0; i < options.posts.length; i += options.batchSize) {
    const batch = options.posts.slice(i, i + options.batchSize);
    const raw = Buffer.from(JSON.stringify({ posts: batch.map((p) => p.body) }));
    for (;;) {
      if (Date.now() > options.deadline)
        throw new Error(
          `the webhook did not take batch ${i / options.batchSize} before the deadline: ${JSON.stringify(report.failedAttempts)}`,
        );
      const ts = String(Math.floor(Date.now() / 1000));
      const answer = await post(
        options.url,
        {
          'content-type': 'application/json',
          'x-huiying-source': options.source,
          [WEBHOOK_TIMESTAMP_HEADER]: ts,
          [WEBHOOK_SIGNATURE_HEADER]: webhookSignatureHeader(options.secret, ts, raw),
        },
        raw,
      ).catch((error: Error) => ({ status: 0, body: error.message }));
      if (answer.status === 202) {
        const json = JSON.parse(answer.body) as { accepted: string[]; duplicates?: Array<{ id: string; of: string }> };
        for (const id of json.accepted) report.accepted.add(id);
        for (const d of json.duplicates ?? []) (d.id === d.of ? report.accepted : report.deduplicated).add(d.id);
        break;
      }
      const key = answer.status === 0 ? `network: ${answer.body.slice(0, 40)}` : `HTTP ${answer.status}`;
      report.failedAttempts[key] = (report.failedAttempts[key] ?? 0) + 1;
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        // A refusal is not retried: the ledger must show it, and the drill fails on it.
        report.rejected.push(answer);
        break;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, options.pauseMs));
  }
  return report;
}

/** Post id → incident id, for the posts given (a post is in at most one: incident_posts' key). */
export async function incidentsOfPosts(db: Db, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ post_id: string; incident_id: string }>(
    'SELECT post_id, incident_id FROM incident_posts WHERE post_id = ANY($1)',
    [ids],
  );
  return new Map(rows.map((r) => [r.post_id, r.incident_id]));
}

export interface ClockLedgerRow {
  clock_id: string;
  incident_id: string;
  stage: string;
  status: string;
  due_at: string;
  breach_steps: number;
  breached_events: number;
  /** Who found the breach due: the due-set poller, BullMQ, or the reconciler after a loss. */
  breach_fired_by: string | null;
}

/** Every clock of the incidents, with how often its breach fired and was announced. */
export async function clockLedger(db: Db, incidentIds: string[]): Promise<ClockLedgerRow[]> {
  const { rows } = await db.query<ClockLedgerRow>(
    `SELECT c.id AS clock_id, c.incident_id, c.stage, c.status, c.due_at,
            (SELECT count(*)::int FROM clock_steps s WHERE s.clock_id = c.id AND s.kind = 'breach') AS breach_steps,
            (SELECT count(*)::int FROM outbox o WHERE o.type = $2 AND o.payload->'clock'->>'id' = c.id
                                                 AND o.payload->>'kind' = 'breached') AS breached_events,
            (SELECT s.fired_by FROM clock_steps s WHERE s.clock_id = c.id AND s.kind = 'breach') AS breach_fired_by
       FROM clocks c WHERE c.incident_id = ANY($1)`,
    [incidentIds, ClockEventMessage.type],
  );
  return rows;
}

export interface AlertLedgerRow {
  alert_id: string;
  clock_id: string | null;
  severity: string;
  deliveries: number;
  delivered: number;
  delivery_ids: string[];
}

export async function alertLedger(db: Db, incidentIds: string[]): Promise<AlertLedgerRow[]> {
  const { rows } = await db.query<AlertLedgerRow>(
    `SELECT a.id AS alert_id, a.clock_id, a.severity,
            count(d.id)::int AS deliveries, count(d.id) FILTER (WHERE d.status = 'delivered')::int AS delivered,
            coalesce(array_agg(d.id) FILTER (WHERE d.id IS NOT NULL), '{}') AS delivery_ids
       FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id
      WHERE a.incident_id = ANY($1) GROUP BY a.id`,
    [incidentIds],
  );
  return rows;
}
