#pragma once

#include "Verdict.h"

#include <QString>

#include <optional>

namespace rotor {

class Database;

// One vocabulary (README, "One vocabulary"): a presented token that is refused or retried records an event named
// exactly like its outcome (outcomeName()); the other kinds are actions of administrators and clients.
namespace event_kind {
inline constexpr char graceRetry[] = "grace_retry";
inline constexpr char replayDetected[] = "replay_detected";
inline constexpr char tokenExpired[] = "token_expired";
inline constexpr char tokenRevoked[] = "token_revoked";
inline constexpr char userInactive[] = "user_inactive";
inline constexpr char tokenUnknown[] = "token_unknown";
inline constexpr char familyRevoked[] = "family_revoked"; // an administrator revoked one session
inline constexpr char userRevoked[] = "user_revoked"; // an administrator revoked every session of a user
inline constexpr char userDeactivated[] = "user_deactivated";
inline constexpr char userActivated[] = "user_activated";
inline constexpr char logout[] = "logout"; // the client revoked its own session
inline constexpr char userErased[] = "user_erased"; // an administrator erased a user's personal data
} // namespace event_kind

// Why a family was revoked (token_families.revoke_reason).
namespace revoke_reason {
inline constexpr char replay[] = "replay";
inline constexpr char admin[] = "admin";
inline constexpr char userRevoked[] = "user_revoked";
inline constexpr char userDeactivated[] = "user_deactivated";
inline constexpr char logout[] = "logout";
inline constexpr char userErased[] = "user_erased";
} // namespace revoke_reason

// The channel PostgreSQL announces changes on. Payload "event:<id>" for a new security event,
// "family:<id>" for a revoked family.
inline constexpr char notifyChannel[] = "rotor_events";

struct SecurityEvent
{
    QString kind;
    qint64 occurredAt = 0;
    std::optional<qint64> userId;
    std::optional<qint64> familyId;
    std::optional<qint64> deviceId;
    std::optional<int> presentedGeneration;
    std::optional<int> currentGeneration;
    QString ip;
    QString userAgent;
    QString deviceKey;
    QString originalIp; // the other side of a replay: who used the token first
    QString originalUserAgent;
    QString detail;
    std::optional<VerdictResult> verdict; // replays only (classifyReplay())
};

namespace store {
// Inserts the event inside the caller's transaction; on PostgreSQL it is announced on commit.
bool recordEvent(Database &db, const SecurityEvent &event, qint64 *id, QString *error);
// Announces an event inserted by other means (PostgreSQL), on commit.
bool announceEvent(Database &db, qint64 id, QString *error);
// Marks the family revoked (if it was not) and revokes its live token. Inside the caller's transaction.
bool revokeFamily(Database &db, qint64 familyId, qint64 nowMs, const QString &reason, const QString &revokedBy,
                  bool *changed, QString *error);
} // namespace store

} // namespace rotor
