#include "TestSupport.h"

#include "Crypto.h"
#include "RefreshToken.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUrl>

#include <atomic>

namespace rotor::test {

namespace {

QString nextName(const char *prefix)
{
    static std::atomic<int> counter {0};
    return QStringLiteral("%1_%2_%3").arg(QLatin1String(prefix)).arg(QCoreApplication::applicationPid()).arg(++counter);
}

} // namespace

Backend selectedBackend()
{
    const QString name = qEnvironmentVariable("ROTOR_TEST_BACKEND", QStringLiteral("sqlite"));
    if (name == QLatin1String("postgres"))
        return Backend::Postgres;
    if (name != QLatin1String("sqlite"))
        qFatal("ROTOR_TEST_BACKEND must be sqlite or postgres, not '%s'", qPrintable(name));
    return Backend::Sqlite;
}

QString backendName(Backend backend)
{
    return backend == Backend::Postgres ? QStringLiteral("postgres") : QStringLiteral("sqlite");
}

bool postgresServerUri(QString *uri, QString *error)
{
    *uri = qEnvironmentVariable("ROTOR_TEST_PG_URI");
    if (!uri->isEmpty())
        return true;
    const QString file = qEnvironmentVariable("ROTOR_TEST_PG_URI_FILE");
    if (file.isEmpty()) {
        *error = QStringLiteral("no PostgreSQL server: set ROTOR_TEST_PG_URI or ROTOR_TEST_PG_URI_FILE "
                                "(ctest starts one through the rotor_pg_server fixture)");
        return false;
    }
    QFile text(file);
    if (!text.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the PostgreSQL URI from %1 (did the support_pg_start fixture run?)")
                     .arg(file);
        return false;
    }
    *uri = QString::fromUtf8(text.readAll()).trimmed();
    return !uri->isEmpty();
}

QString locationOf(const ConnectionSpec &spec)
{
    if (spec.backend == Backend::Sqlite)
        return spec.sqlitePath;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setHost(spec.host);
    url.setPort(spec.port);
    url.setUserName(spec.userName);
    url.setPassword(spec.password);
    url.setPath(QLatin1Char('/') + spec.databaseName);
    return url.toString();
}

QByteArray masterKey()
{
    return QByteArrayLiteral("rotor storage tests: a master secret of 32+ bytes");
}

Keys testKeys()
{
    Keys keys;
    QString error;
    if (!Keys::fromMaster(masterKey(), &keys, &error))
        qFatal("test keys: %s", qPrintable(error));
    return keys;
}

QString driverPath()
{
    return qEnvironmentVariable("ROTOR_TEST_DRIVER");
}

QProcessEnvironment driverEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QString::fromLatin1(Keys::environmentVariable), QString::fromLatin1(masterKey().toBase64()));
    return env;
}

bool execOn(const ConnectionSpec &spec, const QStringList &statements, QString *error)
{
    const QString name = nextName("rotor_test_exec");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(
            spec.backend == Backend::Sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"), name);
        if (spec.backend == Backend::Sqlite) {
            db.setDatabaseName(spec.sqlitePath);
        } else {
            db.setHostName(spec.host);
            db.setPort(spec.port);
            db.setDatabaseName(spec.databaseName);
            db.setUserName(spec.userName);
            db.setPassword(spec.password);
            db.setConnectOptions(QStringLiteral("connect_timeout=5"));
        }
        if (!db.open()) {
            *error = QStringLiteral("cannot connect to %1: %2")
                         .arg(spec.displayName(), Database::describe(db.lastError()));
            ok = false;
        }
        for (const QString &statement : statements) {
            if (!ok)
                break;
            QSqlQuery query(db);
            if (!query.exec(statement)) {
                *error = QStringLiteral("%1: %2").arg(statement, Database::describe(query.lastError()));
                ok = false;
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

ScratchDatabase::ScratchDatabase(Backend backend, const QString &serverUri)
    : m_backend(backend)
    , m_serverUri(serverUri)
{ }

ScratchDatabase::~ScratchDatabase()
{
    if (m_created && m_backend == Backend::Postgres) {
        QString error;
        if (!execOn(m_server, {QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_spec.databaseName)},
                    &error))
            qWarning("dropping the scratch database failed: %s", qPrintable(error));
    }
}

bool ScratchDatabase::create(QString *error)
{
    if (m_backend == Backend::Sqlite) {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("cannot create a temporary folder: %1").arg(m_dir.errorString());
            return false;
        }
        m_spec = ConnectionSpec::sqlite(m_dir.filePath(QStringLiteral("rotor.db")));
        m_created = true;
        return true;
    }
    QString uri = m_serverUri;
    if (uri.isEmpty() && !postgresServerUri(&uri, error))
        return false;
    m_server.readOnly = false;
    if (!ConnectionSpec::parse(uri, &m_server, error))
        return false;
    m_spec = m_server;
    m_spec.databaseName = nextName("rotor_t");
    if (!execOn(m_server, {QStringLiteral("CREATE DATABASE %1").arg(m_spec.databaseName)}, error))
        return false;
    m_created = true;
    return true;
}

ConnectionSpec ScratchDatabase::spec(bool readOnly) const
{
    ConnectionSpec spec = m_spec;
    spec.readOnly = readOnly;
    return spec;
}

std::unique_ptr<Database> openDatabase(const ConnectionSpec &spec, QString *error, int targetVersion,
                                       Database::OpenMode mode)
{
    auto db = std::make_unique<Database>(spec);
    if (!db->open(mode, error, targetVersion))
        return nullptr;
    return db;
}

bool queryRows(Database &db, const QString &sql, const QVariantList &args, QList<QVariantList> *rows, QString *error)
{
    QSqlQuery query(db.handle());
    query.setForwardOnly(true);
    bool ok = query.prepare(sql);
    for (int i = 0; ok && i < args.size(); ++i)
        query.bindValue(i, args.at(i));
    ok = ok && query.exec();
    if (!ok) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(sql, Database::describe(query.lastError()));
        return false;
    }
    rows->clear();
    while (query.next()) {
        QVariantList row;
        const int columns = query.record().count();
        for (int i = 0; i < columns; ++i)
            row.append(query.value(i));
        rows->append(row);
    }
    return true;
}

QVariant scalar(Database &db, const QString &sql, const QVariantList &args, QString *error)
{
    QList<QVariantList> rows;
    QString failure;
    if (!queryRows(db, sql, args, &rows, &failure)) {
        if (error)
            *error = failure;
        else
            qWarning("%s", qPrintable(failure));
        return {};
    }
    if (rows.isEmpty() || rows.first().isEmpty())
        return QVariant(QMetaType::fromType<qint64>());
    return rows.first().first();
}

qint64 count(Database &db, const QString &sql, const QVariantList &args)
{
    const QVariant value = scalar(db, sql, args);
    return value.isValid() ? value.toLongLong() : -1;
}

bool readPresentedState(Database &db, QByteArrayView rawToken, const Keys &keys, PresentedState *state, QString *error)
{
    *state = {};
    state->wellFormed = refresh_token::parse(rawToken) == refresh_token::ParseError::None;
    if (!state->wellFormed)
        return true;
    QList<QVariantList> rows;
    if (!queryRows(db,
                   QStringLiteral("SELECT t.generation, t.expires_at, t.used_at, t.revoked_at, f.expires_at, "
                                  "f.revoked_at, u.active, s.token_hash, s.used_at, s.revoked_at, s.expires_at "
                                  "FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id "
                                  "JOIN users u ON u.id = f.user_id LEFT JOIN refresh_tokens s ON s.parent_id = t.id "
                                  "WHERE t.token_hash = ?"),
                   {crypto::sha256(rawToken)}, &rows, error))
        return false;
    if (rows.size() > 1) {
        *error = QStringLiteral("a token has %1 successors").arg(rows.size());
        return false;
    }
    state->found = !rows.isEmpty();
    if (!state->found)
        return true;
    const QVariantList &row = rows.first();
    const auto optional = [](const QVariant &v) { return v.isNull() ? std::nullopt : std::optional(v.toLongLong()); };
    state->generation = row.at(0).toInt();
    state->expiresAt = row.at(1).toLongLong();
    state->usedAt = optional(row.at(2));
    state->revokedAt = optional(row.at(3));
    state->familyExpiresAt = row.at(4).toLongLong();
    state->familyRevokedAt = optional(row.at(5));
    state->userActive = row.at(6).toBool();
    state->hasSuccessor = !row.at(7).isNull();
    if (state->hasSuccessor) {
        state->successorMatchesDerived
            = row.at(7).toByteArray() == crypto::sha256(refresh_token::successorOf(rawToken, keys.rotationKey()));
        state->successorLive = row.at(8).isNull() && row.at(9).isNull();
        state->successorExpiresAt = row.at(10).toLongLong();
    }
    return true;
}

QByteArray contentDigest(Database &db, QString *error)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const bool sqlite = db.backend() == Backend::Sqlite;
    QList<QVariantList> tables;
    const QString catalog = sqlite
        ? QStringLiteral("SELECT name, sql FROM sqlite_master ORDER BY type, name")
        : QStringLiteral("SELECT table_name, '' FROM information_schema.tables WHERE table_schema = 'public' UNION ALL "
                         "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' UNION ALL "
                         "SELECT tgname, CAST(tgenabled AS text) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1");
    if (!queryRows(db, catalog, {}, &tables, error))
        return {};
    QStringList tableNames;
    for (const QVariantList &table : tables) {
        hash.addData(QByteArray(table.at(0).toString().toUtf8() + '\n' + table.at(1).toString().toUtf8() + '\n'));
        if (sqlite) {
            if (table.at(1).toString().startsWith(QLatin1String("CREATE TABLE")))
                tableNames << table.at(0).toString();
        } else if (table.at(1).toString().isEmpty()) {
            tableNames << table.at(0).toString();
        }
    }
    if (sqlite) {
        for (const char *pragma : {"PRAGMA user_version", "PRAGMA application_id"})
            hash.addData(QByteArray(scalar(db, QString::fromLatin1(pragma)).toString().toUtf8() + '\n'));
    } else {
        QList<QVariantList> tableList;
        if (!queryRows(db,
                       QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                                      "AND table_type = 'BASE TABLE'"),
                       {}, &tableList, error))
            return {};
        tableNames.clear();
        for (const QVariantList &row : tableList)
            tableNames << row.first().toString();
    }
    tableNames.sort();
    for (const QString &table : tableNames) {
        QList<QVariantList> rows;
        if (!queryRows(db, QStringLiteral("SELECT * FROM %1 ORDER BY 1").arg(table), {}, &rows, error))
            return {};
        hash.addData(QByteArray(table.toUtf8() + ':' + QByteArray::number(rows.size()) + '\n'));
        for (const QVariantList &row : rows) {
            for (const QVariant &value : row)
                hash.addData(QByteArray((value.isNull() ? QByteArray("NULL") : value.toByteArray()) + '\x1f'));
            hash.addData("\n");
        }
    }
    return hash.result();
}

StorageFixture::StorageFixture(const Policy &fixturePolicy, const QString &serverUri)
    : keys(testKeys())
    , policy(fixturePolicy)
    , scratch(selectedBackend(), serverUri)
{ }

bool StorageFixture::setUp(QString *error)
{
    if (!scratch.create(error))
        return false;
    db = openDatabase(scratch.spec(), error);
    if (!db)
        return false;
    rotation = std::make_unique<RotationService>(*db, keys, clock, policy);
    admin = std::make_unique<AdminService>(*db, clock, actor);
    return true;
}

qint64 StorageFixture::addUser(const QString &email, QString *error)
{
    qint64 id = 0;
    return admin->addUser(email, email.section(QLatin1Char('@'), 0, 0), &id, error) ? id : 0;
}

DeviceInfo StorageFixture::device(const QString &name)
{
    const uint n = qHash(name) % 250 + 1;
    return {name + QStringLiteral("-device"), name + QStringLiteral("'s laptop"), QStringLiteral("10.0.0.%1").arg(n),
            QStringLiteral("Agent/%1").arg(name)};
}

std::unique_ptr<Database> StorageFixture::openAnother(QString *error, bool readOnly) const
{
    return openDatabase(scratch.spec(readOnly), error, -1, Database::OpenMode::OpenExisting);
}

} // namespace rotor::test
