#pragma once

#include <QString>

#include <optional>

namespace rotor {

class Database;

namespace event_kind {
inline constexpr char replayDetected[] = "replay_detected";
inline constexpr char graceReuse[] = "grace_reuse";
inline constexpr char expiredToken[] = "expired_token";
inline constexpr char unknownToken[] = "unknown_token";
inline constexpr char revokedFamilyToken[] = "revoked_family_token";
inline constexpr char inactiveUser[] = "inactive_user";
inline constexpr char familyRevoked[] = "family_revoked";
inline constexpr char userRevoked[] = "user_revoked";
inline constexpr char userDeactivated[] = "user_deactivated";
inline constexpr char userActivated[] = "user_activated";
} // namespace event_kind

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
};

namespace store {
// Inserts the event inside the caller's transaction; on PostgreSQL it is announced on commit.
bool recordEvent(Database &db, const SecurityEvent &event, qint64 *id, QString *error);
// Marks the family revoked (if it was not) and revokes its live token. Inside the caller's transaction.
bool revokeFamily(Database &db, qint64 familyId, qint64 nowMs, const QString &reason, const QString &revokedBy,
                  bool *changed, QString *error);
} // namespace store

} // namespace rotor
