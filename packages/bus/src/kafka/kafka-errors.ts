/** Thrown when a topic is missing: the broker never creates topics on its own here. */
export class MissingTopicError extends Error {
  constructor(
    readonly topics: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`topic(s) ${topics.join(', ')} do not exist on the broker; create them with npm run topics:create`, options);
    this.name = 'MissingTopicError';
  }
}

/** kafkajs reports a missing topic as UNKNOWN_TOPIC_OR_PARTITION, phrased for brokers, not people. */
export function explainKafkaError(error: unknown, topics: readonly string[]): unknown {
  const type = (error as { type?: unknown; cause?: { type?: unknown } } | null)?.type;
  const causeType = (error as { cause?: { type?: unknown } } | null)?.cause?.type;
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || causeType === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new MissingTopicError(topics, { cause: error });
  }
  return error;
}
