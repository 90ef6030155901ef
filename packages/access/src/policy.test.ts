import {
  ACTIONS,
  can,
  decide,
  type Action,
  type ActionResources,
} from "./policy";
import { ALL_DEPARTMENTS, ROLES, type Principal, type Role } from "./roles";

const OWN = "市安监局";
const OTHER = "市财政局";

const person = (
  role: Role,
  departments: string[] = [OWN],
  id = `u-${role}`,
): Principal => ({ id, roles: [role], departments, active: true });

/** Resources that sit inside the OWN department and pass every workflow check. */
const inOwnDepartment: { [A in Action]: ActionResources[A] } = {
  "incident.read": { kind: "incident", departments: [OWN] },
  "alert.acknowledge": { kind: "incident", departments: [OWN] },
  "incident.confirm": { kind: "incident", departments: [OWN] },
  "incident.set_level": { kind: "incident", departments: [OWN] },
  "incident.dismiss": { kind: "incident", departments: [OWN] },
  "incident.assign_department": { kind: "incident", departments: [OWN] },
  "incident.merge": {
    kind: "merge",
    from: { kind: "incident", departments: [OWN] },
    into: { kind: "incident", departments: [OWN] },
  },
  "incident.split": { kind: "incident", departments: [OWN] },
  "incident.correct_t0": { kind: "incident", departments: [OWN] },
  "clock.pause": { kind: "incident", departments: [OWN] },
  "statement.draft": {
    kind: "draft",
    department: OWN,
    authorId: "someone-else",
  },
  "draft.read": { kind: "draft", department: OWN, authorId: "someone-else" },
  "statement.approve_step": {
    kind: "sign_off_step",
    department: OWN,
    draftAuthorId: "someone-else",
    approverIds: [],
    current: true,
  },
  "statement.publish": { kind: "publish", department: OWN, signedOff: true },
  "press_conference.record": { kind: "incident", departments: [OWN] },
  "report.read": { kind: "report", department: OWN },
  "users.manage": { kind: "system" },
  "sources.manage": { kind: "system" },
  "robots.manage": { kind: "system" },
};

/** The same, in the OTHER department. System actions have no department. */
const inOtherDepartment: { [A in Action]: ActionResources[A] } = {
  "incident.read": { kind: "incident", departments: [OTHER] },
  "alert.acknowledge": { kind: "incident", departments: [OTHER] },
  "incident.confirm": { kind: "incident", departments: [OTHER] },
  "incident.set_level": { kind: "incident", departments: [OTHER] },
  "incident.dismiss": { kind: "incident", departments: [OTHER] },
  "incident.assign_department": { kind: "incident", departments: [OTHER] },
  "incident.merge": {
    kind: "merge",
    from: { kind: "incident", departments: [OWN] },
    into: { kind: "incident", departments: [OTHER] },
  },
  "incident.split": { kind: "incident", departments: [OTHER] },
  "incident.correct_t0": { kind: "incident", departments: [OTHER] },
  "clock.pause": { kind: "incident", departments: [OTHER] },
  "statement.draft": {
    kind: "draft",
    department: OTHER,
    authorId: "someone-else",
  },
  "draft.read": { kind: "draft", department: OTHER, authorId: "someone-else" },
  "statement.approve_step": {
    kind: "sign_off_step",
    department: OTHER,
    draftAuthorId: "someone-else",
    approverIds: [],
    current: true,
  },
  "statement.publish": { kind: "publish", department: OTHER, signedOff: true },
  "press_conference.record": { kind: "incident", departments: [OTHER] },
  "report.read": { kind: "report", department: OTHER },
  "users.manage": { kind: "system" },
  "sources.manage": { kind: "system" },
  "robots.manage": { kind: "system" },
};

// Written out by hand, not derived from ROLE_GRANTS: this table is the specification.
// Columns: duty_officer, spokesperson, approver, leader, admin.
const Y = true;
const N = false;
const MATRIX: Record<Action, [boolean, boolean, boolean, boolean, boolean]> = {
  "incident.read": [Y, Y, Y, Y, Y],
  "alert.acknowledge": [Y, N, N, N, N],
  "incident.confirm": [Y, N, N, N, N],
  "incident.set_level": [Y, N, N, N, N],
  "incident.dismiss": [Y, N, N, N, N],
  "incident.assign_department": [Y, N, N, N, N],
  "incident.merge": [Y, N, N, N, N],
  "incident.split": [Y, N, N, N, N],
  "incident.correct_t0": [Y, N, N, N, N],
  "clock.pause": [N, N, N, Y, N],
  "statement.draft": [N, Y, N, N, N],
  "draft.read": [N, Y, Y, Y, N],
  "statement.approve_step": [N, N, Y, N, N],
  "statement.publish": [N, Y, N, N, N],
  "press_conference.record": [N, Y, N, N, N],
  "report.read": [N, N, N, Y, Y],
  "users.manage": [N, N, N, N, Y],
  "sources.manage": [N, N, N, N, Y],
  "robots.manage": [N, N, N, N, Y],
};

/** In another department only the roles that are not department-scoped keep their grant. */
const UNSCOPED: ReadonlySet<Role> = new Set(["duty_officer", "admin"]);

const cells = ACTIONS.flatMap((action) =>
  ROLES.map((role, i) => ({ action, role, allowed: MATRIX[action][i]! })),
);

describe("policy: every role × every action", () => {
  it("the matrix covers every action", () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...ACTIONS].sort());
  });

  it.each(cells)(
    "$role → $action in own department: allowed=$allowed",
    ({ action, role, allowed }) => {
      expect(can(person(role), action, inOwnDepartment[action])).toBe(allowed);
      if (!allowed)
        expect(decide(person(role), action, inOwnDepartment[action])).toEqual({
          allowed: false,
          reason: "role",
        });
    },
  );

  it.each(cells)(
    "$role → $action in another department",
    ({ action, role, allowed }) => {
      const expected =
        allowed &&
        (UNSCOPED.has(role) || inOtherDepartment[action].kind === "system");
      expect(can(person(role), action, inOtherDepartment[action])).toBe(
        expected,
      );
    },
  );

  it.each(cells)(
    "$role → $action with city-wide scope: as in own department",
    ({ action, role, allowed }) => {
      expect(
        can(person(role, [ALL_DEPARTMENTS]), action, inOtherDepartment[action]),
      ).toBe(allowed);
    },
  );

  it.each(cells)("disabled $role → $action: refused", ({ action, role }) => {
    const disabled = { ...person(role), active: false };
    expect(decide(disabled, action, inOwnDepartment[action])).toEqual({
      allowed: false,
      reason: "inactive",
    });
  });
});

describe("policy: the rules the issues name", () => {
  const spokesperson = person("spokesperson", [OWN], "alice");
  const approverAndSpokesperson: Principal = {
    id: "bob",
    roles: ["spokesperson", "approver"],
    departments: [OWN],
    active: true,
  };

  it.each([
    [
      "a leader of one department cannot read another department’s drafts",
      person("leader"),
      "draft.read",
      { kind: "draft", department: OTHER, authorId: "x" },
      "department",
    ],
    [
      "a spokesperson cannot approve",
      spokesperson,
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: OWN,
        draftAuthorId: "x",
        approverIds: [],
        current: true,
      },
      "role",
    ],
    [
      "a duty officer cannot publish",
      person("duty_officer", [ALL_DEPARTMENTS]),
      "statement.publish",
      { kind: "publish", department: OWN, signedOff: true },
      "role",
    ],
    [
      "an approver who is also a spokesperson cannot approve their own draft",
      approverAndSpokesperson,
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: OWN,
        draftAuthorId: "bob",
        approverIds: [],
        current: true,
      },
      "own_draft",
    ],
    [
      "an approver cannot approve their own draft even when named",
      { ...person("approver", [OWN], "carol") },
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: OWN,
        draftAuthorId: "carol",
        approverIds: ["carol"],
        current: true,
      },
      "own_draft",
    ],
    [
      "only the approver the chain names can approve",
      person("approver", [OWN], "dave"),
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: OWN,
        draftAuthorId: "x",
        approverIds: ["erin"],
        current: true,
      },
      "not_named_approver",
    ],
    [
      "only the current step can be approved",
      person("approver", [OWN], "dave"),
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: OWN,
        draftAuthorId: "x",
        approverIds: [],
        current: false,
      },
      "not_current_step",
    ],
    [
      "an approver of another department cannot approve",
      person("approver", [OTHER], "dave"),
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: OWN,
        draftAuthorId: "x",
        approverIds: [],
        current: true,
      },
      "department",
    ],
    [
      "a draft cannot be published before sign-off",
      spokesperson,
      "statement.publish",
      { kind: "publish", department: OWN, signedOff: false },
      "not_signed_off",
    ],
    [
      "a spokesperson cannot publish for another department",
      spokesperson,
      "statement.publish",
      { kind: "publish", department: OTHER, signedOff: true },
      "department",
    ],
    [
      "a department leader cannot read the city-wide report",
      person("leader"),
      "report.read",
      { kind: "report", department: null },
      "department",
    ],
    [
      "a spokesperson cannot read an incident no department of theirs holds",
      spokesperson,
      "incident.read",
      { kind: "incident", departments: [] },
      "department",
    ],
    [
      "a principal with no roles can do nothing",
      { id: "z", roles: [], departments: [ALL_DEPARTMENTS], active: true },
      "incident.read",
      { kind: "incident", departments: [OWN] },
      "role",
    ],
  ] as [string, Principal, Action, ActionResources[Action], string][])(
    "%s",
    (_name, who, action, resource, reason) => {
      expect(decide(who, action, resource as never)).toEqual({
        allowed: false,
        reason,
      });
    },
  );

  it.each([
    [
      "a named approver approves the current step",
      person("approver", [OWN], "erin"),
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: OWN,
        draftAuthorId: "x",
        approverIds: ["erin"],
        current: true,
      },
    ],
    [
      "the news office approver signs the last step of another department’s draft",
      person("approver", ["市政府新闻办"], "nina"),
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: "市政府新闻办",
        draftAuthorId: "x",
        approverIds: [],
        current: true,
      },
    ],
    [
      "a city-wide leader reads the city-wide report",
      person("leader", [ALL_DEPARTMENTS]),
      "report.read",
      { kind: "report", department: null },
    ],
    [
      "an admin reads the city-wide report",
      person("admin", []),
      "report.read",
      { kind: "report", department: null },
    ],
    [
      "a spokesperson reads an incident shared with another department",
      spokesperson,
      "incident.read",
      { kind: "incident", departments: [OTHER, OWN] },
    ],
    [
      "a duty officer acknowledges an alert of an unassigned incident",
      person("duty_officer", []),
      "alert.acknowledge",
      { kind: "incident", departments: [] },
    ],
    [
      "a spokesperson-approver approves a colleague’s draft",
      approverAndSpokesperson,
      "statement.approve_step",
      {
        kind: "sign_off_step",
        department: OWN,
        draftAuthorId: "alice",
        approverIds: [],
        current: true,
      },
    ],
  ] as [string, Principal, Action, ActionResources[Action]][])(
    "%s",
    (_name, who, action, resource) => {
      expect(decide(who, action, resource as never)).toEqual({ allowed: true });
    },
  );
});
