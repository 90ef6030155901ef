import { randomBytes, randomUUID } from 'node:crypto';
import {
  DEFAULT_SCRYPT_PARAMS,
  PostgresUserDirectory,
  hashPassword,
  isRole,
  type Role,
  type ScryptParams,
} from '@huiying/access';
import type { Queryable } from '@huiying/store';
import type { Logger } from '@huiying/telemetry';

export interface NewUser {
  username: string;
  displayName: string;
  roles: Role[];
  departments: string[];
  password: string;
}

/** A password people can type from a log line: 16 URL-safe characters, ~96 bits. */
export const generatePassword = () => randomBytes(12).toString('base64url');

export function parseRoles(list: string): Role[] {
  const roles = list.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length > 0 || roles.length === 0) throw new Error(`unknown role(s): ${unknown.join(', ') || '(none given)'}`);
  return roles as Role[];
}

export async function addUser(db: Queryable, user: NewUser, now: Date, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const id = `u-${randomUUID()}`;
  await new PostgresUserDirectory(db).create(
    {
      id,
      username: user.username,
      displayName: user.displayName,
      passwordHash: await hashPassword(user.password, params),
      roles: user.roles,
      departments: user.departments,
      active: true,
    },
    now,
  );
  return id;
}

/** One account per role, as the embedded mode's first start creates them. */
export const DEMO_USERS: Omit<NewUser, 'password'>[] = [
  { username: 'duty', displayName: '值班员（演示）', roles: ['duty_officer'], departments: ['市政府新闻办'] },
  { username: 'spokesperson', displayName: '新闻发言人（演示）', roles: ['spokesperson'], departments: ['市安监局'] },
  { username: 'approver', displayName: '审签人（演示）', roles: ['approver'], departments: ['市安监局'] },
  { username: 'leader', displayName: '分管领导（演示）', roles: ['leader'], departments: ['*'] },
  { username: 'admin', displayName: '管理员（演示）', roles: ['admin'], departments: ['*'] },
];

/**
 * The embedded mode only: when nobody can sign in yet, create one user per role with a fresh
 * random password and print them once, so a first look at the console needs no setup.
 */
export async function ensureDemoUsers(db: Queryable, logger: Logger, now: Date, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM users`);
  if (Number(rows[0]?.n ?? 0) > 0) return 0;
  const created: string[] = [];
  for (const user of DEMO_USERS) {
    const password = generatePassword();
    await addUser(db, { ...user, password }, now, params);
    created.push(`  ${user.username.padEnd(13)} ${password}   (${user.roles.join(', ')}; ${user.departments.join('、')})`);
  }
  // Printed on purpose, once, for the local demo: there is no other way to learn these passwords.
  logger.info(`demo users created (embedded mode; change or remove them before real use):\n${created.join('\n')}`);
  return created.length;
}
