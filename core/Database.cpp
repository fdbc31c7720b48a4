#include "Database.h"

#include "RotationSql.h"
#include "Verdict.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSqlDriver>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QThread>
#include <QUrl>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace rotor {

namespace {

// 'ROTR' as SQLite's PRAGMA application_id: how a Rotor file is told apart from any other SQLite file.
constexpr int applicationId = 0x524F5452;
// Serializes migrations of several servers starting at once on one PostgreSQL database.
constexpr qint64 migrationLockKey = 0x524F544F52;
// SQLite's transaction statements, prepared once per connection like the hot path's statements rather than on every
// transaction (PostgreSQL cannot PREPARE them, so there they stay ad hoc).
const char beginImmediateSql[] = "BEGIN IMMEDIATE";
const char commitSql[] = "COMMIT";
const char rollbackSql[] = "ROLLBACK";
// Each piece of a shared transaction inside its own savepoint, so that a failed piece undoes its own writes only.
const char savepointSql[] = "SAVEPOINT rotor_piece";
const char releaseSql[] = "RELEASE rotor_piece";
const char rollbackToSql[] = "ROLLBACK TO rotor_piece";
// SQLSTATE "sqlclient_unable_to_establish_sqlconnection": set on the error of a reconnect that just failed.
constexpr char reconnectFailedCode[] = "08001";

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::Database", text);
}

// How many shared transactions in a row one caller runs before it returns to its own business (writeShared()).
constexpr int leadRounds = 4;
// As long as SQLite's busy timeout (QSQLITE_BUSY_TIMEOUT below).
constexpr std::chrono::milliseconds writeLockTimeout {10000};

QString nextConnectionName()
{
    static std::atomic<int> counter {0};
    return QStringLiteral("rotor-%1").arg(++counter);
}

struct Migration
{
    int version = 0;
    QString path;
};

QList<Migration> migrationsFor(Backend backend)
{
    const QString folder
        = backend == Backend::Sqlite ? QStringLiteral(":/rotor/sql/sqlite") : QStringLiteral(":/rotor/sql/postgres");
    QList<Migration> list;
    const QStringList files = QDir(folder).entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name);
    for (const QString &file : files)
        list.append({file.left(3).toInt(), folder + QLatin1Char('/') + file});
    return list;
}

// Statements of a migration file: comment lines dropped, split at a ';' that ends a line.
QStringList statementsOf(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QCoreApplication::translate("rotor::Database", "cannot read migration %1").arg(path);
        return {};
    }
    QString text;
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        if (!line.trimmed().startsWith(QLatin1String("--")))
            text += line + QLatin1Char('\n');
    }
    QStringList statements;
    for (const QString &part : text.split(QLatin1String(";\n"))) {
        if (!part.trimmed().isEmpty())
            statements.append(part.trimmed());
    }
    return statements;
}

// Version 5 gave replays a verdict; the replays recorded before it get theirs from the same rule, judged on the
// evidence the event kept (the time since the first use comes from the token, while retention has not purged it).
bool backfillReplayVerdicts(QSqlDatabase &db, QSqlError *failure)
{
    QSqlQuery select(db);
    select.setForwardOnly(true);
    if (!select.exec(QStringLiteral(
            "SELECT e.id, e.ip, e.user_agent, e.device_key, e.original_ip, e.original_user_agent, d.device_key, "
            "e.occurred_at - t.used_at FROM security_events e LEFT JOIN devices d ON d.id = e.device_id "
            "LEFT JOIN refresh_tokens t ON t.family_id = e.family_id AND t.generation = e.presented_generation "
            "WHERE e.kind = 'replay_detected' AND e.verdict IS NULL"))) {
        *failure = select.lastError();
        return false;
    }
    struct Judged
    {
        qint64 id;
        VerdictResult result;
    };
    QList<Judged> judged;
    while (select.next()) {
        ReplayEvidence evidence;
        evidence.ip = select.value(1).toString();
        evidence.userAgent = select.value(2).toString();
        evidence.deviceKey = select.value(3).toString();
        evidence.originalIp = select.value(4).toString();
        evidence.originalUserAgent = select.value(5).toString();
        evidence.sessionDeviceKey = select.value(6).toString();
        if (!select.value(7).isNull())
            evidence.sinceFirstUseMs = select.value(7).toLongLong();
        judged.append({select.value(0).toLongLong(), classifyReplay(evidence)});
    }
    if (select.lastError().isValid()) {
        *failure = select.lastError();
        return false;
    }
    select.finish();
    QSqlQuery update(db);
    if (!update.prepare(QStringLiteral("UPDATE security_events SET verdict = :verdict, verdict_rule = :rule, "
                                       "verdict_reason = :reason WHERE id = :id"))) {
        *failure = update.lastError();
        return false;
    }
    for (const Judged &event : judged) {
        update.bindValue(QStringLiteral(":verdict"), QString::fromLatin1(verdictName(event.result.verdict)));
        update.bindValue(QStringLiteral(":rule"), replayVerdictRule);
        update.bindValue(QStringLiteral(":reason"), event.result.reason);
        update.bindValue(QStringLiteral(":id"), event.id);
        if (!update.exec()) {
            *failure = update.lastError();
            return false;
        }
    }
    return true;
}

bool looksLikeSqliteFile(const QString &path, bool *empty)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QByteArray header = file.read(16);
    *empty = header.isEmpty();
    return header.isEmpty() || header == QByteArrayView("SQLite format 3\0", 16);
}

// A lock granted in the order it was asked for: released, it passes straight to the thread that has waited longest,
// which is woken for it. A thread that releases it and asks again at once (a flood of unknown tokens recorded one after
// the other) queues behind the others instead of taking it back before they wake; nobody sleeps longer than the work
// queued ahead of it.
class TurnLock
{
public:
    bool lockFor(std::chrono::milliseconds timeout)
    {
        std::unique_lock<std::mutex> held(m_mutex);
        if (!m_taken && m_waiting.empty()) {
            m_taken = true;
            return true;
        }
        Waiter me;
        m_waiting.push_back(&me);
        if (me.wake.wait_for(held, timeout, [&me]() { return me.granted; }))
            return true;
        m_waiting.erase(std::find(m_waiting.begin(), m_waiting.end(), &me));
        return false;
    }

    void unlock()
    {
        const std::lock_guard<std::mutex> held(m_mutex);
        if (m_waiting.empty()) {
            m_taken = false;
            return;
        }
        Waiter *next = m_waiting.front();
        m_waiting.pop_front();
        next->granted = true; // it stays taken: handed over, not released
        next->wake.notify_one(); // under the mutex: the waiter (on its own stack) cannot have gone yet
    }

private:
    struct Waiter
    {
        std::condition_variable wake;
        bool granted = false;
    };
    std::mutex m_mutex;
    std::deque<Waiter *> m_waiting;
    bool m_taken = false;
};

// Holds a TurnLock for a scope.
class Turn
{
public:
    Turn(TurnLock &lock, std::chrono::milliseconds timeout)
        : m_lock(lock)
        , m_held(lock.lockFor(timeout))
    { }
    ~Turn()
    {
        if (m_held)
            m_lock.unlock();
    }
    Turn(const Turn &) = delete;
    Turn &operator=(const Turn &) = delete;
    bool held() const { return m_held; }

private:
    TurnLock &m_lock;
    bool m_held;
};

} // namespace

StatementInterrupter::~StatementInterrupter()
{
    disarm();
}

void StatementInterrupter::arm(const QVariant &driverHandle)
{
    const std::lock_guard<std::mutex> held(m_mutex);
    if (m_pgCancel) {
        PQfreeCancel(m_pgCancel);
        m_pgCancel = nullptr;
    }
    m_sqlite = nullptr;
    if (!driverHandle.isValid())
        return;
    const char *type = driverHandle.typeName();
    if (qstrcmp(type, "sqlite3*") == 0) {
        m_sqlite = *static_cast<sqlite3 *const *>(driverHandle.constData());
    } else if (qstrcmp(type, "pg_conn*") == 0 || qstrcmp(type, "PGconn*") == 0) {
        // PQgetCancel reads the connection, so it runs here, on the connection's own thread; PQcancel with its result
        // is what may run on another.
        if (PGconn *conn = *static_cast<PGconn *const *>(driverHandle.constData()))
            m_pgCancel = PQgetCancel(conn);
    }
}

void StatementInterrupter::disarm()
{
    const std::lock_guard<std::mutex> held(m_mutex);
    m_sqlite = nullptr;
    if (m_pgCancel) {
        PQfreeCancel(m_pgCancel);
        m_pgCancel = nullptr;
    }
}

bool StatementInterrupter::interrupt()
{
    // Held while interrupting: the owning thread cannot close the connection (disarm) in the meantime.
    const std::lock_guard<std::mutex> held(m_mutex);
    if (m_sqlite) {
        sqlite3_interrupt(m_sqlite);
        return true;
    }
    if (m_pgCancel) {
        char message[256];
        return PQcancel(m_pgCancel, message, int(sizeof message)) == 1;
    }
    return false;
}

// What the writers of this process to one SQLite file share. turn is the file's write lock within the process: writers
// queue on it, and the next one is handed it the moment the last one commits, instead of meeting on SQLite's own
// lock, whose busy handler sleeps blindly in millisecond steps (several threads of one server would collapse). Writers
// in other processes still meet on SQLite's lock. The hot path goes further and shares whole transactions
// (writeShared()): while one transaction runs, the callers that arrive queue their work for the next one.
struct Database::ProcessWriters
{
    TurnLock turn; // held per transaction: an attempt of transact(), a shared transaction
    std::mutex mutex; // guards what follows, and the pieces' done and wake
    std::vector<SharedWork *> queue; // pieces waiting for the next shared transaction
    bool leading = false; // a shared transaction is under way
};

// One caller's piece of a shared transaction; it lives on the caller's stack while the caller waits.
struct Database::SharedWork
{
    const std::function<bool(Database &, QString *)> *work = nullptr;
    std::condition_variable wake; // its piece is done, or it is to lead the next transaction
    bool done = false; // set under ProcessWriters::mutex; the fields below are then final
    bool ok = false;
    QString error;
    QSqlError failure;
};

std::shared_ptr<Database::ProcessWriters> Database::writersOf(const QString &path)
{
    // An in-memory or temporary database is a database of its own connection: nothing to share.
    if (path.isEmpty() || path == QLatin1String(":memory:") || path.startsWith(QLatin1String("file:")))
        return std::make_shared<ProcessWriters>();
    static std::mutex guard;
    static QHash<QString, std::weak_ptr<ProcessWriters>> files;
    const QString key = QFileInfo(path).absoluteFilePath();
    const std::lock_guard<std::mutex> held(guard);
    std::shared_ptr<ProcessWriters> writers = files.value(key).lock();
    if (!writers) {
        writers = std::make_shared<ProcessWriters>();
        files.insert(key, writers);
    }
    return writers;
}

Database::Database(const ConnectionSpec &spec)
    : m_spec(spec)
    , m_connectionName(nextConnectionName())
    , m_thread(QThread::currentThread())
    , m_statements(std::make_unique<QHash<const char *, QSqlQuery *>>())
    , m_nativeStatements(std::make_unique<QHash<const char *, NativeStatement>>())
    , m_sqliteStatements(std::make_unique<QHash<const char *, SqliteStatement *>>())
    , m_interrupter(std::make_shared<StatementInterrupter>())
    , m_writers(spec.backend == Backend::Sqlite ? writersOf(spec.sqlitePath) : nullptr)
{ }

Database::~Database()
{
    close();
}

int Database::latestSchemaVersion()
{
    const auto sqlite = migrationsFor(Backend::Sqlite);
    return sqlite.isEmpty() ? 0 : sqlite.last().version;
}

bool Database::isOpen() const
{
    return m_db.isValid() && m_db.isOpen();
}

void Database::clearStatements()
{
    qDeleteAll(*m_statements);
    m_statements->clear();
    // Finalized before the driver closes the handle: QSQLITE's sqlite3_close() refuses while a statement is alive.
    qDeleteAll(*m_sqliteStatements);
    m_sqliteStatements->clear();
}

void Database::close()
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "Database", "a connection is used only by its own thread");
    clearStatements();
    forgetPolicy();
    if (m_db.isValid()) {
        closeHandle();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool Database::open(OpenMode mode, QString *error, int targetVersion)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "Database", "a connection is used only by its own thread");
    close();
    if (targetVersion < 0)
        targetVersion = latestSchemaVersion();
    const bool ok = m_spec.backend == Backend::Sqlite ? openSqlite(mode, error, targetVersion)
                                                      : openPostgres(mode, error, targetVersion);
    m_openError = ok ? QString() : *error;
    return ok;
}

bool Database::openHandle()
{
    if (!m_db.open())
        return false;
    m_interrupter->arm(m_db.driver()->handle());
    return true;
}

void Database::closeHandle()
{
    m_interrupter->disarm();
    m_db.close();
}

bool Database::isInterruption(const QSqlError &error)
{
    if (!error.isValid())
        return false;
    const QString code = error.nativeErrorCode();
    // PostgreSQL's query_canceled; SQLite's SQLITE_INTERRUPT (Qt gives the primary or the extended code).
    return code == QLatin1String("57014") || (code.toInt() & 0xff) == SQLITE_INTERRUPT;
}

bool Database::openConnection(QString *error, bool immutable)
{
    const bool sqlite = m_spec.backend == Backend::Sqlite;
    m_db = QSqlDatabase::addDatabase(sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"), m_connectionName);
    if (!m_db.isValid()) {
        *error = sqlite ? tr("the Qt SQLite driver (QSQLITE) is not installed")
                        : tr("the Qt PostgreSQL driver (QPSQL) is not installed");
        return false;
    }
    if (sqlite) {
        QStringList options {QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000")};
        if (immutable) {
            // Even a read-only connection leaves -wal and -shm files behind on a WAL database; immutable=1 does not.
            QUrl uri = QUrl::fromLocalFile(QFileInfo(m_spec.sqlitePath).absoluteFilePath());
            uri.setQuery(QStringLiteral("immutable=1"));
            m_db.setDatabaseName(uri.toString(QUrl::FullyEncoded));
            options << QStringLiteral("QSQLITE_OPEN_URI");
        } else {
            m_db.setDatabaseName(m_spec.sqlitePath);
        }
        if (m_spec.readOnly)
            options << QStringLiteral("QSQLITE_OPEN_READONLY");
        m_db.setConnectOptions(options.join(QLatin1Char(';')));
    } else {
        m_db.setHostName(m_spec.host);
        m_db.setPort(m_spec.port);
        m_db.setDatabaseName(m_spec.databaseName);
        m_db.setUserName(m_spec.userName);
        m_db.setPassword(m_spec.password);
        QStringList options {QStringLiteral("connect_timeout=5"), QStringLiteral("application_name=rotor")};
        if (!m_spec.sslMode.isEmpty())
            options << QStringLiteral("sslmode=") + m_spec.sslMode;
        m_db.setConnectOptions(options.join(QLatin1Char(';')));
    }
    ++m_connectionGeneration;
    if (!openHandle()) {
        *error = sqlite ? tr("cannot open %1: %2").arg(m_spec.sqlitePath, describe(m_db.lastError()))
                        : tr("cannot connect to %1: %2").arg(m_spec.displayName(), describe(m_db.lastError()));
        close();
        return false;
    }
    if (!applySessionSettings(error)) {
        close();
        return false;
    }
    return true;
}

bool Database::applySessionSettings(QString *error)
{
    QStringList setup;
    if (m_spec.backend == Backend::Sqlite) {
        // WAL with synchronous=FULL: a commit is on disk before it is acknowledged, so a rotation handed out or a
        // replay revocation reported survives a power cut too, not only a crash of the process (DESIGN.md 3, 5).
        setup << QStringLiteral("PRAGMA foreign_keys = ON") << QStringLiteral("PRAGMA synchronous = FULL");
    } else {
        setup << QStringLiteral("SET client_min_messages = warning");
        if (m_spec.readOnly)
            setup << QStringLiteral("SET default_transaction_read_only = on");
    }
    for (const QString &statement : setup) {
        if (!exec(statement, error))
            return false;
    }
    return true;
}

bool Database::openSqlite(OpenMode mode, QString *error, int targetVersion)
{
    const QString path = m_spec.sqlitePath;
    const QFileInfo info(path);
    bool empty = false;
    if (!info.exists()) {
        if (mode == OpenMode::OpenExisting) {
            *error = tr("no database at %1").arg(path);
            return false;
        }
        if (m_spec.readOnly) {
            *error = tr("no database at %1 (a read-only connection cannot create one)").arg(path);
            return false;
        }
        if (!QDir().mkpath(info.absolutePath())) {
            *error = tr("cannot create the folder %1").arg(info.absolutePath());
            return false;
        }
    } else if (info.isDir()) {
        *error = tr("%1 is a folder, not a database file").arg(path);
        return false;
    } else if (!looksLikeSqliteFile(path, &empty)) {
        *error = tr("%1 is not a SQLite database (or it is corrupt or unreadable); it was left untouched").arg(path);
        return false;
    } else if (empty && mode == OpenMode::OpenExisting) {
        // A 0-byte file is an empty SQLite database: only creating a database may fill it, as with one without tables.
        *error = tr("%1 is an empty file, not a Rotor database").arg(path);
        return false;
    }

    // Look before writing: inspect an existing file through a read-only connection.
    if (info.exists() && !empty) {
        const ConnectionSpec writable = m_spec;
        m_spec.readOnly = true;
        // With no -wal file, no one has the database open and the main file holds all of it: look at it immutably,
        // so that a refused file is left without side files. Otherwise read it the ordinary way (side files exist).
        const bool opened = openConnection(error, !QFileInfo::exists(path + QStringLiteral("-wal")));
        m_spec = writable;
        if (!opened)
            return false;
        QSqlQuery query(m_db);
        qint64 appId = -1;
        int tables = -1;
        if (query.exec(QStringLiteral("PRAGMA application_id")) && query.next())
            appId = query.value(0).toLongLong();
        if (query.exec(QStringLiteral("PRAGMA user_version")) && query.next())
            m_schemaVersion = query.value(0).toInt();
        if (query.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) && query.next())
            tables = query.value(0).toInt();
        const QString failure = describe(query.lastError());
        query = QSqlQuery();
        close();
        if (tables < 0 || appId < 0) {
            *error = tr("%1 is corrupt or unreadable (%2); it was left untouched").arg(path, failure);
            return false;
        }
        if (appId != applicationId && tables > 0) {
            *error = tr("%1 is a SQLite database, but not a Rotor database; it was left untouched").arg(path);
            return false;
        }
        if (m_schemaVersion > latestSchemaVersion()) {
            *error = tr("%1 was written by a newer Rotor (schema version %2; this program knows up to %3); it was "
                        "left untouched")
                         .arg(path)
                         .arg(m_schemaVersion)
                         .arg(latestSchemaVersion());
            return false;
        }
        if (tables == 0 && mode == OpenMode::OpenExisting) {
            *error = tr("%1 is an empty SQLite database, not a Rotor database").arg(path);
            return false;
        }
    }
    if (m_spec.readOnly && m_schemaVersion < targetVersion) {
        *error = tr("%1 has schema version %2 and needs an upgrade, which a read-only connection cannot do")
                     .arg(path)
                     .arg(m_schemaVersion);
        return false;
    }
    if (!openConnection(error))
        return false;
    if (!m_spec.readOnly && m_schemaVersion == 0 && !exec(QStringLiteral("PRAGMA journal_mode = WAL"), error))
        return false;
    return migrate(targetVersion, error);
}

bool Database::readPostgresVersion(QString *error)
{
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT to_regclass('rotor_schema_version') IS NOT NULL, "
                                   "to_regclass('refresh_tokens') IS NOT NULL"))
        || !query.next()) {
        *error = tr("cannot read the schema of %1: %2").arg(m_spec.displayName(), describe(query.lastError()));
        return false;
    }
    const bool versioned = query.value(0).toBool();
    const bool hasTokens = query.value(1).toBool();
    if (!versioned) {
        if (hasTokens) {
            *error = tr("%1 has a refresh_tokens table but is not a Rotor database; it was left untouched")
                         .arg(m_spec.displayName());
            return false;
        }
        m_schemaVersion = 0;
        return true;
    }
    if (!query.exec(QStringLiteral("SELECT coalesce(max(version), 0) FROM rotor_schema_version")) || !query.next()) {
        *error = tr("cannot read the schema version of %1: %2").arg(m_spec.displayName(), describe(query.lastError()));
        return false;
    }
    m_schemaVersion = query.value(0).toInt();
    return true;
}

bool Database::openPostgres(OpenMode mode, QString *error, int targetVersion)
{
    if (!openConnection(error))
        return false;
    if (!readPostgresVersion(error)) {
        close();
        return false;
    }
    // Attaching to a database is not a reason to install tables in it: that takes an explicit create.
    if (mode == OpenMode::OpenExisting && m_schemaVersion == 0 && targetVersion > 0) {
        *error = tr("%1 has no Rotor schema yet (create it with 'rotorctl --db URI init')").arg(m_spec.displayName());
        close();
        return false;
    }
    if (m_schemaVersion > latestSchemaVersion()) {
        *error = tr("%1 was written by a newer Rotor (schema version %2; this program knows up to %3); it was left "
                    "untouched")
                     .arg(m_spec.displayName())
                     .arg(m_schemaVersion)
                     .arg(latestSchemaVersion());
        close();
        return false;
    }
    if (m_spec.readOnly && m_schemaVersion < targetVersion) {
        *error = tr("%1 has schema version %2 and needs an upgrade, which a read-only connection cannot do")
                     .arg(m_spec.displayName())
                     .arg(m_schemaVersion);
        close();
        return false;
    }
    if (!migrate(targetVersion, error)) {
        close();
        return false;
    }
    return true;
}

bool Database::migrate(int targetVersion, QString *error)
{
    const bool sqlite = m_spec.backend == Backend::Sqlite;
    for (const Migration &migration : migrationsFor(m_spec.backend)) {
        if (migration.version <= m_schemaVersion || migration.version > targetVersion)
            continue;
        const QStringList statements = statementsOf(migration.path, error);
        if (statements.isEmpty())
            return false;
        if (!beginWrite(error))
            return false;
        bool ok = true;
        if (sqlite) {
            // Another process may have migrated while this one waited for the writer lock.
            QSqlQuery query(m_db);
            ok = query.exec(QStringLiteral("PRAGMA user_version")) && query.next();
            if (ok && query.value(0).toInt() >= migration.version) {
                m_schemaVersion = query.value(0).toInt();
                rollback();
                continue;
            }
        } else {
            ok = exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(migrationLockKey), error)
                && exec(QStringLiteral("CREATE TABLE IF NOT EXISTS rotor_schema_version (version integer PRIMARY KEY)"),
                        error);
            QSqlQuery query(m_db);
            ok = ok && query.exec(QStringLiteral("SELECT coalesce(max(version), 0) FROM rotor_schema_version"))
                && query.next();
            if (ok && query.value(0).toInt() >= migration.version) {
                m_schemaVersion = query.value(0).toInt();
                rollback();
                continue;
            }
        }
        for (const QString &statement : statements) {
            if (!ok)
                break;
            ok = exec(statement, error);
        }
        if (ok && migration.version == 5) {
            QSqlError failure;
            ok = backfillReplayVerdicts(m_db, &failure) || fail(failure, error);
        }
        if (ok) {
            ok = sqlite
                ? exec(QStringLiteral("PRAGMA user_version = %1").arg(migration.version), error)
                : exec(QStringLiteral("INSERT INTO rotor_schema_version (version) VALUES (%1)").arg(migration.version),
                       error);
        }
        if (!ok || !commit(error)) {
            rollback();
            *error = tr("upgrading the schema to version %1 failed: %2").arg(migration.version).arg(*error);
            return false;
        }
        m_schemaVersion = migration.version;
    }
    return true;
}

bool Database::fail(const QSqlError &sqlError, QString *error)
{
    if (isInterruption(sqlError))
        ++m_interruptedStatements;
    m_lastError = sqlError;
    *error = describe(sqlError);
    return false;
}

QSqlQuery *Database::prepared(const char *sql, QString *error)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "Database", "a connection is used only by its own thread");
    if (QSqlQuery *query = m_statements->value(sql))
        return query; // cached statements exist only while the connection is open (recover() drops them)
    if (!ensureOpen(error))
        return nullptr;
    auto query = std::make_unique<QSqlQuery>(m_db);
    query->setForwardOnly(true);
    if (!query->prepare(QString::fromUtf8(sql))) {
        fail(query->lastError(), error);
        return nullptr;
    }
    QSqlQuery *raw = query.release();
    m_statements->insert(sql, raw);
    return raw;
}

QSqlQuery *Database::run(const char *sql, std::initializer_list<Binding> values, QString *error)
{
    QSqlQuery *query = prepared(sql, error);
    if (!query)
        return nullptr;
    for (const Binding &binding : values)
        query->bindValue(QLatin1String(binding.name), bindable(binding.value));
    if (!query->exec()) {
        fail(query->lastError(), error);
        return nullptr;
    }
    m_lastError = QSqlError(); // lastError() describes the latest statement only
    return query;
}

QVariant Database::bindable(const QVariant &value)
{
    // Qt binds a null QString as SQL NULL, but an absent IP or user agent is '' (text columns are NOT NULL).
    if (value.typeId() == QMetaType::QString && !value.isNull() && value.toString().isNull())
        return QString(QLatin1String(""));
    return value;
}

Database::Fetch Database::fetch(QSqlQuery *query, QString *error)
{
    if (query->next())
        return Fetch::Row;
    if (query->lastError().isValid()) {
        fail(query->lastError(), error);
        return Fetch::Failed;
    }
    return Fetch::End;
}

bool Database::execute(QSqlQuery &query, const QString &sql, const QVariantMap &values, QString *error)
{
    if (!ensureOpen(error))
        return false;
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return fail(query.lastError(), error);
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (sql.contains(it.key()))
            query.bindValue(it.key(), it.value());
    }
    if (!query.exec()) {
        const QSqlError failure = query.lastError();
        recover(failure);
        return fail(failure, error);
    }
    return true;
}

bool Database::runNative(const char *sql, std::initializer_list<NativeBinding> values, QList<QList<QByteArray>> *rows,
                         QString *error)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "Database", "a connection is used only by its own thread");
    if (!ensureOpen(error))
        return false;
    const QVariant handle = m_db.driver()->handle();
    // QPSQL hands out its PGconn (a typedef of struct pg_conn, which is the name Qt's meta type records).
    const bool isPgConn = handle.isValid()
        && (qstrcmp(handle.typeName(), "pg_conn*") == 0 || qstrcmp(handle.typeName(), "PGconn*") == 0);
    PGconn *conn = isPgConn ? *static_cast<PGconn *const *>(handle.constData()) : nullptr;
    if (!conn)
        return fail(QSqlError(tr("no PostgreSQL connection handle"), QString(), QSqlError::ConnectionError), error);
    // A statement libpq reports on, as a QSqlError that recover() classifies like the driver's own.
    const auto failed = [&](PGresult *result) {
        const char *field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
        const QString state = field ? QString::fromLatin1(field) : QString(); // before PQclear frees it
        QString message = QString::fromUtf8(result ? PQresultErrorMessage(result) : PQerrorMessage(conn)).trimmed();
        if (message.isEmpty())
            message = QString::fromUtf8(PQerrorMessage(conn)).trimmed();
        const bool lost = PQstatus(conn) == CONNECTION_BAD;
        PQclear(result);
        return fail(QSqlError(message, message, lost ? QSqlError::ConnectionError : QSqlError::StatementError,
                              !state.isEmpty() ? state : (lost ? QStringLiteral("08006") : QString())),
                    error);
    };
    NativeStatement &statement = (*m_nativeStatements)[sql];
    if (statement.name.isEmpty()) {
        statement.name = "rotor_native_" + QByteArray::number(m_nativeStatements->size());
        statement.text = sql::positional(sql, &statement.names);
    }
    if (statement.preparedOnConnection != m_connectionGeneration) {
        PGresult *prepared
            = PQprepare(conn, statement.name.constData(), statement.text.c_str(), int(statement.names.size()), nullptr);
        if (PQresultStatus(prepared) != PGRES_COMMAND_OK)
            return failed(prepared);
        PQclear(prepared);
        statement.preparedOnConnection = m_connectionGeneration;
    }
    std::vector<const char *> texts(statement.names.size(), nullptr);
    std::vector<int> lengths(statement.names.size(), 0);
    std::vector<int> formats(statement.names.size(), 0);
    for (size_t i = 0; i < statement.names.size(); ++i) {
        const NativeBinding *binding = nullptr;
        for (const NativeBinding &candidate : values) {
            if (statement.names[i] == candidate.name)
                binding = &candidate;
        }
        if (!binding)
            return fail(QSqlError(tr("no value for :%1").arg(QString::fromStdString(statement.names[i])), QString(),
                                  QSqlError::StatementError),
                        error);
        texts[i] = binding->value.constData(); // a QByteArray's data is NUL-terminated, as libpq's text values need
        lengths[i] = int(binding->value.size());
        formats[i] = binding->binary ? 1 : 0;
    }
    PGresult *result = PQexecPrepared(conn, statement.name.constData(), int(texts.size()), texts.data(), lengths.data(),
                                      formats.data(), 0);
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        return failed(result);
    rows->clear();
    for (int row = 0; row < PQntuples(result); ++row) {
        QList<QByteArray> columns;
        for (int column = 0; column < PQnfields(result); ++column)
            columns.append(PQgetisnull(result, row, column)
                               ? QByteArray()
                               : QByteArray(PQgetvalue(result, row, column), PQgetlength(result, row, column)));
        rows->append(columns);
    }
    PQclear(result);
    m_lastError = QSqlError();
    return true;
}

Database::SqliteStatement *Database::sqliteStatement(const char *sql, QString *error)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "Database", "a connection is used only by its own thread");
    if (SqliteStatement *statement = m_sqliteStatements->value(sql))
        return statement; // prepared on this very handle: close() finalizes them all before the handle goes
    if (!ensureOpen(error))
        return nullptr;
    const QVariant handle = m_db.driver()->handle();
    sqlite3 *connection = handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0
        ? *static_cast<sqlite3 *const *>(handle.constData())
        : nullptr;
    if (!connection) {
        fail(QSqlError(tr("no SQLite connection handle"), QString(), QSqlError::ConnectionError), error);
        return nullptr;
    }
    std::unique_ptr<SqliteStatement> statement(new SqliteStatement(this));
    const int code
        = sqlite3_prepare_v3(connection, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement->m_statement, nullptr);
    if (code != SQLITE_OK) {
        fail(QSqlError(tr("Unable to execute statement"), QString::fromUtf8(sqlite3_errmsg(connection)),
                       QSqlError::StatementError, QString::number(sqlite3_extended_errcode(connection))),
             error);
        return nullptr;
    }
    SqliteStatement *raw = statement.release();
    m_sqliteStatements->insert(sql, raw);
    return raw;
}

Database::SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_statement);
}

void Database::SqliteStatement::bind(const char *name, qint64 value)
{
    sqlite3_bind_int64(m_statement, sqlite3_bind_parameter_index(m_statement, name), value);
}

void Database::SqliteStatement::bindBlob(const char *name, QByteArrayView bytes)
{
    // Not copied (SQLITE_STATIC): the caller keeps the bytes until the statement is finished.
    sqlite3_bind_blob(m_statement, sqlite3_bind_parameter_index(m_statement, name), bytes.isNull() ? "" : bytes.data(),
                      int(bytes.size()), SQLITE_STATIC);
}

void Database::SqliteStatement::bindText(const char *name, QByteArrayView utf8)
{
    // An absent IP or user agent is '' (text columns are NOT NULL), as Database::bindable() makes it for Qt.
    sqlite3_bind_text(m_statement, sqlite3_bind_parameter_index(m_statement, name), utf8.isNull() ? "" : utf8.data(),
                      int(utf8.size()), SQLITE_STATIC);
}

bool Database::SqliteStatement::failed(QString *error)
{
    // Read before the reset, which would describe itself. The code is SQLite's extended one, as QSQLITE reports it.
    sqlite3 *connection = sqlite3_db_handle(m_statement);
    const QSqlError failure(tr("Unable to fetch row"), QString::fromUtf8(sqlite3_errmsg(connection)),
                            QSqlError::StatementError, QString::number(sqlite3_extended_errcode(connection)));
    finish();
    return m_owner->fail(failure, error);
}

bool Database::SqliteStatement::exec(QString *error)
{
    const int code = sqlite3_step(m_statement);
    if (code != SQLITE_DONE && code != SQLITE_ROW)
        return failed(error);
    finish();
    return true;
}

Database::Fetch Database::SqliteStatement::next(QString *error)
{
    const int code = sqlite3_step(m_statement);
    if (code == SQLITE_ROW)
        return Fetch::Row;
    if (code == SQLITE_DONE)
        return Fetch::End;
    failed(error);
    return Fetch::Failed;
}

void Database::SqliteStatement::finish()
{
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement); // the values were not copied
}

bool Database::SqliteStatement::isNull(int column) const
{
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

qint64 Database::SqliteStatement::int64(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}

QByteArrayView Database::SqliteStatement::blob(int column) const
{
    const void *data = sqlite3_column_blob(m_statement, column);
    return QByteArrayView(static_cast<const char *>(data), sqlite3_column_bytes(m_statement, column));
}

QString Database::SqliteStatement::text(int column) const
{
    const unsigned char *data = sqlite3_column_text(m_statement, column);
    return QString::fromUtf8(reinterpret_cast<const char *>(data), sqlite3_column_bytes(m_statement, column));
}

qint64 Database::SqliteStatement::changes() const
{
    return sqlite3_changes(sqlite3_db_handle(m_statement));
}

bool Database::writeShared(const std::function<bool(Database &writer, QString *error)> &work, QString *error)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "Database", "a connection is used only by its own thread");
    if (refuseIfReadOnly(error))
        return false;
    if (!m_writers)
        return fail(QSqlError(tr("a shared write transaction is SQLite's"), QString(), QSqlError::UnknownError), error);
    if (!ensureOpen(error))
        return false; // this connection may have to run the others' work: it must be able to
    ProcessWriters &writers = *m_writers;
    SharedWork mine;
    mine.work = &work;
    std::unique_lock<std::mutex> held(writers.mutex);
    writers.queue.push_back(&mine);
    mine.wake.wait(held, [&]() { return mine.done || !writers.leading; });
    if (!mine.done) {
        // No transaction under way: this caller runs everything queued, its own piece included, on its connection.
        // It goes on with what was queued meanwhile, a few transactions at most: this thread is running and its
        // connection's cache is warm (a commit on another connection would empty it), where handing over would wait
        // for another thread to be woken and scheduled.
        writers.leading = true;
        std::vector<SharedWork *> batch;
        for (int round = 0; round < leadRounds && !writers.queue.empty(); ++round) {
            batch.clear();
            batch.swap(writers.queue);
            held.unlock();
            writeBatch(batch);
            held.lock();
            // Under the mutex: a caller woken here cannot return (and its piece go) before it is released.
            for (SharedWork *piece : batch) {
                piece->done = true;
                if (piece != &mine)
                    piece->wake.notify_one();
            }
        }
        writers.leading = false;
        if (!writers.queue.empty())
            writers.queue.front()->wake.notify_one(); // to lead the next transaction
    }
    held.unlock();
    m_lastError = mine.ok ? QSqlError() : mine.failure;
    if (!mine.ok)
        *error = mine.error;
    return mine.ok;
}

void Database::writeBatch(const std::vector<SharedWork *> &batch)
{
    QString error;
    const auto failAll = [&]() {
        for (SharedWork *piece : batch) {
            piece->ok = false;
            piece->error = error;
            piece->failure = m_lastError;
        }
    };
    const Turn turn(m_writers->turn, writeLockTimeout);
    if (!turn.held()) {
        fail(QSqlError(tr("the database stayed busy: another writer of this program held it for %1 s")
                           .arg(writeLockTimeout.count() / 1000),
                       QString(), QSqlError::TransactionError),
             &error);
        failAll();
        return;
    }
    SqliteStatement *begin = sqliteStatement(beginImmediateSql, &error);
    if (!begin || !begin->exec(&error)) {
        failAll();
        return;
    }
    sqlite3 *connection = sqlite3_db_handle(begin->m_statement);
    const auto execute = [&](const char *sql, QString *failure) {
        SqliteStatement *statement = sqliteStatement(sql, failure);
        return statement && statement->exec(failure);
    };
    // Alone, a piece needs no savepoint: the transaction is its own.
    const bool alone = batch.size() == 1;
    size_t ran = 0;
    bool intact = true; // the transaction can still be committed
    for (; ran < batch.size() && intact; ++ran) {
        SharedWork &piece = *batch[ran];
        m_lastError = QSqlError();
        piece.ok = (alone || execute(savepointSql, &piece.error)) && (*piece.work)(*this, &piece.error);
        if (!piece.ok)
            piece.failure
                = m_lastError.isValid() ? m_lastError : QSqlError(piece.error, QString(), QSqlError::UnknownError);
        if (sqlite3_get_autocommit(connection)) {
            // SQLite ended the transaction itself (an I/O error, a full disk): what went before is gone too.
            intact = false;
            if (piece.ok)
                fail(QSqlError(tr("the write transaction ended unexpectedly"), QString(), QSqlError::TransactionError),
                     &error);
            else
                error = piece.error;
        } else if (!alone && piece.ok) {
            piece.ok = execute(releaseSql, &piece.error);
            if (!piece.ok) {
                piece.failure = m_lastError;
                error = piece.error;
                intact = false;
            }
        } else if (!alone) {
            intact = execute(rollbackToSql, &error) && execute(releaseSql, &error);
        }
    }
    bool kept = false;
    for (size_t i = 0; i < ran; ++i)
        kept = kept || batch[i]->ok;
    if (intact && !kept) {
        execute(rollbackSql, &error); // every piece failed, each with its own error
        return;
    }
    if (intact && execute(commitSql, &error))
        return;
    // The commit failed, or the transaction could not be kept: nothing of the batch is. A piece that failed on its
    // own keeps its own error; every other fails with the transaction's.
    const QSqlError failure
        = m_lastError.isValid() ? m_lastError : QSqlError(error, QString(), QSqlError::TransactionError);
    if (!sqlite3_get_autocommit(connection)) {
        QString ignored;
        execute(rollbackSql, &ignored);
    }
    m_lastError = failure;
    for (size_t i = 0; i < batch.size(); ++i) {
        SharedWork &piece = *batch[i];
        if (i < ran && !piece.ok)
            continue;
        piece.ok = false;
        piece.error = error;
        piece.failure = failure;
    }
}

bool Database::exec(const QString &sql, QString *error)
{
    if (!ensureOpen(error))
        return false;
    QSqlQuery query(m_db);
    if (!query.exec(sql))
        return fail(query.lastError(), error);
    return true;
}

bool Database::ensureOpen(QString *error)
{
    if (m_db.isOpen())
        return true;
    // Qt refuses a statement on a closed connection with a warning and no error at all, so without this a
    // connection that could not be re-established while the server was away would never be tried again.
    if (!m_db.isValid()) {
        const QString why = m_openError.isEmpty() ? tr("the database is not open")
                                                  : tr("the database is not open: %1").arg(m_openError);
        return fail(QSqlError(why, QString(), QSqlError::ConnectionError), error);
    }
    ++m_connectionGeneration;
    if (openHandle()) {
        if (applySessionSettings(error))
            return true;
        clearStatements();
        closeHandle();
        return false;
    }
    const QSqlError failure = m_db.lastError();
    return fail(QSqlError(failure.driverText(),
                          tr("the connection to %1 was lost and cannot be re-established: %2")
                              .arg(m_spec.displayName(), describe(failure)),
                          QSqlError::ConnectionError, QString::fromLatin1(reconnectFailedCode)),
                error);
}

bool Database::policy(Policy *policy, QString *error)
{
    if (m_policyAge.isValid() && m_policyAge.elapsed() < Policy::policyRefreshMs) {
        *policy = m_policy;
        return true;
    }
    static const char sql[]
        = "SELECT grace_ms, idle_ms, lifetime_ms, access_ttl_ms, events_retention_ms FROM policy WHERE id = 1";
    QSqlQuery *query = run(sql, {}, error);
    if (!query && recover(m_lastError) == ErrorKind::ConnectionLost)
        query = run(sql, {}, error); // the first statement after an outage found the connection gone
    if (!query)
        return false;
    const Fetch fetched = fetch(query, error);
    if (fetched == Fetch::Row) {
        m_policy.graceMs = query->value(0).toLongLong();
        m_policy.refreshIdleTtlMs = query->value(1).toLongLong();
        m_policy.familyLifetimeMs = query->value(2).toLongLong();
        m_policy.accessTtlMs = query->value(3).toLongLong();
        m_policy.eventsRetentionMs = query->value(4).toLongLong();
    }
    query->finish();
    if (fetched != Fetch::Row) {
        if (fetched == Fetch::End)
            *error = tr("the database has no policy row");
        return false;
    }
    m_policyAge.start();
    *policy = m_policy;
    return true;
}

bool Database::refuseIfReadOnly(QString *error) const
{
    if (!m_spec.readOnly)
        return false;
    *error = tr("the database is open read-only; nothing was changed");
    return true;
}

bool Database::transact(const std::function<Step(QString *error)> &body, QString *error)
{
    if (refuseIfReadOnly(error))
        return false;
    constexpr int attempts = 8;
    for (int attempt = 1;; ++attempt) {
        m_lastError = QSqlError();
        Step step = Step::Abort;
        bool commitUnanswered = false;
        {
            std::optional<Turn> turn;
            if (m_writers) {
                turn.emplace(m_writers->turn, writeLockTimeout);
                if (!turn->held()) {
                    *error = tr("the database stayed busy: another writer of this program held it for %1 s")
                                 .arg(writeLockTimeout.count() / 1000);
                    return false;
                }
            }
            if (beginWrite(error)) {
                step = body(error);
                if (step == Step::Commit) {
                    if (commit(error))
                        return true;
                    commitUnanswered = true;
                }
            }
            rollback();
        }
        if (step == Step::Abort && !m_lastError.isValid())
            return false; // the body refused for a reason of its own, already in error
        const ErrorKind kind = step == Step::Retry ? ErrorKind::Transient : recover(m_lastError);
        if (commitUnanswered && isPostgres() && kind != ErrorKind::Transient) {
            // The server may have committed before the connection dropped. Running the body again would then do
            // its work twice (a second family for one sign-in, a replay made of the library's own retry).
            const CommitFate fate = kind == ErrorKind::ConnectionLost ? lostCommitFate(error) : CommitFate::Unknown;
            if (fate == CommitFate::Committed)
                return true;
            if (fate == CommitFate::Unknown) {
                *error = tr("the connection was lost while committing, and whether the change was made cannot be "
                            "known yet: %1")
                             .arg(*error);
                return false;
            }
        }
        if ((kind != ErrorKind::Transient && kind != ErrorKind::ConnectionLost) || attempt == attempts) {
            if (kind == ErrorKind::Transient)
                *error = tr("the database stayed busy after %1 attempts: %2").arg(attempts).arg(*error);
            return false;
        }
        // Spread competing writers apart a little before trying again.
        QThread::usleep(quint64(200 * attempt * attempt) + quint64(qHash(quintptr(this)) % 500));
    }
}

Database::CommitFate Database::lostCommitFate(QString *error)
{
    bool numeric = false;
    m_transactionId.toULongLong(&numeric);
    if (!numeric)
        return CommitFate::Unknown;
    // The old server process decides the transaction's fate when it reads the COMMIT or notices the lost client;
    // until then it is "in progress". Ask for a bounded time.
    QElapsedTimer waited;
    waited.start();
    for (;;) {
        QSqlQuery query(m_db);
        if (!query.exec(QStringLiteral("SELECT pg_xact_status(CAST('%1' AS xid8))").arg(m_transactionId))
            || !query.next()) {
            fail(query.lastError(), error);
            return CommitFate::Unknown;
        }
        const QString status = query.value(0).toString();
        if (status == QLatin1String("committed"))
            return CommitFate::Committed;
        if (status == QLatin1String("aborted"))
            return CommitFate::Aborted;
        if (status != QLatin1String("in progress") || waited.elapsed() > 10000)
            return CommitFate::Unknown;
        QThread::msleep(20);
    }
}

bool Database::beginWrite(QString *error)
{
    ++m_writeTransactionsBegun;
    m_transactionId.clear();
    if (m_spec.backend == Backend::Sqlite)
        return execPrepared(beginImmediateSql, error);
    if (!ensureOpen(error))
        return false;
    // The transaction's id travels with BEGIN, in the same round trip: if the answer to COMMIT is lost, the id tells
    // whether the transaction committed (lostCommitFate()). The SELECT comes first because Qt returns the first
    // result of a multi-statement query; PostgreSQL folds a statement that precedes BEGIN in the same message into
    // the transaction BEGIN opens (protocol, "Multiple Statements in a Simple Query").
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT pg_current_xact_id(); BEGIN")) || !query.next())
        return fail(query.lastError(), error);
    m_transactionId = query.value(0).toString();
    return true;
}

bool Database::execPrepared(const char *sql, QString *error)
{
    QSqlQuery *query = prepared(sql, error);
    if (!query)
        return false;
    const bool ok = query->exec() || fail(query->lastError(), error);
    query->finish(); // reset at once: a transaction statement left active would stay in the way
    return ok;
}

bool Database::beginRead(QString *error)
{
    // One consistent snapshot for every read until the transaction ends (SQLite's WAL read transactions are).
    return exec(m_spec.backend == Backend::Sqlite ? QStringLiteral("BEGIN")
                                                  : QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
                error);
}

bool Database::commit(QString *error)
{
    if (m_spec.backend == Backend::Sqlite)
        return execPrepared(commitSql, error);
    return exec(QStringLiteral("COMMIT"), error);
}

void Database::rollback()
{
    QSqlQuery query(m_db);
    query.exec(QStringLiteral("ROLLBACK"));
}

Database::ErrorKind Database::recover(const QSqlError &error)
{
    if (!error.isValid())
        return ErrorKind::None;
    const QString code = error.nativeErrorCode();
    if (m_spec.backend == Backend::Sqlite) {
        const int primary = code.toInt() & 0xff;
        if (primary == 5 || primary == 6) // SQLITE_BUSY, SQLITE_LOCKED
            return ErrorKind::Transient;
        if (primary == 8) // SQLITE_READONLY
            return ErrorKind::ReadOnly;
        return ErrorKind::Other;
    }
    if (code == QLatin1String("40001") || code == QLatin1String("40P01"))
        return ErrorKind::Transient;
    if (code == QLatin1String("25006"))
        return ErrorKind::ReadOnly;
    if (code == QLatin1String(reconnectFailedCode))
        return ErrorKind::Other; // a reconnect failed just now: trying again at once would only wait again
    bool lost = code.startsWith(QLatin1String("08")) || code.startsWith(QLatin1String("57P"));
    if (!lost && code.isEmpty()) {
        // libpq reports a dropped socket without an SQLSTATE; ask the connection itself.
        QSqlQuery probe(m_db);
        lost = !probe.exec(QStringLiteral("SELECT 1"));
    }
    if (!lost)
        return ErrorKind::Other;
    // Reopen now. If the server is still away, retrying is pointless (Other); the next statement tries again.
    clearStatements();
    closeHandle();
    QString ignored;
    ++m_connectionGeneration;
    if (openHandle() && applySessionSettings(&ignored))
        return ErrorKind::ConnectionLost;
    return ErrorKind::Other;
}

QString Database::describe(const QSqlError &error)
{
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.driverText().trimmed();
    if (text.isEmpty())
        text = tr("unknown database error");
    // libpq puts "ERROR:  " and multi-line hints in front; one clear line is enough here.
    text = text.section(QLatin1Char('\n'), 0, 0);
    if (text.startsWith(QLatin1String("ERROR:")) || text.startsWith(QLatin1String("FATAL:")))
        text = text.mid(6).trimmed();
    const int primary = error.nativeErrorCode().toInt() & 0xff;
    if (primary == 11 || primary == 26) // SQLITE_CORRUPT, SQLITE_NOTADB
        text = tr("the database file is corrupt (%1)").arg(text);
    return text;
}

} // namespace rotor
