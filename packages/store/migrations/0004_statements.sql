-- Statements: drafts and their versions, the sign-off chain, published statements and their
-- webhook deliveries, press conferences, the claim registry of the rumour loop, and the audit
-- trail of every action on a draft or statement (packages/statements).

-- Sign-off chains an admin configured per department; a department without a row uses the
-- default chain (spokesperson → department head → news office).
CREATE TABLE sign_off_chains (
  department text PRIMARY KEY,
  -- [{ "label": "部门负责人", "department": "市安监局", "approverIds": [] }, …]
  steps      jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL
);

CREATE TABLE drafts (
  id              text PRIMARY KEY,
  -- Template kind: situation_report, rebuttal, press_notice, policy_interpretation.
  kind            text NOT NULL,
  department      text NOT NULL,
  incident_id     text REFERENCES incidents (id),
  author_id       text NOT NULL,
  -- editing: the author holds it; in_review: the chain holds it; approved: ready to publish;
  -- published: its current version is a statement (a new version is a correction, back to
  -- editing); discarded: dropped before anything was published, kept as evidence.
  status          text NOT NULL CHECK (status IN ('editing', 'in_review', 'approved', 'published', 'discarded')),
  current_version integer NOT NULL CHECK (current_version >= 1),
  -- Which sign-off round is running (each submission starts a new one).
  review_round    integer NOT NULL DEFAULT 0,
  -- A rebuttal: the claim it answers.
  claim_id        text,
  -- The posts the draft answers (pre-filled from the incident).
  answered_post_ids text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX drafts_by_incident ON drafts (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX drafts_by_department ON drafts (department, updated_at DESC);

-- Every saved version is kept: a version is never changed, so any two can be compared.
CREATE TABLE draft_versions (
  draft_id   text NOT NULL REFERENCES drafts (id),
  version    integer NOT NULL CHECK (version >= 1),
  title      text NOT NULL,
  body       text NOT NULL,
  fields     jsonb NOT NULL DEFAULT '{}',
  author_id  text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (draft_id, version)
);
CREATE TRIGGER draft_versions_append_only BEFORE UPDATE OR DELETE ON draft_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

CREATE TABLE sign_off_steps (
  draft_id     text NOT NULL REFERENCES drafts (id),
  round        integer NOT NULL,
  position     integer NOT NULL,
  label        text NOT NULL,
  department   text NOT NULL,
  approver_ids text[] NOT NULL DEFAULT '{}',
  -- waiting: an earlier step is still open; pending: the current step.
  status       text NOT NULL CHECK (status IN ('waiting', 'pending', 'approved', 'rejected', 'void')),
  -- The version the round signs off; a new version needs a new round.
  version      integer NOT NULL,
  due_at       timestamptz NOT NULL,
  decided_at   timestamptz,
  decided_by   text,
  comment      text,
  escalations  integer NOT NULL DEFAULT 0,
  escalated_at timestamptz,
  PRIMARY KEY (draft_id, round, position)
);
-- The escalation sweep: current steps past their deadline.
CREATE INDEX sign_off_steps_pending_by_due ON sign_off_steps (due_at) WHERE status = 'pending';

CREATE TABLE statements (
  id           text PRIMARY KEY,
  draft_id     text NOT NULL REFERENCES drafts (id),
  version      integer NOT NULL,
  kind         text NOT NULL,
  department   text NOT NULL,
  incident_id  text REFERENCES incidents (id),
  title        text NOT NULL,
  body         text NOT NULL,
  published_at timestamptz NOT NULL,
  published_by text NOT NULL,
  -- A correction names the statement it replaces; the replaced one gets superseded_by.
  supersedes    text REFERENCES statements (id),
  superseded_by text REFERENCES statements (id),
  -- Publishing a draft version twice publishes it once.
  UNIQUE (draft_id, version)
);
CREATE INDEX statements_feed ON statements (department, published_at DESC);
CREATE INDEX statements_by_incident ON statements (incident_id, published_at) WHERE incident_id IS NOT NULL;

-- A published text is immutable: only superseded_by may be set, once.
CREATE FUNCTION refuse_statement_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.superseded_by IS NULL AND NEW.superseded_by IS NOT NULL
     AND (to_jsonb(NEW) - 'superseded_by') = (to_jsonb(OLD) - 'superseded_by') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'statements are immutable: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER statements_immutable BEFORE UPDATE OR DELETE ON statements
  FOR EACH ROW EXECUTE FUNCTION refuse_statement_change();

-- One delivery per statement and webhook: the row id is the idempotency key the receiver sees.
CREATE TABLE statement_deliveries (
  id              text PRIMARY KEY,
  statement_id    text NOT NULL REFERENCES statements (id),
  webhook         text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  delivered_at    timestamptz,
  UNIQUE (statement_id, webhook)
);
CREATE INDEX statement_deliveries_due ON statement_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE press_conferences (
  id           text PRIMARY KEY,
  incident_id  text NOT NULL REFERENCES incidents (id),
  held_at      timestamptz NOT NULL,
  venue        text NOT NULL,
  speakers     text[] NOT NULL,
  statement_id text REFERENCES statements (id),
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL
);
CREATE INDEX press_conferences_by_incident ON press_conferences (incident_id, held_at);

-- The claim registry the classifier loads: claims as they circulate, and the rebuttal that
-- answered each one.
CREATE TABLE claims (
  id           text PRIMARY KEY,
  text         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('circulating', 'debunked')),
  statement_id text REFERENCES statements (id),
  incident_id  text REFERENCES incidents (id),
  created_at   timestamptz NOT NULL,
  debunked_at  timestamptz,
  CHECK (status <> 'debunked' OR (statement_id IS NOT NULL AND debunked_at IS NOT NULL))
);

-- Posts that repeat a claim (the classifier's rumor.claimId), linked once each.
CREATE TABLE claim_posts (
  claim_id  text NOT NULL REFERENCES claims (id),
  post_id   text NOT NULL,
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (claim_id, post_id)
);
CREATE INDEX claim_posts_by_post ON claim_posts (post_id);

-- The audit trail: who did what to a draft or statement, when and from where. Each entry holds
-- the SHA-256 of its canonical JSON together with the previous entry's hash, so an edited or
-- removed row breaks the chain at that row (`huiying audit verify`).
CREATE TABLE statement_audit (
  seq          bigint PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text NOT NULL,
  action       text NOT NULL,
  subject_kind text NOT NULL,
  subject_id   text NOT NULL,
  ip           text,
  user_agent   text,
  detail       jsonb NOT NULL DEFAULT '{}',
  prev_hash    text NOT NULL,
  hash         text NOT NULL UNIQUE
);
CREATE INDEX statement_audit_by_subject ON statement_audit (subject_kind, subject_id, seq);
CREATE TRIGGER statement_audit_append_only BEFORE UPDATE OR DELETE ON statement_audit
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER statement_audit_no_truncate BEFORE TRUNCATE ON statement_audit
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
