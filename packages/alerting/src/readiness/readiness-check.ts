import { allChains, type EscalationChainsFile } from '../escalation/chain-file';
import { findCoverageGaps } from '../roster/on-duty';
import type { Person, RosterFile } from '../roster/roster-file';
import { missingSecrets, type ChannelConfig } from '../channels/channel-config';
import { hasContactFor } from '../drill/channel-routing';
import { DAY_MS, formatShanghai } from '../time/shanghai-time';

export type ReadinessProblem =
  | { kind: 'no_working_channel'; chain: string; step: string; personId: string; message: string; why: string[] }
  | { kind: 'unknown_person'; chain: string; step: string; personId: string; message: string }
  | { kind: 'roster_gap'; chain: string; step: string; role: string; startMs: number; endMs: number; message: string }
  | { kind: 'channel_not_configured'; channelId: string; missing: string[]; message: string }
  | { kind: 'no_drill_channel'; message: string };

export interface ReadinessInput {
  roster: RosterFile;
  chains: EscalationChainsFile;
  channels: readonly ChannelConfig[];
  nowMs: number;
  /** How far ahead to look for stretches with nobody on duty. */
  horizonDays?: number;
}

/**
 * Everything that would make an alert reach nobody, found before an incident needs it: each
 * person a chain can name (by id, or by holding a duty role in any shift) must have at least one
 * live channel that is enabled, configured and has their contact.
 */
export function checkReadiness(input: ReadinessInput): ReadinessProblem[] {
  const problems: ReadinessProblem[] = [];
  const live = input.channels.filter((c) => c.audience === 'live');
  for (const c of input.channels) {
    const missing = missingSecrets(c);
    if (c.enabled && missing.length > 0)
      problems.push({ kind: 'channel_not_configured', channelId: c.id, missing, message: `通道 ${c.id} 缺少配置：${missing.join('、')}` });
  }
  if (!input.channels.some((c) => c.enabled && c.audience === 'drill' && missingSecrets(c).length === 0))
    problems.push({ kind: 'no_drill_channel', message: '没有可用的演练通道，演练预警将无处发送' });

  const byId = new Map(input.roster.people.map((p) => [p.id, p]));
  const checked = new Set<string>();
  const horizonEnd = input.nowMs + (input.horizonDays ?? 7) * DAY_MS;
  for (const { source, chain } of allChains(input.chains)) {
    for (const step of chain.steps) {
      for (const target of step.targets) {
        let people: Person[];
        if ('onDuty' in target) {
          const ids = new Set(input.roster.shifts.filter((s) => s.role === target.onDuty).flatMap((s) => s.personIds));
          people = input.roster.people.filter((p) => ids.has(p.id));
          for (const gap of findCoverageGaps(input.roster, target.onDuty, input.nowMs, horizonEnd)) {
            problems.push({
              kind: 'roster_gap',
              chain: source,
              step: step.label,
              role: target.onDuty,
              startMs: gap.startMs,
              endMs: gap.endMs,
              message: `${step.label}（${target.onDuty}）在 ${formatShanghai(gap.startMs)} 至 ${formatShanghai(gap.endMs)} 无人值班`,
            });
          }
        } else {
          const person = byId.get(target.personId);
          if (!person) {
            problems.push({
              kind: 'unknown_person',
              chain: source,
              step: step.label,
              personId: target.personId,
              message: `升级链 ${source} 的 ${step.label} 指向不存在的人员 ${target.personId}`,
            });
            continue;
          }
          people = [person];
        }
        for (const person of people) {
          const key = `${source}|${step.label}|${person.id}`;
          if (checked.has(key)) continue;
          checked.add(key);
          const why = whyUnreachable(person, live);
          if (why)
            problems.push({
              kind: 'no_working_channel',
              chain: source,
              step: step.label,
              personId: person.id,
              message: `${person.name}（${step.label}，升级链 ${source}）没有可用的通知通道`,
              why,
            });
        }
      }
    }
  }
  return problems;
}

/** Null when some channel works for the person; otherwise why each channel does not. */
function whyUnreachable(person: Person, live: readonly ChannelConfig[]): string[] | null {
  if (live.length === 0) return ['no live channel configured'];
  const why: string[] = [];
  for (const c of live) {
    if (!c.enabled) why.push(`${c.id}: disabled`);
    else if (missingSecrets(c).length > 0) why.push(`${c.id}: missing ${missingSecrets(c).join(', ')}`);
    else if (!hasContactFor(person, c.kind)) why.push(`${c.id}: no ${c.kind} contact`);
    else return null;
  }
  return why;
}
