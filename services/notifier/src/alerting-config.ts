import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChannelsFile, EscalationChainsFile, RosterFile, type ChannelConfig } from '@huiying/alerting';
import type { z } from 'zod';

/** The duty roster, the escalation chains and the channels, validated together. */
export interface AlertingSetup {
  roster: RosterFile;
  chains: EscalationChainsFile;
  channels: ChannelConfig[];
}

/** A file that does not validate: every bad field named with its path. */
export class AlertingConfigError extends Error {
  override readonly name = 'AlertingConfigError';
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

/**
 * Replaces every string `env:NAME` with the variable's value, so secrets stay out of the files.
 * An unset variable leaves the field out: the readiness check then names the channel and what
 * it lacks, instead of the service refusing to start.
 */
export function resolveEnvReferences(value: unknown, environment: Record<string, string | undefined>): unknown {
  if (typeof value === 'string' && value.startsWith('env:')) return environment[value.slice(4)] || undefined;
  if (Array.isArray(value)) return value.map((v) => resolveEnvReferences(v, environment));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = resolveEnvReferences(v, environment);
      if (resolved !== undefined) out[k] = resolved;
    }
    return out;
  }
  return value;
}

function parseFile<S extends z.ZodType>(schema: S, file: string, environment: Record<string, string | undefined>): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AlertingConfigError(file, [(error as Error).message]);
  }
  const parsed = schema.safeParse(resolveEnvReferences(raw, environment));
  if (!parsed.success) throw new AlertingConfigError(file, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return parsed.data;
}

export const alertingFiles = (dir: string) => ({
  roster: join(dir, 'roster.json'),
  chains: join(dir, 'chains.json'),
  channels: join(dir, 'channels.json'),
});

export function loadAlertingSetup(dir: string, environment: Record<string, string | undefined> = process.env): AlertingSetup {
  const files = alertingFiles(dir);
  return {
    roster: parseFile(RosterFile, files.roster, environment),
    chains: parseFile(EscalationChainsFile, files.chains, environment),
    channels: parseFile(ChannelsFile, files.channels, environment).channels,
  };
}
