/**
 * A loopback stand-in for the API, for the console's browser tests: serves the built `dist/` with
 * the headers the real API must send (strict CSP with Trusted Types) and answers the endpoints
 * of API.md from canned, mutable state. Login, sessions and every permission go through
 * @huiying/access, so a console that calls the wrong thing, or a role that tries what it must
 * not, fails here as it would against the real API.
 */
import { readFile } from "node:fs/promises";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import {
  can,
  endSession,
  hashPassword,
  MemorySessionStore,
  resumeSession,
  startSession,
  toCsv,
  verifyPassword,
  type Principal,
  type Role,
} from "@huiying/access";
import type { User } from "../types";
import { fixtureState } from "./fixture-data";

export const FIXTURE_PASSWORD = "fixture-pass-1";

/** The policy the real API must send; the console is built to run under it. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types default",
].join("; ");

const USERS: (User & { roles: Role[] })[] = [
  {
    id: "u-duty",
    username: "duty",
    displayName: "王值班",
    roles: ["duty_officer"],
    departments: ["市政府新闻办"],
  },
  {
    id: "u-spokesperson",
    username: "spokesperson",
    displayName: "李发言",
    roles: ["spokesperson"],
    departments: ["市安监局"],
  },
  {
    id: "u-approver",
    username: "approver",
    displayName: "张审签",
    roles: ["approver"],
    departments: ["市安监局"],
  },
  {
    id: "u-leader",
    username: "leader",
    displayName: "赵领导",
    roles: ["leader"],
    departments: ["*"],
  },
];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

export interface FixtureOptions {
  distDir: string;
  /** Route keys (`GET /api/drafts`) answered with fastify's 404 for an unknown route. */
  unavailable?: string[];
}

export interface Fixture {
  url: string;
  /** Sends one server-sent event to every open stream. */
  push(event: string, data: unknown): void;
  state: ReturnType<typeof fixtureState>;
  /** Every mutating request received, for assertions. */
  calls: { method: string; path: string; body: unknown; user: string }[];
  close(): Promise<void>;
}

export async function startFixture(options: FixtureOptions): Promise<Fixture> {
  const state = fixtureState(Date.now());
  const sessions = new MemorySessionStore();
  const cheap = { N: 1024, r: 8, p: 1 };
  const hashes = new Map(
    await Promise.all(
      USERS.map(
        async (u) =>
          [u.id, await hashPassword(FIXTURE_PASSWORD, cheap)] as const,
      ),
    ),
  );
  const streams = new Set<ServerResponse>();
  const calls: Fixture["calls"] = [];
  const unavailable = new Set(options.unavailable ?? []);

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    });
    res.end(JSON.stringify(body));
  };
  const principalOf = (u: User): Principal => ({
    id: u.id,
    roles: u.roles,
    departments: u.departments,
    active: true,
  });
  const cookieToken = (req: IncomingMessage) =>
    /(?:^|;\s*)hy_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    return text ? JSON.parse(text) : {};
  }

  async function serveStatic(path: string, res: ServerResponse): Promise<void> {
    const file = normalize(
      join(options.distDir, path === "/" ? "index.html" : path),
    );
    if (!file.startsWith(options.distDir))
      return send(res, 404, { error: "Not Found" });
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      });
      res.end(body);
    } catch {
      send(res, 404, {
        error: "Not Found",
        message: `Route GET:${path} not found`,
        statusCode: 404,
      });
    }
  }

  async function api(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const method = req.method ?? "GET";
    const key = `${method} ${path.replace(/\/(inc|al|dr)-[^/]+/g, "/:id")}`;
    if (unavailable.has(key))
      return send(res, 404, {
        error: "Not Found",
        message: `Route ${method}:${path} not found`,
        statusCode: 404,
      });
    if (
      method === "POST" &&
      req.headers["x-requested-with"] !== "huiying-console"
    )
      return send(res, 403, { error: "csrf" });
    const body = method === "POST" ? await readBody(req) : undefined;

    if (key === "POST /api/auth/login") {
      const { username, password } = body as {
        username?: string;
        password?: string;
      };
      const user = USERS.find((u) => u.username === username);
      const ok =
        user !== undefined &&
        (await verifyPassword(String(password ?? ""), hashes.get(user.id)!));
      if (!ok || !user) return send(res, 401, { error: "bad_credentials" });
      const { token } = await startSession(sessions, {
        userId: user.id,
        now: new Date(),
      });
      res.setHeader(
        "set-cookie",
        `hy_session=${token}; HttpOnly; SameSite=Strict; Path=/`,
      );
      return send(res, 200, { user });
    }
    const token = cookieToken(req);
    const session = token
      ? await resumeSession(sessions, token, new Date())
      : null;
    const user = session
      ? USERS.find((u) => u.id === session.userId)
      : undefined;
    if (!user) return send(res, 401, { error: "not_signed_in" });
    const me = principalOf(user);
    if (method === "POST")
      calls.push({ method, path, body, user: user.username });

    const incidentId = /^\/api\/incidents\/([^/]+)/.exec(path)?.[1];
    const incident = incidentId
      ? state.details.get(decodeURIComponent(incidentId))
      : undefined;
    const asIncident = (departments: string[]) => ({
      kind: "incident" as const,
      departments,
    });

    switch (key) {
      case "GET /api/auth/me":
        return send(res, 200, { user });
      case "POST /api/auth/logout":
        if (token) await endSession(sessions, token);
        res.setHeader("set-cookie", "hy_session=; Max-Age=0; Path=/");
        return send(res, 200, { ok: true });
      case "GET /api/departments":
        return send(res, 200, {
          departments: [
            "市安监局",
            "市财政局",
            "市卫生计生委",
            "武都区政府",
            "市政府新闻办",
          ],
        });
      case "GET /api/events": {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          connection: "keep-alive",
        });
        res.write(": connected\n\n");
        streams.add(res);
        req.on("close", () => streams.delete(res));
        return;
      }
      case "GET /api/alerts":
        return send(res, 200, {
          alerts: state.alerts.filter(
            (a) =>
              a.acknowledgedAt === null &&
              can(
                me,
                "incident.read",
                asIncident(
                  state.details.get(a.incidentId)!.incident.departments,
                ),
              ),
          ),
        });
      case "POST /api/alerts/:id/acknowledge": {
        const alert = state.alerts.find(
          (a) => a.id === decodeURIComponent(path.split("/")[3]!),
        );
        if (!alert) return send(res, 404, { error: "alert_not_found" });
        if (
          !can(
            me,
            "alert.acknowledge",
            asIncident(
              state.details.get(alert.incidentId)!.incident.departments,
            ),
          )
        )
          return send(res, 403, { error: "forbidden" });
        alert.acknowledgedAt = new Date().toISOString();
        alert.acknowledgedBy = user.displayName;
        return send(res, 200, { alert });
      }
      case "GET /api/incidents":
        return send(res, 200, {
          incidents: state.incidents.filter(
            (i) =>
              !["dismissed", "resolved"].includes(i.status) &&
              can(me, "incident.read", asIncident(i.departments)),
          ),
        });
      case "GET /api/incidents/:id":
        if (!incident) return send(res, 404, { error: "incident_not_found" });
        if (
          !can(me, "incident.read", asIncident(incident.incident.departments))
        )
          return send(res, 403, { error: "forbidden" });
        return send(res, 200, incident);
      case "GET /api/incidents/:id/statements":
        return send(res, 200, { statements: [] });
      case "POST /api/incidents/:id/confirm":
      case "POST /api/incidents/:id/level":
      case "POST /api/incidents/:id/dismiss":
      case "POST /api/incidents/:id/departments":
      case "POST /api/incidents/:id/merge": {
        if (!incident) return send(res, 404, { error: "incident_not_found" });
        const verbs = {
          confirm: "incident.confirm",
          level: "incident.set_level",
          dismiss: "incident.dismiss",
          departments: "incident.assign_department",
          merge: "incident.merge",
        } as const;
        const action: (typeof verbs)[keyof typeof verbs] =
          verbs[path.split("/")[4] as keyof typeof verbs];
        const resource = asIncident(incident.incident.departments);
        const allowed =
          action === "incident.merge"
            ? can(me, action, { kind: "merge", from: resource, into: resource })
            : can(me, action, resource);
        if (!allowed) return send(res, 403, { error: "forbidden" });
        const b = body as {
          level?: "I";
          reason?: string;
          departments?: string[];
        };
        const summary = state.incidents.find(
          (i) => i.id === incident.incident.id,
        )!;
        if (action === "incident.confirm")
          Object.assign(summary, {
            status: "confirmed",
            level: b.level ?? summary.level,
            levelConfirmed: true,
          });
        if (action === "incident.set_level")
          Object.assign(summary, { level: b.level, levelConfirmed: true });
        if (action === "incident.dismiss") {
          if (!b.reason || b.reason.length < 2)
            return send(res, 400, { error: "reason_required" });
          summary.status = "dismissed";
        }
        if (action === "incident.assign_department")
          summary.departments = b.departments ?? [];
        Object.assign(incident.incident, summary);
        return send(res, 200, { incident: incident.incident });
      }
      case "GET /api/drafts":
        return send(res, 200, {
          drafts: state.drafts
            .filter((d) =>
              can(me, "draft.read", {
                kind: "draft",
                department: d.department,
                authorId: d.authorId,
              }),
            )
            .map((d) => ({
              ...d,
              signOff: d.signOff.map((s) => ({
                ...s,
                canAct:
                  s.status === "pending" &&
                  can(me, "statement.approve_step", {
                    kind: "sign_off_step",
                    department: s.department,
                    draftAuthorId: d.authorId,
                    approverIds: [],
                    current: true,
                  }),
              })),
            })),
        });
      case "POST /api/drafts/:id/sign-off": {
        const draft = state.drafts.find(
          (d) => d.id === decodeURIComponent(path.split("/")[3]!),
        );
        if (!draft) return send(res, 404, { error: "draft_not_found" });
        const b = body as {
          step: number;
          decision: "approve" | "reject";
          comment?: string;
        };
        const step = draft.signOff.find((s) => s.step === b.step);
        if (!step || step.status !== "pending")
          return send(res, 409, { error: "step_not_current" });
        if (
          !can(me, "statement.approve_step", {
            kind: "sign_off_step",
            department: step.department,
            draftAuthorId: draft.authorId,
            approverIds: [],
            current: true,
          })
        )
          return send(res, 403, { error: "forbidden" });
        Object.assign(step, {
          status: b.decision === "approve" ? "approved" : "rejected",
          at: new Date().toISOString(),
          comment: b.comment || null,
          approverName: user.displayName,
        });
        const next = draft.signOff.find((s) => s.status === "waiting");
        if (b.decision === "approve" && next) next.status = "pending";
        draft.status =
          b.decision === "reject"
            ? "rejected"
            : next
              ? "in_review"
              : "approved";
        return send(res, 200, { draft });
      }
      case "GET /api/reports/sla":
      case "GET /api/reports/sla.csv": {
        const department = query.get("department");
        if (
          !can(me, "report.read", {
            kind: "report",
            department: department || null,
          })
        )
          return send(res, 403, { error: "forbidden" });
        const report = {
          ...state.report,
          month: query.get("month") ?? state.report.month,
          department: department || null,
        };
        if (key === "GET /api/reports/sla") return send(res, 200, report);
        res.writeHead(200, {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="sla-${report.month}.csv"`,
        });
        return void res.end(
          toCsv(
            ["单位", "事件", "启动时限", "按时完成", "超时"],
            report.departments.map((d) => [
              d.department,
              d.incidents,
              d.clocks.started,
              d.clocks.met,
              d.clocks.breached,
            ]),
          ),
        );
      }
      default:
        return send(res, 404, {
          error: "Not Found",
          message: `Route ${method}:${path} not found`,
          statusCode: 404,
        });
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fixture");
    const handle = url.pathname.startsWith("/api/")
      ? api(req, res, url.pathname, url.searchParams)
      : serveStatic(url.pathname, res);
    handle.catch((err: Error) =>
      send(res, 500, { error: "fixture_error", message: err.message }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    calls,
    push(event, data) {
      for (const s of streams)
        s.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    async close() {
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
