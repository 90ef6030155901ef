import type { Person } from '../roster/roster-file';
import type { AlertNotice } from './alert-text';
import type { ChannelConfig } from './channel-config';
import { missingSecrets } from './channel-config';
import { outcomeOf, type DeliveryOutcome, type OutcomeDetail } from './delivery-outcome';

/** One message to send on one channel. */
export interface Delivery {
  notice: AlertNotice;
  /** Who the message is for; robots @-mention them, e-mail and SMS address them. */
  recipients: Person[];
  /** Stable across retries of the same message (the receiver deduplicates on it). */
  deliveryId: string;
}

export interface ChannelSender {
  readonly channel: ChannelConfig;
  /** One attempt. Never throws for a delivery problem: the outcome says what happened. */
  send(delivery: Delivery): Promise<DeliveryOutcome>;
}

export interface SenderOptions {
  /** Wall clock for signatures and the log; injectable so signing can be tested at a fixed time. */
  now?: () => number;
}

/**
 * The checks every channel makes before going out, then the timed attempt. A drill on a live
 * channel, or a live alert on a drill channel, is refused here as a last guard behind routing.
 */
export async function attempt(
  channel: ChannelConfig,
  delivery: Delivery,
  now: () => number,
  run: () => Promise<OutcomeDetail>,
): Promise<DeliveryOutcome> {
  const started = now();
  const base = { channelId: channel.id, channelKind: channel.kind, deliveryId: delivery.deliveryId };
  const refusal = refusalOf(channel, delivery);
  if (refusal) return outcomeOf(base, started, started, { status: 'permanent', reason: refusal });
  let detail: OutcomeDetail;
  try {
    detail = await run();
  } catch (error) {
    // A bug in a builder, not a delivery problem; still an outcome so the attempt is logged.
    detail = { status: 'permanent', reason: `sender error: ${error instanceof Error ? error.message : String(error)}` };
  }
  return outcomeOf(base, started, now(), detail);
}

function refusalOf(channel: ChannelConfig, delivery: Delivery): string | undefined {
  if (!channel.enabled) return 'channel disabled';
  const drill = delivery.notice.alert.drill;
  if (drill && channel.audience !== 'drill') return 'drill alert refused by a live channel';
  if (!drill && channel.audience !== 'live') return 'live alert refused by a drill channel';
  const missing = missingSecrets(channel);
  if (missing.length > 0) return `channel not configured: missing ${missing.join(', ')}`;
  return undefined;
}
