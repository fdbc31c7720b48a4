#pragma once

#include <QByteArray>
#include <QString>

#include "Policy.h"

namespace rotor {

class Clock;
class Database;
struct ConnectionSpec;

// Who performs an administrative action and from where; written into the audit log.
struct Actor
{
    QString name;
    QString origin;
    // The operating-system user and host of this process.
    static Actor fromEnvironment();
    // On PostgreSQL the database role acts (from the OS user at this host); on SQLite the OS user.
    static Actor forConnection(const ConnectionSpec &spec);
};

struct AuditVerification
{
    bool intact = true;
    qint64 entriesChecked = 0;
    qint64 firstBrokenId = 0; // 0 when intact
    QString problem;
    // Where the verified chain ends (0 and empty for an empty log): verifyAuditFrom() goes on from here.
    qint64 lastId = 0;
    QByteArray lastHash;
};

// Administrative writes. Each runs in one transaction that also appends to the audit log: an append-only chain
// where every entry carries the SHA-256 of the one before it, so an edit or deletion is detectable.
class AdminService
{
public:
    AdminService(Database &db, const Clock &clock, const Actor &actor);

    // simulated: a user of the console's simulator (users.simulated), which acts on no one else and can be removed.
    bool addUser(const QString &email, const QString &displayName, qint64 *userId, QString *error,
                 bool simulated = false);
    // Deletes every user the simulator created, with their devices, sessions, tokens and events. The audit log keeps
    // its entries (their reasons say "simulated"); the removal is audited too.
    struct SimulatedRemoval
    {
        qint64 users = 0;
        qint64 families = 0;
        qint64 events = 0;
    };
    bool removeSimulatedUsers(SimulatedRemoval *removed, QString *error);
    // Fails with a clear message if the family does not exist or is already revoked.
    bool revokeFamily(qint64 familyId, const QString &reason, QString *error);
    // Revokes every live family of the user and bumps token_version, so every access token dies too.
    bool revokeUser(qint64 userId, const QString &reason, int *familiesRevoked, QString *error);
    // Deactivating also revokes every live session of the user (reason user_deactivated); reactivating restores none.
    bool setUserActive(qint64 userId, bool active, const QString &reason, QString *error,
                       int *familiesRevoked = nullptr);

    // An erasure request: the user's personal data (email, name, devices' keys and names, addresses, user agents in
    // tokens and events) is removed, every session revoked and the user deactivated; ids, times and hashes stay, so
    // replay detection and the audit chain hold. Audit entries name users by id ("user:<id>"); entries written by
    // older versions may hold the email, and are covered by the recorded erasure rather than rewritten.
    bool eraseUser(qint64 userId, const QString &reason, int *familiesRevoked, QString *error);
    // Stores the deployment's policy (validated: Policy::problem()) and audits what changed. Every connection
    // follows within Policy::policyRefreshMs.
    bool setPolicy(const Policy &policy, const QString &reason, QString *error);

    bool verifyAudit(AuditVerification *verification, QString *error);
    // Verifies only what was appended after an intact verification `from`, and that the entry it ended with is still
    // the one it verified: what a console does on each change (a full verifyAudit() still checks every entry, as when
    // the log is shown or reloaded).
    bool verifyAuditFrom(const AuditVerification &from, AuditVerification *verification, QString *error);

    static QByteArray auditEntryHash(const QByteArray &previousHash, qint64 id, qint64 occurredAt, const QString &actor,
                                     const QString &origin, const QString &action, const QString &target,
                                     const QString &reason);
    // Appends inside the caller's transaction.
    static bool appendAudit(Database &db, qint64 occurredAt, const Actor &actor, const QString &action,
                            const QString &target, const QString &reason, QString *error);

private:
    bool userEmail(qint64 userId, QString *email, QString *error);
    // "by <actor> (<origin>), N session(s) revoked: <reason>", the detail of a deactivation or an erasure.
    QString revokedByDetail(int revoked, const QString &reason) const;
    // Inside the caller's transaction: what an administrator did to a user, as a security event and an audit entry
    // naming the user by id.
    bool recordUserAction(qint64 userId, qint64 now, const char *eventKind, const QString &detail,
                          const QString &action, const QString &reason, QString *error);
    // Inside the caller's transaction.
    bool revokeLiveFamilies(qint64 userId, qint64 now, const char *reason, int *revoked, QString *error);

    Database &m_db;
    const Clock &m_clock;
    Actor m_actor;
};

} // namespace rotor
