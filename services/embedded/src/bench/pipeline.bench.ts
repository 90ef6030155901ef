/**
 * npm run bench:pipeline [-- --two-instances | --steady-only]
 *
 * The whole pipeline on the real Kafka, Redis and PostgreSQL of this box, each service its own
 * process started as deployed (`node --import tsx services/<name>/src/main.ts`, configured by
 * environment): signed webhook batches into ingest → classifier → incidents → sla-timer (clocks
 * start for level I/II incidents) → notifier (alerts recorded). Everything lives under a random
 * name: a database, a topic prefix (consumer groups take it too), Redis key prefixes and queues;
 * all of it is removed at the end.
 *
 * Phases:
 *  0. warm-up: a few events at low rate, until their alerts are recorded.
 *  0b. idle: BENCH_IDLE_S (10 s; 0 skips it) with nothing sent: CPU ms per second of each service
 *     process, the bench, Kafka, Redis and PostgreSQL — what pollers and timers burn at rest.
 *  1. steady: BENCH_RATE posts/s (default 1,000) for BENCH_STEADY_S (45 s), open loop, batches of
 *     BENCH_STEADY_BATCH (50). Latency = from the 202 of the post that made an incident level
 *     I/II to that incident's first alert in the alerts table; also 202 → stored, 202 → incident.
 *  2. overload (skipped with --two-instances): BENCH_SENDERS (12) senders push batches of
 *     BENCH_OVERLOAD_BATCH (500) back to back for BENCH_OVERLOAD_S (60 s), more than the pipeline
 *     takes; postsPerSec = posts the incident service stored within that minute / its length.
 * Then it waits (at most BENCH_DRAIN_S, 300 s) for every consumer group to catch up and
 * reconciles the ledger: every accepted post stored, every flagged one in exactly one incident.
 * Consumer lag per topic is sampled every 2 s; its peak per phase names the slowest stage.
 *
 * Baseline in the same run: one bare Kafka hop (produce with acks=-1, consume in a group) of
 * the same number of messages, so a figure can be read against what the broker gives now.
 *
 * --two-instances: two classifier and two incident processes share their consumer groups; the
 * steady phase only, then each instance's handled counts and the duplicate check.
 * --steady-only: one instance each, warm-up and the steady phase only (a latency run).
 *
 * Hops: the steady alerts' latency split stage by stage — 202 → classified (record produced by
 * the classifier) → stored (the incident transaction's start) → incident event (produced by the
 * incidents' outbox relay) → clock started (produced by the sla-timer's relay) → alert recorded.
 * Producer times come from bench consumers on those topics, started only once the phases drained
 * (they read from the beginning), so they take no CPU from the pipeline while it is measured;
 * the sum of the hops is the latency.
 *
 * Last line: {"postsPerSec","p50Ms","p99Ms","lost","duplicates","rssMbByService"}.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKafkaAdmin, createKafkaBus, ensureTopics, prefixedTopicSpecs, withTopicPrefix } from '@huiying/bus';
import { ClockEventMessage, IncidentEventMessage, Topics } from '@huiying/contracts';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, webhookSignatureHeader } from '@huiying/ingest-core';
import { migrate, openDatabase, type Db } from '@huiying/store';
import { createLogger } from '@huiying/telemetry';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { buildTimeline, EVENT_CAPACITY, type TimelineItem } from './corpus';
import { alertHops, reconcile, summary, type HopStamps, type Membership, type StoredPost } from './ledger';
import {
  freePort,
  handledCounts,
  infraCpuSeconds,
  sampleRss,
  startService,
  stopService,
  waitReady,
  type ServiceProcess,
} from './processes';

const TWO = process.argv.includes('--two-instances');
const STEADY_ONLY = TWO || process.argv.includes('--steady-only');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RATE = num('BENCH_RATE', 1_000);
const STEADY_S = num('BENCH_STEADY_S', 45);
const STEADY_BATCH = num('BENCH_STEADY_BATCH', 50);
const OVERLOAD_S = num('BENCH_OVERLOAD_S', 60);
const OVERLOAD_BATCH = num('BENCH_OVERLOAD_BATCH', 500);
const SENDERS = num('BENCH_SENDERS', 12);
const OVERLOAD_POSTS = num('BENCH_OVERLOAD_MAX_POSTS', 400_000);
const DRAIN_S = num('BENCH_DRAIN_S', 300);
const IDLE_S = num('BENCH_IDLE_S', 10);
const EVENTS = num('BENCH_EVENTS', 220);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'bench-pipeline-secret-0123456789';
const SOURCE = 'bench-monitor';
/** The clock policy's provisional start (services/sla-timer/config/clock-policy.json). */
const PROVISIONAL_CONFIDENCE = 0.8;

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  name: string;
  /** post id → when its 202 arrived. */
  accepted: Map<string, number>;
  offered: number;
  refused: Record<string, number>;
  deduplicated: number;
  startedAt: number;
  endedAt: number;
  /** Peak consumer lag per topic during the phase and until it drained. */
  peakLag: Record<string, number>;
  /** CPU seconds each service used from the phase's start until it drained. */
  cpuSeconds: Record<string, number>;
  /** Messages consumed per topic (committed offsets) over time, sampled every 2 s. */
  consumed: Array<{ at: number; byTopic: Record<string, number> }>;
}

const newPhase = (name: string): Phase => ({
  name,
  accepted: new Map(),
  offered: 0,
  refused: {},
  deduplicated: 0,
  startedAt: 0,
  endedAt: 0,
  peakLag: {},
  cpuSeconds: {},
  consumed: [],
});

async function main(): Promise<void> {
  // kafkajs logs a fresh topic's unknown-partition answers as errors; ensureTopics handles them.
  const logger = createLogger('bench', 'fatal');
  const name = `bench_pipe_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const prefix = `${name}.`;
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  const work = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const admin = await openDatabase({ url: ADMIN_URL, maxConnections: 1 });
  const kafkaAdmin = createKafkaAdmin({ brokers: BROKERS, logger });
  const redis = new Redis(REDIS_URL);
  const procs: ServiceProcess[] = [];
  let db: Db | undefined;
  let ledgerBus: ReturnType<typeof withTopicPrefix> | undefined;
  let stampConsumer: Consumer | undefined;
  let sink: ReturnType<typeof createServer> | undefined;
  let lagTimer: NodeJS.Timeout | undefined;
  const specs = prefixedTopicSpecs(prefix);
  try {
    // --- Isolated resources --------------------------------------------------------------
    await admin.query(`CREATE DATABASE ${name}`);
    db = await openDatabase({ url: dbUrl.toString() });
    await migrate(db); // once here, so the services' own migrate finds nothing to do
    await kafkaAdmin.connect();
    await ensureTopics(kafkaAdmin, specs, logger);

    // The notifier delivers to a WeCom robot: here a local sink that answers like WeCom.
    let delivered = 0;
    sink = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        delivered++;
        response.setHeader('content-type', 'application/json');
        response.end('{"errcode":0,"errmsg":"ok"}');
      });
    });
    const sinkPort = await freePort();
    await new Promise<void>((resolve) => sink!.listen(sinkPort, '127.0.0.1', resolve));
    const alerting = path.join(work, 'alerting');
    const longnan = path.resolve(__dirname, '../../../notifier/config/longnan');
    mkdirSync(alerting);
    // Everyone reachable on the one channel, or the notifier's readiness check (rightly) fails.
    const roster = JSON.parse(readFileSync(path.join(longnan, 'roster.json'), 'utf8')) as {
      people: Array<{ id: string; contacts: Record<string, unknown> }>;
    };
    for (const person of roster.people) person.contacts.wecom = { userId: person.id };
    writeFileSync(path.join(alerting, 'roster.json'), JSON.stringify(roster));
    copyFileSync(path.join(longnan, 'chains.json'), path.join(alerting, 'chains.json'));
    writeFileSync(
      path.join(alerting, 'channels.json'),
      JSON.stringify({
        version: 1,
        channels: [
          {
            id: 'wecom-duty',
            kind: 'wecom',
            audience: 'live',
            baseUrl: `http://127.0.0.1:${sinkPort}`,
            key: 'env:BENCH_WECOM_KEY',
          },
          {
            id: 'wecom-drill',
            kind: 'wecom',
            audience: 'drill',
            baseUrl: `http://127.0.0.1:${sinkPort}`,
            key: 'env:BENCH_WECOM_KEY',
          },
        ],
      }),
    );
    const sourcesFile = path.join(work, 'sources.json');
    writeFileSync(
      sourcesFile,
      JSON.stringify({
        sources: [
          {
            id: SOURCE,
            name: 'bench monitoring vendor',
            kind: 'webhook',
            auth: 'hmac',
            secretEnv: ['BENCH_WEBHOOK_SECRET'],
            postsPerMinute: 100_000_000,
            maxBatch: 1000,
          },
        ],
      }),
    );

    // --- Baseline: one bare Kafka hop, same run ------------------------------------------
    const baseline = await kafkaHop(kafkaAdmin, prefix, 20_000);
    log(
      `baseline: bare Kafka hop (acks=-1 produce, group consume) ${baseline.messagesPerSec} msg/s, hop p99 ${baseline.p99Ms} ms`,
    );

    // --- Services ------------------------------------------------------------------------
    const common = {
      KAFKA_BROKERS: BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL,
      LOG_LEVEL: process.env.BENCH_SERVICE_LOG_LEVEL ?? 'warn',
    };
    const queue = name.replace(/_/g, '-');
    const plan: Array<[string, string, Record<string, string>]> = [
      [
        'notifier',
        'notifier',
        {
          REDIS_PREFIX: name,
          NOTIFY_QUEUE: `${queue}-notify`,
          ALERTING_CONFIG_DIR: alerting,
          BENCH_WECOM_KEY: 'bench',
        },
      ],
      ['sla-timer', 'sla-timer', { REDIS_PREFIX: name, CLOCK_QUEUE: `${queue}-clocks`, RECONCILE_EVERY_MS: '60000' }],
      ['incidents', 'incidents', {}],
      ...(TWO ? ([['incidents-2', 'incidents', {}]] as Array<[string, string, Record<string, string>]>) : []),
      ['classifier', 'classifier', {}],
      ...(TWO ? ([['classifier-2', 'classifier', {}]] as Array<[string, string, Record<string, string>]>) : []),
      [
        'ingest',
        'ingest',
        {
          INGEST_POLLING: 'false',
          INGEST_SOURCES_FILE: sourcesFile,
          INGEST_DEDUP_KEY_PREFIX: `${name}:dedup:`,
          INGEST_MAX_BODY_BYTES: String(4 * 1024 * 1024),
          BENCH_WEBHOOK_SECRET: SECRET,
        },
      ],
    ];
    for (const [label, service, env] of plan)
      procs.push(startService(label, service, await freePort(), { ...common, ...env }));
    const started = performance.now();
    await Promise.all(procs.map((p) => waitReady(p)));
    log(`${procs.length} service processes ready in ${Math.round(performance.now() - started)} ms`);
    const ingest = procs.find((p) => p.service === 'ingest')!;

    // Consumer lag per topic, and every process's memory, every 2 s.
    const watched: Array<[string, string]> = [
      [Topics.postsIngested, 'huiying-classifier'],
      [Topics.postsClassified, 'huiying-incidents'],
      [Topics.incidentEvents, 'huiying-sla-timer'],
      [Topics.clockEvents, 'huiying-notifier'],
    ];
    const lag: Record<string, number> = {};
    let current: Phase | undefined;
    const sampleLag = async () => {
      const byTopic: Record<string, number> = {};
      for (const [topic, group] of watched) {
        const high = await kafkaAdmin.fetchTopicOffsets(`${prefix}${topic}`);
        const committed = await kafkaAdmin.fetchOffsets({
          groupId: `${prefix}${group}`,
          topics: [`${prefix}${topic}`],
        });
        const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        lag[topic] = high.reduce(
          (sum, p) => sum + Math.max(0, Number(p.high) - Math.max(done.get(p.partition) ?? -1, Number(p.low))),
          0,
        );
        byTopic[topic] = high.reduce((sum, p) => sum + Math.max(done.get(p.partition) ?? -1, Number(p.low)), 0);
        if (current) current.peakLag[topic] = Math.max(current.peakLag[topic] ?? 0, lag[topic]!);
      }
      current?.consumed.push({ at: Date.now(), byTopic });
      sampleRss(procs);
    };
    let sampling = false;
    lagTimer = setInterval(() => {
      if (sampling) return;
      sampling = true;
      sampleLag()
        .catch(() => undefined)
        .finally(() => (sampling = false));
    }, 2_000);

    // --- Sending -------------------------------------------------------------------------
    const webhook = `http://127.0.0.1:${ingest.port}/ingest/v1/posts`;
    const send = async (phase: Phase, items: readonly TimelineItem[]) => {
      const publishedAt = new Date().toISOString();
      const body = Buffer.from(JSON.stringify({ posts: items.map((i) => ({ ...i.post, publishedAt })) }));
      const ts = String(Math.floor(Date.now() / 1000));
      phase.offered += items.length;
      try {
        const response = await fetch(webhook, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-huiying-source': SOURCE,
            [WEBHOOK_TIMESTAMP_HEADER]: ts,
            [WEBHOOK_SIGNATURE_HEADER]: webhookSignatureHeader(SECRET, ts, body),
          },
          body,
        });
        const answer = (await response.json().catch(() => ({}))) as { accepted?: string[]; duplicates?: unknown[] };
        const at = Date.now();
        if (response.status !== 202) {
          if (!phase.refused[response.status])
            log(
              `${phase.name}: ingest answered ${response.status} ${JSON.stringify(answer).slice(0, 300)}; its log: ${ingest.tail.slice(-3).join(' | ').slice(0, 1500)}`,
            );
          phase.refused[response.status] = (phase.refused[response.status] ?? 0) + items.length;
          return;
        }
        for (const id of answer.accepted ?? []) phase.accepted.set(id, at);
        phase.deduplicated += answer.duplicates?.length ?? 0;
      } catch (error) {
        phase.refused[(error as Error).message] = (phase.refused[(error as Error).message] ?? 0) + items.length;
      }
    };
    /**
     * Open loop: a batch every batch/rate seconds, whether or not the last one was answered, for
     * `seconds` at most. Past 32 unanswered requests the sender waits (and says so): ingest is
     * then the bottleneck, and piling up more requests would only measure the bench's queue.
     */
    const paced = async (
      phase: Phase,
      items: readonly TimelineItem[],
      rate: number,
      batch: number,
      seconds: number,
    ) => {
      const inFlight = new Set<Promise<void>>();
      const start = performance.now();
      let heldBack = 0;
      for (let k = 0; k * batch < items.length; k++) {
        const due = start + (k * batch * 1000) / rate;
        if (due - start > seconds * 1000) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        while (inFlight.size >= 32) {
          heldBack++;
          await Promise.race(inFlight);
        }
        if (performance.now() - start > seconds * 1000) break;
        const p = send(phase, items.slice(k * batch, (k + 1) * batch)).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await Promise.all(inFlight);
      if (heldBack > 0)
        log(
          `${phase.name}: the sender waited ${heldBack} times for ingest (32 requests unanswered): ${phase.offered} of ${Math.min(items.length, rate * seconds)} posts offered`,
        );
    };
    let serial = 0;
    const timeline = (posts: number, events: number, firstSlot: number) =>
      buildTimeline({
        seed: 90 + serial,
        posts,
        events,
        firstSlot,
        flaggedShare: 0.45,
        majorShare: 0.5,
        idPrefix: `p${serial++}-`,
      }).items;

    const waitDrained = async (phases: Phase[]): Promise<boolean> => {
      const deadline = Date.now() + DRAIN_S * 1000;
      const want = phases.reduce((n, p) => n + p.accepted.size, 0);
      let quietSince = 0;
      let lastAlerts = -1;
      while (Date.now() < deadline) {
        await sleep(2_000);
        const { rows } = await db!.query<{ posts: string; alerts: string }>(
          'SELECT (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM alerts) AS alerts',
        );
        const stored = Number(rows[0]!.posts);
        const alerts = Number(rows[0]!.alerts);
        const caughtUp = stored >= want && Object.values(lag).every((n) => n === 0);
        if (caughtUp && alerts === lastAlerts) {
          if (quietSince === 0) quietSince = Date.now();
          if (Date.now() - quietSince >= 4_000) return true;
        } else quietSince = 0;
        lastAlerts = alerts;
      }
      return false;
    };

    const cpuNow = () => {
      sampleRss(procs);
      const own = process.cpuUsage();
      // The bench's own share (building, signing and sending batches; the ledger consumer) too.
      return {
        ...Object.fromEntries(procs.map((p) => [p.label, p.cpuSeconds])),
        bench: (own.user + own.system) / 1e6,
        ...infraCpuSeconds(),
      };
    };
    const cpuSince = (phase: Phase, from: Record<string, number>) => {
      const to = cpuNow();
      for (const [label, seconds] of Object.entries(to))
        phase.cpuSeconds[label] = Math.round((seconds - (from[label] ?? 0)) * 100) / 100;
    };

    // --- 0. warm-up ----------------------------------------------------------------------
    const warm = newPhase('warm-up');
    await paced(warm, timeline(600, 6, 0), 100, 20, 60);
    const warmDrained = await waitDrained([warm]);
    log(`warm-up: ${warm.accepted.size} accepted; drained ${warmDrained}`);

    // --- idle: what each process burns with nothing to do (pollers, timers), per second ---
    const idle = newPhase('idle');
    if (IDLE_S > 0) {
      const idleCpu = cpuNow();
      const idleStart = performance.now();
      await sleep(IDLE_S * 1000);
      cpuSince(idle, idleCpu);
      const seconds = (performance.now() - idleStart) / 1000;
      const perSec = Object.fromEntries(
        Object.entries(idle.cpuSeconds).map(([label, s]) => [label, Math.round((s * 1000) / seconds)]),
      );
      log(`idle ${seconds.toFixed(1)} s: CPU ms per second ${JSON.stringify(perSec)}`);
    }

    // --- 1. steady -----------------------------------------------------------------------
    const steady = newPhase(`steady ${RATE}/s`);
    const steadyEvents = Math.min(EVENTS, Math.floor((EVENT_CAPACITY - 6) / 2));
    const steadyItems = timeline(RATE * STEADY_S, steadyEvents, 6);
    current = steady;
    const steadyCpu = cpuNow();
    steady.startedAt = Date.now();
    await paced(steady, steadyItems, RATE, STEADY_BATCH, STEADY_S);
    steady.endedAt = Date.now();
    const steadyDrained = await waitDrained([warm, steady]);
    cpuSince(steady, steadyCpu);
    current = undefined;
    report(steady, steadyDrained);

    // --- 2. overload ---------------------------------------------------------------------
    const overload = newPhase('overload');
    let overloadDrained = true;
    if (!STEADY_ONLY) {
      const items = timeline(OVERLOAD_POSTS, Math.min(EVENTS, EVENT_CAPACITY - 6 - steadyEvents), 6 + steadyEvents);
      current = overload;
      const overloadCpu = cpuNow();
      overload.startedAt = Date.now();
      const stopAt = overload.startedAt + OVERLOAD_S * 1000;
      let next = 0;
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          while (Date.now() < stopAt && next < items.length) {
            const from = next;
            next += OVERLOAD_BATCH;
            await send(overload, items.slice(from, from + OVERLOAD_BATCH));
          }
        }),
      );
      overload.endedAt = Date.now();
      if (next >= items.length)
        log(
          `overload: the ${items.length} prepared posts ran out before ${OVERLOAD_S} s (raise BENCH_OVERLOAD_MAX_POSTS)`,
        );
      overloadDrained = await waitDrained([warm, steady, overload]);
      cpuSince(overload, overloadCpu);
      report(overload, overloadDrained);
    }
    current = undefined;

    // --- Stamps: read after the phases, so the bench's own consumers take no CPU from the pipeline ---
    // Every incident event, to catch a post announced in two incidents (the table cannot hold it twice).
    const announced = new Map<string, Set<string>>();
    const stamps = {
      ingested: new Map<string, number>(),
      classified: new Map<string, number>(),
      announced: new Map<string, number>(),
      major: new Map<string, number>(),
      clockStarted: new Map<string, number>(),
    } satisfies HopStamps;
    const first = (map: Map<string, number>, key: string, at: number) => {
      const seen = map.get(key);
      if (seen === undefined || at < seen) map.set(key, at);
    };
    // Messages read per topic, against what the topics hold (no compaction, no transactions).
    const read = new Map<string, number>();
    const count = (topic: string, n: number) => read.set(topic, (read.get(topic) ?? 0) + n);
    const stampsStarted = performance.now();
    ledgerBus = withTopicPrefix(createKafkaBus({ brokers: BROKERS, service: 'bench-ledger', logger }), prefix);
    await ledgerBus.subscribe({
      group: 'bench-ledger',
      messages: [IncidentEventMessage],
      handler: async (delivery) => {
        count(delivery.topic, 1);
        const event = delivery.envelope.payload;
        const producedAt = Date.parse(delivery.envelope.producedAt);
        const { level, levelConfidence } = event.incident;
        if ((level === 'I' || level === 'II') && levelConfidence >= PROVISIONAL_CONFIDENCE)
          first(stamps.major, event.incident.id, producedAt);
        for (const postId of [...(event.postIds ?? []), ...(event.postId ? [event.postId] : [])]) {
          first(stamps.announced, postId, producedAt);
          let seen = announced.get(postId);
          if (!seen) announced.set(postId, (seen = new Set()));
          seen.add(event.incident.id);
        }
        return { outcome: 'ok' };
      },
    });

    // Producer times of the posts' records (key = post id; no decoding) and of clock starts.
    stampConsumer = new Kafka({ clientId: 'bench-stamps', brokers: BROKERS, logLevel: logLevel.NOTHING }).consumer({
      groupId: `${prefix}bench-stamps`,
      maxWaitTimeInMs: 500,
    });
    await stampConsumer.connect();
    const stampTopics = {
      [`${prefix}${Topics.postsIngested}`]: stamps.ingested,
      [`${prefix}${Topics.postsClassified}`]: stamps.classified,
    };
    const clockTopic = `${prefix}${Topics.clockEvents}`;
    await stampConsumer.subscribe({ topics: [...Object.keys(stampTopics), clockTopic], fromBeginning: true });
    await stampConsumer.run({
      eachBatch: async ({ batch }) => {
        count(batch.topic, batch.messages.length);
        const byPost = stampTopics[batch.topic];
        for (const message of batch.messages) {
          if (byPost) {
            if (message.key) first(byPost, message.key.toString(), Number(message.timestamp));
            continue;
          }
          const envelope = JSON.parse(message.value?.toString() ?? '{}') as {
            type?: string;
            producedAt?: string;
            payload?: { kind?: string; clock?: { incidentId?: string } };
          };
          if (envelope.type !== ClockEventMessage.type || envelope.payload?.kind !== 'started') continue;
          const incidentId = envelope.payload.clock?.incidentId;
          if (incidentId && envelope.producedAt) first(stamps.clockStarted, incidentId, Date.parse(envelope.producedAt));
        }
      },
    });
    const stampTopicNames = [...Object.keys(stampTopics), clockTopic, `${prefix}${Topics.incidentEvents}`];
    const held = new Map<string, number>();
    for (const topic of stampTopicNames) {
      const offsets = await kafkaAdmin.fetchTopicOffsets(topic);
      held.set(topic, offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0));
    }
    const stampsDeadline = Date.now() + 120_000;
    while (stampTopicNames.some((t) => (read.get(t) ?? 0) < held.get(t)!) && Date.now() < stampsDeadline) await sleep(250);
    log(
      `stamps: ${JSON.stringify(Object.fromEntries(stampTopicNames.map((t) => [t.slice(prefix.length), `${read.get(t) ?? 0}/${held.get(t)}`])))} read in ${Math.round(performance.now() - stampsStarted)} ms`,
    );

    // --- Ledger --------------------------------------------------------------------------
    const { rows: postRows } = await db.query<{
      id: string;
      ms: number;
      flagged: boolean | null;
      level: string | null;
      score: number | null;
    }>(
      `SELECT id, extract(epoch FROM created_at) * 1000 AS ms,
              coalesce((classification->'emergency'->>'flagged')::boolean, false) OR coalesce((classification->'rumor'->>'flagged')::boolean, false) AS flagged,
              classification->'emergency'->>'level' AS level, (classification->'emergency'->>'score')::float AS score
         FROM posts`,
    );
    const stored: StoredPost[] = postRows.map((r) => ({
      id: r.id,
      storedAt: Number(r.ms),
      flagged: Boolean(r.flagged),
      startsClocks: (r.level === 'I' || r.level === 'II') && Number(r.score) >= PROVISIONAL_CONFIDENCE,
    }));
    const { rows: memberRows } = await db.query<{ post_id: string; incident_id: string; ms: number }>(
      'SELECT post_id, incident_id, extract(epoch FROM joined_at) * 1000 AS ms FROM incident_posts',
    );
    const memberships: Membership[] = memberRows.map((r) => ({
      postId: r.post_id,
      incidentId: r.incident_id,
      joinedAt: Number(r.ms),
    }));
    const { rows: alertRows } = await db.query<{ incident_id: string; ms: number }>(
      'SELECT incident_id, extract(epoch FROM min(created_at)) * 1000 AS ms FROM alerts WHERE clock_id IS NOT NULL AND incident_id IS NOT NULL GROUP BY incident_id',
    );
    const firstAlertAt = new Map(alertRows.map((r) => [r.incident_id, Number(r.ms)]));
    const { rows: twice } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM (SELECT incident_id, stage FROM clocks GROUP BY incident_id, stage HAVING count(*) > 1) d',
    );
    const { rows: alertCount } = await db.query<{ n: string; repeats: string }>(
      'SELECT count(*) AS n, coalesce(sum(count - 1), 0) AS repeats FROM alerts',
    );

    const all = new Map([...warm.accepted, ...steady.accepted, ...overload.accepted]);
    const whole = reconcile({ accepted: all, stored, memberships, announced, firstAlertAt });
    const steadyFigures = reconcile({ accepted: steady.accepted, stored, memberships, announced, firstAlertAt });
    const alertLatency = summary(steadyFigures.alertLatenciesMs);
    const hops = alertHops(steadyFigures.alertTriggers, new Map(stored.map((p) => [p.id, p.storedAt])), stamps);
    log(
      `ledger: ${whole.accepted} accepted, ${whole.lost.length} lost, ${whole.duplicates.length} in two incidents, ${whole.unexpected} unexpected; ` +
        `${whole.incidents} incidents, ${whole.incidentsWithAlert} with a clock alert (${whole.unexplainedAlerts} unexplained); ` +
        `${alertCount[0]!.n} alerts (${alertCount[0]!.repeats} redeliveries folded), ${Number(twice[0]!.n)} incident stages with two clocks; ${delivered} WeCom sends`,
    );
    if (whole.lost.length > 0) log(`lost, first ones: ${whole.lost.slice(0, 5).join(', ')}`);
    log(
      `steady ${RATE}/s: 202 → clock alert ${JSON.stringify(alertLatency)} ms over ${steadyFigures.incidentsWithAlert} incidents`,
    );
    log(
      `steady ${RATE}/s: 202 → stored ${JSON.stringify(summary(steadyFigures.storedLatenciesMs))} ms; 202 → in its incident ${JSON.stringify(summary(steadyFigures.incidentLatenciesMs))} ms`,
    );
    log(`steady ${RATE}/s: hops of 202 → clock alert over ${hops.complete} alerts with every stamp (ms):`);
    for (const [hop, figures] of Object.entries(hops.hops)) log(`  ${hop.padEnd(32)} ${JSON.stringify(figures)}`);

    let postsPerSec: number;
    if (STEADY_ONLY) {
      postsPerSec = Math.round((completedWithin(stored, steady) * 1000) / (steady.endedAt - steady.startedAt));
    } else {
      postsPerSec = Math.round((completedWithin(stored, overload) * 1000) / (overload.endedAt - overload.startedAt));
      log(
        `overload: ${overload.offered} offered, ${overload.accepted.size} accepted by ingest (${Math.round((overload.accepted.size * 1000) / (overload.endedAt - overload.startedAt))}/s); ${postsPerSec}/s stored by incidents within the minute`,
      );
    }
    const perInstance: Record<string, Record<string, number>> = {};
    if (TWO) {
      for (const p of procs.filter((x) => x.service === 'classifier' || x.service === 'incidents'))
        perInstance[p.label] = await handledCounts(p);
      log(`per instance (messages handled, by outcome): ${JSON.stringify(perInstance)}`);
    }
    sampleRss(procs);
    const rssMbByService: Record<string, number> = {};
    for (const p of procs) rssMbByService[p.label] = p.peakRssMb;
    console.log(
      JSON.stringify({
        baseline,
        steady: { ...phaseFigures(steady), alertHops: hops.hops },
        ...(TWO ? { perInstance } : STEADY_ONLY ? {} : { overload: phaseFigures(overload) }),
      }),
    );
    console.log(
      JSON.stringify({
        postsPerSec,
        p50Ms: alertLatency.p50,
        p99Ms: alertLatency.p99,
        lost: whole.lost.length,
        duplicates: whole.duplicates.length + Number(twice[0]!.n),
        rssMbByService,
      }),
    );
    if (!(warmDrained && steadyDrained && overloadDrained)) process.exitCode = 1;
  } finally {
    if (lagTimer) clearInterval(lagTimer);
    await ledgerBus?.close().catch(() => undefined);
    await stampConsumer?.disconnect().catch(() => undefined);
    await Promise.all(procs.map((p) => stopService(p)));
    sink?.close();
    await db?.close().catch(() => undefined);
    await admin
      .query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      .catch((e: Error) => log(`drop database: ${e.message}`));
    await admin.close();
    await kafkaAdmin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
    const groups = [
      'huiying-classifier',
      'huiying-incidents',
      'huiying-sla-timer',
      'huiying-notifier',
      'bench-ledger',
      'bench-stamps',
    ].map((g) => `${prefix}${g}`);
    await kafkaAdmin.deleteGroups(groups).catch(() => undefined);
    await kafkaAdmin.disconnect();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${name}*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
    rmSync(work, { recursive: true, force: true });
  }

  function report(phase: Phase, drained: boolean) {
    const seconds = (phase.endedAt - phase.startedAt) / 1000;
    log(
      `${phase.name}: ${phase.offered} offered in ${seconds.toFixed(1)} s, ${phase.accepted.size} accepted (${Math.round(phase.accepted.size / seconds)}/s), ` +
        `${phase.deduplicated} near-duplicates, refused ${JSON.stringify(phase.refused)}; drained ${drained}; peak lag ${JSON.stringify(phase.peakLag)}; ` +
        `best 10-s consumption rate per topic (msg/s) ${JSON.stringify(stageRates(phase))}; ` +
        `CPU s per service until drained ${JSON.stringify(phase.cpuSeconds)}`,
    );
  }
}

/** Posts of the phase the incident service stored between its first and last send. */
function completedWithin(stored: readonly StoredPost[], phase: Phase): number {
  return stored.filter((p) => phase.accepted.has(p.id) && p.storedAt >= phase.startedAt && p.storedAt <= phase.endedAt)
    .length;
}

function phaseFigures(phase: Phase) {
  const seconds = (phase.endedAt - phase.startedAt) / 1000;
  return {
    offered: phase.offered,
    accepted: phase.accepted.size,
    acceptedPerSec: Math.round(phase.accepted.size / Math.max(seconds, 0.001)),
    nearDuplicates: phase.deduplicated,
    refused: phase.refused,
    peakLag: phase.peakLag,
    bestRatePerTopic: stageRates(phase),
    cpuSeconds: phase.cpuSeconds,
  };
}

/**
 * Each stage's best consumption rate over any 10 s of the phase and its drain: with a backlog
 * in front of it, that is what the stage can take on this box now. The lowest one is the
 * pipeline's bottleneck.
 */
export function stageRates(phase: Pick<Phase, 'consumed'>): Record<string, number> {
  const rates: Record<string, number> = {};
  const samples = phase.consumed;
  for (let i = 0; i < samples.length; i++) {
    const j = samples.findIndex((s, k) => k > i && s.at - samples[i]!.at >= 10_000);
    if (j < 0) break;
    const seconds = (samples[j]!.at - samples[i]!.at) / 1000;
    for (const [topic, n] of Object.entries(samples[j]!.byTopic)) {
      const rate = Math.round((n - (samples[i]!.byTopic[topic] ?? n)) / seconds);
      rates[topic] = Math.max(rates[topic] ?? 0, rate);
    }
  }
  return rates;
}

/**
 * The broker alone: `count` messages of a post's size produced in batches with acks=-1 and
 * consumed by a group, on a topic of the bench's prefix. Throughput and produce→consume time.
 */
async function kafkaHop(
  admin: ReturnType<typeof createKafkaAdmin>,
  prefix: string,
  count: number,
): Promise<{ messagesPerSec: number; p99Ms: number }> {
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const topic = `${prefix}baseline`;
  await ensureTopics(admin, [{ name: topic, partitions: 6, retentionMs: 3_600_000 }], createLogger('bench', 'fatal'));
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `${prefix}baseline` });
  const hops: number[] = [];
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let received = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ message }) => {
        hops.push(Date.now() - Number(message.timestamp));
        if (++received >= count) done();
      },
    });
    const text = '文县碧口镇今天上午发生山体滑坡，已造成12人死亡，道路中断，多名群众被困'.repeat(4);
    const started = performance.now();
    for (let i = 0; i < count; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: Math.min(500, count - i) }, (_, k) => ({
          key: String(i + k),
          value: JSON.stringify({ id: i + k, text }),
        })),
      });
    }
    await Promise.race([all, sleep(120_000)]);
    const seconds = (performance.now() - started) / 1000;
    return { messagesPerSec: Math.round(received / seconds), p99Ms: summary(hops).p99 };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([`${prefix}baseline`]).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
