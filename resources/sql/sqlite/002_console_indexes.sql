-- Rotor schema, version 2 (SQLite): indexes for the console's lists and filters.
CREATE INDEX devices_user ON devices (user_id, last_seen_at);
CREATE INDEX token_families_user ON token_families (user_id, created_at);
CREATE INDEX token_families_device ON token_families (device_id);
CREATE INDEX token_families_last_used ON token_families (last_used_at);
CREATE INDEX security_events_time ON security_events (occurred_at);
CREATE INDEX security_events_kind_time ON security_events (kind, occurred_at);
CREATE INDEX security_events_family ON security_events (family_id);
CREATE INDEX security_events_user ON security_events (user_id);
