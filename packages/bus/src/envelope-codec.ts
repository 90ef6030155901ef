import { randomUUID } from 'node:crypto';
import type { Envelope, MessageDef } from '@huiying/contracts';
import type { z } from 'zod';
import type { PublishOptions } from './port';

/** A payload that does not fit its message definition: a bug in the producer, thrown before sending. */
export class InvalidMessageError extends Error {
  constructor(
    readonly topic: string,
    readonly problems: string,
  ) {
    super(`message for ${topic} does not match its schema: ${problems}`);
    this.name = 'InvalidMessageError';
  }
}

/**
 * Builds the envelope for one publish and validates it, so a bad payload never reaches the topic
 * (unless the caller vouches for it with `prevalidated`).
 */
export function buildEnvelope<P>(
  def: MessageDef<string, any>,
  payload: P,
  options: PublishOptions,
  producer: string,
  now: Date,
): Envelope<P> {
  const envelope: Envelope<P> = {
    type: def.type,
    version: def.version,
    id: options.id ?? randomUUID(),
    occurredAt: (options.occurredAt ?? now).toISOString(),
    producedAt: isoOf(now),
    traceId: options.traceId ?? randomUUID(),
    producer,
    payload,
  };
  // A prevalidated payload skips the pass: on ingestion it cost as much as the post's own validation.
  if (options.prevalidated) return envelope;
  const result = def.schema.safeParse(envelope);
  if (!result.success) throw new InvalidMessageError(def.topic, describeIssues(result.error));
  return envelope;
}

let lastMs = NaN;
let lastIso = '';
/** `now.toISOString()`, formatted once for the many envelopes of a batch that share `now`. */
function isoOf(now: Date): string {
  const ms = now.getTime();
  if (ms !== lastMs) [lastMs, lastIso] = [ms, now.toISOString()];
  return lastIso;
}

/** The bytes of an envelope on the wire, as text (a producer writes it into the record itself). */
export function encodeEnvelopeText(envelope: Envelope<unknown>): string {
  return JSON.stringify(envelope);
}

export function encodeEnvelope(envelope: Envelope<unknown>): Buffer {
  return Buffer.from(encodeEnvelopeText(envelope), 'utf8');
}

export type Decoded =
  | { ok: true; envelope: Envelope<unknown>; def: MessageDef<string, any> }
  | { ok: false; reason: string };

/**
 * Validates the bytes that arrived against the definitions consumed on their topic. A failure is
 * final: retrying the same bytes cannot make them valid, so the caller dead-letters at once.
 */
export function decodeEnvelope(
  value: Buffer | null,
  defs: ReadonlyArray<MessageDef<string, any>>,
): Decoded {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty message value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  // One topic may carry several message types; the envelope's own type picks the schema.
  const def = defs.length === 1 ? defs[0] : defs.find((d) => d.type === type);
  if (!def) return { ok: false, reason: `unknown message type ${JSON.stringify(type)}` };
  const result = def.schema.safeParse(json);
  if (!result.success) {
    return { ok: false, reason: `schema ${def.type} v${def.version}: ${describeIssues(result.error)}` };
  }
  return { ok: true, envelope: result.data as Envelope<unknown>, def };
}

/** A short, log-friendly account of what is wrong: the first few issues with their paths. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  const more = error.issues.length > 5 ? ` (+${error.issues.length - 5} more)` : '';
  return shown.join('; ') + more;
}
