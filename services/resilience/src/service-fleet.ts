// The pipeline's services as separate processes, the way they run in production, so a drill can
// SIGKILL one and start it again.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');

export const SERVICES = ['ingest', 'classifier', 'incidents', 'sla-timer', 'notifier'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface FleetOptions {
  /** Environment of every service (brokers, database, Redis); per-service extras below. */
  common: NodeJS.ProcessEnv;
  perService: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** Each service's stdout and stderr go to `<logDir>/<service>.log`, kept across restarts. */
  logDir: string;
}

export class ServiceFleet {
  private readonly children = new Map<ServiceName, ChildProcess>();
  private readonly logs = new Map<ServiceName, WriteStream>();
  /** Exits nobody asked for: a service that dies on its own during a drill is a finding. */
  readonly unexpectedExits: string[] = [];
  private readonly expected = new Set<ChildProcess>();

  constructor(private readonly options: FleetOptions) {}

  start(service: ServiceName): void {
    let log = this.logs.get(service);
    if (!log) {
      log = createWriteStream(path.join(this.options.logDir, `${service}.log`), { flags: 'a' });
      this.logs.set(service, log);
    }
    log.write(`\n--- start ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', `services/${service}/src/main.ts`], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        PORT: '0',
        LOG_LEVEL: 'warn',
        ...this.options.common,
        ...this.options.perService[service],
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('exit', (code, signal) => {
      if (!this.expected.has(child))
        this.unexpectedExits.push(`${service} exited by itself (code ${code}, signal ${signal})`);
    });
    this.children.set(service, child);
  }

  startAll(): void {
    for (const service of SERVICES) this.start(service);
  }

  /** SIGKILL: no shutdown hook runs, uncommitted offsets and in-flight work are lost. */
  async kill(service: ServiceName): Promise<void> {
    const child = this.children.get(service);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expected.add(child);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async killAll(): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.kill(s)));
    for (const log of this.logs.values()) log.end();
  }

  logFile(service: ServiceName): string {
    return path.join(this.options.logDir, `${service}.log`);
  }
}
