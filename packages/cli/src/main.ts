import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS } from './commands';

const repoRoot = path.resolve(__dirname, '../../..');

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return ['usage: huiying <command> [options]', '', ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)].join('\n');
}

const [command, ...args] = process.argv.slice(2);
if (!command || command === '--help' || command === 'help') {
  process.stdout.write(usage() + '\n');
  process.exit(command ? 0 : 2);
}
const entry = COMMANDS[command];
if (!entry) {
  process.stderr.write(`huiying: unknown command "${command}"\n\n${usage()}\n`);
  process.exit(2);
}
const script = path.join(repoRoot, entry.script);
if (!existsSync(script)) {
  process.stderr.write(`huiying: the ${command} command's script is missing: ${entry.script}\n`);
  process.exit(2);
}
// Its own process: each tool owns process.argv and its exit code, as if run directly.
const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit', cwd: process.cwd() });
process.exit(result.status ?? 1);
