-- Transactional outbox: a service writes the events its transaction implies into this table in
-- the same transaction as the state change; a relay publishes them to the bus afterwards. A crash
-- between commit and publish then delays an event instead of losing it, and the row id becomes
-- the envelope id, so a republished event is recognised downstream as the same one.
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  id           text NOT NULL UNIQUE,
  topic        text NOT NULL,
  type         text NOT NULL,
  key          text NOT NULL,
  trace_id     text NOT NULL,
  payload      jsonb NOT NULL,
  occurred_at  timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- Correlation looks for open incidents by the time of their newest post, not their last edit:
-- a duty officer's edit must not keep an old event open for new posts.
ALTER TABLE incidents ADD COLUMN last_post_at timestamptz;
UPDATE incidents SET last_post_at = t0 WHERE last_post_at IS NULL;
CREATE INDEX incidents_correlation ON incidents (kind, last_post_at DESC)
  WHERE status IN ('detected', 'confirmed', 'responding');
