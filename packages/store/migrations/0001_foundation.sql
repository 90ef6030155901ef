-- The system of record: posts, the incidents they form, the response clocks that run on those
-- incidents, the alerts raised, and what each consumer has already processed.
-- Times are timestamptz (instants). Domain times (t0, due_at, opened_at …) have no default: the
-- services pass the `now` their pure core used, so the row says what the decision said.

CREATE TABLE posts (
  id                 text PRIMARY KEY,
  source_id          text NOT NULL,
  source_kind        text NOT NULL,
  native_id          text,
  url                text,
  author             text,
  title              text,
  text               text NOT NULL,
  published_at       timestamptz NOT NULL,
  collected_at       timestamptz NOT NULL,
  engagement         jsonb NOT NULL DEFAULT '{}',
  raw                jsonb,
  trace_id           text NOT NULL,
  classification     jsonb,
  classifier_version text,
  classified_at      timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX posts_published_at ON posts (published_at DESC);

CREATE TABLE incidents (
  id                text PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('emergency', 'rumor', 'opinion')),
  status            text NOT NULL
                    CHECK (status IN ('detected', 'confirmed', 'responding', 'resolved', 'dismissed')),
  title             text NOT NULL,
  category          text,
  subtype           text,
  -- Emergency Response Law levels: I 特别重大, II 重大, III 较大, IV 一般.
  level             text CHECK (level IN ('I', 'II', 'III', 'IV')),
  level_confirmed   boolean NOT NULL DEFAULT false,
  level_confidence  real NOT NULL DEFAULT 0 CHECK (level_confidence BETWEEN 0 AND 1),
  important_opinion boolean NOT NULL DEFAULT false,
  t0                timestamptz NOT NULL,
  departments       text[] NOT NULL DEFAULT '{}',
  counties          text[] NOT NULL DEFAULT '{}',
  key_terms         text[] NOT NULL DEFAULT '{}',
  post_count        integer NOT NULL DEFAULT 0 CHECK (post_count >= 0),
  drill             boolean NOT NULL DEFAULT false,
  merged_into       text REFERENCES incidents (id),
  opened_at         timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  trace_id          text NOT NULL,
  CHECK (merged_into IS NULL OR merged_into <> id)
);
-- Open incidents, most recently updated first (correlation of new posts, the duty board). The
-- planner uses this partial index only when a query spells the same status list literally:
--   WHERE status IN ('detected', 'confirmed', 'responding') ORDER BY updated_at DESC
CREATE INDEX incidents_open_by_updated ON incidents (updated_at DESC)
  WHERE status IN ('detected', 'confirmed', 'responding');
-- Reports and listings by month.
CREATE INDEX incidents_opened_at ON incidents (opened_at);

-- A post belongs to exactly one incident: the primary key on post_id is what makes a redelivered
-- post (or two consumers racing on it) unable to join twice. No foreign key to posts, so the
-- incidents service does not depend on when another service stored the post.
CREATE TABLE incident_posts (
  post_id     text PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  joined_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_posts_by_incident ON incident_posts (incident_id, joined_at);

-- History tables are evidence for assessors: rows are added, never changed or removed.
CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TABLE incident_history (
  id          bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  at          timestamptz NOT NULL,
  -- A user id, or `system:<service>`.
  actor       text NOT NULL,
  action      text NOT NULL,
  reason      text,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_history_by_incident ON incident_history (incident_id, at, id);
CREATE TRIGGER incident_history_append_only BEFORE UPDATE OR DELETE ON incident_history
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER incident_history_no_truncate BEFORE TRUNCATE ON incident_history
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

CREATE TABLE clocks (
  id            text PRIMARY KEY,
  incident_id   text NOT NULL REFERENCES incidents (id),
  stage         text NOT NULL,
  status        text NOT NULL CHECK (status IN ('running', 'paused', 'met', 'breached', 'cancelled')),
  t0            timestamptz NOT NULL,
  due_at        timestamptz NOT NULL,
  started_at    timestamptz NOT NULL,
  met_at        timestamptz,
  breached_at   timestamptz,
  cancelled_at  timestamptz,
  cancel_reason text,
  drill         boolean NOT NULL DEFAULT false,
  updated_at    timestamptz NOT NULL,
  CHECK (due_at >= t0),
  CHECK (status <> 'met' OR met_at IS NOT NULL),
  CHECK (status <> 'breached' OR breached_at IS NOT NULL),
  -- Stopping a clock is an exception that needs its reason on record.
  CHECK (status <> 'cancelled' OR (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL))
);
-- One live clock per stage of an incident; a cancelled one may be replaced (e.g. after a t0 fix).
CREATE UNIQUE INDEX clocks_one_per_stage ON clocks (incident_id, stage) WHERE status <> 'cancelled';
-- The timer re-arms these at start.
CREATE INDEX clocks_live_by_due ON clocks (due_at) WHERE status IN ('running', 'paused');
-- Met / missed reports by month.
CREATE INDEX clocks_due_at ON clocks (due_at);

CREATE TABLE clock_history (
  id       bigserial PRIMARY KEY,
  clock_id text NOT NULL REFERENCES clocks (id),
  at       timestamptz NOT NULL,
  event    text NOT NULL,
  detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX clock_history_by_clock ON clock_history (clock_id, at, id);
CREATE TRIGGER clock_history_append_only BEFORE UPDATE OR DELETE ON clock_history
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER clock_history_no_truncate BEFORE TRUNCATE ON clock_history
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

CREATE TABLE alerts (
  id              text PRIMARY KEY,
  -- Same key within the bundling window = one alert whose count goes up.
  key             text NOT NULL UNIQUE,
  incident_id     text NOT NULL REFERENCES incidents (id),
  clock_id        text REFERENCES clocks (id),
  severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title           text NOT NULL,
  body            text NOT NULL,
  drill           boolean NOT NULL DEFAULT false,
  count           integer NOT NULL DEFAULT 1 CHECK (count >= 1),
  created_at      timestamptz NOT NULL,
  last_at         timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by text,
  trace_id        text NOT NULL,
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
-- The duty officer's list: what nobody has acknowledged yet, newest first.
CREATE INDEX alerts_unacknowledged ON alerts (last_at DESC) WHERE acknowledged_at IS NULL;
CREATE INDEX alerts_by_incident ON alerts (incident_id, created_at);

-- A consumer inserts the envelope id in the same transaction as the message's effects
-- (markProcessed): a redelivered message finds its row and changes nothing.
CREATE TABLE processed_messages (
  consumer     text NOT NULL,
  message_id   text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, message_id)
);
