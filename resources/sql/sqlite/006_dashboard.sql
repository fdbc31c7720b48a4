-- Rotor schema, version 6 (SQLite): the dashboard's refreshes per hour or day (core/DashboardSql.h).
-- The tokens issued by a rotation, ordered by time: the dashboard counts the range's refreshes from this index
-- alone instead of reading every token. Partial, so a sign-in (generation 0) writes nothing to it; a rotation adds
-- one entry at its right-hand end (issued_at grows). Its cost on the refresh path is in the README (dashboard
-- benchmark).
CREATE INDEX refresh_tokens_refreshed ON refresh_tokens (issued_at) WHERE generation > 0;
