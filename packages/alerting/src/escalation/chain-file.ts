import { z } from 'zod';
import { DutyRole, Person } from '../roster/roster-file';

/** Whoever holds a duty role when the alert starts, or one named person. */
export const ChainTarget = z.union([
  z.object({ onDuty: DutyRole }).strict(),
  z.object({ personId: z.string().min(1) }).strict(),
]);
export type ChainTarget = z.infer<typeof ChainTarget>;

export const ChainStep = z.object({
  /** How the step is named in messages, e.g. 值班员, 新闻办主任, 分管领导. */
  label: z.string().min(1),
  targets: z.array(ChainTarget).min(1),
});
export type ChainStep = z.infer<typeof ChainStep>;

export const EscalationChain = z.object({ steps: z.array(ChainStep).min(1) });
export type EscalationChain = z.infer<typeof EscalationChain>;

/** The default chain: duty officer → news office director → leader, each by duty role. */
export const DEFAULT_ESCALATION_CHAIN: EscalationChain = {
  steps: [
    { label: '值班员', targets: [{ onDuty: 'duty_officer' }] },
    { label: '新闻办主任', targets: [{ onDuty: 'news_office_director' }] },
    { label: '分管领导', targets: [{ onDuty: 'leader' }] },
  ],
};

/** Escalation chains file: one chain per department, and the one used when none matches. */
export const EscalationChainsFile = z.object({
  version: z.literal(1),
  default: EscalationChain.default(DEFAULT_ESCALATION_CHAIN),
  /** Keyed by department name as incidents carry it, e.g. `市应急局`. */
  departments: z.record(z.string().min(1), EscalationChain).default({}),
});
export type EscalationChainsFile = z.infer<typeof EscalationChainsFile>;

export interface ChosenChain {
  /** The department whose chain applies, or `default`. */
  source: string;
  chain: EscalationChain;
}

/** The first of the incident's departments that has a chain decides; otherwise the default. */
export function chainForDepartments(chains: EscalationChainsFile, departments: readonly string[]): ChosenChain {
  for (const d of departments) {
    const chain = chains.departments[d];
    if (chain) return { source: d, chain };
  }
  return { source: 'default', chain: chains.default };
}

/** Every chain in the file with the name it is reported under. */
export function allChains(chains: EscalationChainsFile): ChosenChain[] {
  return [
    { source: 'default', chain: chains.default },
    ...Object.entries(chains.departments).map(([source, chain]) => ({ source, chain })),
  ];
}

/**
 * A chain frozen when an alert starts: the persons themselves (with their contacts) rather than
 * roles or ids, so later roster or chain edits do not change a running escalation. Stored as JSON
 * beside the alert; validate it when read back.
 */
export const EscalationSnapshot = z.object({
  version: z.literal(1),
  chainSource: z.string(),
  takenAt: z.iso.datetime({ offset: true }),
  /** Only steps that reached somebody; escalation moves through these. */
  steps: z.array(z.object({ label: z.string(), recipients: z.array(Person).min(1) })),
  /** Steps that resolved to nobody when the alert started (a roster gap), kept for the log. */
  skipped: z.array(z.object({ label: z.string(), reason: z.string() })),
});
export type EscalationSnapshot = z.infer<typeof EscalationSnapshot>;
