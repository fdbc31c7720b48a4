-- Rotor schema, version 5 (SQLite).
-- A replay's verdict (core/Verdict.h): same_client or second_party, the version of the rule that gave it and the
-- evidence in one sentence. NULL for every other kind of event. Events recorded before this version get theirs from
-- the same rule when the schema is upgraded (Database::migrate).
ALTER TABLE security_events ADD COLUMN verdict TEXT CHECK (verdict IN ('same_client', 'second_party'));
ALTER TABLE security_events ADD COLUMN verdict_rule INTEGER;
ALTER TABLE security_events ADD COLUMN verdict_reason TEXT NOT NULL DEFAULT '';

-- Users the console's simulator created to play a scenario into this database; it never touches any other user,
-- and can remove what it created.
ALTER TABLE users ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0;
