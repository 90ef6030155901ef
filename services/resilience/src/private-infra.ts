// Private Kafka, Redis and PostgreSQL for fault drills: each on its own ports with its data under
// os.tmpdir(), so a drill can kill, restart or wipe them while other engineers' tests keep using
// the shared instances on 9092, 6379 and 5432.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../../..');

/** A port nothing listens on right now (the kernel's pick; a race is possible but rare). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** A broker from infra/kafka/kafka.sh on its own ports and data folder. */
export class PrivateKafka {
  private constructor(
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(dataDir: string): Promise<PrivateKafka> {
    const port = await freePort();
    let controller = await freePort();
    while (controller === port) controller = await freePort();
    return new PrivateKafka(port, {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_DATA_DIR: dataDir,
      // The drill runs five services and jest beside it on two cores: a small heap is enough.
      KAFKA_HEAP: '384m',
      KAFKA_START_TIMEOUT: '60',
    });
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  private async script(command: 'start' | 'stop'): Promise<void> {
    await run('bash', [path.join(repoRoot, 'infra/kafka/kafka.sh'), command], { env: this.env, timeout: 90_000 });
  }

  start = () => this.script('start');
  /** A controlled shutdown (SIGTERM, then SIGKILL after 30 s), as an operator's restart does. */
  stop = () => this.script('stop');
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** redis-server with its append-only file, as production must run it for BullMQ. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async create(dir: string): Promise<PrivateRedis> {
    mkdirSync(dir, { recursive: true });
    return new PrivateRedis(await freePort(), dir);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async cli(...args: string[]): Promise<string> {
    return (
      await run('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args], { timeout: 10_000 })
    ).stdout.trim();
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--maxmemory-policy',
        'noeviction',
        '--dir',
        this.dir,
        '--save',
        '',
        '--logfile',
        path.join(this.dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    await waitUntil(async () => (await this.cli('ping')) === 'PONG', `redis on ${this.port}`, 15_000);
  }

  /** A crash: SIGKILL, so only what the append-only file already holds survives. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** Every key gone: a replaced node, or an operator's FLUSHALL. Only ever on this private Redis. */
  async wipe(): Promise<void> {
    await this.cli('flushall');
  }

  async keyCount(): Promise<number> {
    return Number(await this.cli('dbsize'));
  }
}

/** Binaries of the newest PostgreSQL installed (Debian layout), or those on the PATH. */
function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(path.join(root, v, 'bin', name))) return path.join(root, v, 'bin', name);
  }
  return name;
}

/** A throwaway PostgreSQL cluster (initdb + pg_ctl), trust auth, database `postgres`. */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async create(dir: string): Promise<PrivatePostgres> {
    mkdirSync(dir, { recursive: true });
    const pg = new PrivatePostgres(await freePort(), dir);
    // PostgreSQL refuses to run as root: hand the folder to the postgres user and run as it.
    if (process.getuid?.() === 0) {
      chownSync(dir, ...pg.postgresIds());
      // mkdtemp makes 0700 folders: the postgres user must be able to pass through the parent.
      chmodSync(path.dirname(dir), 0o711);
    }
    await pg.as(postgresBin('initdb'), ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  private postgresIds(): [number, number] {
    const passwd = readFileSync('/etc/passwd', 'utf8');
    const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
    if (!line) throw new Error('running as root needs a postgres system user to run PostgreSQL');
    const [, , uid, gid] = line.split(':');
    return [Number(uid), Number(gid)];
  }

  private async as(bin: string, args: string[]): Promise<void> {
    const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
    await run(file, argv as string[], { timeout: 60_000 });
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    await this.as(postgresBin('pg_ctl'), [
      '-D',
      this.dataDir,
      '-o',
      options,
      '-l',
      path.join(this.dir, 'postgres.log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  }

  /** `immediate`: every server process quits at once and the next start runs crash recovery. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.as(postgresBin('pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']).catch(
      () => undefined,
    );
  }
}

export function removeQuietly(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
