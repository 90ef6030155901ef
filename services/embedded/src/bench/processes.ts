import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../../../..');

/** One service process, started as it is deployed: `node --import tsx services/<name>/src/main.ts`. */
export interface ServiceProcess {
  /** ingest, classifier-1, … */
  label: string;
  service: string;
  port: number;
  child: ChildProcess;
  /** Highest resident set seen by `sampleRss`, MB. */
  peakRssMb: number;
  /** CPU time used so far (user + system), seconds, as of the last `sampleRss`. */
  cpuSeconds: number;
  /** Last lines it wrote to stderr/stdout, for a failure report. */
  tail: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function startService(
  label: string,
  service: string,
  port: number,
  env: Record<string, string>,
): ServiceProcess {
  // BENCH_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to every service process.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const child = spawn(
    process.execPath,
    [...flags, '--import', 'tsx', path.join(REPO, 'services', service, 'src/main.ts')],
    {
      cwd: REPO,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const proc: ServiceProcess = { label, service, port, child, peakRssMb: 0, cpuSeconds: 0, tail: [] };
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      proc.tail.push(line.slice(0, 500));
      if (proc.tail.length > 30) proc.tail.shift();
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${label}] ${line}\n`);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A service that dies mid-run would otherwise only show as a stage that never drains.
  child.once('exit', (code, signal) => {
    if (signal === 'SIGTERM' || signal === 'SIGKILL' || stopping.has(child)) return;
    process.stderr.write(`${label} exited (${code ?? signal}); its last lines:\n${proc.tail.join('\n')}\n`);
  });
  return proc;
}

/** Waits for `/readyz` to answer 200 (the service opened everything and joined its groups). */
export async function waitReady(proc: ServiceProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const url =
    proc.service === 'ingest' ? `http://127.0.0.1:${proc.port}/readyz` : `http://127.0.0.1:${proc.port}/readyz`;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null)
      throw new Error(`${proc.label} exited with ${proc.child.exitCode}:\n${proc.tail.join('\n')}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${proc.label} not ready within ${timeoutMs} ms:\n${proc.tail.join('\n')}`);
}

/** Resident set of each process now, MB (from /proc), the peak so far, and CPU time used. */
export function sampleRss(procs: readonly ServiceProcess[]): void {
  for (const proc of procs) {
    if (proc.child.pid === undefined || proc.child.exitCode !== null) continue;
    try {
      const status = readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      proc.peakRssMb = Math.max(proc.peakRssMb, Math.round(kb / 1024));
      // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime, stime in ticks.
      const stat = readFileSync(`/proc/${proc.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      proc.cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // exited between the check and the read
    }
  }
}

/**
 * CPU seconds used so far by the shared infrastructure of this box (Kafka, Redis, PostgreSQL),
 * from /proc: every process whose name matches, plus what PostgreSQL's postmaster collected from
 * backends that already exited (their time would otherwise vanish between two samples). Other
 * users of the same broker and databases count too: read it against a quiet box.
 */
export function infraCpuSeconds(): Record<string, number> {
  const out: Record<string, number> = { kafka: 0, redis: 0, postgres: 0 };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14–17: utime, stime, cutime, cstime (ticks); 4: parent pid.
      let ticks = Number(fields[11]) + Number(fields[12]);
      let which: string | undefined;
      if (name === 'redis-server') which = 'redis';
      else if (name === 'postgres') {
        which = 'postgres';
        if (fields[1] === '1') ticks += Number(fields[13]) + Number(fields[14]);
      } else if (name === 'java' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kafka.Kafka'))
        which = 'kafka';
      if (which) out[which]! += ticks / 100;
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

/** Sum of `huiying_messages_handled_total` by outcome, from the process's /metrics. */
export async function handledCounts(proc: ServiceProcess): Promise<Record<string, number>> {
  const response = await fetch(`http://127.0.0.1:${proc.port}/metrics`);
  const text = await response.text();
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^huiying_messages_handled_total\{([^}]*)\}\s+([0-9.e+]+)/.exec(line);
    if (!match) continue;
    const outcome = /outcome="([^"]*)"/.exec(match[1]!)?.[1] ?? '?';
    counts[outcome] = (counts[outcome] ?? 0) + Number(match[2]);
  }
  return counts;
}

/** SIGTERM (the service drains and closes in order), SIGKILL if it is still there after `graceMs`. */
/** Children being stopped on purpose: their exit is not news. */
const stopping = new WeakSet<ChildProcess>();

export async function stopService(proc: ServiceProcess, graceMs = 15_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  stopping.add(proc.child);
  const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
