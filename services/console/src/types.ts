/** JSON shapes the console reads; API.md documents each endpoint that returns them. */
export type Role =
  "duty_officer" | "spokesperson" | "approver" | "leader" | "admin";
export type Level = "I" | "II" | "III" | "IV";

export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  departments: string[];
}

export interface IncidentSummary {
  id: string;
  kind: "emergency" | "rumor" | "opinion";
  status: "detected" | "confirmed" | "responding" | "resolved" | "dismissed";
  title: string;
  category: string | null;
  subtype: string | null;
  level: Level | null;
  levelConfirmed: boolean;
  t0: string;
  departments: string[];
  counties: string[];
  postCount: number;
  drill: boolean;
  openedAt: string;
  updatedAt: string;
  nextDueAt: string | null;
}

export interface Evidence {
  rule: string;
  terms: string[];
  weight: number;
  note?: string;
}

export interface Classification {
  version: string;
  emergency: {
    flagged: boolean;
    category: string | null;
    subtype: string | null;
    level: Level | null;
    score: number;
    evidence: Evidence[];
  };
  rumor: {
    flagged: boolean;
    score: number;
    evidence: Evidence[];
    claimId?: string | null;
  };
  departments: string[];
  counties: string[];
  sentiment: string;
  keyTerms: string[];
}

export interface Post {
  id: string;
  sourceId: string;
  url: string | null;
  author: string | null;
  title: string | null;
  text: string;
  publishedAt: string;
  engagement: { reposts?: number; comments?: number; likes?: number } | null;
  classification: Classification | null;
}

export interface Clock {
  id: string;
  stage: string;
  status: string;
  t0: string;
  dueAt: string;
  startedAt: string;
  metAt: string | null;
  breachedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  drill: boolean;
}

export interface ClockHistoryEntry {
  clockId: string;
  at: string;
  kind: string;
  actor?: string | null;
  reason?: string | null;
}

export interface Alert {
  id: string;
  incidentId: string;
  incidentTitle?: string;
  clockId: string | null;
  severity: "info" | "warning" | "critical";
  title: string;
  body: string;
  drill: boolean;
  count: number;
  createdAt: string;
  lastAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

export interface IncidentDetail {
  incident: IncidentSummary & {
    levelConfidence: number;
    importantOpinion: boolean;
  };
  posts: Post[];
  clocks: Clock[];
  /** Not in the first API version: the page says so when it is missing. */
  clockHistory?: ClockHistoryEntry[];
  alerts: Alert[];
  history: {
    at: string;
    actor: string;
    action: string;
    reason: string | null;
  }[];
}

export interface Statement {
  id: string;
  kind:
    | "situation_report"
    | "rebuttal"
    | "press_notice"
    | "policy_interpretation";
  title: string;
  department: string;
  status: string;
  version: number;
  publishedAt: string | null;
  supersedes: string | null;
  url: string | null;
}

export interface SignOffStep {
  step: number;
  label: string;
  department: string;
  approverName: string | null;
  status: "waiting" | "pending" | "approved" | "rejected";
  dueAt: string | null;
  at: string | null;
  comment: string | null;
  /** Whether the signed-in user may approve or reject this step now. */
  canAct: boolean;
}

export interface Draft {
  id: string;
  incidentId: string | null;
  incidentTitle: string | null;
  kind: Statement["kind"];
  title: string;
  department: string;
  authorId: string;
  authorName: string;
  version: number;
  status: "drafting" | "in_review" | "rejected" | "approved" | "published";
  deadline: { stage: string; dueAt: string } | null;
  signOff: SignOffStep[];
  updatedAt: string;
}

export interface DurationFigure {
  count: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export interface DepartmentFigures {
  department: string;
  incidents: number;
  clocks: {
    started: number;
    met: number;
    breached: number;
    running: number;
    cancelled: number;
  };
  onTimeRate: number | null;
  firstStatement: DurationFigure;
  pressConference: DurationFigure;
}

export interface Breach {
  clockId: string;
  incidentId: string;
  incidentTitle: string;
  department: string;
  stage: string;
  t0: string;
  dueAt: string;
  breachedAt: string;
  metAt: string | null;
  overdueMinutes: number;
  timeline: {
    at: string;
    kind: string;
    actor: string | null;
    note: string | null;
  }[];
}

export interface SlaReport {
  month: string;
  department: string | null;
  generatedAt: string;
  departments: DepartmentFigures[];
  totals: DepartmentFigures;
  breaches: Breach[];
  drills: {
    incidents: number;
    clocks: { started: number; met: number; breached: number };
  };
  paused: {
    clockId: string;
    incidentId: string;
    incidentTitle: string;
    department: string;
    stage: string;
    pausedMinutes: number;
    reason: string;
    approvedBy: string | null;
  }[];
}
