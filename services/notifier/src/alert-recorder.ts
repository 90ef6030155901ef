import type { Bus, SubscriptionHandle } from '@huiying/bus';
import { AlertRecordedMessage, ClockEventMessage, type Alert, type ClockEventMessage as ClockEnvelope } from '@huiying/contracts';
import { enqueueEvent, type OutboxRelay } from '@huiying/outbox';
import { markProcessed, type Db } from '@huiying/store';
import { consumerMetrics, type Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import { startDelivery, type IntakeJobs, type IntakeOptions } from './alert-intake';
import { alertForClockEvent } from './alert-rules';

export interface AlertRecorderOptions {
  bus: Bus;
  db: Db;
  relay: OutboxRelay;
  logger: Logger;
  registry: Registry;
  group?: string;
  now?: () => Date;
  /** With this, each alert also starts its delivery (escalation snapshot, bundling). */
  delivery?: IntakeOptions & { afterCommit: (jobs: IntakeJobs) => Promise<void> };
}

const CONSUMER = 'notifier';

export interface RecordedAlert {
  alert: Alert;
  jobs: IntakeJobs | null;
}

/**
 * Records every alert a clock event calls for, with the console's live-feed event, in one
 * transaction; the same key again only raises its count. With `delivery`, the alert's delivery
 * starts in the same transaction, so an alert is never recorded without its escalation.
 */
export async function recordAlert(db: Db, envelope: ClockEnvelope, now: Date, delivery?: IntakeOptions): Promise<RecordedAlert | null> {
  const alert = alertForClockEvent(envelope.payload, envelope.id, now);
  if (!alert) return null;
  const disclosureRequestId = envelope.payload.clock.disclosureRequestId ?? null;
  return db.transaction(async (tx) => {
    if (!(await markProcessed(tx, CONSUMER, envelope.id))) return null;
    const { rows } = await tx.query<{ inserted: boolean }>(
      `INSERT INTO alerts (id, key, incident_id, disclosure_request_id, clock_id, severity, title, body, drill, created_at, last_at, trace_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10,$11)
       ON CONFLICT (key) DO UPDATE SET count = alerts.count + 1, last_at = EXCLUDED.last_at
       RETURNING (xmax = 0) AS inserted`,
      [alert.id, alert.key, disclosureRequestId === null ? alert.incidentId : null, disclosureRequestId, alert.clockId, alert.severity, alert.title, alert.body, alert.drill, alert.createdAt, envelope.traceId],
    );
    if (!rows[0]?.inserted) return null;
    await enqueueEvent(tx, { def: AlertRecordedMessage, payload: alert, key: alert.incidentId, traceId: envelope.traceId, id: `alert-${alert.id}` });
    const jobs = delivery ? await startDelivery(tx, alert, envelope.payload.departments, envelope.payload.escalationStep ?? 0, delivery) : null;
    return { alert, jobs };
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
          const recorded = await recordAlert(options.db, delivery.envelope, now(), options.delivery);
          metrics.handled.inc({ topic: delivery.topic, outcome: recorded ? 'alerted' : 'no-alert' });
          if (recorded) {
            const { alert } = recorded;
            options.logger.info({ traceId: delivery.envelope.traceId, alertId: alert.id, incidentId: alert.incidentId, severity: alert.severity, drill: alert.drill }, alert.body);
            await options.relay.flush();
            if (recorded.jobs && options.delivery) await options.delivery.afterCommit(recorded.jobs);
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
