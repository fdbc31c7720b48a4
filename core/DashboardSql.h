#pragma once

// The dashboard's aggregate SQL, in one place: rotor::Dashboard runs it, and the dashboard benchmark's C-API floor
// runs the very same text, so the floor always measures the same work (as RotationSql.h does for the refresh path).
//
// Every series is counted per slot of :slot milliseconds (an hour) from :since, the range's start, with the slot
// found by integer division of a time column: (t - :since) / :slot. Only rows at or after :from are read (:from is
// :since for a full computation, the first slot that can have changed for an incremental one), and before :until,
// the range's end. Times are bound parameters, never the database's own now().
#include <string>

namespace rotor::sql {

// Refreshes: tokens issued by a rotation (generation > 0; a sign-in issues generation 0), per slot. The partial index
// refresh_tokens_refreshed (migration 006) holds exactly these rows, ordered by issued_at.
inline constexpr char dashboardRefreshes[] = "SELECT (t.issued_at - :since) / :slot, count(*) FROM refresh_tokens t "
                                             "WHERE t.generation > 0 AND t.issued_at >= :from AND t.issued_at < :until "
                                             "GROUP BY 1";

// Replay detections per slot and verdict (same_client, second_party, NULL if never judged). security_events_kind_time
// (kind, occurred_at) serves it.
inline constexpr char dashboardReplays[]
    = "SELECT (e.occurred_at - :since) / :slot, e.verdict, count(*) FROM security_events e "
      "WHERE e.kind = :kind AND e.occurred_at >= :from AND e.occurred_at < :until GROUP BY 1, 2";

// When a session stops being live: the earliest of its revocation, its absolute end and its idle end (the one stamped
// by its last refresh), never before it started (a revocation stamped by a server whose clock lags). These are the
// Sessions list's stored stamps: a session is live at t when created_at <= t < end, which at t = now is exactly the
// list's "active". {end} in the texts below stands for this expression, written per backend.
inline constexpr char dashboardFamilyEndSqlite[]
    = "max(f.created_at, min(coalesce(f.revoked_at, f.expires_at), f.expires_at, f.idle_expires_at))";
inline constexpr char dashboardFamilyEndPostgres[]
    = "GREATEST(f.created_at, LEAST(f.revoked_at, f.expires_at, f.idle_expires_at))";

// Sessions live at :since (a full computation only; an incremental one carries the count over): {end} > :since written
// out column by column for a session that started by then, which both backends evaluate faster than the expression.
inline constexpr char dashboardLiveAtStart[]
    = "SELECT count(*) FROM token_families f WHERE f.created_at <= :since AND (f.revoked_at IS NULL OR f.revoked_at > "
      ":since) AND f.expires_at > :since AND f.idle_expires_at > :since";

// Sessions started, per slot twice: the slot of created_at (sign-ins in [start, end) of a slot) and the slot of
// created_at - 1, -1 for the range's first instant (sessions that count as live at the end of that slot: live at t
// means created_at <= t, that is created_at - 1 < t). The two differ only for a start exactly on a slot boundary.
// created_at = :until is read for the count at the range's end.
inline constexpr char dashboardStarted[]
    = "SELECT (f.created_at - :since) / :slot, "
      "CASE WHEN f.created_at > :since THEN (f.created_at - 1 - :since) / :slot ELSE -1 END, count(*) "
      "FROM token_families f WHERE f.created_at >= :from AND f.created_at <= :until GROUP BY 1, 2";

// Sessions that stopped being live, by the slot of end - 1 (live at t means t < end, that is end - 1 >= t).
inline constexpr char dashboardEnded[] = "SELECT ({end} - 1 - :since) / :slot, count(*) FROM token_families f "
                                         "WHERE {end} > :from AND {end} <= :until GROUP BY 1";

// The users with the most replays in the range (ties: the lower id first), with how many were judged a second party
// and when the last one was. Counted first, then the top ones joined to their email: a join before the count would
// read every user.
inline constexpr char dashboardTopUsers[]
    = "SELECT t.user_id, u.email, t.replays, t.second_party, t.last_at FROM (SELECT e.user_id, count(*) AS replays, "
      "sum(CASE WHEN e.verdict = 'second_party' THEN 1 ELSE 0 END) AS second_party, max(e.occurred_at) AS last_at "
      "FROM security_events e WHERE e.kind = :kind AND e.occurred_at >= :since AND e.occurred_at < :until "
      "AND e.user_id IS NOT NULL GROUP BY e.user_id ORDER BY 2 DESC, 1 ASC LIMIT :limit) t "
      "JOIN users u ON u.id = t.user_id ORDER BY t.replays DESC, t.user_id ASC";

// The addresses replays came from (the presenter's, so the thief's for a second party), with the users they struck;
// events without an address (erased) are left out. Ties: the address seen first.
inline constexpr char dashboardTopAddresses[]
    = "SELECT e.ip, count(*), sum(CASE WHEN e.verdict = 'second_party' THEN 1 ELSE 0 END), count(DISTINCT e.user_id), "
      "max(e.occurred_at) FROM security_events e "
      "WHERE e.kind = :kind AND e.occurred_at >= :since AND e.occurred_at < :until AND e.ip <> '' "
      "GROUP BY e.ip ORDER BY 2 DESC, min(e.id) ASC LIMIT :limit";

// The text to run on a backend: {end} replaced by that backend's expression.
inline std::string dashboardStatement(const char *text, bool postgres)
{
    std::string out(text);
    const std::string token = "{end}";
    const std::string end = postgres ? dashboardFamilyEndPostgres : dashboardFamilyEndSqlite;
    for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at + end.size()))
        out.replace(at, token.size(), end);
    return out;
}

} // namespace rotor::sql
