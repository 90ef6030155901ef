import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Queryable } from '@huiying/outbox';
import type { SlaReport } from '../http-schemas';
import { SlaReport as SlaReportSchema } from '../http-schemas';
import { PreparedJson } from '../prepared-json';
import { loadSlaReport } from './sla-report.query';

/** A computed report as the routes serve it: the JSON bytes (and their gzip), the object for the CSV. */
export interface PreparedReport {
  body: PreparedJson;
  report(): SlaReport;
}

export type ComputeReport = (month: string, department: string | null, now: Date) => Promise<PreparedReport>;

/** The PostgreSQL the report thread opens its own connections to (the same database and schema as the API's). */
export interface ReportDatabase {
  url: string;
  schema?: string | undefined;
}

export interface ReportJob {
  id: number;
  month: string;
  department: string | null;
  nowMs: number;
}
export type ReportThreadReply = { id: number; body: Uint8Array; gzipped: Uint8Array } | { id: number; error: string };
export interface ReportThreadData {
  database: ReportDatabase;
}

/** On the event loop (PGlite, or no database URL given): loaded, encoded and compressed in place. */
export function computeInProcess(db: Queryable): ComputeReport {
  return async (month, department, now) => {
    const report = await loadSlaReport(db, month, department, now);
    // Bytes, not a string: fastify would otherwise re-encode some 200 KB of UTF-8 on every response.
    const body = PreparedJson.of(JSON.stringify(SlaReportSchema.encode(report)));
    await body.gzipped();
    return { body, report: () => report };
  };
}

/** The report thread's nice value: a tenth of a core against a busy request thread (CFS weights 110 : 1024). */
export const REPORT_THREAD_NICE = 10;

// The thread runs TypeScript like the rest of the API: tsx's require hook, registered in the thread.
const BOOT = `const { workerData } = require('node:worker_threads'); require(workerData.tsx).register(); require(workerData.entry);`;

/**
 * Computes reports on a worker thread (one at a time, started on first use) with its own
 * connections: the API's event loop only receives the finished bytes. Jobs in flight when the
 * thread fails are rejected, and the next one starts a new thread.
 */
export class ReportWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: { body: Uint8Array; gzipped: Uint8Array }) => void; reject: (error: Error) => void }>();

  constructor(private readonly database: ReportDatabase) {}

  readonly compute: ComputeReport = async (month, department, now) => {
    const { body, gzipped } = await this.run({ month, department, nowMs: now.getTime() });
    const prepared = new PreparedJson(asBuffer(body), asBuffer(gzipped));
    let report: SlaReport | undefined;
    // Only the CSV export needs the object: parsed from the very bytes the JSON route serves.
    return { body: prepared, report: () => (report ??= JSON.parse(prepared.body.toString('utf8')) as SlaReport) };
  };

  /** Asks the thread to close its connections, and ends it if it does not within a second. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), 1000);
    await exited;
    clearTimeout(timer);
  }

  private run(job: Omit<ReportJob, 'id'>): Promise<{ body: Uint8Array; gzipped: Uint8Array }> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...job } satisfies ReportJob);
    });
  }

  private start(): Worker {
    const data: ReportThreadData & { tsx: string; entry: string } = {
      database: this.database,
      tsx: require.resolve('tsx/cjs/api'),
      entry: join(__dirname, 'report-thread.ts'),
    };
    // execArgv [] : the parent's loader flags (tsx's, jest's) are not the thread's business.
    const worker = new Worker(BOOT, { eval: true, workerData: data, execArgv: [] });
    // An idle thread keeps no process alive; a job in flight holds its caller's promise anyway.
    worker.unref();
    worker.on('message', (reply: ReportThreadReply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if ('error' in reply) job.reject(new Error(`SLA report: ${reply.error}`));
      else job.resolve(reply);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`SLA report thread exited (${code})`)));
    return worker;
  }
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
