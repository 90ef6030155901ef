import type { Alert } from '@huiying/contracts';
import type { ChannelKind, Person } from '../roster/roster-file';
import { missingSecrets, type ChannelConfig } from '../channels/channel-config';

/** Channels an alert may use: drill channels for a drill, live ones otherwise; enabled only. */
export function channelsForAlert(channels: readonly ChannelConfig[], alert: Pick<Alert, 'drill'>): ChannelConfig[] {
  const audience = alert.drill ? 'drill' : 'live';
  return channels.filter((c) => c.enabled && c.audience === audience);
}

/** Whether the person has what a channel of this kind needs to reach them. */
export function hasContactFor(person: Person, kind: ChannelKind): boolean {
  return person.contacts[kind] !== undefined;
}

export interface PlannedDelivery {
  channel: ChannelConfig;
  /** Recipients this channel reaches; one message per channel names them all. */
  recipients: Person[];
}

export interface DeliveryPlan {
  deliveries: PlannedDelivery[];
  /** Recipients no usable channel reaches: the notifier must say so loudly. */
  unreachable: Person[];
}

/**
 * Every usable channel that reaches at least one recipient gets one message: alerts go out on
 * all of them at once rather than one after another, because the point is to be seen.
 */
export function planDeliveries(
  channels: readonly ChannelConfig[],
  alert: Pick<Alert, 'drill'>,
  recipients: readonly Person[],
): DeliveryPlan {
  const usable = channelsForAlert(channels, alert).filter((c) => missingSecrets(c).length === 0);
  const deliveries = usable
    .map((channel) => ({ channel, recipients: recipients.filter((p) => hasContactFor(p, channel.kind)) }))
    .filter((d) => d.recipients.length > 0);
  const reached = new Set(deliveries.flatMap((d) => d.recipients.map((p) => p.id)));
  return { deliveries, unreachable: recipients.filter((p) => !reached.has(p.id)) };
}
