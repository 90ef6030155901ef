import { toIso as parseToIso } from '@huiying/incident-core';
import type { TrackedClock } from '@huiying/deadlines';
import type { Queryable } from '@huiying/outbox';
import type { SlaReport } from '../http-schemas';
import { beijingMonth, buildSlaReport, memoFigures, type ReportIncident, type TimelineEntry } from './sla-report';

/**
 * The store's type parsers already hand out canonical ISO strings: re-parsing thousands of them per
 * report was a fifth of its computation, during which the event loop serves nobody.
 */
const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const toIso = (v: unknown): string => (typeof v === 'string' && CANONICAL_ISO.test(v) ? v : parseToIso(v));
const iso = (v: unknown) => (v === null || v === undefined ? null : toIso(v));
/**
 * Lets the requests waiting meanwhile be answered: a month of the whole city is some ten thousand
 * clocks, and computing its report in one go held every other request (p99) for that long.
 */
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));
/**
 * An instant as PostgreSQL's own canonical ISO text (UTC, milliseconds truncated, as the store's
 * parser does): a month's report reads some 60,000 instants, and the store's general timestamptz
 * parser was its largest JavaScript cost (with the garbage it leaves), on the event loop.
 */
export const isoInstantSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const parseJson = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? JSON.parse(v) : ((v as Record<string, unknown>) ?? {}));

/**
 * Loads a month's incidents (by when they were opened, Beijing time) with their clocks, pauses,
 * first statement and press conference, and the timelines of the breached ones only, in a fixed
 * number of set-based queries whatever the month's size.
 */
export async function loadSlaReport(db: Queryable, month: string, department: string | null, now: Date): Promise<SlaReport> {
  const { from, to } = beijingMonth(month);
  // The month's incidents are selected again inside each query, not sent back as a list of ids:
  // escaping and sending some 7,000 ids per query (and 10,000 clock ids) cost the event loop more
  // than the queries themselves. Rows of an incident opened in between are simply not used.
  const inMonth = `SELECT id FROM incidents
      WHERE opened_at >= $1 AND opened_at < $2 AND merged_into IS NULL
        AND ($3::text IS NULL OR departments @> ARRAY[$3::text] OR ($3 = '（未指派）' AND departments = '{}'))`;
  const params = [from.toISOString(), to.toISOString(), department];
  const { rows: incidentRows } = await db.query<Record<string, unknown>>(
    `SELECT id, title, departments, drill, ${isoInstantSql('t0')} AS t0 FROM incidents WHERE id IN (${inMonth})`,
    params,
  );
  const [clockRows, statementRows, conferenceRows] = await Promise.all([
    db.query<Record<string, unknown>>(
      `SELECT id, incident_id, stage, status, ${isoInstantSql('t0')} AS t0, ${isoInstantSql('due_at')} AS due_at, ${isoInstantSql('started_at')} AS started_at,
              ${isoInstantSql('met_at')} AS met_at, ${isoInstantSql('breached_at')} AS breached_at, drill, ${isoInstantSql('acknowledged_at')} AS acknowledged_at
         FROM clocks WHERE incident_id IN (${inMonth})`,
      params,
    ),
    db.query<{ incident_id: string; at: unknown }>(
      `SELECT incident_id, ${isoInstantSql('min(published_at)')} AS at FROM statements WHERE incident_id IN (${inMonth}) GROUP BY incident_id`,
      params,
    ),
    db.query<{ incident_id: string; at: unknown }>(
      `SELECT incident_id, ${isoInstantSql('min(held_at)')} AS at FROM press_conferences WHERE incident_id IN (${inMonth}) GROUP BY incident_id`,
      params,
    ),
  ]);
  const { rows: pauseRows } = await db.query<Record<string, unknown>>(
    `SELECT clock_id, ${isoInstantSql('from_at')} AS from_at, ${isoInstantSql('to_at')} AS to_at, reason, signed_off_by, ${isoInstantSql('signed_off_at')} AS signed_off_at
       FROM clock_pauses WHERE clock_id IN (SELECT id FROM clocks WHERE incident_id IN (${inMonth})) ORDER BY clock_pauses.from_at`,
    params,
  );

  const pausesOf = new Map<string, TrackedClock['pauses']>();
  for (const p of pauseRows) {
    const list = pausesOf.get(String(p.clock_id)) ?? [];
    list.push({ from: toIso(p.from_at), to: iso(p.to_at), reason: String(p.reason), signedOffBy: String(p.signed_off_by), signedOffAt: toIso(p.signed_off_at) });
    pausesOf.set(String(p.clock_id), list);
  }
  const clocksOf = new Map<string, TrackedClock[]>();
  for (const [n, c] of clockRows.rows.entries()) {
    if (n > 0 && n % 2000 === 0) await yieldToRequests();
    const clock: TrackedClock = {
      id: String(c.id),
      incidentId: String(c.incident_id),
      stage: c.stage as TrackedClock['stage'],
      status: c.status as TrackedClock['status'],
      t0: toIso(c.t0),
      dueAt: toIso(c.due_at),
      startedAt: toIso(c.started_at),
      metAt: iso(c.met_at),
      breachedAt: iso(c.breached_at),
      drill: c.drill === true,
      pauses: pausesOf.get(String(c.id)) ?? [],
      acknowledgedAt: iso(c.acknowledged_at),
    };
    const list = clocksOf.get(clock.incidentId);
    if (list) list.push(clock);
    else clocksOf.set(clock.incidentId, [clock]);
  }
  await yieldToRequests();
  const statementAt = new Map(statementRows.rows.map((r) => [r.incident_id, toIso(r.at)]));
  const conferenceAt = new Map(conferenceRows.rows.map((r) => [r.incident_id, toIso(r.at)]));
  const clockStatement = (clocks: TrackedClock[], stage: string) => clocks.find((c) => c.stage === stage && c.metAt !== null)?.metAt ?? null;

  const incidents: ReportIncident[] = incidentRows.map((r) => {
    const id = String(r.id);
    const clocks = clocksOf.get(id) ?? [];
    return {
      id,
      title: String(r.title),
      departments: r.departments as string[],
      drill: r.drill === true,
      t0: toIso(r.t0),
      // The clocks' met time stands in when the statement was recorded outside the drafting desk.
      firstStatementAt: statementAt.get(id) ?? clockStatement(clocks, 'statement'),
      pressConferenceAt: conferenceAt.get(id) ?? clockStatement(clocks, 'press_conference'),
      clocks,
      timeline: [],
    };
  });

  // Each clock's figures once, in slices between which requests are served: the whole city's month
  // is some ten thousand clocks, a few hundred milliseconds of CPU on this box in one go.
  const figures = memoFigures(now);
  let computed = 0;
  for (const incident of incidents) {
    for (const clock of incident.clocks) {
      figures(clock);
      if (++computed % 1000 === 0) await yieldToRequests();
    }
  }
  const breached = incidents.filter(
    (i) => !i.drill && i.clocks.some((c) => ['met_late', 'breached_open'].includes(figures(c).outcome)),
  );
  await yieldToRequests();
  if (breached.length > 0) {
    const timelines = await loadTimelines(db, breached.map((i) => i.id));
    for (const incident of breached) incident.timeline = timelines.get(incident.id) ?? [];
  }
  await yieldToRequests();
  return buildSlaReport({ month, department, incidents, now, figures });
}

async function loadTimelines(db: Queryable, incidentIds: string[]): Promise<Map<string, TimelineEntry[]>> {
  const [history, clockHistory, statements] = await Promise.all([
    db.query<Record<string, unknown>>(
      `SELECT incident_id, ${isoInstantSql('at')} AS at, actor, action, reason FROM incident_history WHERE incident_id = ANY($1::text[]) ORDER BY incident_history.at, id`,
      [incidentIds],
    ),
    db.query<Record<string, unknown>>(
      `SELECT c.incident_id, h.clock_id, ${isoInstantSql('h.at')} AS at, h.event, h.detail FROM clock_history h JOIN clocks c ON c.id = h.clock_id
        WHERE c.incident_id = ANY($1::text[]) ORDER BY h.at, h.id`,
      [incidentIds],
    ),
    db.query<Record<string, unknown>>(
      `SELECT incident_id, ${isoInstantSql('published_at')} AS at, published_by AS actor, title AS note, 'statement.published' AS kind
         FROM statements WHERE incident_id = ANY($1::text[])
       UNION ALL
       SELECT incident_id, ${isoInstantSql('held_at')}, recorded_by, venue, 'press_conference.held' FROM press_conferences WHERE incident_id = ANY($1::text[])`,
      [incidentIds],
    ),
  ]);
  const timelines = new Map<string, TimelineEntry[]>();
  const add = (incidentId: unknown, entry: TimelineEntry) => {
    const key = String(incidentId);
    const list = timelines.get(key);
    if (list) list.push(entry);
    else timelines.set(key, [entry]);
  };
  for (const h of history.rows) {
    add(h.incident_id, { at: toIso(h.at), kind: `incident.${String(h.action)}`, actor: String(h.actor), note: (h.reason as string | null) ?? null });
  }
  for (const h of clockHistory.rows) {
    const detail = parseJson(h.detail);
    const note = [detail.warning, detail.reason].filter((x) => typeof x === 'string' && x).join(' ') || null;
    add(h.incident_id, {
      at: toIso(h.at),
      kind: `clock.${String(h.event)}`,
      actor: typeof detail.actor === 'string' ? detail.actor : null,
      note,
      clockId: String(h.clock_id),
    });
  }
  for (const s of statements.rows) {
    add(s.incident_id, { at: toIso(s.at), kind: String(s.kind), actor: String(s.actor), note: String(s.note) });
  }
  return timelines;
}
