-- Pollable nodes: the coordinators read their /v1 feed. Which coordinator polls a node is a lease
-- in this table: a coordinator claims the nodes due (FOR UPDATE SKIP LOCKED), so each is polled
-- by one at a time, and one that dies holds them no longer than lease_until.

CREATE TABLE poll_targets (
  node         text PRIMARY KEY REFERENCES nodes (id),
  url          text NOT NULL,
  cursor       bigint NOT NULL DEFAULT 0,
  store_id     text,
  next_poll    timestamptz NOT NULL DEFAULT now(),
  lease_owner  text,
  lease_until  timestamptz,
  failures     integer NOT NULL DEFAULT 0,
  last_error   text,
  last_polled  timestamptz,
  polled_by    text
);
CREATE INDEX poll_targets_due ON poll_targets (next_poll);
