#include "AdminService.h"

#include "Clock.h"
#include "ConnectionSpec.h"
#include "Crypto.h"
#include "Database.h"
#include "SecurityEvent.h"

#include <QCoreApplication>
#include <QtEndian>

#include <QRegularExpression>
#include <QSqlQuery>
#include <QSysInfo>
#include <pwd.h>
#include <unistd.h>

namespace rotor {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::AdminService", text);
}

// Serializes audit appends of concurrent writers on PostgreSQL (SQLite's IMMEDIATE transaction already does).
constexpr qint64 auditLockKey = 0x524F544F5241;
// An erased user's email becomes erased-<id> at this reserved domain (RFC 2606), unique and never deliverable.
constexpr char erasedDomain[] = "@erased.invalid";

const char lastAuditSql[] = "SELECT id, entry_hash FROM audit_log ORDER BY id DESC LIMIT 1";
const char insertAuditSql[] = "INSERT INTO audit_log (id, occurred_at, actor, origin, action, target, reason, "
                              "prev_hash, entry_hash) VALUES (:id, :at, :actor, :origin, :action, :target, :reason, "
                              ":prev, :hash)";

// Audit entries name a user by id, never by email: the chain cannot be rewritten, so personal data kept out of it
// is what an erasure can really remove.
QString userTarget(qint64 userId)
{
    return QStringLiteral("user:%1").arg(userId);
}

bool validEmail(const QString &email)
{
    static const QRegularExpression pattern(QStringLiteral("^[^@\\s]+@[^@\\s]+$"));
    return email.size() <= 254 && pattern.match(email).hasMatch();
}

} // namespace

Actor Actor::fromEnvironment()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("LOGNAME");
    if (user.isEmpty()) {
        const passwd *entry = getpwuid(geteuid());
        user = entry ? QString::fromLocal8Bit(entry->pw_name) : QStringLiteral("uid %1").arg(geteuid());
    }
    return {user, QSysInfo::machineHostName()};
}

Actor Actor::forConnection(const ConnectionSpec &spec)
{
    const Actor os = fromEnvironment();
    if (spec.backend != Backend::Postgres || spec.userName.isEmpty())
        return os;
    return {spec.userName, os.name + QLatin1Char('@') + os.origin};
}

AdminService::AdminService(Database &db, const Clock &clock, const Actor &actor)
    : m_db(db)
    , m_clock(clock)
    , m_actor(actor)
{ }

QByteArray AdminService::auditEntryHash(const QByteArray &previousHash, qint64 id, qint64 occurredAt,
                                        const QString &actor, const QString &origin, const QString &action,
                                        const QString &target, const QString &reason)
{
    // Length-prefixed fields, so no two different entries serialize alike (and a null string hashes like '').
    QByteArray data;
    const auto field = [&data](const QByteArray &bytes) {
        const quint32 length = qToBigEndian(quint32(bytes.size()));
        data.append(reinterpret_cast<const char *>(&length), sizeof length);
        data.append(bytes);
    };
    const auto number = [&field](qint64 value) { field(QByteArray::number(value)); };
    field(previousHash);
    number(id);
    number(occurredAt);
    field(actor.toUtf8());
    field(origin.toUtf8());
    field(action.toUtf8());
    field(target.toUtf8());
    field(reason.toUtf8());
    return crypto::sha256(data);
}

bool AdminService::appendAudit(Database &db, qint64 occurredAt, const Actor &actor, const QString &action,
                               const QString &target, const QString &reason, QString *error)
{
    if (db.isPostgres() && !db.exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(auditLockKey), error))
        return false;
    QSqlQuery *query = db.run(lastAuditSql, {}, error);
    if (!query)
        return false;
    qint64 id = 1;
    QByteArray previous(32, '\0');
    const Database::Fetch last = db.fetch(query, error);
    if (last == Database::Fetch::Row) {
        id = query->value(0).toLongLong() + 1;
        previous = query->value(1).toByteArray();
    }
    query->finish();
    if (last == Database::Fetch::Failed)
        return false;
    const QByteArray hash = auditEntryHash(previous, id, occurredAt, actor.name, actor.origin, action, target, reason);
    return db.run(insertAuditSql,
                  {{":id", id},
                   {":at", occurredAt},
                   {":actor", actor.name},
                   {":origin", actor.origin},
                   {":action", action},
                   {":target", target},
                   {":reason", reason},
                   {":prev", previous},
                   {":hash", hash}},
                  error)
        != nullptr;
}

bool AdminService::userEmail(qint64 userId, QString *email, QString *error)
{
    static const char sql[] = "SELECT email FROM users WHERE id = :id";
    QSqlQuery *query = m_db.run(sql, {{":id", userId}}, error);
    if (!query)
        return false;
    const Database::Fetch found = m_db.fetch(query, error);
    if (found == Database::Fetch::Row)
        *email = query->value(0).toString();
    query->finish();
    if (found == Database::Fetch::End)
        *error = tr("no user with id %1").arg(userId);
    return found == Database::Fetch::Row;
}

bool AdminService::addUser(const QString &email, const QString &displayName, qint64 *userId, QString *error,
                           bool simulated)
{
    const QString normalized = email.trimmed().toLower();
    if (!validEmail(normalized)) {
        *error = tr("'%1' is not an email address").arg(email);
        return false;
    }
    // A real user's row names no simulated column: it takes the column's default (and works before schema 5 too).
    static const char sql[] = "INSERT INTO users (email, display_name, active, token_version, created_at) VALUES "
                              "(:email, :name, :active, 0, :now) ON CONFLICT (email) DO NOTHING RETURNING id";
    static const char simulatedSql[] = "INSERT INTO users (email, display_name, active, token_version, created_at, "
                                       "simulated) VALUES (:email, :name, :active, 0, :now, :simulated) "
                                       "ON CONFLICT (email) DO NOTHING RETURNING id";
    return m_db.transact(
        [&](QString *stepError) {
            const qint64 now = m_clock.nowMs();
            QSqlQuery *query = simulated
                ? m_db.run(simulatedSql,
                           {{":email", normalized},
                            {":name", displayName.trimmed()},
                            {":active", true},
                            {":now", now},
                            {":simulated", true}},
                           stepError)
                : m_db.run(sql,
                           {{":email", normalized}, {":name", displayName.trimmed()}, {":active", true}, {":now", now}},
                           stepError);
            if (!query)
                return Database::Step::Abort;
            const Database::Fetch inserted = m_db.fetch(query, stepError);
            if (inserted != Database::Fetch::Row) {
                query->finish();
                if (inserted == Database::Fetch::End)
                    *stepError = tr("a user with the email %1 already exists").arg(normalized);
                return Database::Step::Abort;
            }
            const qint64 newId = query->value(0).toLongLong();
            if (userId)
                *userId = newId;
            query->finish();
            return appendAudit(m_db, now, m_actor, QStringLiteral("add-user"), userTarget(newId),
                               simulated ? QStringLiteral("simulated user") : QString(), stepError)
                ? Database::Step::Commit
                : Database::Step::Abort;
        },
        error);
}

bool AdminService::removeSimulatedUsers(SimulatedRemoval *removed, QString *error)
{
    if (m_db.refuseIfReadOnly(error))
        return false;
    // Children before parents; every statement reaches only rows of simulated users.
    static const char countSql[]
        = "SELECT (SELECT count(*) FROM users WHERE simulated = :yes), "
          "(SELECT count(*) FROM token_families f JOIN users u ON u.id = f.user_id WHERE u.simulated = :yes), "
          "(SELECT count(*) FROM security_events e JOIN users u ON u.id = e.user_id WHERE u.simulated = :yes)";
    static const char *const deletes[] = {
        "DELETE FROM security_events WHERE user_id IN (SELECT id FROM users WHERE simulated = :yes)",
        "DELETE FROM refresh_tokens WHERE family_id IN (SELECT f.id FROM token_families f JOIN users u "
        "ON u.id = f.user_id WHERE u.simulated = :yes)",
        "DELETE FROM token_families WHERE user_id IN (SELECT id FROM users WHERE simulated = :yes)",
        "DELETE FROM devices WHERE user_id IN (SELECT id FROM users WHERE simulated = :yes)",
        "DELETE FROM users WHERE simulated = :yes",
    };
    return m_db.transact(
        [&](QString *stepError) {
            *removed = {};
            QSqlQuery *query = m_db.run(countSql, {{":yes", true}}, stepError);
            if (!query || m_db.fetch(query, stepError) != Database::Fetch::Row)
                return Database::Step::Abort;
            removed->users = query->value(0).toLongLong();
            removed->families = query->value(1).toLongLong();
            removed->events = query->value(2).toLongLong();
            query->finish();
            if (removed->users == 0)
                return Database::Step::Commit; // nothing to remove, nothing to audit
            for (const char *sql : deletes) {
                if (!m_db.run(sql, {{":yes", true}}, stepError))
                    return Database::Step::Abort;
            }
            const QString summary = tr("simulated data: %1 users, %2 sessions, %3 events")
                                        .arg(removed->users)
                                        .arg(removed->families)
                                        .arg(removed->events);
            return appendAudit(m_db, m_clock.nowMs(), m_actor, QStringLiteral("remove-simulated"),
                               QStringLiteral("simulated users"), summary, stepError)
                ? Database::Step::Commit
                : Database::Step::Abort;
        },
        error);
}

bool AdminService::revokeFamily(qint64 familyId, const QString &reason, QString *error)
{
    if (reason.trimmed().isEmpty()) {
        *error = tr("a reason is required to revoke a session");
        return false;
    }
    static const char familySql[] = "SELECT user_id, device_id, current_generation, revoked_at FROM token_families "
                                    "WHERE id = :id";
    return m_db.transact(
        [&](QString *stepError) {
            const qint64 now = m_clock.nowMs();
            QSqlQuery *query = m_db.run(familySql, {{":id", familyId}}, stepError);
            if (!query)
                return Database::Step::Abort;
            const Database::Fetch found = m_db.fetch(query, stepError);
            if (found != Database::Fetch::Row) {
                query->finish();
                if (found == Database::Fetch::End)
                    *stepError = tr("no session with id %1").arg(familyId);
                return Database::Step::Abort;
            }
            SecurityEvent event;
            event.kind = QString::fromLatin1(event_kind::familyRevoked);
            event.occurredAt = now;
            event.userId = query->value(0).toLongLong();
            event.familyId = familyId;
            event.deviceId = query->value(1).toLongLong();
            event.currentGeneration = query->value(2).toInt();
            event.detail = tr("revoked by %1 (%2): %3").arg(m_actor.name, m_actor.origin, reason.trimmed());
            const bool alreadyRevoked = !query->value(3).isNull();
            query->finish();
            if (alreadyRevoked) {
                *stepError = tr("session %1 is already revoked").arg(familyId);
                return Database::Step::Abort;
            }
            bool changed = false;
            if (!store::revokeFamily(m_db, familyId, now, QString::fromLatin1(revoke_reason::admin), m_actor.name,
                                     &changed, stepError))
                return Database::Step::Abort;
            if (!changed) {
                // Revoked by someone else (replay detection, another administrator) since it was read above.
                *stepError = tr("session %1 is already revoked").arg(familyId);
                return Database::Step::Abort;
            }
            if (!store::recordEvent(m_db, event, nullptr, stepError)
                || !appendAudit(m_db, now, m_actor, QStringLiteral("revoke-family"),
                                QStringLiteral("family:%1").arg(familyId), reason.trimmed(), stepError))
                return Database::Step::Abort;
            return Database::Step::Commit;
        },
        error);
}

QString AdminService::revokedByDetail(int revoked, const QString &reason) const
{
    return QCoreApplication::translate("rotor::AdminService", "by %1 (%2), %n session(s) revoked: %3", nullptr, revoked)
        .arg(m_actor.name, m_actor.origin, reason.trimmed());
}

bool AdminService::recordUserAction(qint64 userId, qint64 now, const char *eventKind, const QString &detail,
                                    const QString &action, const QString &reason, QString *error)
{
    SecurityEvent event;
    event.kind = QString::fromLatin1(eventKind);
    event.occurredAt = now;
    event.userId = userId;
    event.detail = detail;
    return store::recordEvent(m_db, event, nullptr, error)
        && appendAudit(m_db, now, m_actor, action, userTarget(userId), reason.trimmed(), error);
}

bool AdminService::revokeLiveFamilies(qint64 userId, qint64 now, const char *reason, int *revoked, QString *error)
{
    static const char liveFamiliesSql[] = "SELECT id FROM token_families WHERE user_id = :user AND revoked_at IS NULL "
                                          "ORDER BY id";
    QSqlQuery *query = m_db.run(liveFamiliesSql, {{":user", userId}}, error);
    if (!query)
        return false;
    QList<qint64> families;
    Database::Fetch fetched;
    while ((fetched = m_db.fetch(query, error)) == Database::Fetch::Row)
        families.append(query->value(0).toLongLong());
    query->finish();
    if (fetched == Database::Fetch::Failed)
        return false;
    for (qint64 familyId : families) {
        bool changed = false;
        if (!store::revokeFamily(m_db, familyId, now, QString::fromLatin1(reason), m_actor.name, &changed, error))
            return false;
    }
    *revoked = int(families.size());
    return true;
}

bool AdminService::revokeUser(qint64 userId, const QString &reason, int *familiesRevoked, QString *error)
{
    if (reason.trimmed().isEmpty()) {
        *error = tr("a reason is required to revoke a user's sessions");
        return false;
    }
    static const char bumpSql[] = "UPDATE users SET token_version = token_version + 1 WHERE id = :user";
    return m_db.transact(
        [&](QString *stepError) {
            const qint64 now = m_clock.nowMs();
            QString email;
            if (!userEmail(userId, &email, stepError))
                return Database::Step::Abort;
            // The version bump comes first: it locks the user's row, so a sign-in that is under way (it reads the
            // user FOR SHARE on PostgreSQL) either finishes before the families are listed below, or starts after
            // this commits and sees the new version.
            int revoked = 0;
            if (!m_db.run(bumpSql, {{":user", userId}}, stepError)
                || !revokeLiveFamilies(userId, now, revoke_reason::userRevoked, &revoked, stepError))
                return Database::Step::Abort;
            const QString detail = QCoreApplication::translate("rotor::AdminService",
                                                               "%n session(s) revoked by %1 (%2): %3", nullptr, revoked)
                                       .arg(m_actor.name, m_actor.origin, reason.trimmed());
            if (!recordUserAction(userId, now, event_kind::userRevoked, detail, QStringLiteral("revoke-user"), reason,
                                  stepError))
                return Database::Step::Abort;
            if (familiesRevoked)
                *familiesRevoked = revoked;
            return Database::Step::Commit;
        },
        error);
}

bool AdminService::setUserActive(qint64 userId, bool active, const QString &reason, QString *error,
                                 int *familiesRevoked)
{
    // Deactivation ends the user's sessions and bumps token_version, so access tokens already handed out stop
    // verifying: an account deactivated on suspicion must not stay signed in anywhere. Reactivation restores no
    // session; the user signs in again.
    static const char sql[] = "UPDATE users SET active = :active, token_version = token_version + :bump "
                              "WHERE id = :user AND active <> :active";
    return m_db.transact(
        [&](QString *stepError) {
            const qint64 now = m_clock.nowMs();
            QString email;
            if (!userEmail(userId, &email, stepError))
                return Database::Step::Abort;
            QSqlQuery *query
                = m_db.run(sql, {{":active", active}, {":bump", active ? 0 : 1}, {":user", userId}}, stepError);
            if (!query)
                return Database::Step::Abort;
            if (query->numRowsAffected() == 0) {
                *stepError
                    = active ? tr("%1 is already active").arg(email) : tr("%1 is already deactivated").arg(email);
                return Database::Step::Abort;
            }
            int revoked = 0;
            if (!active && !revokeLiveFamilies(userId, now, revoke_reason::userDeactivated, &revoked, stepError))
                return Database::Step::Abort;
            const QString detail = active ? tr("by %1 (%2): %3").arg(m_actor.name, m_actor.origin, reason.trimmed())
                                          : revokedByDetail(revoked, reason);
            if (!recordUserAction(userId, now, active ? event_kind::userActivated : event_kind::userDeactivated, detail,
                                  active ? QStringLiteral("activate-user") : QStringLiteral("deactivate-user"), reason,
                                  stepError))
                return Database::Step::Abort;
            if (familiesRevoked)
                *familiesRevoked = revoked;
            return Database::Step::Commit;
        },
        error);
}

bool AdminService::eraseUser(qint64 userId, const QString &reason, int *familiesRevoked, QString *error)
{
    if (reason.trimmed().isEmpty()) {
        *error = tr("a reason is required to erase a user");
        return false;
    }
    // Personal data out; what detection and the audit need stays: ids, times, generations, hashes.
    static const char userSql[] = "UPDATE users SET email = :erased, display_name = '', active = :inactive, "
                                  "token_version = token_version + 1 WHERE id = :user";
    static const char devicesSql[] = "UPDATE devices SET device_key = 'erased-' || CAST(id AS text), name = '', "
                                     "user_agent = '', last_ip = '' WHERE user_id = :user";
    static const char tokensSql[] = "UPDATE refresh_tokens SET ip = '', user_agent = '' WHERE family_id IN "
                                    "(SELECT id FROM token_families WHERE user_id = :user)";
    static const char eventsSql[]
        = "UPDATE security_events SET ip = '', user_agent = '', device_key = '', original_ip = '', "
          "original_user_agent = '' WHERE user_id = :user OR family_id IN (SELECT id FROM token_families WHERE "
          "user_id = :user)";
    return m_db.transact(
        [&](QString *stepError) {
            const qint64 now = m_clock.nowMs();
            QString email;
            if (!userEmail(userId, &email, stepError))
                return Database::Step::Abort;
            if (email.endsWith(QLatin1String(erasedDomain))) {
                *stepError = tr("user %1 is already erased").arg(userId);
                return Database::Step::Abort;
            }
            int revoked = 0;
            if (!revokeLiveFamilies(userId, now, revoke_reason::userErased, &revoked, stepError))
                return Database::Step::Abort;
            const QString erased = QStringLiteral("erased-%1").arg(userId) + QLatin1String(erasedDomain);
            if (!m_db.run(userSql, {{":erased", erased}, {":inactive", false}, {":user", userId}}, stepError)
                || !m_db.run(devicesSql, {{":user", userId}}, stepError)
                || !m_db.run(tokensSql, {{":user", userId}}, stepError)
                || !m_db.run(eventsSql, {{":user", userId}}, stepError))
                return Database::Step::Abort;
            if (!recordUserAction(userId, now, event_kind::userErased, revokedByDetail(revoked, reason),
                                  QStringLiteral("erase-user"), reason, stepError))
                return Database::Step::Abort;
            if (familiesRevoked)
                *familiesRevoked = revoked;
            return Database::Step::Commit;
        },
        error);
}

bool AdminService::setPolicy(const Policy &policy, const QString &reason, QString *error)
{
    const QString problem = policy.problem();
    if (!problem.isEmpty()) {
        *error = problem;
        return false;
    }
    static const char updateSql[] = "UPDATE policy SET grace_ms = :grace, idle_ms = :idle, lifetime_ms = :lifetime, "
                                    "access_ttl_ms = :access, events_retention_ms = :retention WHERE id = 1";
    const bool stored = m_db.transact(
        [&](QString *stepError) {
            m_db.forgetPolicy(); // read the row inside this transaction, as it is now
            Policy before;
            if (!m_db.policy(&before, stepError))
                return Database::Step::Abort;
            QStringList changes;
            const auto compare = [&](const char *name, qint64 from, qint64 to) {
                if (from != to)
                    changes << QStringLiteral("%1 %2 -> %3")
                                   .arg(QLatin1String(name), Policy::formatDuration(from), Policy::formatDuration(to));
            };
            compare("grace", before.graceMs, policy.graceMs);
            compare("idle", before.refreshIdleTtlMs, policy.refreshIdleTtlMs);
            compare("lifetime", before.familyLifetimeMs, policy.familyLifetimeMs);
            compare("access-ttl", before.accessTtlMs, policy.accessTtlMs);
            compare("events-retention", before.eventsRetentionMs, policy.eventsRetentionMs);
            if (changes.isEmpty()) {
                *stepError = tr("the policy is already so; nothing changed");
                return Database::Step::Abort;
            }
            const QString what = changes.join(QLatin1String("; "));
            if (!m_db.run(updateSql,
                          {{":grace", policy.graceMs},
                           {":idle", policy.refreshIdleTtlMs},
                           {":lifetime", policy.familyLifetimeMs},
                           {":access", policy.accessTtlMs},
                           {":retention", policy.eventsRetentionMs}},
                          stepError)
                || !appendAudit(m_db, m_clock.nowMs(), m_actor, QStringLiteral("set-policy"), what, reason.trimmed(),
                                stepError))
                return Database::Step::Abort;
            return Database::Step::Commit;
        },
        error);
    m_db.forgetPolicy();
    return stored;
}

bool AdminService::verifyAudit(AuditVerification *verification, QString *error)
{
    return verifyAuditFrom(AuditVerification(), verification, error);
}

bool AdminService::verifyAuditFrom(const AuditVerification &from, AuditVerification *verification, QString *error)
{
    *verification = {};
    if (!m_db.ensureOpen(error))
        return false;
    QByteArray previous(32, '\0');
    if (from.lastId > 0) {
        if (!from.intact) {
            *error = tr("a broken chain cannot be verified onwards");
            return false;
        }
        // The entry the last verification ended with must still be there, unchanged (its fields still give the hash
        // it had), for it to go on from there.
        QSqlQuery last(m_db.handle());
        if (!m_db.execute(last,
                          QStringLiteral("SELECT occurred_at, actor, origin, action, target, reason, prev_hash, "
                                         "entry_hash FROM audit_log WHERE id = :id"),
                          {{QStringLiteral(":id"), from.lastId}}, error))
            return false;
        const Database::Fetch found = m_db.fetch(&last, error);
        if (found == Database::Fetch::Failed)
            return false;
        if (found == Database::Fetch::End || last.value(7).toByteArray() != from.lastHash
            || auditEntryHash(last.value(6).toByteArray(), from.lastId, last.value(0).toLongLong(),
                              last.value(1).toString(), last.value(2).toString(), last.value(3).toString(),
                              last.value(4).toString(), last.value(5).toString())
                != from.lastHash) {
            verification->intact = false;
            verification->firstBrokenId = from.lastId;
            verification->problem = found == Database::Fetch::End
                ? tr("entry %1 is missing").arg(from.lastId)
                : tr("entry %1 was altered after it was written").arg(from.lastId);
            return true;
        }
        previous = from.lastHash;
        verification->entriesChecked = from.entriesChecked;
        verification->lastId = from.lastId;
        verification->lastHash = from.lastHash;
    }
    QSqlQuery query(m_db.handle());
    if (!m_db.execute(query,
                      QStringLiteral("SELECT id, occurred_at, actor, origin, action, target, reason, prev_hash, "
                                     "entry_hash FROM audit_log WHERE id > :after ORDER BY id"),
                      {{QStringLiteral(":after"), from.lastId}}, error))
        return false;
    qint64 expectedId = from.lastId + 1;
    Database::Fetch fetched;
    while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
        const qint64 id = query.value(0).toLongLong();
        const QByteArray storedPrevious = query.value(7).toByteArray();
        const QByteArray stored = query.value(8).toByteArray();
        const QByteArray computed = auditEntryHash(
            storedPrevious, id, query.value(1).toLongLong(), query.value(2).toString(), query.value(3).toString(),
            query.value(4).toString(), query.value(5).toString(), query.value(6).toString());
        QString problem;
        if (id != expectedId)
            problem = tr("entry %1 is missing").arg(expectedId);
        else if (storedPrevious != previous)
            problem = tr("entry %1 does not link to the entry before it").arg(id);
        else if (computed != stored)
            problem = tr("entry %1 was altered after it was written").arg(id);
        if (!problem.isEmpty()) {
            verification->intact = false;
            verification->firstBrokenId = id;
            verification->problem = problem;
            return true;
        }
        previous = stored;
        ++expectedId;
        ++verification->entriesChecked;
        verification->lastId = id;
        verification->lastHash = stored;
    }
    return fetched == Database::Fetch::End; // a read that failed half-way verified nothing
}

} // namespace rotor
