import type { Bus, SubscriptionHandle } from '@huiying/bus';
import {
  AlertRecordedMessage,
  ClockEventMessage,
  SpikeDetectedMessage,
  type Alert,
  type ClockEventMessage as ClockEnvelope,
  type SpikeDetectedMessage as SpikeEnvelope,
} from '@huiying/contracts';
import { enqueueEvent, type OutboxRelay } from '@huiying/outbox';
import { markProcessed, type Db } from '@huiying/store';
import { consumerMetrics, type Logger } from '@huiying/telemetry';
import type { Registry } from 'prom-client';
import { startDelivery, type IntakeJobs, type IntakeOptions } from './alert-intake';
import { alertForClockEvent, alertForSpike } from './alert-rules';

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

/** Where an alert came from, for its row and its delivery. */
interface AlertSource {
  envelopeId: string;
  traceId: string;
  /** The alert's incident column: null for a disclosure request's or a watch scheme's alert. */
  incidentId: string | null;
  disclosureRequestId: string | null;
  departments: readonly string[];
  escalationStep: number;
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
  return storeAlert(db, alert, {
    envelopeId: envelope.id,
    traceId: envelope.traceId,
    incidentId: disclosureRequestId === null ? alert.incidentId : null,
    disclosureRequestId,
    departments: envelope.payload.departments,
    escalationStep: envelope.payload.escalationStep ?? 0,
  }, delivery);
}

/** Records the alert a post-volume spike calls for (see `alertForSpike`), as `recordAlert` does. */
export async function recordSpikeAlert(db: Db, envelope: SpikeEnvelope, now: Date, delivery?: IntakeOptions): Promise<RecordedAlert | null> {
  const spike = envelope.payload;
  const alert = alertForSpike(spike, envelope.id, now);
  return storeAlert(db, alert, {
    envelopeId: envelope.id,
    traceId: envelope.traceId,
    incidentId: spike.subject.kind === 'incident' ? spike.subject.id : null,
    disclosureRequestId: null,
    departments: spike.subject.departments,
    escalationStep: 0,
  }, delivery);
}

async function storeAlert(db: Db, alert: Alert, source: AlertSource, delivery?: IntakeOptions): Promise<RecordedAlert | null> {
  return db.transaction(async (tx) => {
    if (!(await markProcessed(tx, CONSUMER, source.envelopeId))) return null;
    const { rows } = await tx.query<{ inserted: boolean }>(
      `INSERT INTO alerts (id, key, incident_id, disclosure_request_id, clock_id, severity, title, body, drill, created_at, last_at, trace_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10,$11)
       ON CONFLICT (key) DO UPDATE SET count = alerts.count + 1, last_at = EXCLUDED.last_at
       RETURNING (xmax = 0) AS inserted`,
      [alert.id, alert.key, source.incidentId, source.disclosureRequestId, alert.clockId, alert.severity, alert.title, alert.body, alert.drill, alert.createdAt, source.traceId],
    );
    if (!rows[0]?.inserted) return null;
    await enqueueEvent(tx, { def: AlertRecordedMessage, payload: alert, key: alert.incidentId, traceId: source.traceId, id: `alert-${alert.id}` });
    const jobs = delivery ? await startDelivery(tx, alert, source.departments, source.escalationStep, delivery) : null;
    return { alert, jobs };
  });
}

export function createAlertRecorder(options: AlertRecorderOptions) {
  const metrics = consumerMetrics(options.registry);
  const now = options.now ?? (() => new Date());
  const handles: SubscriptionHandle[] = [];

  async function afterRecorded(topic: string, traceId: string, recorded: RecordedAlert | null): Promise<void> {
    metrics.handled.inc({ topic, outcome: recorded ? 'alerted' : 'no-alert' });
    if (!recorded) return;
    const { alert } = recorded;
    options.logger.info({ traceId, alertId: alert.id, incidentId: alert.incidentId, severity: alert.severity, drill: alert.drill }, alert.body);
    await options.relay.flush();
    if (recorded.jobs && options.delivery) await options.delivery.afterCommit(recorded.jobs);
  }

  return {
    async start() {
      const group = options.group ?? 'huiying-notifier';
      handles.push(
        await options.bus.subscribe({
          group,
          messages: [ClockEventMessage],
          handler: async (delivery) => {
            await afterRecorded(delivery.topic, delivery.envelope.traceId, await recordAlert(options.db, delivery.envelope, now(), options.delivery));
            return { outcome: 'ok' };
          },
        }),
        // Its own group: a spike backlog must not hold up clock alerts, nor the reverse.
        await options.bus.subscribe({
          group: `${group}-spikes`,
          messages: [SpikeDetectedMessage],
          handler: async (delivery) => {
            await afterRecorded(delivery.topic, delivery.envelope.traceId, await recordSpikeAlert(options.db, delivery.envelope, now(), options.delivery));
            return { outcome: 'ok' };
          },
        }),
      );
    },
    async stop() {
      for (const h of handles.splice(0)) await h.stop();
    },
  };
}
