import { createSender, rateLimitsOf, type AlertNotice, type ChannelConfig, type ChannelSender, type DeliveryOutcome, type Person } from '@huiying/alerting';
import type { Db } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';
import type { AlertingSetup } from './alerting-config';

/** A retryable outcome: thrown so BullMQ retries the job with its backoff. */
export class RetryableDeliveryError extends Error {
  override readonly name = 'RetryableDeliveryError';
  constructor(readonly outcome: DeliveryOutcome) {
    super(`${outcome.channelId}: ${'reason' in outcome ? outcome.reason : outcome.status}`);
  }
}

/**
 * The channel's rate limit says wait: not an attempt (nothing was sent, nothing is recorded), so
 * the job is delayed by `waitMs` and keeps all its attempts.
 */
export class DeferredDeliveryError extends Error {
  override readonly name = 'DeferredDeliveryError';
  constructor(
    readonly channelId: string,
    readonly waitMs: number,
  ) {
    super(`${channelId}: rate limit, next send in ${waitMs} ms`);
  }
}

interface DeliveryRow {
  id: string;
  alert_id: string;
  channel_id: string;
  recipients: Person[];
  notice: AlertNotice;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
}

export interface DeliveryAttemptOptions {
  setup: AlertingSetup;
  logger: Logger;
  maxAttempts: number;
  /** Senders by channel id, so rate state and connections are reused. */
  senders: Map<string, ChannelSender>;
  /**
   * Reserves one send within the channel's limits (`rateLimitsOf`) under `reservationId`; returns
   * 0 when it may go now, else the milliseconds until its slot. Without it, nothing limits the sends.
   */
  reserveSend?: (channelId: string, limits: ReturnType<typeof rateLimitsOf>, reservationId: string) => Promise<number>;
}

export type DeliveryAttemptResult = 'delivered' | 'failed' | 'skipped';

/**
 * One attempt of one delivery: sent, then logged and stored with its outcome (every attempt is a
 * row). Retryable outcomes throw `RetryableDeliveryError` until the last attempt, which marks the
 * delivery failed; a permanent one fails at once. An already finished delivery is skipped, so a
 * job run twice sends once more at most when the first run died mid-send.
 */
export async function attemptDelivery(db: Db, deliveryId: string, options: DeliveryAttemptOptions): Promise<DeliveryAttemptResult> {
  const { rows } = await db.query<DeliveryRow>(
    'SELECT id, alert_id, channel_id, recipients, notice, status, attempts FROM alert_deliveries WHERE id = $1',
    [deliveryId],
  );
  const row = rows[0];
  if (!row || row.status !== 'pending') return 'skipped';
  const attempt = row.attempts + 1;
  const channel = options.setup.channels.find((c) => c.id === row.channel_id);
  let outcome: DeliveryOutcome;
  if (!channel) {
    outcome = {
      channelId: row.channel_id,
      channelKind: 'webhook',
      deliveryId,
      attemptedAt: new Date().toISOString(),
      durationMs: 0,
      status: 'permanent',
      reason: 'channel no longer configured',
    };
  } else {
    await keepRateLimit(channel, `${deliveryId}#${attempt}`, options);
    let sender = options.senders.get(channel.id);
    if (!sender || sender.channel !== channel) {
      sender = createSender(channel);
      options.senders.set(channel.id, sender);
    }
    outcome = await sender.send({ notice: row.notice, recipients: row.recipients, deliveryId });
  }
  const final = outcome.status === 'delivered' ? 'delivered' : outcome.status === 'permanent' || attempt >= options.maxAttempts ? 'failed' : null;
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO alert_delivery_attempts (delivery_id, attempt, status, outcome, attempted_at) VALUES ($1, $2, $3, $4, $5)`,
      [deliveryId, attempt, outcome.status, JSON.stringify(outcome), outcome.attemptedAt],
    );
    await tx.query(
      `UPDATE alert_deliveries SET attempts = $2, status = COALESCE($3, status), finished_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() END WHERE id = $1`,
      [deliveryId, attempt, final],
    );
  });
  const log = { alertId: row.alert_id, attempt, ...outcome };
  if (outcome.status === 'delivered') options.logger.info(log, 'alert delivered');
  else if (final === 'failed') options.logger.error(log, 'alert delivery failed for good');
  else options.logger.warn(log, 'alert delivery attempt failed; retrying');
  if (final === null) throw new RetryableDeliveryError(outcome);
  return final;
}

/**
 * Throws `DeferredDeliveryError` until this attempt's slot on the channel's robot comes. One
 * reservation per attempt: a job woken at its slot (or run again after a restart) finds its own
 * slot, and a retry after a failed send takes a new one.
 */
async function keepRateLimit(channel: ChannelConfig, reservationId: string, options: DeliveryAttemptOptions): Promise<void> {
  if (!options.reserveSend) return;
  const waitMs = await options.reserveSend(channel.id, rateLimitsOf(channel), reservationId);
  if (waitMs > 0) throw new DeferredDeliveryError(channel.id, waitMs);
}
