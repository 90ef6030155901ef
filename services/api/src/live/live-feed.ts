import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Bus, SubscriptionHandle } from '@huiying/bus';
import {
  AlertRecordedMessage,
  ClockEventMessage,
  IncidentEventMessage,
  type AlertRecordedMessage as AlertEnvelope,
  type ClockEventMessage as ClockEnvelope,
  type IncidentEventMessage as IncidentEnvelope,
} from '@huiying/contracts';
import type { Queryable } from '@huiying/outbox';
import type { Logger } from '@huiying/telemetry';

/** One event of the console's live feed: the name the console listens to and who may see it. */
export interface LiveEvent {
  event: 'alert' | 'clock' | 'incident';
  data: { id: string; incidentId: string | null; kind?: string };
  /** The incident's departments, for `can(user, 'incident.read', …)` per connection. */
  departments: readonly string[];
}

export interface LiveFeedOptions {
  bus: Bus;
  db: Queryable;
  logger: Logger;
  /** Consumer-group prefix; each API instance adds its own random suffix. */
  groupPrefix?: string;
}

export interface LiveFeed {
  start(): Promise<void>;
  on(listener: (event: LiveEvent) => void): () => void;
  stop(): Promise<void>;
}

/**
 * Alerts, clock changes and incident events from the bus, fanned out to the open event streams.
 * Each API instance reads every event (its own consumer group, from the latest offset): a live
 * feed wants what happens now, not a replay of the topic's history.
 */
export function createLiveFeed(options: LiveFeedOptions): LiveFeed {
  const emitter = new EventEmitter();
  // Every open console tab is a listener; hundreds are normal for an office.
  emitter.setMaxListeners(0);
  let handle: SubscriptionHandle | undefined;

  async function departmentsOf(incidentId: string | null): Promise<string[]> {
    if (!incidentId) return [];
    const { rows } = await options.db.query<{ departments: string[] }>(`SELECT departments FROM incidents WHERE id = $1`, [incidentId]);
    return rows[0]?.departments ?? [];
  }

  async function toLiveEvent(type: string, payload: unknown): Promise<LiveEvent | null> {
    if (type === IncidentEventMessage.type) {
      const p = payload as IncidentEnvelope['payload'];
      return { event: 'incident', data: { id: p.incident.id, incidentId: p.incident.id, kind: p.kind }, departments: p.incident.departments };
    }
    if (type === ClockEventMessage.type) {
      const p = payload as ClockEnvelope['payload'];
      return { event: 'clock', data: { id: p.clock.id, incidentId: p.clock.incidentId ?? null, kind: p.kind }, departments: p.departments };
    }
    if (type === AlertRecordedMessage.type) {
      const p = payload as AlertEnvelope['payload'];
      const incidentId = (p.incidentId as string | null | undefined) ?? null;
      return { event: 'alert', data: { id: p.id, incidentId }, departments: await departmentsOf(incidentId) };
    }
    return null;
  }

  return {
    async start() {
      handle = await options.bus.subscribe({
        group: `${options.groupPrefix ?? 'huiying-'}api-live-${randomUUID().slice(0, 8)}`,
        messages: [AlertRecordedMessage, ClockEventMessage, IncidentEventMessage],
        fromBeginning: false,
        // A live view is best effort: a failing lookup must not hold the partition.
        maxAttempts: 1,
        handler: async ({ envelope }) => {
          if (emitter.listenerCount('event') === 0) return;
          const event = await toLiveEvent(envelope.type, envelope.payload);
          if (event) emitter.emit('event', event);
        },
      });
    },
    on(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    async stop() {
      await handle?.stop();
      handle = undefined;
      emitter.removeAllListeners();
    },
  };
}
