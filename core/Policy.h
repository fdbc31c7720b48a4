#pragma once

#include <QString>
#include <QtGlobal>

namespace rotor {

// The deployment's rotation policy. Stored in the database (table policy, one row) so that every server and console
// sharing it agree; a connection re-reads it at most policyRefreshMs after it changed (Database::policy()).
//
// What a change does to sessions that already exist: the grace window and the access-token lifetime apply to the
// next presentation and the next access token. The idle and absolute lifetimes are stamped on what is issued: a
// shorter one applies from each session's next refresh (a session already older than a shorter absolute lifetime
// is expired at its next presentation); a longer one never extends a token or a session already issued.
struct Policy
{
    static constexpr qint64 second = 1000;
    static constexpr qint64 minute = 60 * second;
    static constexpr qint64 hour = 60 * minute;
    static constexpr qint64 day = 24 * hour;
    // As Hydra clamps it: a longer window would let a thief's copy ride along for too long.
    static constexpr qint64 maxGraceMs = 5 * minute;
    // How old a connection's copy of the stored policy may be.
    static constexpr qint64 policyRefreshMs = 1 * second;

    qint64 accessTtlMs = 15 * minute;
    qint64 refreshIdleTtlMs = 30 * day; // a refresh token unused this long expires
    qint64 familyLifetimeMs = 90 * day; // a sign-in lasts at most this long, however often it refreshes
    qint64 graceMs = 10 * second; // 0 disables the grace window
    qint64 eventsRetentionMs = 180 * day; // security events older than this are purged

    // Empty when the policy can be stored; otherwise why not, in one sentence.
    QString problem() const;
    bool operator==(const Policy &other) const;
    bool operator!=(const Policy &other) const { return !(*this == other); }

    // "90" (seconds), "1s", "15m", "12h", "30d". False with a message for anything else.
    static bool parseDuration(const QString &text, qint64 *ms, QString *error);
    // The shortest exact form: "10s", "15m", "30d", "1500ms".
    static QString formatDuration(qint64 ms);
};

} // namespace rotor
