-- Ingestion (issue 3): sources as configuration, each poller's progress, and the repost counts
-- that duplicates add to the first post instead of being emitted again.

-- One row per source. `definition` is the validated source (services/ingest source-definition.ts)
-- as JSON; sources from the configuration file are upserted at start (origin 'file'), sources
-- added through the API stay (origin 'api'). `paused` is an operator's switch, kept when the
-- file is loaded again.
CREATE TABLE ingest_sources (
  id          text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('rss', 'json', 'webhook')),
  definition  jsonb NOT NULL,
  origin      text NOT NULL CHECK (origin IN ('file', 'api')),
  paused      boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Where a poller resumes: written only after Kafka acknowledged the batch the cursor follows.
CREATE TABLE ingest_source_progress (
  source_id        text PRIMARY KEY REFERENCES ingest_sources (id) ON DELETE CASCADE,
  cursor           jsonb,
  last_success_at  timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Copies of a known text (exact or near duplicates) counted on the first post's id. Ingest
-- instances count in a Redis hash and add their counts here every few seconds.
CREATE TABLE post_repost_counts (
  post_id         text PRIMARY KEY,
  reposts         integer NOT NULL CHECK (reposts >= 0),
  last_repost_at  timestamptz NOT NULL
);
