-- Rotor schema, version 1 (SQLite). Times are milliseconds since the Unix epoch (UTC), always
-- supplied by the application's clock. Token hashes are SHA-256 of the raw token text.
PRAGMA application_id = 1380930642;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE devices (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    device_key    TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT '',
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    last_ip       TEXT    NOT NULL DEFAULT '',
    UNIQUE (user_id, device_key)
);

CREATE TABLE token_families (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users (id),
    device_id          INTEGER NOT NULL REFERENCES devices (id),
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    idle_expires_at    INTEGER NOT NULL,
    last_used_at       INTEGER NOT NULL,
    current_generation INTEGER NOT NULL DEFAULT 0,
    revoked_at         INTEGER,
    revoke_reason      TEXT,
    revoked_by         TEXT
);

CREATE TABLE refresh_tokens (
    id         INTEGER PRIMARY KEY,
    family_id  INTEGER NOT NULL REFERENCES token_families (id),
    parent_id  INTEGER REFERENCES refresh_tokens (id),
    generation INTEGER NOT NULL,
    token_hash BLOB    NOT NULL UNIQUE,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked_at INTEGER,
    ip         TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT '',
    UNIQUE (family_id, generation)
);

-- Invariant 1 held by the database itself: at most one unused, unrevoked token per family.
CREATE UNIQUE INDEX refresh_tokens_one_live ON refresh_tokens (family_id)
    WHERE used_at IS NULL AND revoked_at IS NULL;

CREATE TABLE security_events (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT    NOT NULL,
    occurred_at          INTEGER NOT NULL,
    user_id              INTEGER REFERENCES users (id),
    family_id            INTEGER REFERENCES token_families (id),
    device_id            INTEGER REFERENCES devices (id),
    presented_generation INTEGER,
    current_generation   INTEGER,
    ip                   TEXT NOT NULL DEFAULT '',
    user_agent           TEXT NOT NULL DEFAULT '',
    device_key           TEXT NOT NULL DEFAULT '',
    original_ip          TEXT NOT NULL DEFAULT '',
    original_user_agent  TEXT NOT NULL DEFAULT '',
    detail               TEXT NOT NULL DEFAULT ''
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    occurred_at INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    prev_hash   BLOB    NOT NULL,
    entry_hash  BLOB    NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
