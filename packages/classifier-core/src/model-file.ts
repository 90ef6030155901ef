import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { deserializeModel, type LinearModel, type SerializedModel } from './linear-model';

/** The committed model file: one linear model per task, with its decision threshold. */
export interface ModelFile {
  format: 1;
  featureBits: number;
  emergency: SerializedModel & { threshold: number };
  rumor: SerializedModel & { threshold: number };
  /** How it was made: command, data files and their sha256, split, options, CV figures. */
  provenance: Record<string, unknown>;
}

export interface LoadedModels {
  emergency: LinearModel & { threshold: number };
  rumor: LinearModel & { threshold: number };
  featureBits: number;
  /** First 12 hex digits of the file's sha256: part of the classifier version. */
  digest: string;
}

export const DEFAULT_MODEL_PATH = path.join(__dirname, '..', 'data', 'model.json');

export function loadModelFile(file: string = DEFAULT_MODEL_PATH): LoadedModels | null {
  if (!fs.existsSync(file)) return null;
  const raw = fs.readFileSync(file, 'utf8');
  return parseModelFile(raw);
}

export function parseModelFile(raw: string): LoadedModels {
  const m = JSON.parse(raw) as ModelFile;
  if (m.format !== 1) throw new Error(`model file format ${String(m.format)} is not supported`);
  return {
    featureBits: m.featureBits,
    emergency: { ...deserializeModel(m.emergency), threshold: m.emergency.threshold },
    rumor: { ...deserializeModel(m.rumor), threshold: m.rumor.threshold },
    digest: createHash('sha256').update(raw).digest('hex').slice(0, 12),
  };
}
