-- Rotor schema, version 4 (SQLite).
-- The deployment's rotation policy, one row shared by every server and console (core/Policy.h says what a change
-- does to existing sessions). Durations in milliseconds; the defaults are the ones earlier versions compiled in.
CREATE TABLE policy (
    id                  integer PRIMARY KEY CHECK (id = 1),
    grace_ms            INTEGER NOT NULL,
    idle_ms             INTEGER NOT NULL,
    lifetime_ms         INTEGER NOT NULL,
    access_ttl_ms       INTEGER NOT NULL,
    events_retention_ms INTEGER NOT NULL
);
INSERT INTO policy (id, grace_ms, idle_ms, lifetime_ms, access_ttl_ms, events_retention_ms)
VALUES (1, 10000, 2592000000, 7776000000, 900000, 15552000000);

-- A flood of unknown tokens is recorded as one event per source address and minute (bucket, the minute's start),
-- with the number of presentations in repeat_count; every other event stands for one occurrence.
ALTER TABLE security_events ADD COLUMN repeat_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE security_events ADD COLUMN bucket INTEGER;
CREATE UNIQUE INDEX security_events_bucket ON security_events (ip, bucket) WHERE bucket IS NOT NULL;
