#include "ConnectionSpec.h"

#include <QTest>

using namespace rotor;

Q_DECLARE_METATYPE(rotor::Backend)

class TestConnectionSpec : public QObject
{
    Q_OBJECT

private slots:
    void sqlitePaths_data();
    void sqlitePaths();
    void postgresUris_data();
    void postgresUris();
    void refused_data();
    void refused();
    void readOnlyIsKept();
    void displayNameNeverShowsThePassword_data();
    void displayNameNeverShowsThePassword();
    void sqliteFactory();
};

void TestConnectionSpec::sqlitePaths_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("path");
    QTest::newRow("absolute") << QStringLiteral("/var/lib/rotor/rotor.sqlite")
                              << QStringLiteral("/var/lib/rotor/rotor.sqlite");
    QTest::newRow("relative") << QStringLiteral("data/rotor.db") << QStringLiteral("data/rotor.db");
    QTest::newRow("bare name") << QStringLiteral("rotor.sqlite") << QStringLiteral("rotor.sqlite");
    QTest::newRow("surrounding blanks trimmed")
        << QStringLiteral("  /tmp/a.sqlite \n") << QStringLiteral("/tmp/a.sqlite");
    QTest::newRow("space inside kept") << QStringLiteral("/tmp/my data/a.sqlite")
                                       << QStringLiteral("/tmp/my data/a.sqlite");
    QTest::newRow("colon in a path") << QStringLiteral("/tmp/a:b.sqlite") << QStringLiteral("/tmp/a:b.sqlite");
    QTest::newRow("non-ASCII") << QStringLiteral("/tmp/d\u00e9mo.sqlite") << QStringLiteral("/tmp/d\u00e9mo.sqlite");
}

void TestConnectionSpec::sqlitePaths()
{
    QFETCH(QString, text);
    QFETCH(QString, path);
    ConnectionSpec spec;
    QString error;
    QVERIFY2(ConnectionSpec::parse(text, &spec, &error), qPrintable(error));
    QCOMPARE(spec.backend, Backend::Sqlite);
    QCOMPARE(spec.sqlitePath, path);
    QCOMPARE(spec.displayName(), path);
}

void TestConnectionSpec::postgresUris_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("sslMode");

    QTest::newRow("host and database") << QStringLiteral("postgresql://db.example.com/rotor")
                                       << QStringLiteral("db.example.com") << 5432 << QStringLiteral("rotor")
                                       << QString() << QString() << QString();
    QTest::newRow("postgres:// scheme") << QStringLiteral("postgres://db.example.com/rotor")
                                        << QStringLiteral("db.example.com") << 5432 << QStringLiteral("rotor")
                                        << QString() << QString() << QString();
    QTest::newRow("user, no password") << QStringLiteral("postgresql://alice@db/rotor") << QStringLiteral("db") << 5432
                                       << QStringLiteral("rotor") << QStringLiteral("alice") << QString() << QString();
    QTest::newRow("user and password") << QStringLiteral("postgresql://alice:hunter2@db:5433/rotor")
                                       << QStringLiteral("db") << 5433 << QStringLiteral("rotor")
                                       << QStringLiteral("alice") << QStringLiteral("hunter2") << QString();
    QTest::newRow("percent-encoded password")
        << QStringLiteral("postgresql://alice:p%40ss%3Aw%2Frd%25x@db/rotor") << QStringLiteral("db") << 5432
        << QStringLiteral("rotor") << QStringLiteral("alice") << QStringLiteral("p@ss:w/rd%x") << QString();
    QTest::newRow("percent-encoded user and database")
        << QStringLiteral("postgres://me%40corp:pw@db/my%20db") << QStringLiteral("db") << 5432
        << QStringLiteral("my db") << QStringLiteral("me@corp") << QStringLiteral("pw") << QString();
    QTest::newRow("port") << QStringLiteral("postgresql://db:6543/rotor") << QStringLiteral("db") << 6543
                          << QStringLiteral("rotor") << QString() << QString() << QString();
    QTest::newRow("no host means localhost") << QStringLiteral("postgresql:///rotor") << QStringLiteral("localhost")
                                             << 5432 << QStringLiteral("rotor") << QString() << QString() << QString();
    QTest::newRow("nothing but the scheme") << QStringLiteral("postgresql://") << QStringLiteral("localhost") << 5432
                                            << QStringLiteral("postgres") << QString() << QString() << QString();
    QTest::newRow("no database: the user's name")
        << QStringLiteral("postgresql://alice@db") << QStringLiteral("db") << 5432 << QStringLiteral("alice")
        << QStringLiteral("alice") << QString() << QString();
    QTest::newRow("no database, no user: postgres")
        << QStringLiteral("postgresql://db:5000") << QStringLiteral("db") << 5000 << QStringLiteral("postgres")
        << QString() << QString() << QString();
    QTest::newRow("IPv6 host") << QStringLiteral("postgresql://[::1]:5432/rotor") << QStringLiteral("::1") << 5432
                               << QStringLiteral("rotor") << QString() << QString() << QString();
    const char *modes[] = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
    for (const char *mode : modes) {
        QTest::addRow("sslmode=%s", mode)
            << QStringLiteral("postgresql://u:secret@db/rotor?sslmode=") + QLatin1String(mode) << QStringLiteral("db")
            << 5432 << QStringLiteral("rotor") << QStringLiteral("u") << QStringLiteral("secret")
            << QString::fromLatin1(mode);
    }
}

void TestConnectionSpec::postgresUris()
{
    QFETCH(QString, text);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, database);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, sslMode);
    ConnectionSpec spec;
    QString error;
    QVERIFY2(ConnectionSpec::parse(text, &spec, &error), qPrintable(error));
    QCOMPARE(spec.backend, Backend::Postgres);
    QCOMPARE(spec.host, host);
    QCOMPARE(spec.port, port);
    QCOMPARE(spec.databaseName, database);
    QCOMPARE(spec.userName, user);
    QCOMPARE(spec.password, password);
    QCOMPARE(spec.sslMode, sslMode);
    QVERIFY(spec.sqlitePath.isEmpty());

    // What is shown parses back to the same place (without the password).
    ConnectionSpec shown;
    QVERIFY2(ConnectionSpec::parse(spec.displayName(), &shown, &error), qPrintable(error + spec.displayName()));
    QCOMPARE(shown.backend, Backend::Postgres);
    QCOMPARE(shown.host, spec.host);
    QCOMPARE(shown.port, spec.port);
    QCOMPARE(shown.databaseName, spec.databaseName);
    QCOMPARE(shown.userName, spec.userName);
    QCOMPARE(shown.sslMode, spec.sslMode);
    QVERIFY(shown.password.isEmpty());
}

void TestConnectionSpec::refused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message"); // a word the error must contain

    QTest::newRow("empty") << QString() << QStringLiteral("no database");
    QTest::newRow("blank") << QStringLiteral("   ") << QStringLiteral("no database");
    QTest::newRow("mysql") << QStringLiteral("mysql://u@h/db") << QStringLiteral("unsupported");
    QTest::newRow("sqlite URI") << QStringLiteral("sqlite:///tmp/a.db") << QStringLiteral("unsupported");
    QTest::newRow("http") << QStringLiteral("https://example.com/") << QStringLiteral("unsupported");
    QTest::newRow("invalid sslmode") << QStringLiteral("postgresql://db/rotor?sslmode=maybe")
                                     << QStringLiteral("sslmode");
    QTest::newRow("empty sslmode") << QStringLiteral("postgresql://db/rotor?sslmode=") << QStringLiteral("sslmode");
    QTest::newRow("sslmode in capitals") << QStringLiteral("postgresql://db/rotor?sslmode=REQUIRE")
                                         << QStringLiteral("sslmode");
    QTest::newRow("unknown parameter") << QStringLiteral("postgresql://db/rotor?connect_timeout=5")
                                       << QStringLiteral("connect_timeout");
    QTest::newRow("unknown parameter after sslmode")
        << QStringLiteral("postgresql://db/rotor?sslmode=require&application_name=x")
        << QStringLiteral("application_name");
    QTest::newRow("parameter name in capitals")
        << QStringLiteral("postgresql://db/rotor?SSLMODE=require") << QStringLiteral("SSLMODE");
    QTest::newRow("port 0") << QStringLiteral("postgresql://db:0/rotor") << QStringLiteral("port");
    QTest::newRow("port too large") << QStringLiteral("postgresql://db:70000/rotor") << QStringLiteral("PostgreSQL");
    QTest::newRow("port not a number") << QStringLiteral("postgresql://db:abc/rotor") << QStringLiteral("PostgreSQL");
    QTest::newRow("database with a slash") << QStringLiteral("postgresql://db/a/b") << QStringLiteral("database");
}

void TestConnectionSpec::refused()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    ConnectionSpec spec;
    spec.sqlitePath = QStringLiteral("untouched");
    QString error;
    QVERIFY(!ConnectionSpec::parse(text, &spec, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QCOMPARE(spec.backend, Backend::Sqlite);
    QCOMPARE(spec.sqlitePath, QStringLiteral("untouched"));
}

void TestConnectionSpec::readOnlyIsKept()
{
    ConnectionSpec spec;
    spec.readOnly = true;
    QString error;
    QVERIFY(ConnectionSpec::parse(QStringLiteral("/tmp/a.sqlite"), &spec, &error));
    QVERIFY(spec.readOnly);
    QVERIFY(ConnectionSpec::parse(QStringLiteral("postgresql://db/rotor"), &spec, &error));
    QVERIFY(spec.readOnly);
    ConnectionSpec writable;
    QVERIFY(ConnectionSpec::parse(QStringLiteral("postgresql://db/rotor"), &writable, &error));
    QVERIFY(!writable.readOnly);
}

void TestConnectionSpec::displayNameNeverShowsThePassword_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("shown"); // the expected display name
    QTest::newRow("plain") << QStringLiteral("postgresql://alice:Sw0rdfish@db.example.com:5433/rotor")
                           << QStringLiteral("Sw0rdfish")
                           << QStringLiteral("postgresql://alice@db.example.com:5433/rotor");
    QTest::newRow("encoded") << QStringLiteral("postgres://alice:p%40ss%3Aw0rd@db/rotor?sslmode=require")
                             << QStringLiteral("p@ss:w0rd")
                             << QStringLiteral("postgresql://alice@db:5432/rotor?sslmode=require");
    QTest::newRow("password, no user") << QStringLiteral("postgresql://:T0pSecret@db/rotor")
                                       << QStringLiteral("T0pSecret") << QStringLiteral("postgresql://db:5432/rotor");
}

void TestConnectionSpec::displayNameNeverShowsThePassword()
{
    QFETCH(QString, text);
    QFETCH(QString, password);
    QFETCH(QString, shown);
    ConnectionSpec spec;
    QString error;
    QVERIFY2(ConnectionSpec::parse(text, &spec, &error), qPrintable(error));
    QCOMPARE(spec.password, password);
    const QString display = spec.displayName();
    QCOMPARE(display, shown);
    QVERIFY(!display.contains(password));
    QVERIFY(!display.contains(QLatin1String("%40ss")));
    QVERIFY(!display.contains(QLatin1String("w0rd")));
}

void TestConnectionSpec::sqliteFactory()
{
    const ConnectionSpec spec = ConnectionSpec::sqlite(QStringLiteral("/tmp/x.sqlite"), true);
    QCOMPARE(spec.backend, Backend::Sqlite);
    QCOMPARE(spec.sqlitePath, QStringLiteral("/tmp/x.sqlite"));
    QVERIFY(spec.readOnly);
    QCOMPARE(spec.displayName(), QStringLiteral("/tmp/x.sqlite"));
    QVERIFY(!ConnectionSpec::sqlite(QStringLiteral("a")).readOnly);
}

QTEST_GUILESS_MAIN(TestConnectionSpec)
#include "tst_connectionspec.moc"
