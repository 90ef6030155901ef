import type { IncidentEvent, IncidentSnapshot } from '@huiying/contracts';
import type { ClockPolicy } from '@huiying/deadlines';

/**
 * What of an incident `planClocks` reads: two snapshots with one fingerprint plan the same clocks
 * (given the same clocks). Title, places, departments and post count do not decide any clock (a
 * clock's events read the owner's title and departments from PostgreSQL when they are written),
 * and the classifier's confidence only counts against the provisional-start threshold.
 */
export function clockFingerprint(incident: IncidentSnapshot, policy: ClockPolicy): string {
  const confident = incident.levelConfidence >= policy.provisionalStart.minConfidence;
  return [
    incident.status,
    incident.level ?? '-',
    incident.levelConfirmed ? 'confirmed' : 'proposed',
    confident ? 'confident' : 'unsure',
    incident.importantOpinion ? 'important' : 'ordinary',
    Date.parse(incident.t0),
    incident.drill ? 'drill' : 'real',
  ].join('|');
}

/**
 * Whether an incident event can change any clock, given the fingerprint of the event just before
 * it for the same incident in the same partition, seen by this consumer (undefined: not known).
 *
 * Only a post joining through correlation (`updated` with `postIds`) may be passed over, and only
 * when nothing `planClocks` reads moved since the event before it. Every other kind, and an
 * `updated` from a person's edit, merge or split (no `postIds`), is always handled: a merge moves
 * the survivor's earliest t0 through the absorbed incident, which no fingerprint of the survivor
 * shows, and those events are rare.
 *
 * Why passing one over is safe: handling an event brings the clocks in line with the incident as
 * stored then (`applyIncidentState` reads PostgreSQL), which is the state of that event or a later
 * one; every change of a fingerprinted field comes as its own event, in order per incident, and
 * differs from the one before, so it is handled. Nothing needs recording for an event passed over:
 * `markProcessed` only spares repeating work, and repeating the reconciliation is harmless anyway
 * (it plans nothing when the clocks already fit), so a redelivered skipped event is simply passed
 * over, or handled, again.
 */
export function mattersToClocks(event: IncidentEvent, previousFingerprint: string | undefined, policy: ClockPolicy): boolean {
  if (event.kind !== 'updated' || !event.postIds || event.postIds.length === 0) return true;
  if (previousFingerprint === undefined) return true;
  return clockFingerprint(event.incident, policy) !== previousFingerprint;
}

/**
 * The last fingerprint of each incident, per partition, trusted only while this consumer saw the
 * partition without a gap: a run that does not start right after the last one this consumer
 * handled (another instance had the partition, a retry, a restart) forgets what it knew, so no
 * event is ever passed over against a state some other consumer handled.
 */
export class IncidentFingerprints {
  private readonly partitions = new Map<string, { nextOffset: bigint; byIncident: Map<string, string> }>();

  constructor(private readonly maxPerPartition = 50_000) {}

  /** The incidents' fingerprints for a run starting at `offset`, emptied if the run does not follow on. */
  forRun(topic: string, partition: number, offset: string): Map<string, string> {
    const key = `${topic}:${partition}`;
    const known = this.partitions.get(key);
    if (known && known.nextOffset === BigInt(offset) && known.byIncident.size <= this.maxPerPartition) return known.byIncident;
    const fresh = { nextOffset: BigInt(offset), byIncident: new Map<string, string>() };
    this.partitions.set(key, fresh);
    return fresh.byIncident;
  }

  /** After a run committed: the next run may follow on from `lastOffset`. */
  handled(topic: string, partition: number, lastOffset: string): void {
    const known = this.partitions.get(`${topic}:${partition}`);
    if (known) known.nextOffset = BigInt(lastOffset) + 1n;
  }

  /** A run failed or messages went one by one: what was known of the partition no longer holds. */
  forget(topic: string, partition: number): void {
    this.partitions.delete(`${topic}:${partition}`);
  }
}
