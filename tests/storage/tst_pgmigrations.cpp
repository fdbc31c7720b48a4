// Schema versions on PostgreSQL: a fresh database, an upgrade from version 1, a newer schema and a foreign one.
// (SQLite's file-level migration tests live with the unit suites.)
#include "Invariants.h"
#include "TestSupport.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QtTest>

using namespace rotor;
using namespace rotor::test;

class TestPgMigrations : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ScratchDatabase> m_scratch;

    // Opens with targetVersion 0: reads the version and applies nothing (every migration is > 0).
    std::unique_ptr<Database> openRaw(QString *error) { return openDatabase(m_scratch->spec(), error, 0); }

    bool hasIndex(Database &db, const char *name)
    {
        return count(db, QStringLiteral("SELECT count(*) FROM pg_indexes WHERE indexname = ?"),
                     {QString::fromLatin1(name)})
            == 1;
    }

private slots:
    void initTestCase() { QCOMPARE(selectedBackend(), Backend::Postgres); }

    void init()
    {
        m_scratch = std::make_unique<ScratchDatabase>(Backend::Postgres);
        QString error;
        QVERIFY2(m_scratch->create(&error), qPrintable(error));
    }

    void cleanup() { m_scratch.reset(); }

    void freshDatabaseGetsLatest()
    {
        QString error;
        std::unique_ptr<Database> db = openDatabase(m_scratch->spec(), &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->schemaVersion(), Database::latestSchemaVersion());
        QVERIFY(Database::latestSchemaVersion() >= 2);
        QCOMPARE(count(*db, QStringLiteral("SELECT max(version) FROM rotor_schema_version")),
                 Database::latestSchemaVersion());
        QCOMPARE(count(*db, QStringLiteral("SELECT count(*) FROM rotor_schema_version")),
                 Database::latestSchemaVersion());
        QVERIFY(hasIndex(*db, "refresh_tokens_one_live"));
        QVERIFY(hasIndex(*db, "devices_user"));
        QVERIFY2(checkInvariants(*db, &error), qPrintable(error));
        // Opening again changes nothing.
        const QByteArray digest = contentDigest(*db, &error);
        db.reset();
        db = openDatabase(m_scratch->spec(), &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(contentDigest(*db, &error), digest);
    }

    void upgradeFromVersionOne()
    {
        QString error;
        std::unique_ptr<Database> db = openDatabase(m_scratch->spec(), &error, 1);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->schemaVersion(), 1);
        QCOMPARE(count(*db, QStringLiteral("SELECT max(version) FROM rotor_schema_version")), 1);
        QVERIFY(hasIndex(*db, "refresh_tokens_one_live"));
        QVERIFY(!hasIndex(*db, "devices_user"));
        // Data written at version 1 survives the upgrade.
        ManualClock clock(StorageFixture::startMs);
        AdminService admin(*db, clock, {QStringLiteral("migrator"), QStringLiteral("tests")});
        qint64 user = 0;
        QVERIFY2(admin.addUser(QStringLiteral("old@example.org"), QStringLiteral("Old"), &user, &error),
                 qPrintable(error));
        const Keys keys = testKeys();
        RotationService rotation(*db, keys, clock, Policy()); // version 1 stores no policy yet
        const LoginResult login
            = rotation.login(QStringLiteral("old@example.org"), StorageFixture::device(QStringLiteral("old")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        db.reset();

        db = openDatabase(m_scratch->spec(), &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->schemaVersion(), Database::latestSchemaVersion());
        QCOMPARE(count(*db, QStringLiteral("SELECT max(version) FROM rotor_schema_version")),
                 Database::latestSchemaVersion());
        QVERIFY(hasIndex(*db, "devices_user"));
        RotationService upgraded(*db, keys, clock);
        clock.advanceMs(Policy::second);
        const RefreshResult refreshed
            = upgraded.refresh(login.tokens.refreshToken, StorageFixture::device(QStringLiteral("old")));
        QVERIFY2(refreshed.ok(), qPrintable(refreshed.error));
        QCOMPARE(outcomeName(refreshed.outcome), "rotated");
        QVERIFY2(checkInvariants(*db, &error), qPrintable(error));
    }

    void newerSchemaRefusedAndUntouched()
    {
        QString error;
        {
            std::unique_ptr<Database> db = openDatabase(m_scratch->spec(), &error);
            QVERIFY2(db, qPrintable(error));
            QVERIFY2(db->exec(QStringLiteral("INSERT INTO rotor_schema_version (version) VALUES (%1)")
                                  .arg(Database::latestSchemaVersion() + 1),
                              &error),
                     qPrintable(error));
        }
        QByteArray before;
        {
            std::unique_ptr<Database> raw = openRaw(&error);
            QVERIFY(!raw); // even a look at a newer schema is refused
            QVERIFY2(error.contains(QLatin1String("newer")), qPrintable(error));
        }
        // Read it through a plain connection instead.
        const auto digestOf = [this](QByteArray *digest, QString *failure) {
            const QString name = QStringLiteral("rotor_test_peek");
            bool ok = false;
            {
                QSqlDatabase peek = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
                const ConnectionSpec spec = m_scratch->spec();
                peek.setHostName(spec.host);
                peek.setPort(spec.port);
                peek.setUserName(spec.userName);
                peek.setDatabaseName(spec.databaseName);
                if (peek.open()) {
                    QSqlQuery query(peek);
                    QCryptographicHash hash(QCryptographicHash::Sha256);
                    ok = query.exec(QStringLiteral(
                             "SELECT string_agg(tablename, ',' ORDER BY tablename) || '|' || "
                             "(SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = "
                             "'public') || '|' || (SELECT string_agg(CAST(version AS text), ',' ORDER BY version) FROM "
                             "rotor_schema_version) FROM pg_tables WHERE schemaname = 'public'"))
                        && query.next();
                    if (ok)
                        *digest = query.value(0).toString().toUtf8();
                    else
                        *failure = query.lastError().text();
                } else {
                    *failure = peek.lastError().text();
                }
                peek.close();
            }
            QSqlDatabase::removeDatabase(name);
            return ok;
        };
        QVERIFY2(digestOf(&before, &error), qPrintable(error));
        QVERIFY2(before.contains(QByteArray::number(Database::latestSchemaVersion() + 1)), before.constData());
        Database db(m_scratch->spec());
        QVERIFY(!db.open(Database::OpenMode::CreateIfMissing, &error));
        QVERIFY2(error.contains(QLatin1String("newer")), qPrintable(error));
        QVERIFY2(error.contains(QString::number(Database::latestSchemaVersion() + 1)), qPrintable(error));
        QVERIFY(!db.isOpen());
        QByteArray after;
        QVERIFY2(digestOf(&after, &error), qPrintable(error));
        QCOMPARE(after, before);
    }

    void foreignTokensTableRefused()
    {
        QString error;
        QVERIFY2(execOn(m_scratch->spec(),
                        {QStringLiteral("CREATE TABLE refresh_tokens (token text PRIMARY KEY, owner text)"),
                         QStringLiteral("INSERT INTO refresh_tokens VALUES ('abc', 'someone else')")},
                        &error),
                 qPrintable(error));
        Database db(m_scratch->spec());
        QVERIFY(!db.open(Database::OpenMode::CreateIfMissing, &error));
        QVERIFY2(error.contains(QLatin1String("not a Rotor database")), qPrintable(error));
        QVERIFY(!db.isOpen());
        // Nothing was added next to the foreign table.
        QString peekError;
        const QString name = QStringLiteral("rotor_test_peek2");
        QStringList tables;
        {
            QSqlDatabase peek = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
            const ConnectionSpec spec = m_scratch->spec();
            peek.setHostName(spec.host);
            peek.setPort(spec.port);
            peek.setUserName(spec.userName);
            peek.setDatabaseName(spec.databaseName);
            QVERIFY(peek.open());
            QSqlQuery query(peek);
            QVERIFY(query.exec(QStringLiteral("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")));
            while (query.next())
                tables << query.value(0).toString();
            QVERIFY(query.exec(QStringLiteral("SELECT count(*), min(owner) FROM refresh_tokens")) && query.next());
            QCOMPARE(query.value(0).toInt(), 1);
            QCOMPARE(query.value(1).toString(), QStringLiteral("someone else"));
        }
        QSqlDatabase::removeDatabase(name);
        QCOMPARE(tables, QStringList {QStringLiteral("refresh_tokens")});
    }
};

QTEST_GUILESS_MAIN(TestPgMigrations)
#include "tst_pgmigrations.moc"
