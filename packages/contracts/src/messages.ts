import { z } from 'zod';
import { Alert } from './alert';
import { Classification } from './classification';
import { ClockEvent } from './clock';
import { defineMessage, type Envelope } from './envelope';
import { IncidentEvent } from './incident';
import { Post } from './post';
import { SpikeDetected } from './spike';
import { SignOffOverdue, StatementEvent } from './statement';
import { Topics } from './topics';

export const PostIngestedMessage = defineMessage({
  topic: Topics.postsIngested,
  type: 'post.ingested',
  version: 1,
  payload: Post,
});
export type PostIngestedMessage = Envelope<Post>;

export const PostClassifiedPayload = z.object({ post: Post, classification: Classification });
export type PostClassifiedPayload = z.infer<typeof PostClassifiedPayload>;
export const PostClassifiedMessage = defineMessage({
  topic: Topics.postsClassified,
  type: 'post.classified',
  version: 1,
  payload: PostClassifiedPayload,
});
export type PostClassifiedMessage = Envelope<PostClassifiedPayload>;

export const IncidentEventMessage = defineMessage({
  topic: Topics.incidentEvents,
  type: 'incident.event',
  version: 1,
  payload: IncidentEvent,
});
export type IncidentEventMessage = Envelope<IncidentEvent>;

export const ClockEventMessage = defineMessage({
  topic: Topics.clockEvents,
  type: 'clock.event',
  version: 1,
  payload: ClockEvent,
});
export type ClockEventMessage = Envelope<ClockEvent>;

export const AlertRecordedMessage = defineMessage({
  topic: Topics.alerts,
  type: 'alert.recorded',
  version: 1,
  payload: Alert,
});
export type AlertRecordedMessage = Envelope<Alert>;

export const StatementEventMessage = defineMessage({
  topic: Topics.statementEvents,
  type: 'statement.event',
  version: 1,
  payload: StatementEvent,
});
export type StatementEventMessage = Envelope<StatementEvent>;

export const SignOffOverdueMessage = defineMessage({
  topic: Topics.signOffEvents,
  type: 'statement.sign_off_overdue',
  version: 1,
  payload: SignOffOverdue,
});
export type SignOffOverdueMessage = Envelope<SignOffOverdue>;

export const SpikeDetectedMessage = defineMessage({
  topic: Topics.spikes,
  type: 'spike.detected',
  version: 1,
  payload: SpikeDetected,
});
export type SpikeDetectedMessage = Envelope<SpikeDetected>;

/** Every message definition, for tools that route by type (the outbox relay, the DLQ reader). */
export const AllMessages = [
  PostIngestedMessage,
  PostClassifiedMessage,
  IncidentEventMessage,
  ClockEventMessage,
  AlertRecordedMessage,
  StatementEventMessage,
  SignOffOverdueMessage,
  SpikeDetectedMessage,
] as const;

export function messageDefByType(type: string) {
  return AllMessages.find((def) => def.type === type);
}
