/**
 * Every Kafka topic of the pipeline, declared once. `npm run topics:create` creates them from
 * this list; services never spell a topic name themselves.
 */
export const Topics = {
  /** Normalised posts from every connector (RSS, JSON pollers, webhook, file replay). Key: post id. */
  postsIngested: 'huiying.posts.ingested.v1',
  /** Posts with the classifier's verdict attached. Key: post id. */
  postsClassified: 'huiying.posts.classified.v1',
  /** Incident lifecycle events (opened, updated, confirmed, …). Key: incident id. */
  incidentEvents: 'huiying.incidents.events.v1',
  /** Response-clock events (started, warning, breached, met, …). Key: incident id. */
  clockEvents: 'huiying.clocks.events.v1',
  /** Alerts recorded by the notifier, for the console's live feed. Key: incident id. */
  alerts: 'huiying.alerts.v1',
  /** Statements published and press conferences held, from the drafting workflow. Key: incident id. */
  statementEvents: 'huiying.statements.events.v1',
  /** Sign-off steps past their deadline, for the notifier to escalate. Key: draft id. */
  signOffEvents: 'huiying.statements.sign-off.v1',
  /** Post-volume spikes of an incident or a watch scheme, for the notifier to escalate. Key: subject id. */
  spikes: 'huiying.spikes.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Each input topic has its dead-letter topic: rejected messages land there with their reason. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** How long the broker keeps messages; -1 keeps them forever. */
  retentionMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Partition counts bound how many instances of a consumer group can share the work: six lets
 * three classifier or incident instances take two partitions each.
 */
export const TopicSpecs: readonly TopicSpec[] = [
  { name: Topics.postsIngested, partitions: 6, retentionMs: 7 * DAY_MS },
  { name: Topics.postsClassified, partitions: 6, retentionMs: 7 * DAY_MS },
  { name: Topics.incidentEvents, partitions: 6, retentionMs: 30 * DAY_MS },
  { name: Topics.clockEvents, partitions: 6, retentionMs: 30 * DAY_MS },
  { name: Topics.alerts, partitions: 3, retentionMs: 30 * DAY_MS },
  { name: Topics.statementEvents, partitions: 3, retentionMs: 30 * DAY_MS },
  { name: Topics.signOffEvents, partitions: 3, retentionMs: 30 * DAY_MS },
  { name: Topics.spikes, partitions: 3, retentionMs: 30 * DAY_MS },
].flatMap((spec) => [
  spec,
  // Dead letters are evidence: kept longer than the input so someone can read and replay them.
  { name: deadLetterTopic(spec.name), partitions: 1, retentionMs: 90 * DAY_MS },
]);
