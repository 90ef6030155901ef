import type { Bus, SubscriptionHandle } from '@huiying/bus';
import { AlertRecordedMessage, ClockEventMessage, type Alert, type ClockEventMessage as ClockEnvelope } from '@huiying/contracts';
import { enqueueEvent, type OutboxRelay } from '@huiying/outbox';
import { markProcessed, type Db } from '@huiying/store';
import { consumerMetrics, type Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import { alertForClockEvent } from './alert-rules';

export interface AlertRecorderOptions {
  bus: Bus;
  db: Db;
  relay: OutboxRelay;
  logger: Logger;
  registry: Registry;
  group?: string;
  now?: () => Date;
}

const CONSUMER = 'notifier';

/** Records every alert a clock event calls for; the same key again only raises its count. */
export async function recordAlert(db: Db, envelope: ClockEnvelope, now: Date): Promise<Alert | null> {
  const alert = alertForClockEvent(envelope.payload, envelope.id, now);
  if (!alert) return null;
  return db.transaction(async (tx) => {
    if (!(await markProcessed(tx, CONSUMER, envelope.id))) return null;
    const { rows } = await tx.query<{ inserted: boolean }>(
      `INSERT INTO alerts (id, key, incident_id, clock_id, severity, title, body, drill, created_at, last_at, trace_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9,$10)
       ON CONFLICT (key) DO UPDATE SET count = alerts.count + 1, last_at = EXCLUDED.last_at
       RETURNING (xmax = 0) AS inserted`,
      [alert.id, alert.key, alert.incidentId, alert.clockId, alert.severity, alert.title, alert.body, alert.drill, alert.createdAt, envelope.traceId],
    );
    if (!rows[0]?.inserted) return null;
    await enqueueEvent(tx, { def: AlertRecordedMessage, payload: alert, key: alert.incidentId, traceId: envelope.traceId, id: `alert-${alert.id}` });
    return alert;
  });
}

export function createAlertRecorder(options: AlertRecorderOptions) {
  const metrics = consumerMetrics(options.registry);
  const now = options.now ?? (() => new Date());
  let handle: SubscriptionHandle | undefined;
  return {
    async start() {
      handle = await options.bus.subscribe({
        group: options.group ?? 'huiying-notifier',
        messages: [ClockEventMessage],
        handler: async (delivery) => {
          const alert = await recordAlert(options.db, delivery.envelope, now());
          metrics.handled.inc({ topic: delivery.topic, outcome: alert ? 'alerted' : 'no-alert' });
          if (alert) {
            options.logger.info({ traceId: delivery.envelope.traceId, alertId: alert.id, incidentId: alert.incidentId, severity: alert.severity }, alert.body);
            await options.relay.flush();
          }
          return { outcome: 'ok' };
        },
      });
    },
    async stop() {
      await handle?.stop();
    },
  };
}
