-- The coordinator's first schema: nodes and their tokens, every agent's events (partitioned by
-- month of the event's time), the fleet's incidents as their agents last described them, and the
-- gaps noticed in a node's sequence.

CREATE TABLE nodes (
  id             text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,63}$'),
  labels         jsonb NOT NULL DEFAULT '{}'::jsonb,
  agent_version  text,
  store_id       text,
  -- The highest seq stored from store_id: a batch starting beyond max_seq + 1 leaves a gap.
  max_seq        bigint NOT NULL DEFAULT 0,
  outbox_depth   bigint,
  policy_digest  text,
  paused         boolean,
  playbooks      integer,
  registered_at  timestamptz NOT NULL DEFAULT now(),
  last_seen      timestamptz,
  last_via       text CHECK (last_via IN ('push', 'poll'))
);

-- Bearer tokens: only their SHA-256 is kept. A node token may push its node's events; a reader
-- token may read the fleet view.
CREATE TABLE tokens (
  id          bigserial PRIMARY KEY,
  role        text NOT NULL CHECK (role IN ('node', 'reader')),
  subject     text NOT NULL CHECK (subject ~ '^[A-Za-z0-9._-]{1,63}$'),
  hash        bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX tokens_subject ON tokens (role, subject) WHERE revoked_at IS NULL;

-- One row per event, whichever way it came. PostgreSQL requires a partitioned table's unique
-- index to hold the partition key: an event's `at` is fixed when its agent records it, so the
-- same event sent again (a retried batch, or pushed and polled) has the same key and `at`.
CREATE TABLE events (
  node         text NOT NULL,
  store_id     text NOT NULL,
  seq          bigint NOT NULL CHECK (seq > 0),
  incident     text NOT NULL,
  at           timestamptz NOT NULL,
  kind         text NOT NULL,
  data         jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  via          text NOT NULL CHECK (via IN ('push', 'poll'))
) PARTITION BY RANGE (at);
CREATE UNIQUE INDEX events_key ON events (node, store_id, seq, at);
CREATE INDEX events_incident ON events (node, incident, seq);

-- Creates the month's partition of events if it is missing; two coordinators may ask at once.
CREATE FUNCTION novacron_events_partition(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  first date := date_trunc('month', month)::date;
  name text := 'events_' || to_char(first, 'YYYYMM');
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('novacron.events_partition'));
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', name,
                   first::timestamp AT TIME ZONE 'UTC',
                   (first + interval '1 month')::timestamp AT TIME ZONE 'UTC');
  END IF;
  RETURN name;
END $$;

-- The fleet's incidents, as their agents last described them (the record of the newest batch).
CREATE TABLE incidents (
  node             text NOT NULL REFERENCES nodes (id),
  id               text NOT NULL,
  playbook         text NOT NULL,
  category         text NOT NULL,
  severity         smallint NOT NULL CHECK (severity BETWEEN 1 AND 4),
  state            text NOT NULL,
  labels           jsonb NOT NULL DEFAULT '{}'::jsonb,
  dry_run          boolean NOT NULL DEFAULT false,
  triggered_by     text,
  opened_at        timestamptz NOT NULL,
  acknowledged_at  timestamptz,
  resolved_at      timestamptz,
  as_of_seq        bigint NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (node, id)
);
CREATE INDEX incidents_open ON incidents (opened_at) WHERE resolved_at IS NULL;
CREATE INDEX incidents_opened ON incidents (opened_at);

-- Seqs a node's batches skipped: filled by polling the node when it is pollable.
CREATE TABLE gaps (
  node        text NOT NULL REFERENCES nodes (id),
  store_id    text NOT NULL,
  first_seq   bigint NOT NULL,
  last_seq    bigint NOT NULL CHECK (last_seq >= first_seq),
  noticed_at  timestamptz NOT NULL DEFAULT now(),
  filled_at   timestamptz,
  PRIMARY KEY (node, store_id, first_seq)
);
