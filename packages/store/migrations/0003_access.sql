-- Access: users with roles scoped to departments, their sessions, and machine API keys.
-- Sessions and API keys are stored as SHA-256 digests of the token: a copy of these tables
-- signs no one in. Passwords are scrypt hashes in their self-describing form (`scrypt$N=…`).

CREATE TABLE users (
  id             text PRIMARY KEY,
  username       text NOT NULL,
  display_name   text NOT NULL,
  password_hash  text NOT NULL,
  roles          text[] NOT NULL
                 CHECK (roles <@ ARRAY['duty_officer', 'spokesperson', 'approver', 'leader', 'admin']::text[]),
  -- Department names as incidents carry them, or '*' for every department.
  departments    text[] NOT NULL DEFAULT '{}',
  active         boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
-- User names are compared case-insensitively at login.
CREATE UNIQUE INDEX users_username ON users (lower(username));

CREATE TABLE sessions (
  digest        text PRIMARY KEY,
  user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  ip            text,
  user_agent    text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  digest       text NOT NULL,
  name         text NOT NULL,
  -- The machine's own principal: its roles and departments, checked by the same policy.
  principal_id text NOT NULL,
  roles        text[] NOT NULL
               CHECK (roles <@ ARRAY['duty_officer', 'spokesperson', 'approver', 'leader', 'admin']::text[]),
  departments  text[] NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
