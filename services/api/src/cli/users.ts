import { parseArgs } from 'node:util';
import { env, exitOnConfigError, parseConfig } from '@huiying/config';
import { DEFAULT_PGLITE_DIR, migrate, openDatabase } from '@huiying/store';
import { z } from 'zod';
import { addUser, generatePassword, parseRoles } from '../access/user-accounts';

const USAGE = `usage: huiying users add --username NAME --name DISPLAY_NAME --roles ROLE[,ROLE] [--departments D1,D2 | --departments '*']
  roles: duty_officer, spokesperson, approver, leader, admin
  The password is read from HUIYING_PASSWORD, or generated and printed once.`;

const Config = z.object({
  DATABASE_URL: env.url().optional(),
  PGLITE_DIR: z.string().min(1).default(DEFAULT_PGLITE_DIR),
  DATABASE_SCHEMA: z.string().optional(),
  // Read from the environment, never from argv: argv shows up in `ps` and shell history.
  HUIYING_PASSWORD: z.string().min(12, 'at least 12 characters').max(1024).optional(),
});

async function main(): Promise<void> {
  const [sub, ...rest] = process.argv.slice(2);
  if (sub !== 'add') {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const { values } = parseArgs({
    args: rest,
    options: { username: { type: 'string' }, name: { type: 'string' }, roles: { type: 'string' }, departments: { type: 'string', default: '' } },
  });
  if (!values.username || !values.roles) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const config = parseConfig('users', Config);
  const roles = parseRoles(values.roles);
  const departments = values.departments.split(',').map((d) => d.trim()).filter(Boolean);
  const password = config.HUIYING_PASSWORD ?? generatePassword();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR, schema: config.DATABASE_SCHEMA });
  try {
    await migrate(db);
    const id = await addUser(db, { username: values.username, displayName: values.name ?? values.username, roles, departments, password }, new Date());
    process.stdout.write(`added ${values.username} (${id}): ${roles.join(', ')}; ${departments.join('、') || 'no departments'}\n`);
    if (!config.HUIYING_PASSWORD) process.stdout.write(`password (shown once): ${password}\n`);
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  if (error instanceof Error && /users_username/.test(error.message)) {
    process.stderr.write('users: that user name is taken\n');
    process.exit(1);
  }
  exitOnConfigError(error);
});
