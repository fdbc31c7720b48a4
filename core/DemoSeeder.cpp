#include "DemoSeeder.h"

#include "AdminService.h"
#include "Clock.h"
#include "Crypto.h"
#include "Database.h"
#include "Policy.h"
#include "SecurityEvent.h"

#include <QCoreApplication>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSqlQuery>

#include <array>
#include <memory>

namespace rotor {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::DemoSeeder", text);
}

// Multi-row INSERTs through one prepared statement per batch size: the per-row cost on PostgreSQL is then a
// fraction of a round trip, and on SQLite a fraction of a statement.
class BatchInsert
{
public:
    BatchInsert(Database &db, QString table, QStringList columns, int rowsPerBatch)
        : m_db(db)
        , m_table(std::move(table))
        , m_columns(std::move(columns))
        , m_rowsPerBatch(rowsPerBatch)
    { }

    void add(const QVariantList &row) { m_pending.append(row); }

    // Writes everything pending: full batches through one cached statement, the rest through one more.
    bool flush(QString *error)
    {
        const int width = int(m_columns.size());
        const int rows = int(m_pending.size() / width);
        int written = 0;
        while (written < rows) {
            const int count = qMin(m_rowsPerBatch, rows - written);
            std::unique_ptr<QSqlQuery> &query = count == m_rowsPerBatch ? m_full : m_tail;
            if (!query || &query == &m_tail) {
                query = std::make_unique<QSqlQuery>(m_db.handle());
                const QString tuple = QLatin1Char('(') + QStringList(width, QStringLiteral("?")).join(QLatin1Char(','))
                    + QLatin1Char(')');
                const QString sql
                    = QStringLiteral("INSERT INTO %1 (%2) VALUES ").arg(m_table, m_columns.join(QLatin1Char(',')))
                    + QStringList(count, tuple).join(QLatin1Char(','));
                if (!query->prepare(sql)) {
                    *error = Database::describe(query->lastError());
                    return false;
                }
            }
            for (int i = 0; i < count * width; ++i)
                query->bindValue(i, Database::bindable(m_pending.at(written * width + i)));
            if (!query->exec()) {
                *error = QCoreApplication::translate("rotor::DemoSeeder", "writing %1 failed: %2")
                             .arg(m_table, Database::describe(query->lastError()));
                return false;
            }
            written += count;
        }
        m_pending.clear();
        return true;
    }

private:
    Database &m_db;
    QString m_table;
    QStringList m_columns;
    int m_rowsPerBatch;
    QVariantList m_pending;
    std::unique_ptr<QSqlQuery> m_full;
    std::unique_ptr<QSqlQuery> m_tail;
};

qint64 maxId(Database &db, const QString &table, QString *error)
{
    QSqlQuery query(db.handle());
    if (!query.exec(QStringLiteral("SELECT coalesce(max(id), 0) FROM ") + table) || !query.next()) {
        *error = Database::describe(query.lastError());
        return -1;
    }
    return query.value(0).toLongLong();
}

const std::array<const char *, 16> firstNames
    = {"Ada",   "Grace",  "Alan",    "Linus",  "Margaret", "Ken", "Barbara", "Dennis",
       "Radia", "Edsger", "Frances", "Donald", "Hedy",     "Tim", "Sophie",  "Whitfield"};
const std::array<const char *, 12> lastNames = {"Lovelace", "Hopper",  "Turing",  "Torvalds", "Hamilton", "Thompson",
                                                "Liskov",   "Ritchie", "Perlman", "Dijkstra", "Allen",    "Knuth"};
struct DeviceKind
{
    const char *name;
    const char *userAgent;
};
const std::array<DeviceKind, 8> deviceKinds = {{
    {"Pixel 8", "RotorDemo/2.4 (Android 14; Pixel 8)"},
    {"iPhone 15", "RotorDemo/2.4 (iOS 17.2; iPhone15,4)"},
    {"Firefox on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"},
    {"Chrome on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"},
    {"Safari on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 Version/17.2 Safari/605.1.15"},
    {"iPad Air", "RotorDemo/2.4 (iPadOS 17.2; iPad13,16)"},
    {"Galaxy S23", "RotorDemo/2.4 (Android 14; SM-S911B)"},
    {"CLI on Linux", "rotor-cli/1.3 (linux; x86_64)"},
}};
// Documentation address ranges (RFC 5737): believable, and nobody's real address.
QString randomIp(QRandomGenerator &random)
{
    static const std::array<const char *, 3> nets = {"192.0.2.", "198.51.100.", "203.0.113."};
    return QString::fromLatin1(nets[random.bounded(3)]) + QString::number(1 + random.bounded(254));
}

} // namespace

DemoSeeder::DemoSeeder(Database &db, const Clock &clock)
    : m_db(db)
    , m_clock(clock)
{ }

bool DemoSeeder::seed(const SeedOptions &options, const std::function<bool(qint64, qint64)> &progress, SeedStats *stats,
                      QString *error)
{
    if (m_db.refuseIfReadOnly(error))
        return false;
    if (options.users < 0 || options.familiesPerUser < 0 || options.chainLength < 1) {
        *error = tr("the demo sizes must be positive");
        return false;
    }
    SeedStats counts;
    QRandomGenerator random(options.seed);
    const Policy policy;
    const qint64 now = m_clock.nowMs();
    const Actor admin {QStringLiteral("admin"), QStringLiteral("console.demo")};

    // Random token hashes make the unique index's inserts land all over the file: with SQLite's default 2 MB page
    // cache most of the time goes to re-reading pages. A larger cache for the bulk load, restored afterwards.
    const bool sqlite = !m_db.isPostgres();
    if (sqlite && !m_db.exec(QStringLiteral("PRAGMA cache_size = -262144"), error))
        return false;
    const auto restoreCache = qScopeGuard([this, sqlite]() {
        QString ignored;
        if (sqlite)
            m_db.exec(QStringLiteral("PRAGMA cache_size = -2000"), &ignored);
    });
    if (!m_db.beginWrite(error))
        return false;
    const auto fail = [this]() {
        m_db.rollback();
        return false;
    };
    qint64 userId = maxId(m_db, QStringLiteral("users"), error);
    qint64 deviceId = maxId(m_db, QStringLiteral("devices"), error);
    qint64 familyId = maxId(m_db, QStringLiteral("token_families"), error);
    qint64 tokenId = maxId(m_db, QStringLiteral("refresh_tokens"), error);
    qint64 auditId = maxId(m_db, QStringLiteral("audit_log"), error);
    if (userId < 0 || deviceId < 0 || familyId < 0 || tokenId < 0 || auditId < 0)
        return fail();
    QByteArray auditHash(32, '\0');
    if (auditId > 0) {
        QSqlQuery last(m_db.handle());
        if (!last.exec(QStringLiteral("SELECT entry_hash FROM audit_log WHERE id = %1").arg(auditId)) || !last.next()) {
            *error = Database::describe(last.lastError());
            return fail();
        }
        auditHash = last.value(0).toByteArray();
    }

    // Qt's SQLite driver looks up every parameter's name with a linear scan, so a statement's cost grows with the
    // square of its parameter count: a few dozen rows per statement is the sweet spot.
    constexpr int rowsPerStatement = 16;
    BatchInsert users(m_db, QStringLiteral("users"),
                      {QStringLiteral("id"), QStringLiteral("email"), QStringLiteral("display_name"),
                       QStringLiteral("active"), QStringLiteral("token_version"), QStringLiteral("created_at")},
                      rowsPerStatement);
    BatchInsert devices(m_db, QStringLiteral("devices"),
                        {QStringLiteral("id"), QStringLiteral("user_id"), QStringLiteral("device_key"),
                         QStringLiteral("name"), QStringLiteral("user_agent"), QStringLiteral("first_seen_at"),
                         QStringLiteral("last_seen_at"), QStringLiteral("last_ip")},
                        rowsPerStatement);
    BatchInsert families(m_db, QStringLiteral("token_families"),
                         {QStringLiteral("id"), QStringLiteral("user_id"), QStringLiteral("device_id"),
                          QStringLiteral("created_at"), QStringLiteral("expires_at"), QStringLiteral("idle_expires_at"),
                          QStringLiteral("last_used_at"), QStringLiteral("current_generation"),
                          QStringLiteral("revoked_at"), QStringLiteral("revoke_reason"), QStringLiteral("revoked_by")},
                         rowsPerStatement);
    BatchInsert tokens(m_db, QStringLiteral("refresh_tokens"),
                       {QStringLiteral("id"), QStringLiteral("family_id"), QStringLiteral("parent_id"),
                        QStringLiteral("generation"), QStringLiteral("token_hash"), QStringLiteral("issued_at"),
                        QStringLiteral("expires_at"), QStringLiteral("used_at"), QStringLiteral("revoked_at"),
                        QStringLiteral("ip"), QStringLiteral("user_agent")},
                       rowsPerStatement);
    BatchInsert events(m_db, QStringLiteral("security_events"),
                       {QStringLiteral("kind"), QStringLiteral("occurred_at"), QStringLiteral("user_id"),
                        QStringLiteral("family_id"), QStringLiteral("device_id"),
                        QStringLiteral("presented_generation"), QStringLiteral("current_generation"),
                        QStringLiteral("ip"), QStringLiteral("user_agent"), QStringLiteral("device_key"),
                        QStringLiteral("original_ip"), QStringLiteral("original_user_agent"), QStringLiteral("detail"),
                        QStringLiteral("verdict"), QStringLiteral("verdict_rule"), QStringLiteral("verdict_reason")},
                       rowsPerStatement);
    BatchInsert audit(m_db, QStringLiteral("audit_log"),
                      {QStringLiteral("id"), QStringLiteral("occurred_at"), QStringLiteral("actor"),
                       QStringLiteral("origin"), QStringLiteral("action"), QStringLiteral("target"),
                       QStringLiteral("reason"), QStringLiteral("prev_hash"), QStringLiteral("entry_hash")},
                      rowsPerStatement);
    const QVariant nullInt(QMetaType::fromType<qint64>());
    const QVariant nullText(QMetaType::fromType<QString>());

    const auto addAudit = [&](qint64 at, const QString &action, const QString &target, const QString &reason) {
        ++auditId;
        const QByteArray hash
            = AdminService::auditEntryHash(auditHash, auditId, at, admin.name, admin.origin, action, target, reason);
        audit.add({auditId, at, admin.name, admin.origin, action, target, reason, auditHash, hash});
        auditHash = hash;
        ++counts.auditEntries;
        return true;
    };
    const auto addEvent
        = [&](const char *kind, qint64 at, qint64 user, const QVariant &family, const QVariant &device,
              const QVariant &presented, const QVariant &current, const QString &ip, const QString &userAgent,
              const QString &deviceKey, const QString &originalIp, const QString &originalUserAgent,
              const QString &detail, const std::optional<VerdictResult> &verdict = std::nullopt) {
              ++counts.events;
              events.add({QString::fromLatin1(kind), at, user, family, device, presented, current, ip, userAgent,
                          deviceKey, originalIp, originalUserAgent, detail,
                          verdict ? QVariant(QString::fromLatin1(verdictName(verdict->verdict))) : nullText,
                          verdict ? QVariant(replayVerdictRule) : nullInt, verdict ? verdict->reason : QString()});
              return true;
          };

    const qint64 total = options.users;
    for (qint64 n = 0; n < total; ++n) {
        ++userId;
        const qint64 userCreated = now - policy.day * (100 + random.bounded(600));
        const bool active = random.bounded(100) >= 3;
        // The address is made of the person's own name (the id keeps it unique), as in a real tenant.
        const QString firstName = QString::fromLatin1(firstNames[random.bounded(int(firstNames.size()))]);
        const QString lastName = QString::fromLatin1(lastNames[random.bounded(int(lastNames.size()))]);
        const QString email
            = QStringLiteral("%1.%2.%3@demo.rotor.example").arg(firstName.toLower(), lastName.toLower()).arg(userId);
        const QString displayName = firstName + QLatin1Char(' ') + lastName;
        users.add({userId, email, displayName, active, active ? 0 : 1, userCreated});
        ++counts.users;
        // Audit entries name users by id (AdminService's rule: no personal data in the chain).
        if (!active
            && !addAudit(now - policy.day * random.bounded(30), QStringLiteral("deactivate-user"),
                         QStringLiteral("user:%1").arg(userId), QStringLiteral("account closed at the user's request")))
            return fail();

        const int deviceCount = 1 + random.bounded(3);
        QList<qint64> userDevices;
        QList<int> userDeviceKinds;
        for (int d = 0; d < deviceCount; ++d) {
            ++deviceId;
            const int kind = random.bounded(int(deviceKinds.size()));
            const qint64 firstSeen = userCreated + policy.day * random.bounded(60);
            devices.add({deviceId, userId, QStringLiteral("dev-%1").arg(deviceId),
                         QString::fromLatin1(deviceKinds[kind].name), QString::fromLatin1(deviceKinds[kind].userAgent),
                         firstSeen, now - policy.minute * random.bounded(int(60 * 24 * 40)), randomIp(random)});
            ++counts.devices;
            userDevices << deviceId;
            userDeviceKinds << kind;
        }

        const int familyCount = options.familiesPerUser == 0 ? 0 : random.bounded(2 * options.familiesPerUser + 1);
        for (int f = 0; f < familyCount; ++f) {
            ++familyId;
            const int pick = random.bounded(int(userDevices.size()));
            const qint64 device = userDevices.at(pick);
            const DeviceKind &kind = deviceKinds[userDeviceKinds.at(pick)];
            const QString userAgent = QString::fromLatin1(kind.userAgent);
            const int length = 1 + random.bounded(2 * options.chainLength - 1);
            const qint64 created = now - policy.minute * (30 + random.bounded(int(60 * 24 * 85)));
            const qint64 familyExpires = created + policy.familyLifetimeMs;
            const int fate = random.bounded(100); // 0-4 replay, 5-7 admin, 8-11 logout, rest alive
            const QByteArray hashes = crypto::randomBytes(32 * length);
            const QString homeIp = randomIp(random);
            // The chain: each token used some time after it was issued, until one is not used (the live one, or
            // the last one of a family nobody refreshed in time).
            QList<qint64> issuedAt {created};
            while (issuedAt.size() < length) {
                const qint64 nextUse = issuedAt.last() + policy.minute * (20 + random.bounded(60 * 24 * 3));
                if (nextUse >= now || nextUse >= qMin(issuedAt.last() + policy.refreshIdleTtlMs, familyExpires))
                    break;
                issuedAt.append(nextUse);
            }
            const int generation = int(issuedAt.size()) - 1;
            const qint64 lastIssued = issuedAt.last();
            const qint64 idleExpires = qMin(lastIssued + policy.refreshIdleTtlMs, familyExpires);
            const qint64 strike = qMin(now - policy.minute, lastIssued + policy.minute * (5 + random.bounded(600)));
            QVariant revokedAt = nullInt;
            QVariant revokeReason = nullText;
            QVariant revokedBy = nullText;
            // A replay needs an already used token, so a family still at generation 0 cannot have had one.
            if (fate < 12 && strike > lastIssued && (fate >= 5 || generation > 0)) {
                revokedAt = strike;
                if (fate < 5) {
                    // A stolen earlier token is replayed: the family dies, its live token with it.
                    revokeReason = QString::fromLatin1(revoke_reason::replay);
                    revokedBy = QStringLiteral("replay detection");
                    // Most are a thief's copy; some a client of the user's own retrying late (fate 0).
                    const bool ownRetry = fate == 0;
                    const int presented = ownRetry ? generation - 1 : random.bounded(generation);
                    const qint64 at = ownRetry
                        ? qMin(now - policy.minute, lastIssued + policy.second * (15 + random.bounded(100)))
                        : strike;
                    revokedAt = at;
                    ReplayEvidence evidence;
                    evidence.ip = ownRetry ? homeIp : randomIp(random);
                    evidence.userAgent = ownRetry ? userAgent : QStringLiteral("python-requests/2.31.0");
                    evidence.deviceKey = ownRetry ? QStringLiteral("dev-%1").arg(device) : QStringLiteral("dev-stolen");
                    evidence.originalIp = homeIp;
                    evidence.originalUserAgent = userAgent;
                    evidence.sessionDeviceKey = QStringLiteral("dev-%1").arg(device);
                    evidence.sinceFirstUseMs = at - issuedAt.at(presented + 1);
                    if (!addEvent(event_kind::replayDetected, at, userId, familyId, device, presented, generation,
                                  evidence.ip, evidence.userAgent, evidence.deviceKey, homeIp, userAgent, QString(),
                                  classifyReplay(evidence)))
                        return fail();
                } else if (fate < 8) {
                    revokeReason = QString::fromLatin1(revoke_reason::admin);
                    revokedBy = admin.name;
                    const QString reason = QStringLiteral("lost device reported by the user");
                    if (!addEvent(event_kind::familyRevoked, strike, userId, familyId, device, QVariant(), generation,
                                  QString(), QString(), QString(), QString(), QString(),
                                  QStringLiteral("revoked by admin (console.demo): ") + reason)
                        || !addAudit(strike, QStringLiteral("revoke-family"), QStringLiteral("family:%1").arg(familyId),
                                     reason))
                        return fail();
                } else {
                    revokeReason = QString::fromLatin1(revoke_reason::logout);
                    revokedBy = QStringLiteral("client");
                    if (!addEvent(event_kind::logout, strike, userId, familyId, device, generation, generation, homeIp,
                                  userAgent, QStringLiteral("dev-%1").arg(device), QString(), QString(),
                                  QStringLiteral("signed out by the client")))
                        return fail();
                }
            }
            for (int g = 0; g <= generation; ++g) {
                ++tokenId;
                const bool last = g == generation;
                const qint64 expires = qMin(issuedAt.at(g) + policy.refreshIdleTtlMs, familyExpires);
                tokens.add({tokenId, familyId, g == 0 ? nullInt : QVariant(tokenId - 1), g, hashes.mid(32 * g, 32),
                            issuedAt.at(g), expires, last ? nullInt : QVariant(issuedAt.at(g + 1)),
                            last ? revokedAt : nullInt, homeIp, userAgent});
                ++counts.tokens;
            }
            if (generation > 0 && random.bounded(100) < 3) {
                if (!addEvent(event_kind::graceRetry, lastIssued + 2000, userId, familyId, device, generation - 1,
                              generation, homeIp, userAgent, QStringLiteral("dev-%1").arg(device), homeIp, userAgent,
                              QString()))
                    return fail();
            }
            families.add({familyId, userId, device, created, familyExpires, idleExpires, lastIssued, generation,
                          revokedAt, revokeReason, revokedBy});
            ++counts.families;
        }
        // Parents before children, so every foreign key holds at each write.
        if ((n % 500 == 499 || n + 1 == total)
            && (!users.flush(error) || !devices.flush(error) || !families.flush(error) || !tokens.flush(error)
                || !events.flush(error) || !audit.flush(error)))
            return fail();
        if (progress && (n % 1000 == 999 || n + 1 == total) && !progress(n + 1, total)) {
            *error = tr("seeding was cancelled; nothing was written");
            return fail();
        }
    }
    // Rows were written with explicit ids: move PostgreSQL's sequences past them, or the next sign-in collides.
    if (m_db.isPostgres()) {
        for (const char *table : {"users", "devices", "token_families", "refresh_tokens"}) {
            if (!m_db.exec(QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), "
                                          "(SELECT coalesce(max(id), 0) + 1 FROM %1), false)")
                               .arg(QLatin1String(table)),
                           error))
                return fail();
        }
    }
    if (!m_db.commit(error))
        return fail();
    if (stats)
        *stats = counts;
    return true;
}

} // namespace rotor
