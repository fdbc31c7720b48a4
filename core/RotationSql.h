#pragma once

// The SQL of the refresh path, in one place: RotationService runs it, and the benchmarks' C-API floors run the
// very same text, so a floor always measures the same work. Placeholders are named (:now, :hash, ...).
#include <string>
#include <vector>

namespace rotor::sql {

// The text with its named placeholders (:name) replaced by $1, $2, ... in order of first appearance, as libpq's
// PQprepare takes it; *names receives the names in that order.
inline std::string positional(const char *sql, std::vector<std::string> *names)
{
    std::string out;
    for (const char *p = sql; *p; ++p) {
        if (*p == ':' && p[1] >= 'a' && p[1] <= 'z' && (p == sql || p[-1] != ':')) {
            const char *end = p + 1;
            while ((*end >= 'a' && *end <= 'z') || *end == '_')
                ++end;
            const std::string name(p + 1, end);
            size_t index = 0;
            while (index < names->size() && (*names)[index] != name)
                ++index;
            if (index == names->size())
                names->push_back(name);
            out += '$' + std::to_string(index + 1);
            p = end - 1;
        } else {
            out += *p;
        }
    }
    return out;
}

// The hot path on PostgreSQL: one statement, one round trip. It is the SQL form of decide()'s Rotate branch:
// it locks the family (the same lock order as revocation, so the two never deadlock), claims the presented token
// only if it is live, inserts the successor and touches family and device. A family ends at the earlier of the end
// stamped at sign-in and its start plus the policy's lifetime now (a shortened lifetime applies at the next refresh).
// Zero rows back means "not a plain rotation", and the caller falls back to decideAndApply(), which reads the state and
// lets decide() judge.
inline constexpr char rotatePostgres[] = R"(
WITH fam AS (
    SELECT f.id, f.user_id, f.device_id, LEAST(f.expires_at, f.created_at + CAST(:lifetime AS bigint)) AS expires_at,
           u.token_version
    FROM refresh_tokens t
    JOIN token_families f ON f.id = t.family_id
    JOIN users u ON u.id = f.user_id
    WHERE t.token_hash = :hash AND f.revoked_at IS NULL AND u.active
      AND LEAST(f.expires_at, f.created_at + CAST(:lifetime AS bigint)) > :now
    FOR UPDATE OF f
), claimed AS (
    UPDATE refresh_tokens t SET used_at = :now, claim_id = :claim
    FROM fam
    WHERE t.token_hash = :hash AND t.family_id = fam.id
      AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > :now
    RETURNING t.id, t.generation, fam.id AS family_id, fam.user_id, fam.device_id,
              fam.expires_at AS family_expires_at, fam.token_version
), issued AS (
    INSERT INTO refresh_tokens (family_id, parent_id, generation, token_hash, issued_at, expires_at, ip, user_agent)
    SELECT family_id, id, generation + 1, :successor, :now,
           LEAST(CAST(:now AS bigint) + CAST(:idle AS bigint), family_expires_at), :ip, :ua
    FROM claimed
    RETURNING family_id, generation, expires_at
), touched_family AS (
    UPDATE token_families f SET current_generation = i.generation, last_used_at = :now, idle_expires_at = i.expires_at
    FROM issued i WHERE f.id = i.family_id
), touched_device AS (
    UPDATE devices d SET last_seen_at = :now, last_ip = CASE WHEN :ip = '' THEN d.last_ip ELSE :ip END
    FROM claimed c WHERE d.id = c.device_id
)
SELECT c.user_id, c.family_id, c.token_version, i.generation, i.expires_at
FROM claimed c JOIN issued i ON i.family_id = c.family_id
)";

// PostgreSQL's rare path takes the family lock first, so the state read below sees every committed rotation.
inline constexpr char lockFamilyPostgres[]
    = "SELECT f.id FROM token_families f JOIN refresh_tokens t ON t.family_id = f.id "
      "WHERE t.token_hash = :hash FOR UPDATE OF f";

inline constexpr char presentedState[] = R"(
SELECT t.id, t.family_id, t.generation, t.expires_at, t.used_at, t.revoked_at,
       f.user_id, f.device_id, f.expires_at, f.revoked_at, f.current_generation, u.active, u.token_version,
       s.id, s.token_hash, s.used_at, s.revoked_at, s.expires_at, s.ip, s.user_agent, t.claim_id, f.created_at
FROM refresh_tokens t
JOIN token_families f ON f.id = t.family_id
JOIN users u ON u.id = f.user_id
LEFT JOIN refresh_tokens s ON s.family_id = t.family_id AND s.generation = t.generation + 1
WHERE t.token_hash = :hash
)";

// The claim: a conditional write whose affected-row count says who won (never check-then-act). claim_id is this
// call's random id, by which its own retry recognises a rotation whose reply was lost.
// Whether a token was ever issued, read before any write lock is taken: an unknown token (garbage, a guess, a
// purged token) never queues behind real rotations for SQLite's single writer.
inline constexpr char tokenExists[] = "SELECT 1 FROM refresh_tokens WHERE token_hash = :hash";

// An unknown token is recorded as one event per source address and minute: the first presentation inserts it, the
// others count. RETURNING repeat_count = 1 says the row is new.
inline constexpr char recordUnknown[] = R"(
INSERT INTO security_events (kind, occurred_at, bucket, ip, user_agent, device_key, detail)
VALUES (:kind, :now, :bucket, :ip, :ua, :key, '')
ON CONFLICT (ip, bucket) WHERE bucket IS NOT NULL
DO UPDATE SET repeat_count = security_events.repeat_count + 1
RETURNING id, repeat_count
)";

inline constexpr char claimToken[] = "UPDATE refresh_tokens SET used_at = :now, claim_id = :claim WHERE id = :id "
                                     "AND used_at IS NULL AND revoked_at IS NULL";
inline constexpr char insertToken[]
    = "INSERT INTO refresh_tokens (family_id, parent_id, generation, token_hash, issued_at, "
      "expires_at, ip, user_agent) VALUES (:family, :parent, :generation, :hash, :now, "
      ":expires, :ip, :ua)";
inline constexpr char touchFamily[]
    = "UPDATE token_families SET current_generation = :generation, last_used_at = :now, "
      "idle_expires_at = :expires WHERE id = :family";
inline constexpr char touchDevice[] = "UPDATE devices SET last_seen_at = :now, "
                                      "last_ip = CASE WHEN :ip = '' THEN last_ip ELSE :ip END WHERE id = :device";

} // namespace rotor::sql
