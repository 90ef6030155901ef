import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { z } from 'zod';

/** `packages/statements/templates`: the Chinese defaults an admin edits. */
export const DEFAULT_TEMPLATES_DIR = resolve(__dirname, '../../templates');

export const StatementKind = z.enum(['situation_report', 'rebuttal', 'press_notice', 'policy_interpretation']);
export type StatementKind = z.infer<typeof StatementKind>;

/** The clock stages a release of each kind answers (see services/sla-timer). */
export const ClockStage = z.enum(['statement', 'press_conference', 'response', 'continued_release']);
export type ClockStage = z.infer<typeof ClockStage>;

const TemplateField = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/),
  label: z.string().min(1),
  required: z.boolean(),
});
export type TemplateField = z.infer<typeof TemplateField>;

const CatalogEntry = z.object({
  kind: StatementKind,
  name: z.string().min(1),
  file: z.string().regex(/^[a-z0-9-]+\.md$/),
  /** Handlebars, like the body: the statement's headline. */
  title: z.string().min(1),
  /** The clocks a release of this kind serves, most urgent first; the sign-off deadlines follow the first running one. */
  stages: z.array(ClockStage),
  fields: z.array(TemplateField).min(1),
});
const CatalogFile = z.object({ templates: z.array(CatalogEntry).min(1) });

export type FieldValues = Record<string, string>;

export interface StatementTemplate {
  kind: StatementKind;
  name: string;
  stages: ClockStage[];
  fields: TemplateField[];
  /** Fills the template; a required field left empty shows as 【待填写：label】 so no gap is silent. */
  render(values: FieldValues): { title: string; body: string };
}

export type TemplateCatalog = ReadonlyMap<StatementKind, StatementTemplate>;

/** The field names a template refers to, from Handlebars' own parse tree. */
function referencedNames(source: string): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const n = node as { type?: string; original?: unknown; head?: unknown; parts?: unknown };
    if (n.type === 'PathExpression' && typeof n.original === 'string') names.add(n.original);
    for (const value of Object.values(node)) if (typeof value === 'object') visit(value);
  };
  visit(Handlebars.parse(source));
  return names;
}

/**
 * Text, not HTML: nothing is escaped here (feeds and the console escape for their medium), only
 * the built-in `if` / `each` / `unless` / `with` helpers exist, and prototype access stays off.
 */
function compile(source: string, file: string, fields: TemplateField[]): HandlebarsTemplateDelegate {
  const declared = new Set(fields.map((f) => f.name));
  const builtins = new Set(['if', 'unless', 'each', 'with', 'this']);
  const unknown = [...referencedNames(source)].filter((n) => !declared.has(n) && !builtins.has(n));
  if (unknown.length > 0) throw new Error(`statements: template ${file} uses undeclared field(s) ${unknown.join(', ')}`);
  return Handlebars.compile(source, { noEscape: true, strict: false, knownHelpersOnly: true });
}

export function buildTemplate(entry: z.infer<typeof CatalogEntry>, bodySource: string): StatementTemplate {
  const body = compile(bodySource, entry.file, entry.fields);
  const title = compile(entry.title, `${entry.file} (title)`, entry.fields);
  return {
    kind: entry.kind,
    name: entry.name,
    stages: entry.stages,
    fields: entry.fields,
    render(values) {
      const filled: FieldValues = {};
      for (const field of entry.fields) {
        const value = values[field.name]?.trim() ?? '';
        filled[field.name] = value !== '' ? value : field.required ? `【待填写：${field.label}】` : '';
      }
      return { title: title(filled).trim(), body: body(filled).replace(/\n{3,}/g, '\n\n').trim() + '\n' };
    },
  };
}

/** Reads `catalog.json` and its bodies; a bad file stops the caller with the file and the reason. */
export function loadTemplateCatalog(directory: string = DEFAULT_TEMPLATES_DIR): TemplateCatalog {
  const parsed = CatalogFile.safeParse(JSON.parse(readFileSync(join(directory, 'catalog.json'), 'utf8')));
  if (!parsed.success) throw new Error(`statements: ${join(directory, 'catalog.json')}: ${parsed.error.message}`);
  const catalog = new Map<StatementKind, StatementTemplate>();
  for (const entry of parsed.data.templates) {
    if (catalog.has(entry.kind)) throw new Error(`statements: template kind ${entry.kind} is declared twice`);
    catalog.set(entry.kind, buildTemplate(entry, readFileSync(join(directory, entry.file), 'utf8')));
  }
  return catalog;
}
