-- Incidents, continued (issue 5): near-duplicate correlation, a person's t0, watch schemes with
-- the posts they routed, and the spikes already raised.

-- `repostFingerprint` of the incident's posts' texts, kept as a set like key_terms: a repost that
-- copies no place still finds its incident.
ALTER TABLE incidents ADD COLUMN text_fingerprints text[] NOT NULL DEFAULT '{}';
-- Set when a person corrected t0: an earlier post joining or a merge must not move it back.
ALTER TABLE incidents ADD COLUMN t0_set_by_person boolean NOT NULL DEFAULT false;
UPDATE incidents i SET t0_set_by_person = true
 WHERE EXISTS (SELECT 1 FROM incident_history h WHERE h.incident_id = i.id
                 AND h.action LIKE '%t0_corrected%' AND h.actor NOT LIKE 'system:%');

-- Candidates of a post: open, not merged, same kind and subtype (or none), newest post in the
-- window. The old index had no subtype, so in a storm of one kind the right incident could sit
-- past the candidate limit.
DROP INDEX IF EXISTS incidents_correlation;
CREATE INDEX incidents_correlation ON incidents (kind, subtype, last_post_at DESC)
  WHERE status IN ('detected', 'confirmed', 'responding') AND merged_into IS NULL;
CREATE INDEX incidents_merged_into ON incidents (merged_into) WHERE merged_into IS NOT NULL;

-- Watch schemes (监测方案), one department's word lists and expressions. Validated when saved.
CREATE TABLE watch_schemes (
  id              text PRIMARY KEY,
  department      text NOT NULL,
  name            text NOT NULL,
  enabled         boolean NOT NULL DEFAULT true,
  region_words    text[] NOT NULL DEFAULT '{}',
  event_words     text[] NOT NULL DEFAULT '{}',
  exclusion_words text[] NOT NULL DEFAULT '{}',
  expressions     text[] NOT NULL DEFAULT '{}',
  -- Bumped on every save: the incidents service recompiles its matcher when the sum changes.
  revision        integer NOT NULL DEFAULT 1,
  updated_at      timestamptz NOT NULL,
  updated_by      text NOT NULL
);
CREATE INDEX watch_schemes_by_department ON watch_schemes (department);

-- Every classified post a scheme matched: the routing evidence, and the volume per watch topic
-- that spikes are computed from.
CREATE TABLE watch_scheme_matches (
  scheme_id     text NOT NULL,
  post_id       text NOT NULL,
  department    text NOT NULL,
  matched_terms text[] NOT NULL DEFAULT '{}',
  published_at  timestamptz NOT NULL,
  matched_at    timestamptz NOT NULL,
  PRIMARY KEY (scheme_id, post_id)
);
CREATE INDEX watch_scheme_matches_by_time ON watch_scheme_matches (scheme_id, published_at);
CREATE INDEX watch_scheme_matches_by_post ON watch_scheme_matches (post_id);

-- A spike raised once per subject, window and slot (the window's end floored to its length):
-- the periodic sweep sees the same surge again and again, the duty officer hears of it once.
CREATE TABLE spike_escalations (
  subject_kind text NOT NULL CHECK (subject_kind IN ('incident', 'watch_scheme')),
  subject_id   text NOT NULL,
  window_name  text NOT NULL,
  window_slot  bigint NOT NULL,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL,
  figures      jsonb NOT NULL,
  raised_at    timestamptz NOT NULL,
  PRIMARY KEY (subject_kind, subject_id, window_name, window_slot)
);
CREATE INDEX spike_escalations_recent ON spike_escalations (subject_kind, subject_id, window_name, window_end DESC);

-- Each instance of the incidents service keeps the open incidents in memory between batches. Who
-- changes them under the correlation lock bumps the epoch and lists what changed, so an instance
-- that takes the lock knows exactly which incidents to re-read (see correlation-cache.ts).
CREATE TABLE correlation_epoch (
  id    integer PRIMARY KEY CHECK (id = 1),
  epoch bigint NOT NULL
);
INSERT INTO correlation_epoch (id, epoch) VALUES (1, 0);
CREATE TABLE correlation_changes (
  epoch       bigint NOT NULL,
  incident_id text NOT NULL
);
CREATE INDEX correlation_changes_by_epoch ON correlation_changes (epoch);
