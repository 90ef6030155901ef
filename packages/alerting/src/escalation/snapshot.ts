import { onDutyAt } from '../roster/on-duty';
import type { Person, RosterFile } from '../roster/roster-file';
import { chainForDepartments, type EscalationChainsFile, type EscalationSnapshot } from './chain-file';

export interface SnapshotInput {
  chains: EscalationChainsFile;
  roster: RosterFile;
  departments: readonly string[];
  /** The alert's start: on-duty roles are resolved at this instant. */
  startedAtMs: number;
}

export function snapshotEscalation(input: SnapshotInput): EscalationSnapshot {
  const { source, chain } = chainForDepartments(input.chains, input.departments);
  const byId = new Map(input.roster.people.map((p) => [p.id, p]));
  const steps: EscalationSnapshot['steps'] = [];
  const skipped: EscalationSnapshot['skipped'] = [];
  for (const step of chain.steps) {
    const found: Person[] = [];
    const missing: string[] = [];
    for (const target of step.targets) {
      if ('onDuty' in target) {
        const duty = onDutyAt(input.roster, target.onDuty, input.startedAtMs);
        if (duty.people.length === 0) missing.push(`nobody on duty as ${target.onDuty}`);
        found.push(...duty.people);
      } else {
        const person = byId.get(target.personId);
        if (person) found.push(person);
        else missing.push(`unknown person ${target.personId}`);
      }
    }
    const recipients = dedupeById(found).map((p) => structuredClone(p));
    if (recipients.length > 0) steps.push({ label: step.label, recipients });
    else skipped.push({ label: step.label, reason: missing.join('; ') });
  }
  return { version: 1, chainSource: source, takenAt: new Date(input.startedAtMs).toISOString(), steps, skipped };
}

function dedupeById(people: Person[]): Person[] {
  const seen = new Set<string>();
  return people.filter((p) => (seen.has(p.id) ? false : (seen.add(p.id), true)));
}
