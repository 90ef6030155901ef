import { createHmac, randomUUID } from 'node:crypto';
import { toIso } from '@huiying/incident-core';
import type { Db, Queryable } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import { z } from 'zod';

/** A configured receiver: the site CMS, a Weibo or WeChat bridge. */
export const WebhookTarget = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
  url: z.url({ protocol: /^https?$/ }),
  /** The HMAC key the receiver checks the signature with. */
  secret: z.string().min(16),
});
export type WebhookTarget = z.infer<typeof WebhookTarget>;

export const SignatureHeaders = {
  /** The delivery id: the same on every retry, so the receiver can drop repeats (idempotency key). */
  delivery: 'x-huiying-delivery',
  timestamp: 'x-huiying-timestamp',
  /** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). */
  signature: 'x-huiying-signature',
} as const;

/** The signature of one request; the timestamp in the signed text keeps a captured request from being replayed later. */
export function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export interface RetryPolicy {
  /** First retry after this; doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Then the delivery is marked failed and needs a person. */
  maxAttempts: number;
  /** A receiver slower than this counts as failed (and is retried). */
  timeoutMs: number;
}
export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 30_000, maxDelayMs: 30 * 60_000, maxAttempts: 8, timeoutMs: 10_000 };

export function nextAttemptDelay(attempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

/** One delivery row per configured webhook, in the publishing transaction. */
export async function enqueueDeliveries(tx: Queryable, statementId: string, webhooks: readonly WebhookTarget[], now: Date): Promise<void> {
  for (const webhook of webhooks) {
    await tx.query(
      `INSERT INTO statement_deliveries (id, statement_id, webhook, status, next_attempt_at)
       VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (statement_id, webhook) DO NOTHING`,
      [randomUUID(), statementId, webhook.name, now.toISOString()],
    );
  }
}

export interface WebhookDelivererOptions {
  db: Db;
  webhooks: readonly WebhookTarget[];
  logger: Logger;
  retry?: RetryPolicy;
  now?: () => Date;
  batchSize?: number;
}

export interface DeliveryReport {
  delivered: number;
  retrying: number;
  failed: number;
}

interface DueDelivery {
  id: string;
  webhook: string;
  attempts: number;
  statement_id: string;
  kind: string;
  department: string;
  incident_id: string | null;
  title: string;
  body: string;
  published_at: unknown;
  supersedes: string | null;
}

/**
 * Sends due deliveries. Each row is claimed first (under a row lock, its next attempt pushed past
 * the request timeout), so two instances do not send one delivery at once; a crash mid-request
 * leaves it pending and the receiver later sees the same delivery id again.
 */
export function createWebhookDeliverer(options: WebhookDelivererOptions) {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const now = options.now ?? (() => new Date());
  const targets = new Map(options.webhooks.map((w) => [w.name, w]));

  async function deliverOne(row: DueDelivery): Promise<'delivered' | 'retrying' | 'failed'> {
    const target = targets.get(row.webhook);
    const body = JSON.stringify({
      delivery: row.id,
      statement: {
        id: row.statement_id, kind: row.kind, department: row.department, incidentId: row.incident_id, title: row.title,
        body: row.body, publishedAt: toIso(row.published_at),
        supersedes: row.supersedes,
      },
    });
    let error: string | null = null;
    if (!target) error = `webhook ${row.webhook} is no longer configured`;
    else {
      const timestamp = String(Math.floor(now().getTime() / 1000));
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            [SignatureHeaders.delivery]: row.id,
            'idempotency-key': row.id,
            [SignatureHeaders.timestamp]: timestamp,
            [SignatureHeaders.signature]: signDelivery(target.secret, timestamp, body),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(retry.timeoutMs),
        });
        await response.body?.cancel();
        if (!response.ok) error = `HTTP ${response.status}`;
      } catch (e) {
        error = (e as Error).message;
      }
    }
    const attempts = row.attempts + 1;
    const at = now();
    if (error === null) {
      await options.db.query(
        `UPDATE statement_deliveries SET status = 'delivered', attempts = $2, delivered_at = $3, last_error = NULL WHERE id = $1`,
        [row.id, attempts, at.toISOString()],
      );
      return 'delivered';
    }
    const failed = attempts >= retry.maxAttempts;
    options.logger.warn({ delivery: row.id, webhook: row.webhook, attempts, error }, failed ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry');
    await options.db.query(
      `UPDATE statement_deliveries SET status = $2, attempts = $3, last_error = $4, next_attempt_at = $5 WHERE id = $1`,
      [row.id, failed ? 'failed' : 'pending', attempts, error, new Date(at.getTime() + nextAttemptDelay(attempts, retry)).toISOString()],
    );
    return failed ? 'failed' : 'retrying';
  }

  async function deliverDue(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, retrying: 0, failed: 0 };
    const { rows } = await options.db.query<DueDelivery>(
      `SELECT d.id, d.webhook, d.attempts, s.id AS statement_id, s.kind, s.department, s.incident_id, s.title, s.body,
              s.published_at, s.supersedes
         FROM statement_deliveries d JOIN statements s ON s.id = d.statement_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= $1
        ORDER BY d.next_attempt_at LIMIT $2`,
      [now().toISOString(), options.batchSize ?? 50],
    );
    for (const row of rows) {
      // Re-check under the row lock: another instance may have taken it since the SELECT.
      const claimed = await options.db.transaction(async (tx) => {
        const { rows: locked } = await tx.query<{ attempts: number }>(
          `SELECT attempts FROM statement_deliveries WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2 FOR UPDATE SKIP LOCKED`,
          [row.id, now().toISOString()],
        );
        if (!locked[0]) return false;
        // Push the next attempt out before sending: a crash mid-request then retries later, not in a tight loop.
        await tx.query(`UPDATE statement_deliveries SET next_attempt_at = $2 WHERE id = $1`, [row.id, new Date(now().getTime() + retry.timeoutMs * 2).toISOString()]);
        return true;
      });
      if (!claimed) continue;
      report[await deliverOne(row)]++;
    }
    return report;
  }

  return { deliverDue };
}
export type WebhookDeliverer = ReturnType<typeof createWebhookDeliverer>;
