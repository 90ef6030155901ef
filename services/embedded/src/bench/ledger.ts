/**
 * What the bench sent and what came out, reconciled: the webhook's 202s on one side, the posts,
 * incident memberships, incident events and alerts on the other. Pure: the bench fills it from
 * HTTP answers, a Kafka consumer and SQL, and this decides what is lost, duplicated and late.
 */

export interface StoredPost {
  id: string;
  /** When the incident service stored it (ms). */
  storedAt: number;
  flagged: boolean;
  /** Level I/II at the confidence that starts clocks provisionally. */
  startsClocks: boolean;
}

export interface Membership {
  postId: string;
  incidentId: string;
  joinedAt: number;
}

export interface Reconciliation {
  accepted: number;
  /** Accepted posts never stored, plus stored flagged posts in no incident. */
  lost: string[];
  /** Posts announced in more than one incident, or stored in one and announced in another. */
  duplicates: string[];
  /** Came out but were never accepted (or accepted by an earlier run). */
  unexpected: number;
  /** Alert latency samples: first alert of an incident minus the 202 of the post that made it major. */
  alertLatenciesMs: number[];
  /** The sample behind each alert latency: the incident, the post that made it major, both times. */
  alertTriggers: AlertTrigger[];
  /** 202 → stored by the incident service, every post. */
  storedLatenciesMs: number[];
  /** 202 → in its incident, flagged posts. */
  incidentLatenciesMs: number[];
  incidents: number;
  incidentsWithAlert: number;
  /** Incidents with an alert but no post that explains it (should be 0). */
  unexplainedAlerts: number;
}

export function reconcile(input: {
  /** post id → when its 202 arrived (ms). */
  accepted: ReadonlyMap<string, number>;
  stored: readonly StoredPost[];
  memberships: readonly Membership[];
  /** post id → every incident id an incident event named it in. */
  announced: ReadonlyMap<string, ReadonlySet<string>>;
  /** incident id → when its first alert was recorded (ms). */
  firstAlertAt: ReadonlyMap<string, number>;
}): Reconciliation {
  const { accepted } = input;
  const stored = new Map(input.stored.map((p) => [p.id, p]));
  const memberOf = new Map(input.memberships.map((m) => [m.postId, m]));
  const lost: string[] = [];
  const duplicates: string[] = [];
  const storedLatenciesMs: number[] = [];
  const incidentLatenciesMs: number[] = [];
  for (const [id, at] of accepted) {
    const post = stored.get(id);
    if (!post) {
      lost.push(id);
      continue;
    }
    storedLatenciesMs.push(post.storedAt - at);
    const membership = memberOf.get(id);
    if (post.flagged && !membership) lost.push(id);
    if (membership) incidentLatenciesMs.push(membership.joinedAt - at);
    const named = new Set(input.announced.get(id) ?? []);
    if (membership) named.add(membership.incidentId);
    if (named.size > 1) duplicates.push(id);
  }
  let unexpected = 0;
  for (const id of stored.keys()) if (!accepted.has(id)) unexpected++;

  // The post that made an incident major is its earliest-accepted post that starts clocks.
  // Incidents of other phases (another ledger) are left out.
  const trigger = new Map<string, { at: number; postId: string }>();
  const touched = new Set<string>();
  for (const m of input.memberships) {
    const post = stored.get(m.postId);
    const at = accepted.get(m.postId);
    if (at !== undefined) touched.add(m.incidentId);
    if (!post?.startsClocks || at === undefined) continue;
    const seen = trigger.get(m.incidentId);
    if (seen === undefined || at < seen.at) trigger.set(m.incidentId, { at, postId: m.postId });
  }
  const alertLatenciesMs: number[] = [];
  const alertTriggers: AlertTrigger[] = [];
  let unexplainedAlerts = 0;
  for (const [incidentId, alertAt] of input.firstAlertAt) {
    if (!touched.has(incidentId)) continue;
    const cause = trigger.get(incidentId);
    if (cause === undefined) unexplainedAlerts++;
    else {
      alertLatenciesMs.push(alertAt - cause.at);
      alertTriggers.push({ incidentId, postId: cause.postId, acceptedAt: cause.at, alertAt });
    }
  }
  return {
    accepted: accepted.size,
    lost,
    duplicates,
    unexpected,
    alertLatenciesMs,
    alertTriggers,
    storedLatenciesMs,
    incidentLatenciesMs,
    incidents: touched.size,
    incidentsWithAlert: [...input.firstAlertAt.keys()].filter((id) => touched.has(id)).length,
    unexplainedAlerts,
  };
}

export interface AlertTrigger {
  incidentId: string;
  postId: string;
  /** The trigger post's 202 (ms). */
  acceptedAt: number;
  /** The incident's first clock alert (ms). */
  alertAt: number;
}

/**
 * When each stage handed a message on (ms): the producer's time of the Kafka record, or of the
 * envelope. With the 202, the stored time and the alert time they split 202 → alert into hops.
 */
export interface HopStamps {
  /** post id → its posts.ingested record produced (ingest). */
  ingested: ReadonlyMap<string, number>;
  /** post id → its posts.classified record produced (classifier). */
  classified: ReadonlyMap<string, number>;
  /** post id → the first incident event naming it produced (incidents' outbox relay). */
  announced: ReadonlyMap<string, number>;
  /** incident id → its first event at level I/II with the confidence that starts clocks. */
  major: ReadonlyMap<string, number>;
  /** incident id → its first clock `started` event produced (sla-timer's outbox relay). */
  clockStarted: ReadonlyMap<string, number>;
}

/** The hops of 202 → clock alert, in pipeline order; their sum is the whole latency. */
export const ALERT_HOPS = [
  '202 → classified',
  'classified → stored',
  'stored → incident event',
  // Not a queue: the incident's level reaches I/II only when its posts say so (often at once).
  'incident event → incident major',
  'incident major → clock started',
  'clock started → alert',
] as const;

/**
 * Per hop, p50/p99/max over the alerts whose every stamp is known, and how many were complete.
 * Also `produced → 202`: how long ingest held the 202 after producing (its batching and acks).
 */
export function alertHops(
  triggers: readonly AlertTrigger[],
  storedAt: ReadonlyMap<string, number>,
  stamps: HopStamps,
): { complete: number; hops: Record<string, ReturnType<typeof summary>> } {
  const samples: Record<string, number[]> = { 'produced → 202': [] };
  for (const hop of ALERT_HOPS) samples[hop] = [];
  let complete = 0;
  for (const t of triggers) {
    const points = [
      t.acceptedAt,
      stamps.classified.get(t.postId),
      storedAt.get(t.postId),
      stamps.announced.get(t.postId),
      stamps.major.get(t.incidentId),
      stamps.clockStarted.get(t.incidentId),
      t.alertAt,
    ];
    if (points.some((p) => p === undefined)) continue;
    complete++;
    ALERT_HOPS.forEach((hop, i) => samples[hop]!.push(points[i + 1]! - points[i]!));
    const ingested = stamps.ingested.get(t.postId);
    if (ingested !== undefined) samples['produced → 202']!.push(t.acceptedAt - ingested);
  }
  return { complete, hops: Object.fromEntries(Object.entries(samples).map(([hop, v]) => [hop, summary(v)])) };
}

/** Nearest-rank quantile (0 for no samples). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** p50 / p99 / max, rounded to the millisecond. */
export function summary(values: readonly number[]): { n: number; p50: number; p99: number; max: number } {
  return {
    n: values.length,
    p50: Math.round(quantile(values, 0.5)),
    p99: Math.round(quantile(values, 0.99)),
    max: Math.round(quantile(values, 1)),
  };
}
