import {
  coversAnyDepartment,
  coversDepartment,
  type Principal,
  type Role,
} from "./roles";

/**
 * Every action the product offers, and the resource each one is checked against. The API calls
 * `can` on every route; the console calls it only to hide buttons a person could not use anyway.
 */
export interface ActionResources {
  "incident.read": IncidentResource;
  "alert.acknowledge": IncidentResource;
  "incident.confirm": IncidentResource;
  "incident.set_level": IncidentResource;
  "incident.dismiss": IncidentResource;
  "incident.assign_department": IncidentResource;
  /** Checked against both incidents: the one merged away and the one it joins. */
  "incident.merge": MergeResource;
  /** Checked against the incident the posts leave; the new incident starts with its departments. */
  "incident.split": IncidentResource;
  /** Moving t0 moves every deadline of the incident: checked like the other duty actions. */
  "incident.correct_t0": IncidentResource;
  /** Pausing or resuming a clock, checked against the departments of the clock's incident. */
  "clock.pause": IncidentResource;
  "statement.draft": DraftResource;
  "draft.read": DraftResource;
  "statement.approve_step": SignOffStepResource;
  "statement.publish": PublishResource;
  "press_conference.record": IncidentResource;
  "report.read": ReportResource;
  "users.manage": SystemResource;
  "sources.manage": SystemResource;
  "robots.manage": SystemResource;
}
export type Action = keyof ActionResources;

export const ACTIONS: readonly Action[] = [
  "incident.read",
  "alert.acknowledge",
  "incident.confirm",
  "incident.set_level",
  "incident.dismiss",
  "incident.assign_department",
  "incident.merge",
  "incident.split",
  "incident.correct_t0",
  "clock.pause",
  "statement.draft",
  "draft.read",
  "statement.approve_step",
  "statement.publish",
  "press_conference.record",
  "report.read",
  "users.manage",
  "sources.manage",
  "robots.manage",
];

export interface IncidentResource {
  kind: "incident";
  /** The responsible departments; empty while no one has been assigned. */
  departments: readonly string[];
}
export interface MergeResource {
  kind: "merge";
  from: IncidentResource;
  into: IncidentResource;
}
export interface DraftResource {
  kind: "draft";
  /** "Whoever drafts, interprets": a draft belongs to one department. */
  department: string;
  authorId: string;
}
export interface SignOffStepResource {
  kind: "sign_off_step";
  /** The department whose sign-off this step is (the news office for the last default step). */
  department: string;
  draftAuthorId: string;
  /** When the chain names its approvers, only they may act; empty = any approver of the department. */
  approverIds: readonly string[];
  /** Only the chain's current step can be approved. */
  current: boolean;
}
export interface PublishResource {
  kind: "publish";
  department: string;
  /** Every step of the sign-off chain approved ("同步审签" before "同步发布"). */
  signedOff: boolean;
}
export interface ReportResource {
  kind: "report";
  /** null: the report across all departments. */
  department: string | null;
}
export interface SystemResource {
  kind: "system";
}

export type Refusal =
  | "inactive"
  | "role"
  | "department"
  | "own_draft"
  | "not_named_approver"
  | "not_current_step"
  | "not_signed_off";

export type Decision = { allowed: true } | { allowed: false; reason: Refusal };

const ALLOW: Decision = { allowed: true };
const refuse = (reason: Refusal): Decision => ({ allowed: false, reason });

/** Which roles may attempt each action at all; the department and workflow checks come after. */
export const ROLE_GRANTS: Readonly<Record<Action, readonly Role[]>> = {
  // Duty officers watch every incident; the others see their departments' incidents.
  "incident.read": [
    "duty_officer",
    "spokesperson",
    "approver",
    "leader",
    "admin",
  ],
  "alert.acknowledge": ["duty_officer"],
  "incident.confirm": ["duty_officer"],
  "incident.set_level": ["duty_officer"],
  "incident.dismiss": ["duty_officer"],
  "incident.assign_department": ["duty_officer"],
  "incident.merge": ["duty_officer"],
  "incident.split": ["duty_officer"],
  "incident.correct_t0": ["duty_officer"],
  // Clocks are wall-clock, 24/7: the one exception is a leader's recorded sign-off (国办发〔2016〕80号
  // as the domain reads it), never the duty officer who watches the clock.
  "clock.pause": ["leader"],
  "statement.draft": ["spokesperson"],
  "draft.read": ["spokesperson", "approver", "leader"],
  "statement.approve_step": ["approver"],
  "statement.publish": ["spokesperson"],
  "press_conference.record": ["spokesperson"],
  "report.read": ["leader", "admin"],
  "users.manage": ["admin"],
  "sources.manage": ["admin"],
  "robots.manage": ["admin"],
};

/**
 * Roles whose grant is limited to their departments. Duty officers sit in the news office and
 * act on every incident in the city; an admin reads everything to configure it.
 */
const DEPARTMENT_SCOPED: ReadonlySet<Role> = new Set([
  "spokesperson",
  "approver",
  "leader",
]);

function grantingRoles(principal: Principal, action: Action): Role[] {
  const granted = ROLE_GRANTS[action];
  return principal.roles.filter((r) => granted.includes(r));
}

/** A principal holding several roles is allowed when any one role allows, each with its own scope. */
function inScope(
  principal: Principal,
  roles: Role[],
  covers: () => boolean,
): boolean {
  return roles.some((r) => !DEPARTMENT_SCOPED.has(r) || covers());
}

export function decide<A extends Action>(
  principal: Principal,
  action: A,
  resource: ActionResources[A],
): Decision {
  if (!principal.active) return refuse("inactive");
  const roles = grantingRoles(principal, action);
  if (roles.length === 0) return refuse("role");
  const r = resource as ActionResources[Action];
  switch (r.kind) {
    case "system":
      return ALLOW;
    case "incident":
      return inScope(principal, roles, () =>
        coversAnyDepartment(principal, r.departments),
      )
        ? ALLOW
        : refuse("department");
    case "merge": {
      const both = () =>
        coversAnyDepartment(principal, r.from.departments) &&
        coversAnyDepartment(principal, r.into.departments);
      return inScope(principal, roles, both) ? ALLOW : refuse("department");
    }
    case "report":
      // A department-scoped leader reads their department's report, never the city-wide one
      // (unless their scope is every department).
      return inScope(principal, roles, () =>
        r.department === null
          ? coversDepartment(principal, "*")
          : coversDepartment(principal, r.department),
      )
        ? ALLOW
        : refuse("department");
    case "draft":
      return inScope(principal, roles, () =>
        coversDepartment(principal, r.department),
      )
        ? ALLOW
        : refuse("department");
    case "publish":
      if (
        !inScope(principal, roles, () =>
          coversDepartment(principal, r.department),
        )
      )
        return refuse("department");
      return r.signedOff ? ALLOW : refuse("not_signed_off");
    case "sign_off_step":
      if (!coversDepartment(principal, r.department))
        return refuse("department");
      // Four eyes: the author never signs off their own text, whatever other roles they hold.
      if (r.draftAuthorId === principal.id) return refuse("own_draft");
      if (r.approverIds.length > 0 && !r.approverIds.includes(principal.id))
        return refuse("not_named_approver");
      return r.current ? ALLOW : refuse("not_current_step");
  }
}

/** `decide`, when only the answer matters. */
export function can<A extends Action>(
  principal: Principal,
  action: A,
  resource: ActionResources[A],
): boolean {
  return decide(principal, action, resource).allowed;
}
