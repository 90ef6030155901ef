/** A tiny flag parser: `--name value` pairs, repeated flags collected in order. */
export function parseArgs(argv: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const name = a.slice(2);
    const next = argv[i + 1];
    const value = next === undefined || next.startsWith('--') ? 'true' : (i++, next);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

export function one(args: Map<string, string[]>, name: string): string | undefined {
  return args.get(name)?.at(-1);
}
