/**
 * The SLA report's worker thread: reads a month on its own connections, computes, encodes and
 * compresses it, and hands back only the bytes. Its allocations and collections are on its own
 * heap: on the API's event loop a refresh of the city's month (half a second of CPU and a large
 * part of the garbage collector's work) was what the other requests waited behind (p99).
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { openDatabase } from '@huiying/store';
import { SlaReport } from '../http-schemas';
import { loadSlaReport } from './sla-report.query';
import { REPORT_THREAD_NICE, type ReportJob, type ReportThreadData, type ReportThreadReply } from './report-worker';

// A lower CPU priority for this thread only (Linux nice is per thread): on a busy machine the
// event loop that answers requests gets the core first; the stale report is served meanwhile.
try {
  setPriority(REPORT_THREAD_NICE);
} catch {
  // Not permitted here: the thread just runs at the process's priority.
}
const port = parentPort!;
const { database } = workerData as ReportThreadData;
// Opened once for the thread's life; a failure is reported with the job that needed it.
const db = openDatabase({ url: database.url, schema: database.schema, maxConnections: 3 });
db.catch(() => undefined);

port.on('message', (message: ReportJob | 'close') => {
  if (message === 'close') {
    void db.then((d) => d.close()).finally(() => port.close());
    return;
  }
  void compute(message).then((reply) => port.postMessage(reply));
});

async function compute(job: ReportJob): Promise<ReportThreadReply> {
  try {
    const report = await loadSlaReport(await db, job.month, job.department, new Date(job.nowMs));
    // Checked and encoded by the route's response schema, as the route itself did.
    const body = Buffer.from(JSON.stringify(SlaReport.encode(report)), 'utf8');
    // Copied, not transferred, when posted: a small Buffer may share Node's pool with others.
    return { id: job.id, body, gzipped: gzipSync(body, { level: 6 }) };
  } catch (error) {
    return { id: job.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}
