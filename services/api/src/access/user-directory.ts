import type { PostgresUserDirectory } from '@huiying/access';

/** What the API needs of the users table; PostgresUserDirectory from @huiying/access provides it. */
export type UserDirectory = Pick<PostgresUserDirectory, 'findById' | 'findByUsername' | 'setPasswordHash' | 'create'>;
