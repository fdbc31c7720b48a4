-- Rotor schema, version 1 (PostgreSQL). Times are milliseconds since the Unix epoch (UTC) as bigint,
-- always supplied by the application's clock, never now(). Token hashes are SHA-256 of the raw token text.
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    email         text    NOT NULL UNIQUE,
    display_name  text    NOT NULL DEFAULT '',
    active        boolean NOT NULL DEFAULT true,
    token_version bigint  NOT NULL DEFAULT 0,
    created_at    bigint  NOT NULL
);

CREATE TABLE devices (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    device_key    text   NOT NULL,
    name          text   NOT NULL DEFAULT '',
    user_agent    text   NOT NULL DEFAULT '',
    first_seen_at bigint NOT NULL,
    last_seen_at  bigint NOT NULL,
    last_ip       text   NOT NULL DEFAULT '',
    UNIQUE (user_id, device_key)
);

CREATE TABLE token_families (
    id                 bigserial PRIMARY KEY,
    user_id            bigint NOT NULL REFERENCES users (id),
    device_id          bigint NOT NULL REFERENCES devices (id),
    created_at         bigint NOT NULL,
    expires_at         bigint NOT NULL,
    idle_expires_at    bigint NOT NULL,
    last_used_at       bigint NOT NULL,
    current_generation integer NOT NULL DEFAULT 0,
    revoked_at         bigint,
    revoke_reason      text,
    revoked_by         text
);

CREATE TABLE refresh_tokens (
    id         bigserial PRIMARY KEY,
    family_id  bigint  NOT NULL REFERENCES token_families (id),
    parent_id  bigint  REFERENCES refresh_tokens (id),
    generation integer NOT NULL,
    token_hash bytea   NOT NULL UNIQUE,
    issued_at  bigint  NOT NULL,
    expires_at bigint  NOT NULL,
    used_at    bigint,
    revoked_at bigint,
    ip         text    NOT NULL DEFAULT '',
    user_agent text    NOT NULL DEFAULT '',
    UNIQUE (family_id, generation)
);

-- Invariant 1 held by the database itself: at most one unused, unrevoked token per family.
CREATE UNIQUE INDEX refresh_tokens_one_live ON refresh_tokens (family_id)
    WHERE used_at IS NULL AND revoked_at IS NULL;

CREATE TABLE security_events (
    id                   bigserial PRIMARY KEY,
    kind                 text   NOT NULL,
    occurred_at          bigint NOT NULL,
    user_id              bigint REFERENCES users (id),
    family_id            bigint REFERENCES token_families (id),
    device_id            bigint REFERENCES devices (id),
    presented_generation integer,
    current_generation   integer,
    ip                   text NOT NULL DEFAULT '',
    user_agent           text NOT NULL DEFAULT '',
    device_key           text NOT NULL DEFAULT '',
    original_ip          text NOT NULL DEFAULT '',
    original_user_agent  text NOT NULL DEFAULT '',
    detail               text NOT NULL DEFAULT ''
);

CREATE TABLE audit_log (
    id          bigint PRIMARY KEY,
    occurred_at bigint NOT NULL,
    actor       text   NOT NULL,
    origin      text   NOT NULL,
    action      text   NOT NULL,
    target      text   NOT NULL,
    reason      text   NOT NULL,
    prev_hash   bytea  NOT NULL,
    entry_hash  bytea  NOT NULL
);

CREATE FUNCTION rotor_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
'BEGIN RAISE EXCEPTION ''the audit log is append-only''; END';
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION rotor_audit_log_append_only();
