-- The SLA timer's record of every clock step it fired, pauses with their sign-off, disclosure
-- requests (依申请公开), and the notifier's escalation state and every delivery attempt.

-- A clock of a disclosure request belongs to the request, not to an incident.
ALTER TABLE clocks ALTER COLUMN incident_id DROP NOT NULL;
ALTER TABLE clocks
  ADD COLUMN disclosure_request_id text,
  -- Started on the classifier's proposal before a person confirmed the level.
  ADD COLUMN provisional      boolean NOT NULL DEFAULT false,
  -- How far past its own deadline the clock already was when it started (reports show it).
  ADD COLUMN started_late_ms  bigint NOT NULL DEFAULT 0,
  -- A leader's acknowledgment of the breach: escalation stops there.
  ADD COLUMN acknowledged_at  timestamptz,
  ADD COLUMN acknowledged_by  text,
  -- Deadline − met time (paused time excluded); negative when met late.
  ADD COLUMN margin_ms        bigint,
  -- The statement or press conference that met the clock.
  ADD COLUMN met_by           text,
  ADD CONSTRAINT clocks_owner CHECK ((incident_id IS NULL) <> (disclosure_request_id IS NULL)),
  ADD CONSTRAINT clocks_ack_by CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL));

-- Continued-release clocks follow each other (one per release), so only one *pending* clock per
-- stage is unique; met and cancelled ones stay as history.
DROP INDEX clocks_one_per_stage;
CREATE UNIQUE INDEX clocks_one_pending_per_stage ON clocks (incident_id, stage)
  WHERE status IN ('running', 'paused', 'breached') AND incident_id IS NOT NULL;
-- The reconciler's work list: every clock that can still fire.
CREATE INDEX clocks_pending ON clocks (due_at) WHERE status IN ('running', 'paused', 'breached');

-- One row per fired step: the primary key is what makes a step fire once, whatever Redis
-- replays or loses. Written in the same transaction as the step's event.
CREATE TABLE clock_steps (
  clock_id      text NOT NULL REFERENCES clocks (id),
  step          text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('warning', 'breach', 'escalation')),
  -- When it was due (paused time included) and when it fired.
  due_at        timestamptz NOT NULL,
  fired_at      timestamptz NOT NULL,
  lateness_ms   bigint NOT NULL,
  -- A later step fired in the same batch made this one stale (after a restart).
  superseded_by text,
  -- `bullmq` or `reconciler`: who found it due.
  fired_by      text NOT NULL,
  PRIMARY KEY (clock_id, step)
);

-- The only exception to the wall clock: each pause has its reason and a leader's sign-off.
CREATE TABLE clock_pauses (
  id            bigserial PRIMARY KEY,
  clock_id      text NOT NULL REFERENCES clocks (id),
  from_at       timestamptz NOT NULL,
  to_at         timestamptz,
  reason        text NOT NULL CHECK (length(trim(reason)) > 0),
  signed_off_by text NOT NULL CHECK (length(trim(signed_off_by)) > 0),
  signed_off_at timestamptz NOT NULL,
  resumed_by    text,
  CHECK (to_at IS NULL OR to_at >= from_at)
);
CREATE INDEX clock_pauses_by_clock ON clock_pauses (clock_id, from_at);
-- At most one open pause per clock.
CREATE UNIQUE INDEX clock_pauses_one_open ON clock_pauses (clock_id) WHERE to_at IS NULL;

-- Disclosure requests (依申请公开): 20 working days, extendable once with approval.
CREATE TABLE disclosure_requests (
  id                    text PRIMARY KEY,
  received_at           timestamptz NOT NULL,
  applicant             text NOT NULL,
  subject               text NOT NULL,
  department            text NOT NULL,
  -- The last Beijing day a reply is on time, and the working days counted to it.
  due_date              date NOT NULL,
  working_days          integer NOT NULL CHECK (working_days > 0),
  excluded_working_days integer NOT NULL DEFAULT 0 CHECK (excluded_working_days >= 0),
  extensions            integer NOT NULL DEFAULT 0 CHECK (extensions >= 0),
  extension_reason      text,
  extended_by           text,
  extended_at           timestamptz,
  drill                 boolean NOT NULL DEFAULT false,
  created_at            timestamptz NOT NULL,
  CHECK (extensions = 0 OR (extension_reason IS NOT NULL AND extended_by IS NOT NULL))
);
ALTER TABLE clocks ADD CONSTRAINT clocks_disclosure_request
  FOREIGN KEY (disclosure_request_id) REFERENCES disclosure_requests (id);

-- Alerts of a disclosure clock have no incident.
ALTER TABLE alerts ALTER COLUMN incident_id DROP NOT NULL;
ALTER TABLE alerts
  ADD COLUMN disclosure_request_id text REFERENCES disclosure_requests (id),
  -- Frozen chain (persons and contacts) taken when the alert started; see @huiying/alerting.
  ADD COLUMN escalation       jsonb,
  -- active: repeating until acknowledged; folded: bundled into another alert's message;
  -- superseded: a later alert of the same clock took over; done: no repeats (info, ack).
  ADD COLUMN delivery_state   text NOT NULL DEFAULT 'done'
    CHECK (delivery_state IN ('active', 'folded', 'superseded', 'done')),
  ADD COLUMN bundle_key       text,
  ADD COLUMN bundled_into     text REFERENCES alerts (id),
  -- Shifted back by the clock's escalation step so an `escalated` alert starts at that step.
  ADD COLUMN rounds_start_at  timestamptz,
  -- The previous evaluation of the repeat schedule (dueNotifications' `sinceMs`).
  ADD COLUMN rounds_since     timestamptz,
  ADD COLUMN next_round_at    timestamptz;
CREATE INDEX alerts_active_rounds ON alerts (next_round_at) WHERE delivery_state = 'active';

-- Bundling windows (dedupe by key within a window): one row per key, the open window.
CREATE TABLE alert_bundles (
  key        text PRIMARY KEY,
  "window"   jsonb NOT NULL,
  closes_at  timestamptz NOT NULL,
  summarised boolean NOT NULL DEFAULT false
);

-- One message on one channel to its recipients; retried by BullMQ until delivered or given up.
CREATE TABLE alert_deliveries (
  id            text PRIMARY KEY,
  alert_id      text NOT NULL REFERENCES alerts (id),
  channel_id    text NOT NULL,
  channel_kind  text NOT NULL,
  recipients    jsonb NOT NULL,
  -- The notice as sent: escalation step/round, bundle count, drill.
  notice        jsonb NOT NULL,
  drill         boolean NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL,
  finished_at   timestamptz
);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (created_at) WHERE status = 'pending';
CREATE INDEX alert_deliveries_by_alert ON alert_deliveries (alert_id, created_at);

-- Every attempt, with its outcome: evidence that an alert reached somebody, or why not.
CREATE TABLE alert_delivery_attempts (
  id           bigserial PRIMARY KEY,
  delivery_id  text NOT NULL REFERENCES alert_deliveries (id),
  attempt      integer NOT NULL,
  status       text NOT NULL CHECK (status IN ('delivered', 'retryable', 'permanent')),
  outcome      jsonb NOT NULL,
  attempted_at timestamptz NOT NULL
);
CREATE INDEX alert_delivery_attempts_by_delivery ON alert_delivery_attempts (delivery_id, id);
CREATE TRIGGER alert_delivery_attempts_append_only BEFORE UPDATE OR DELETE ON alert_delivery_attempts
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
