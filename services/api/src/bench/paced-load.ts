/**
 * The bench's load generator, in a process of its own (forked by api.bench.ts): a plain HTTP
 * client over keep-alive TCP connections that sends requests at the given mean rate whether or not
 * earlier ones have been answered (an open loop). Arrivals are random, as independent users
 * arrive (a Poisson process: exponential gaps with mean 1/rate, from a fixed seed so runs are
 * alike): harsher than evenly spaced requests, since some come close together and queue.
 *
 * Why not autocannon's `overallRate`: it gives each connection a quota per second and refills it
 * from a one-second timer, so all 500 requests of a second leave in a burst at its start and queue
 * behind each other — a 500-request spike every second, not 500 requests/s. And its
 * coordinated-omission correction divides by the per-connection rate in seconds where it means
 * milliseconds (`Math.ceil(1 / rate)` = 1 ms): a response that took L ms is recorded L times, which
 * weighs the slow ones by their own latency. Here each latency is counted once, from the moment the
 * request was due (not from when it left): a late client or a full pool is charged to the result,
 * never hidden.
 */
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { seededRandom } from '@huiying/seeded-random';

export interface PacedRequest {
  method: 'GET';
  path: string;
  headers: Record<string, string>;
}

export interface PacedRun {
  port: number;
  requests: PacedRequest[];
  /** Requests per second, spread evenly. */
  rate: number;
  seconds: number;
  /** Keep-alive connections at most; a request due while all are busy waits for one (and that wait counts). */
  connections: number;
  /** `even`: one request every 1/rate exactly. Default `random` (Poisson arrivals). */
  arrivals?: 'random' | 'even';
}

export interface PacedResult {
  sent: number;
  ok: number;
  errors: number;
  non2xx: number;
  /** Answered requests per second of the run. */
  rps: number;
  /** From the moment each request was due to its last body byte, in ms. */
  latency: { p50: number; p90: number; p99: number; max: number };
  /** How late requests left the client after they were due (the client's own share), in ms. */
  sendLagP99Ms: number;
  /** The client process's CPU per request (user + system), in µs: what it takes from the server's two cores. */
  clientCpuUsPerRequest: number;
  /** Of which in the kernel (the loopback TCP stack), in µs. */
  clientKernelUsPerRequest: number;
  bytesPerResponse: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round1 = (ms: number) => Math.round(ms * 10) / 10;

/** Connections kept from run to run, as a browser keeps them: a run does not begin with a burst of connects. */
const agents = new Map<number, Agent>();

export async function runPaced(run: PacedRun): Promise<PacedResult> {
  let agent = agents.get(run.connections);
  if (!agent)
    agents.set(
      run.connections,
      (agent = new Agent({ keepAlive: true, maxSockets: run.connections, scheduling: 'fifo' })),
    );
  const total = Math.round(run.rate * run.seconds);
  // When each request is due, in ms from the start.
  const dueAt = new Float64Array(total);
  const random = seededRandom(0x5eed);
  for (let i = 1; i < total; i++)
    dueAt[i] =
      dueAt[i - 1]! + (run.arrivals === 'even' ? 1000 / run.rate : (-Math.log(1 - random()) * 1000) / run.rate);
  // Random gaps add up to the run's length only on average: scaled so the run offers exactly `rate`.
  const scale = total > 1 ? ((total - 1) * 1000) / run.rate / dueAt[total - 1]! : 1;
  for (let i = 1; i < total; i++) dueAt[i] = dueAt[i]! * scale;
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let ok = 0;
  let errors = 0;
  let non2xx = 0;
  let bytes = 0;
  let done = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now() + 5;

  const finished = new Promise<void>((resolve) => {
    const settle = () => {
      if (++done === total) resolve();
    };
    const send = (i: number) => {
      const due = start + dueAt[i]!;
      sendLags.push(performance.now() - due);
      const spec = run.requests[i % run.requests.length]!;
      const req = httpRequest(
        { host: '127.0.0.1', port: run.port, method: spec.method, path: spec.path, headers: spec.headers, agent },
        (res) => {
          res.on('data', (chunk: Buffer) => void (bytes += chunk.length));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              ok++;
              latencies.push(performance.now() - due);
            } else non2xx++;
            settle();
          });
          res.on('error', () => {
            errors++;
            settle();
          });
        },
      );
      req.on('error', () => {
        errors++;
        settle();
      });
      req.end();
    };
    // Each tick sends everything due by now, then sleeps until the next one is due: a timer
    // that fires late makes those requests late, and that lateness is in their latency.
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && start + dueAt[next]! <= now) send(next++);
      if (next < total) setTimeout(tick, Math.max(0, start + dueAt[next]! - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  await finished;
  const elapsedS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  sendLags.sort((a, b) => a - b);
  return {
    sent: total,
    ok,
    errors,
    non2xx,
    rps: Math.round(ok / elapsedS),
    latency: {
      p50: round1(percentile(latencies, 50)),
      p90: round1(percentile(latencies, 90)),
      p99: round1(percentile(latencies, 99)),
      max: round1(percentile(latencies, 100)),
    },
    sendLagP99Ms: round1(percentile(sendLags, 99)),
    clientCpuUsPerRequest: Math.round((cpu.user + cpu.system) / total),
    clientKernelUsPerRequest: Math.round(cpu.system / total),
    bytesPerResponse: ok > 0 ? Math.round(bytes / (ok + non2xx)) : 0,
  };
}

// Forked by the bench: one run per message, its result sent back.
if (process.send) {
  process.on('message', (message: PacedRun | 'exit') => {
    if (message === 'exit') {
      for (const agent of agents.values()) agent.destroy();
      process.disconnect();
      return;
    }
    void runPaced(message).then(
      (result) => process.send!({ result }),
      (error: unknown) =>
        process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}
