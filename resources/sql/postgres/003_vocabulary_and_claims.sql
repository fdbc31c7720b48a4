-- Rotor schema, version 3 (PostgreSQL).
-- One vocabulary: the security event a presented token records is named like the outcome it got, and a
-- revocation reason is spelled like the event kinds (README, "One vocabulary").
UPDATE security_events SET kind = CASE kind
    WHEN 'grace_reuse' THEN 'grace_retry'
    WHEN 'expired_token' THEN 'token_expired'
    WHEN 'unknown_token' THEN 'token_unknown'
    WHEN 'revoked_family_token' THEN 'token_revoked'
    WHEN 'inactive_user' THEN 'user_inactive'
    ELSE kind END
WHERE kind IN ('grace_reuse', 'expired_token', 'unknown_token', 'revoked_family_token', 'inactive_user');
UPDATE token_families SET revoke_reason = 'user_revoked' WHERE revoke_reason = 'user-revoked';

-- A random id the consuming refresh writes with its claim. When the reply to that refresh is lost, the library's own
-- retry recognises its committed rotation by it instead of taking it for a replay (a thief's presentation carries
-- another id).
ALTER TABLE refresh_tokens ADD COLUMN claim_id bytea;
