#include "RefreshVariants.h"

#include "Clock.h"
#include "Crypto.h"
#include "Database.h"
#include "Jwt.h"
#include "RefreshToken.h"
#include "RotationService.h"
#include "RotationSql.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace bench {

namespace {

// The floors run Rotor's own SQL text (core/RotationSql.h), so they measure the same work.
using rotor::sql::claimToken;
using rotor::sql::insertToken;
using rotor::sql::presentedState;
using rotor::sql::rotatePostgres;
using rotor::sql::tokenExists;
using rotor::sql::touchDevice;
using rotor::sql::touchFamily;

std::int64_t wallClockMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ---------------------------------------------------------------------------------------------------------------
// rotor: the library itself.

class RotorVariant : public Variant
{
public:
    RotorVariant(const rotor::ConnectionSpec &spec, const rotor::Keys &keys, const rotor::Policy &policy,
                 const Client &client, const QString &name = QStringLiteral("rotor"))
        : Variant(name)
        , m_db(spec)
        , m_service(m_db, keys, m_clock, policy)
    {
        m_device.deviceKey = QStringLiteral("bench-device");
        m_device.ip = QString::fromLatin1(client.ip);
        m_device.userAgent = QString::fromLatin1(client.userAgent);
    }

    bool start(QString *error) override { return m_db.open(rotor::Database::OpenMode::OpenExisting, error); }

    bool rotate(QByteArray *token, QString *error) override
    {
        rotor::RefreshResult result = m_service.refresh(*token, m_device);
        if (!result.ok() || result.outcome != rotor::Outcome::Rotate) {
            *error = QStringLiteral("rotor: refresh gave %1: %2")
                         .arg(QString::fromLatin1(rotor::outcomeName(result.outcome)), result.error);
            return false;
        }
        *token = std::move(result.tokens.refreshToken);
        return true;
    }

    QString method() const override
    {
        return m_db.isPostgres()
            ? QStringLiteral("RotationService::refresh: one statement (libpq, prepared once per connection)")
            : QStringLiteral("RotationService::refresh: a read, then BEGIN IMMEDIATE + 5 statements + COMMIT "
                             "(sqlite3 C API on the QSQLITE connection's handle), the transaction shared by the "
                             "callers waiting in the process");
    }

private:
    rotor::SystemClock m_clock;
    rotor::Database m_db;
    rotor::RotationService m_service;
    rotor::DeviceInfo m_device;
};

// ---------------------------------------------------------------------------------------------------------------
// Rotor's rotations while another connection, on a thread of its own, presents random well-formed tokens without
// pause from four addresses: an unknown-token flood. What the flood costs the real rotations is the difference to the
// plain rotor variant; the events table must grow by one row per address and minute, not by the flood.
class FloodedRotor final : public RotorVariant
{
public:
    FloodedRotor(const rotor::ConnectionSpec &spec, const rotor::Keys &keys, const rotor::Policy &policy,
                 const Client &client)
        : RotorVariant(spec, keys, policy, client, QStringLiteral("flood"))
        , m_spec(spec)
        , m_keys(keys)
        , m_policy(policy)
    { }

    ~FloodedRotor() override
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }

    bool start(QString *error) override
    {
        if (!RotorVariant::start(error))
            return false;
        m_thread = std::thread([this] { flood(); });
        return true;
    }

    void beginRun() override { m_active = true; }
    void endRun() override { m_active = false; }

    QString method() const override
    {
        return RotorVariant::method() + QStringLiteral(", beside a flood of unknown tokens on another connection");
    }

    QJsonObject extra() const override
    {
        return {{QStringLiteral("unknown_presented"), qint64(m_presented.load())},
                {QStringLiteral("unknown_failed"), qint64(m_failed.load())}};
    }

private:
    void flood()
    {
        rotor::Database db(m_spec);
        QString error;
        if (!db.open(rotor::Database::OpenMode::OpenExisting, &error)) {
            std::fprintf(stderr, "flood: %s\n", qPrintable(error));
            return;
        }
        rotor::SystemClock clock;
        rotor::RotationService service(db, m_keys, clock, m_policy);
        const QString addresses[] = {QStringLiteral("198.18.0.1"), QStringLiteral("198.18.0.2"),
                                     QStringLiteral("198.18.0.3"), QStringLiteral("198.18.0.4")};
        for (quint64 n = 0; !m_stop; ++n) {
            if (!m_active) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                continue;
            }
            const rotor::RefreshResult result
                = service.refresh(rotor::refresh_token::generate(),
                                  {QStringLiteral("flood"), QString(), addresses[n % 4], QStringLiteral("Flood/1")});
            if (result.storageFailed || result.outcome != rotor::Outcome::Unknown)
                ++m_failed;
            else
                ++m_presented;
        }
    }

    rotor::ConnectionSpec m_spec;
    rotor::Keys m_keys;
    rotor::Policy m_policy;
    std::thread m_thread;
    std::atomic<bool> m_stop {false};
    std::atomic<bool> m_active {false};
    std::atomic<quint64> m_presented {0};
    std::atomic<quint64> m_failed {0};
};

// floor on SQLite: sqlite3_prepare_v2 once, bind/step/reset per refresh, in one BEGIN IMMEDIATE transaction.

class SqliteStatement
{
public:
    SqliteStatement() = default;
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;
    ~SqliteStatement() { finalize(); }
    void finalize()
    {
        sqlite3_finalize(m_statement);
        m_statement = nullptr;
    }

    bool prepare(sqlite3 *db, const char *sql, QString *error)
    {
        if (sqlite3_prepare_v2(db, sql, -1, &m_statement, nullptr) != SQLITE_OK) {
            *error = QStringLiteral("sqlite3_prepare_v2: %1").arg(QString::fromUtf8(sqlite3_errmsg(db)));
            return false;
        }
        return true;
    }
    // Named parameters are looked up once, at preparation; the hot path binds by index.
    int index(const char *name) const { return sqlite3_bind_parameter_index(m_statement, name); }
    sqlite3_stmt *get() const { return m_statement; }

private:
    sqlite3_stmt *m_statement = nullptr;
};

class SqliteFloor final : public Variant
{
public:
    SqliteFloor(const QString &path, const floor::Keys &keys, const rotor::Policy &policy, const Client &client)
        : Variant(QStringLiteral("floor"))
        , m_path(path.toStdString())
        , m_keys(keys)
        , m_policy(policy)
        , m_ip(client.ip.toStdString())
        , m_userAgent(client.userAgent.toStdString())
    { }

    ~SqliteFloor() override
    {
        // Statements first: sqlite3_close refuses while any is alive.
        for (SqliteStatement *statement : {&m_begin, &m_commit, &m_rollback, &m_exists, &m_state, &m_claim, &m_insert,
                                           &m_touchFamily, &m_touchDevice})
            statement->finalize();
        sqlite3_close(m_db);
    }

    bool start(QString *error) override
    {
        if (sqlite3_open_v2(m_path.c_str(), &m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            *error = QStringLiteral("sqlite3_open_v2: %1").arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
            return false;
        }
        sqlite3_busy_timeout(m_db, 10000);
        // The connection settings Rotor's Database applies (WAL is a property of the file, set at creation).
        if (sqlite3_exec(m_db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL",
                         nullptr, nullptr, nullptr)
            != SQLITE_OK) {
            *error = QStringLiteral("pragmas: %1").arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
            return false;
        }
        const std::pair<SqliteStatement *, const char *> statements[]
            = {{&m_begin, "BEGIN IMMEDIATE"}, {&m_commit, "COMMIT"},         {&m_rollback, "ROLLBACK"},
               {&m_exists, tokenExists},      {&m_state, presentedState},    {&m_claim, claimToken},
               {&m_insert, insertToken},      {&m_touchFamily, touchFamily}, {&m_touchDevice, touchDevice}};
        for (const auto &[statement, sql] : statements) {
            if (!statement->prepare(m_db, sql, error))
                return false;
        }
        m_claimNow = m_claim.index(":now");
        m_claimId = m_claim.index(":id");
        m_claimClaim = m_claim.index(":claim");
        m_insertFamily = m_insert.index(":family");
        m_insertParent = m_insert.index(":parent");
        m_insertGeneration = m_insert.index(":generation");
        m_insertHash = m_insert.index(":hash");
        m_insertNow = m_insert.index(":now");
        m_insertExpires = m_insert.index(":expires");
        m_insertIp = m_insert.index(":ip");
        m_insertUa = m_insert.index(":ua");
        m_familyGeneration = m_touchFamily.index(":generation");
        m_familyNow = m_touchFamily.index(":now");
        m_familyExpires = m_touchFamily.index(":expires");
        m_familyId = m_touchFamily.index(":family");
        m_deviceNow = m_touchDevice.index(":now");
        m_deviceIp = m_touchDevice.index(":ip");
        m_deviceId = m_touchDevice.index(":device");
        return true;
    }

    bool rotate(QByteArray *token, QString *error) override
    {
        if (!floor::prepareRotation(std::string_view(token->constData(), size_t(token->size())), m_keys, &m_rotation))
            return fail(error, "malformed token");
        // Rotor's read before the writer lock: is the token known at all?
        sqlite3_stmt *exists = m_exists.get();
        sqlite3_bind_blob(exists, 1, m_rotation.hash, 32, SQLITE_STATIC);
        const bool known = sqlite3_step(exists) == SQLITE_ROW;
        sqlite3_reset(exists);
        if (!known)
            return fail(error, "the token was not found");
        if (!stepDone(m_begin.get()))
            return fail(error, "BEGIN IMMEDIATE");
        const std::int64_t now = wallClockMs();

        sqlite3_stmt *state = m_state.get();
        sqlite3_bind_blob(state, 1, m_rotation.hash, 32, SQLITE_STATIC);
        if (sqlite3_step(state) != SQLITE_ROW) {
            sqlite3_reset(state);
            return rollback(error, "the token was not found");
        }
        const std::int64_t tokenId = sqlite3_column_int64(state, 0);
        const std::int64_t familyId = sqlite3_column_int64(state, 1);
        const int generation = sqlite3_column_int(state, 2);
        const std::int64_t expiresAt = sqlite3_column_int64(state, 3);
        const bool used = sqlite3_column_type(state, 4) != SQLITE_NULL;
        const bool revoked = sqlite3_column_type(state, 5) != SQLITE_NULL;
        const std::int64_t userId = sqlite3_column_int64(state, 6);
        const std::int64_t deviceId = sqlite3_column_int64(state, 7);
        const std::int64_t familyExpiresAt = std::min<std::int64_t>(
            sqlite3_column_int64(state, 8), sqlite3_column_int64(state, 21) + m_policy.familyLifetimeMs);
        const bool familyRevoked = sqlite3_column_type(state, 9) != SQLITE_NULL;
        const bool userActive = sqlite3_column_int(state, 11) != 0;
        const std::int64_t tokenVersion = sqlite3_column_int64(state, 12);
        if (sqlite3_column_type(state, 13) != SQLITE_NULL) {
            // Rotor reads the successor for the grace decision; so does the floor (a plain rotation has none).
            (void)sqlite3_column_blob(state, 14);
            (void)sqlite3_column_int64(state, 17);
            (void)sqlite3_column_text(state, 18);
            (void)sqlite3_column_text(state, 19);
        }
        sqlite3_reset(state);
        // decide()'s Rotate branch; anything else is not what this benchmark measures.
        if (familyRevoked || !userActive || now >= familyExpiresAt || used || revoked || now >= expiresAt)
            return rollback(error, "the token is not rotatable");

        sqlite3_stmt *claim = m_claim.get();
        sqlite3_bind_int64(claim, m_claimNow, now);
        sqlite3_bind_int64(claim, m_claimId, tokenId);
        sqlite3_bind_blob(claim, m_claimClaim, m_rotation.claimId, sizeof m_rotation.claimId, SQLITE_STATIC);
        if (!stepDone(claim) || sqlite3_changes(m_db) != 1)
            return rollback(error, "claim");

        const int successorGeneration = generation + 1;
        const std::int64_t successorExpires = std::min<std::int64_t>(now + m_policy.refreshIdleTtlMs, familyExpiresAt);
        sqlite3_stmt *insert = m_insert.get();
        sqlite3_bind_int64(insert, m_insertFamily, familyId);
        sqlite3_bind_int64(insert, m_insertParent, tokenId);
        sqlite3_bind_int(insert, m_insertGeneration, successorGeneration);
        sqlite3_bind_blob(insert, m_insertHash, m_rotation.successorHash, 32, SQLITE_STATIC);
        sqlite3_bind_int64(insert, m_insertNow, now);
        sqlite3_bind_int64(insert, m_insertExpires, successorExpires);
        sqlite3_bind_text(insert, m_insertIp, m_ip.data(), int(m_ip.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert, m_insertUa, m_userAgent.data(), int(m_userAgent.size()), SQLITE_STATIC);
        if (!stepDone(insert))
            return rollback(error, "insert successor");

        sqlite3_stmt *family = m_touchFamily.get();
        sqlite3_bind_int(family, m_familyGeneration, successorGeneration);
        sqlite3_bind_int64(family, m_familyNow, now);
        sqlite3_bind_int64(family, m_familyExpires, successorExpires);
        sqlite3_bind_int64(family, m_familyId, familyId);
        if (!stepDone(family))
            return rollback(error, "touch family");

        sqlite3_stmt *device = m_touchDevice.get();
        sqlite3_bind_int64(device, m_deviceNow, now);
        sqlite3_bind_text(device, m_deviceIp, m_ip.data(), int(m_ip.size()), SQLITE_STATIC);
        sqlite3_bind_int64(device, m_deviceId, deviceId);
        if (!stepDone(device))
            return rollback(error, "touch device");

        if (!stepDone(m_commit.get()))
            return rollback(error, "COMMIT");
        m_accessToken = floor::signAccessToken(userId, familyId, tokenVersion, now, m_policy.accessTtlMs, m_keys);
        *token = QByteArray(m_rotation.successor.data(), qsizetype(m_rotation.successor.size()));
        return true;
    }

    QString method() const override
    {
        return QStringLiteral("sqlite3 C API: BEGIN IMMEDIATE + the same 5 statements + COMMIT, prepared once");
    }

private:
    bool stepDone(sqlite3_stmt *statement)
    {
        const int rc = sqlite3_step(statement);
        sqlite3_reset(statement);
        return rc == SQLITE_DONE;
    }

    bool fail(QString *error, const char *what)
    {
        *error
            = QStringLiteral("floor: %1: %2").arg(QString::fromLatin1(what), QString::fromUtf8(sqlite3_errmsg(m_db)));
        return false;
    }

    bool rollback(QString *error, const char *what)
    {
        fail(error, what);
        stepDone(m_rollback.get());
        return false;
    }

    std::string m_path;
    floor::Keys m_keys;
    rotor::Policy m_policy;
    std::string m_ip;
    std::string m_userAgent;
    sqlite3 *m_db = nullptr;
    SqliteStatement m_begin, m_commit, m_rollback, m_exists, m_state, m_claim, m_insert, m_touchFamily, m_touchDevice;
    int m_claimNow = 0, m_claimId = 0, m_claimClaim = 0;
    int m_insertFamily = 0, m_insertParent = 0, m_insertGeneration = 0, m_insertHash = 0, m_insertNow = 0,
        m_insertExpires = 0, m_insertIp = 0, m_insertUa = 0;
    int m_familyGeneration = 0, m_familyNow = 0, m_familyExpires = 0, m_familyId = 0;
    int m_deviceNow = 0, m_deviceIp = 0, m_deviceId = 0;
    floor::Rotation m_rotation;
    std::string m_accessToken;
};

// ---------------------------------------------------------------------------------------------------------------
// floor on PostgreSQL: PQprepare once, then PQexecPrepared of Rotor's single statement with the same parameters.

// Rotor's :name placeholders as libpq's $n, the same name always the same number.
class PostgresFloor final : public Variant
{
public:
    PostgresFloor(const QString &uri, const floor::Keys &keys, const rotor::Policy &policy, const Client &client)
        : Variant(QStringLiteral("floor"))
        , m_uri(uri.toStdString())
        , m_keys(keys)
        , m_policy(policy)
        , m_ip(client.ip.toStdString())
        , m_userAgent(client.userAgent.toStdString())
    { }

    ~PostgresFloor() override { PQfinish(m_conn); }

    bool start(QString *error) override
    {
        m_conn = PQconnectdb(m_uri.c_str());
        if (PQstatus(m_conn) != CONNECTION_OK)
            return fail(error, "connect");
        PGresult *result = PQexec(m_conn, "SET client_min_messages = warning");
        PQclear(result);
        std::vector<std::string> names;
        const std::string sql = rotor::sql::positional(rotatePostgres, &names);
        const std::vector<std::string> expected {"lifetime", "hash", "now", "claim", "successor", "idle", "ip", "ua"};
        if (names != expected) {
            *error = QStringLiteral("floor: unexpected parameters in the rotation statement");
            return false;
        }
        result = PQprepare(m_conn, "rotor_rotate", sql.c_str(), int(names.size()), nullptr);
        const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
        return ok || fail(error, "PQprepare");
    }

    bool rotate(QByteArray *token, QString *error) override
    {
        if (!floor::prepareRotation(std::string_view(token->constData(), size_t(token->size())), m_keys, &m_rotation)) {
            *error = QStringLiteral("floor: malformed token");
            return false;
        }
        const std::int64_t now = wallClockMs();
        char nowText[24], idleText[24], lifetimeText[24];
        std::snprintf(nowText, sizeof nowText, "%" PRId64, now);
        std::snprintf(idleText, sizeof idleText, "%" PRId64, std::int64_t(m_policy.refreshIdleTtlMs));
        std::snprintf(lifetimeText, sizeof lifetimeText, "%" PRId64, std::int64_t(m_policy.familyLifetimeMs));
        const char *values[8] = {lifetimeText,
                                 reinterpret_cast<const char *>(m_rotation.hash),
                                 nowText,
                                 reinterpret_cast<const char *>(m_rotation.claimId),
                                 reinterpret_cast<const char *>(m_rotation.successorHash),
                                 idleText,
                                 m_ip.c_str(),
                                 m_userAgent.c_str()};
        const int lengths[8] = {0, 32, 0, 16, 32, 0, 0, 0};
        const int formats[8] = {0, 1, 0, 1, 1, 0, 0, 0}; // the hashes and the claim id travel as binary bytea
        PGresult *result = PQexecPrepared(m_conn, "rotor_rotate", 8, values, lengths, formats, 0);
        if (PQresultStatus(result) != PGRES_TUPLES_OK || PQntuples(result) != 1) {
            const bool tuples = PQresultStatus(result) == PGRES_TUPLES_OK;
            PQclear(result);
            if (tuples) {
                *error = QStringLiteral("floor: the token was not rotated");
                return false;
            }
            return fail(error, "PQexecPrepared");
        }
        const std::int64_t userId = std::strtoll(PQgetvalue(result, 0, 0), nullptr, 10);
        const std::int64_t familyId = std::strtoll(PQgetvalue(result, 0, 1), nullptr, 10);
        const std::int64_t tokenVersion = std::strtoll(PQgetvalue(result, 0, 2), nullptr, 10);
        PQclear(result);
        m_accessToken = floor::signAccessToken(userId, familyId, tokenVersion, now, m_policy.accessTtlMs, m_keys);
        *token = QByteArray(m_rotation.successor.data(), qsizetype(m_rotation.successor.size()));
        return true;
    }

    QString method() const override
    {
        return QStringLiteral("libpq: PQexecPrepared of the same single statement, prepared once");
    }

private:
    bool fail(QString *error, const char *what)
    {
        *error = QStringLiteral("floor: %1: %2")
                     .arg(QString::fromLatin1(what), QString::fromUtf8(PQerrorMessage(m_conn)).trimmed());
        return false;
    }

    std::string m_uri;
    floor::Keys m_keys;
    rotor::Policy m_policy;
    std::string m_ip;
    std::string m_userAgent;
    PGconn *m_conn = nullptr;
    floor::Rotation m_rotation;
    std::string m_accessToken;
};

// ---------------------------------------------------------------------------------------------------------------
// naive: the shape of the code Rotor replaces (/work/shared/seed/refresh_tokens_seed.md): every repository call is
// its own query, prepared anew and thrown away, each in its own implicit transaction; a fresh random token.

class NaiveVariant final : public Variant
{
public:
    NaiveVariant(const rotor::ConnectionSpec &spec, const rotor::Keys &keys, const rotor::Policy &policy,
                 const Client &client)
        : Variant(QStringLiteral("naive"))
        , m_db(spec)
        , m_keys(keys)
        , m_policy(policy)
        , m_ip(QString::fromLatin1(client.ip))
        , m_userAgent(QString::fromLatin1(client.userAgent))
    { }

    bool start(QString *error) override { return m_db.open(rotor::Database::OpenMode::OpenExisting, error); }

    bool rotate(QByteArray *token, QString *error) override
    {
        const QByteArray hash = rotor::refresh_token::hashOf(*token);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // RefreshTokenRepository.get_by_hash
        QVariantList row = fetchOne(QStringLiteral("SELECT id, family_id, generation, expires_at, used_at, revoked_at "
                                                   "FROM refresh_tokens WHERE token_hash = ?"),
                                    {hash}, error);
        if (row.isEmpty())
            return false;
        const qint64 tokenId = row[0].toLongLong();
        const qint64 familyId = row[1].toLongLong();
        const int generation = row[2].toInt();
        if (!row[4].isNull() || !row[5].isNull() || now >= row[3].toLongLong())
            return refuse(error, "the token is used, revoked or expired");
        // The token's family, for its user (an ORM's lazy relationship load)
        row = fetchOne(QStringLiteral("SELECT id, user_id, device_id, expires_at, revoked_at FROM token_families "
                                      "WHERE id = ?"),
                       {familyId}, error);
        if (row.isEmpty())
            return false;
        const qint64 userId = row[1].toLongLong();
        const qint64 familyExpires = row[3].toLongLong();
        if (!row[4].isNull() || now >= familyExpires)
            return refuse(error, "the family is revoked or expired");
        // UserRepository.get_by_id
        row = fetchOne(QStringLiteral("SELECT id, email, active, token_version FROM users WHERE id = ?"), {userId},
                       error);
        if (row.isEmpty())
            return false;
        if (!row[2].toBool())
            return refuse(error, "the user is inactive");
        const qint64 tokenVersion = row[3].toLongLong();
        // RefreshTokenRepository.revoke_token
        if (!execute(QStringLiteral("UPDATE refresh_tokens SET used_at = ? WHERE id = ?"), {now, tokenId}, error))
            return false;
        // create_access_token, create_refresh_token
        rotor::AccessClaims claims;
        claims.subject = QString::number(userId);
        claims.sessionId = QString::number(familyId);
        claims.version = tokenVersion;
        claims.issuedAt = now / 1000;
        claims.expiresAt = (now + m_policy.accessTtlMs) / 1000;
        claims.jwtId = QString::fromLatin1(rotor::crypto::toBase64Url(rotor::crypto::randomBytes(16)));
        m_accessToken = rotor::jwt::signHs256(claims, m_keys.accessKey());
        QByteArray fresh = rotor::refresh_token::generate();
        // RefreshTokenRepository.create_token
        if (!execute(QStringLiteral("INSERT INTO refresh_tokens (family_id, parent_id, generation, token_hash, "
                                    "issued_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                     {familyId, tokenId, generation + 1, rotor::refresh_token::hashOf(fresh), now,
                      qMin(now + m_policy.refreshIdleTtlMs, familyExpires), m_ip, m_userAgent},
                     error))
            return false;
        *token = std::move(fresh);
        return true;
    }

    QString method() const override
    {
        // Qt's PostgreSQL driver prepares with PREPARE, runs with EXECUTE and drops with DEALLOCATE: three round trips
        // for each query that is prepared anew.
        return m_db.isPostgres()
            ? QStringLiteral("Qt SQL, ORM style: 3 SELECT + UPDATE + INSERT, each prepared anew (PREPARE, EXECUTE, "
                             "DEALLOCATE: 15 round trips), autocommit")
            : QStringLiteral("Qt SQL, ORM style: 3 SELECT + UPDATE + INSERT, each prepared anew, autocommit (2 write "
                             "transactions)");
    }

private:
    bool refuse(QString *error, const char *why)
    {
        *error = QStringLiteral("naive: %1").arg(QString::fromLatin1(why));
        return false;
    }

    bool execute(const QString &sql, const QVariantList &values, QString *error, QVariantList *firstRow = nullptr)
    {
        QSqlQuery query(m_db.handle());
        query.prepare(sql);
        for (const QVariant &value : values)
            query.addBindValue(value);
        if (!query.exec()) {
            *error = QStringLiteral("naive: %1").arg(query.lastError().text());
            return false;
        }
        if (firstRow) {
            if (!query.next())
                return refuse(error, "no such row");
            for (int i = 0; i < query.record().count(); ++i)
                firstRow->append(query.value(i));
        }
        return true;
    }

    QVariantList fetchOne(const QString &sql, const QVariantList &values, QString *error)
    {
        QVariantList row;
        if (!execute(sql, values, error, &row))
            row.clear();
        return row;
    }

    rotor::Database m_db;
    const rotor::Keys &m_keys;
    rotor::Policy m_policy;
    QString m_ip;
    QString m_userAgent;
    QByteArray m_accessToken;
};

} // namespace

std::unique_ptr<Variant> makeRotor(const rotor::ConnectionSpec &spec, const rotor::Keys &keys,
                                   const rotor::Policy &policy, const Client &client)
{
    return std::make_unique<RotorVariant>(spec, keys, policy, client);
}

std::unique_ptr<Variant> makeFlooded(const rotor::ConnectionSpec &spec, const rotor::Keys &keys,
                                     const rotor::Policy &policy, const Client &client)
{
    return std::make_unique<FloodedRotor>(spec, keys, policy, client);
}

std::unique_ptr<Variant> makeSqliteFloor(const QString &path, const floor::Keys &keys, const rotor::Policy &policy,
                                         const Client &client)
{
    return std::make_unique<SqliteFloor>(path, keys, policy, client);
}

std::unique_ptr<Variant> makePostgresFloor(const QString &uri, const floor::Keys &keys, const rotor::Policy &policy,
                                           const Client &client)
{
    return std::make_unique<PostgresFloor>(uri, keys, policy, client);
}

std::unique_ptr<Variant> makeNaive(const rotor::ConnectionSpec &spec, const rotor::Keys &keys,
                                   const rotor::Policy &policy, const Client &client)
{
    return std::make_unique<NaiveVariant>(spec, keys, policy, client);
}

} // namespace bench
