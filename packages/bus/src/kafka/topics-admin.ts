import type { TopicSpec } from '@huiying/contracts';
import { ConfigResourceTypes, Kafka, type Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { installIdleRequestQueue } from './idle-request-queue';
import { KAFKAJS_LOG_LEVEL, kafkajsLogCreator } from './kafkajs-logger';

export interface TopicAdminOptions {
  brokers: string[];
  logger: Logger;
  clientId?: string;
}

export function createKafkaAdmin(options: TopicAdminOptions): Admin {
  installIdleRequestQueue();
  return new Kafka({
    clientId: options.clientId ?? 'huiying-admin',
    brokers: options.brokers,
    logLevel: KAFKAJS_LOG_LEVEL,
    logCreator: kafkajsLogCreator(options.logger),
  }).admin();
}

export interface EnsureTopicsReport {
  created: string[];
  /** Existing topics that got more partitions (never fewer: Kafka cannot shrink a topic). */
  grown: string[];
  /** Existing topics whose retention was set to the spec. */
  retentionSet: string[];
  unchanged: string[];
}

/**
 * Makes the broker's topics match the specs: creates the missing ones, grows partition counts,
 * sets retention. Safe to run again and again (at every start, in tests).
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  logger: Logger,
): Promise<EnsureTopicsReport> {
  const report: EnsureTopicsReport = { created: [], grown: [], retentionSet: [], unchanged: [] };
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    await admin.createTopics({
      // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker still
      // answers for a moment after creating the topic; waitForLeaders below tolerates it.
      waitForLeaders: false,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        configEntries: [{ name: 'retention.ms', value: String(s.retentionMs) }],
      })),
    });
    await waitForLeaders(admin, missing.map((s) => s.name));
    report.created.push(...missing.map((s) => s.name));
  }

  const present = specs.filter((s) => existing.has(s.name));
  if (present.length === 0) return report;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name, configNames: ['retention.ms'] })),
  });
  for (const spec of present) {
    let changed = false;
    const partitions = metadata.topics.find((t) => t.name === spec.name)?.partitions.length ?? 0;
    if (partitions < spec.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
      report.grown.push(spec.name);
      changed = true;
    } else if (partitions > spec.partitions) {
      logger.warn({ topic: spec.name, partitions, wanted: spec.partitions }, 'topic has more partitions than its spec; left as is');
    }
    const retention = configs.resources
      .find((r) => r.resourceName === spec.name)
      ?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
    if (retention !== String(spec.retentionMs)) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: spec.name, configEntries: [{ name: 'retention.ms', value: String(spec.retentionMs) }] },
        ],
      });
      report.retentionSet.push(spec.name);
      changed = true;
    }
    if (!changed) report.unchanged.push(spec.name);
  }
  return report;
}

/**
 * Polls the metadata until every partition of `topics` has a leader, so the first producer or
 * consumer after creation does not race the broker's election. Errors the broker gives while
 * the topics settle (unknown topic, no leader yet) are retried; the last one is reported.
 */
export async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const leaderless = metadata.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length === 0 && metadata.topics.length === topics.length) {
        // The metadata names a leader a moment before that broker serves the partition: a produce
        // then gets "not the leader" and kafkajs re-sends the whole request, partitions that had
        // succeeded included (duplicates on the topic). Reading every partition's offsets goes
        // to the leader itself and fails the same way until it is ready.
        for (const topic of topics) await admin.fetchTopicOffsets(topic);
        return;
      }
      last = `no leader yet for ${leaderless.map((t) => t.name).join(', ') || 'some topics'}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() + delay > deadline) throw new Error(`topics ${topics.join(', ')} had no leaders after ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
