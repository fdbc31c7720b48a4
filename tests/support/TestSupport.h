#pragma once

#include "AdminService.h"
#include "Clock.h"
#include "ConnectionSpec.h"
#include "Database.h"
#include "Decision.h"
#include "Keys.h"
#include "Policy.h"
#include "RotationService.h"

#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QVariantList>

#include <memory>

// Support for the storage suites: which backend a run tests, fresh databases on it, a fixture with a ManualClock,
// and reads of the stored state written with SQL of the tests' own (so the core is not checked against itself).
namespace rotor::test {

// ROTOR_TEST_BACKEND=sqlite|postgres (sqlite when unset).
Backend selectedBackend();
QString backendName(Backend backend);
// The shared throwaway PostgreSQL server: ROTOR_TEST_PG_URI, else the file named by ROTOR_TEST_PG_URI_FILE (written
// by the rotor_pg_server CTest fixture).
bool postgresServerUri(QString *uri, QString *error);
// A database location as text (a SQLite path or a postgresql:// URI), as rotorctl and the test driver take it.
QString locationOf(const ConnectionSpec &spec);

// The master secret the suites and the driver share (the driver gets it as ROTOR_MASTER_KEY).
QByteArray masterKey();
Keys testKeys();
// The driver executable (ROTOR_TEST_DRIVER) and the environment to start it with.
QString driverPath();
QProcessEnvironment driverEnvironment();

// Runs statements on a short-lived connection of its own (CREATE/DROP DATABASE, tampering, foreign schemas).
bool execOn(const ConnectionSpec &spec, const QStringList &statements, QString *error);

// One fresh, empty database: a file in a QTemporaryDir, or CREATE DATABASE rotor_t_<pid>_<n> on the server
// (dropped again by the destructor).
class ScratchDatabase
{
public:
    explicit ScratchDatabase(Backend backend = selectedBackend(), const QString &serverUri = QString());
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase &) = delete;
    ScratchDatabase &operator=(const ScratchDatabase &) = delete;

    bool create(QString *error);
    Backend backend() const { return m_backend; }
    ConnectionSpec spec(bool readOnly = false) const;
    QString location() const { return locationOf(m_spec); }
    // The server's maintenance connection (PostgreSQL): the database the sandbox created.
    const ConnectionSpec &serverSpec() const { return m_server; }

private:
    Backend m_backend;
    QString m_serverUri;
    QTemporaryDir m_dir;
    ConnectionSpec m_spec;
    ConnectionSpec m_server;
    bool m_created = false;
};

std::unique_ptr<Database> openDatabase(const ConnectionSpec &spec, QString *error, int targetVersion = -1,
                                       Database::OpenMode mode = Database::OpenMode::CreateIfMissing);

// One statement with positional '?' arguments on db's connection.
bool queryRows(Database &db, const QString &sql, const QVariantList &args, QList<QVariantList> *rows, QString *error);
// The first column of the first row; an invalid QVariant (and error set) on failure.
QVariant scalar(Database &db, const QString &sql, const QVariantList &args = {}, QString *error = nullptr);
qint64 count(Database &db, const QString &sql, const QVariantList &args = {});

// The stored state of a presented token, for decide(); successor = the token whose parent it is.
bool readPresentedState(Database &db, QByteArrayView rawToken, const Keys &keys, PresentedState *state, QString *error);
// A digest of every row of every table plus the schema: equal digests mean nothing was written.
QByteArray contentDigest(Database &db, QString *error);

// A fresh database opened at the newest schema, with services over it and a clock that only moves when told.
class StorageFixture
{
public:
    static constexpr qint64 startMs = 1'700'000'000'000;

    // serverUri: a PostgreSQL server other than the shared one (a test that stops its own server).
    explicit StorageFixture(const Policy &policy = {}, const QString &serverUri = QString());
    bool setUp(QString *error);

    qint64 addUser(const QString &email, QString *error);
    // A device named after a person: key "<name>-device", IP and user agent unique to the name.
    static DeviceInfo device(const QString &name);
    std::unique_ptr<Database> openAnother(QString *error, bool readOnly = false) const;

    ManualClock clock {startMs};
    Keys keys;
    Policy policy;
    Actor actor {QStringLiteral("test-admin"), QStringLiteral("test-host")};
    ScratchDatabase scratch;
    std::unique_ptr<Database> db;
    std::unique_ptr<RotationService> rotation;
    std::unique_ptr<AdminService> admin;
};

} // namespace rotor::test
