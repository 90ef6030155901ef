/** The people who use the product, as the domain names them (see shared/domain.md). */
export const ROLES = [
  "duty_officer",
  "spokesperson",
  "approver",
  "leader",
  "admin",
] as const;
export type Role = (typeof ROLES)[number];

/**
 * A department scope that covers every department: city-level leaders and the news office's
 * own staff. Kept as a value an admin assigns, never implied by a role, so no role quietly widens
 * what a person sees.
 */
export const ALL_DEPARTMENTS = "*";

/** Who is asking: what the API knows about the signed-in person or the machine's key. */
export interface Principal {
  id: string;
  roles: readonly Role[];
  /** Department names as incidents carry them (`市安监局`), or `ALL_DEPARTMENTS`. */
  departments: readonly string[];
  /** A disabled account keeps its sessions from doing anything until they expire. */
  active: boolean;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether the principal's scope covers the department. */
export function coversDepartment(
  principal: Principal,
  department: string,
): boolean {
  return (
    principal.departments.includes(ALL_DEPARTMENTS) ||
    principal.departments.includes(department)
  );
}

/** Whether the principal's scope covers any of the departments (an incident may have several). */
export function coversAnyDepartment(
  principal: Principal,
  departments: readonly string[],
): boolean {
  if (principal.departments.includes(ALL_DEPARTMENTS)) return true;
  return departments.some((d) => principal.departments.includes(d));
}
