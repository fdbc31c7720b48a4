// The hot path on PostgreSQL is one statement, one round trip: counted by the server itself (pg_stat_statements,
// preloaded by the sandbox with track = all), on a warm connection whose statements are already prepared.
#include "Invariants.h"
#include "TestSupport.h"

#include <QtTest>

using namespace rotor;
using namespace rotor::test;

class TestHotPath : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<StorageFixture> m_fx;
    std::unique_ptr<Database> m_meter; // on the server's maintenance database: its own queries are not counted

    bool statements(qint64 dbid, qint64 *calls, QStringList *listing, QString *error)
    {
        QList<QVariantList> rows;
        if (!queryRows(*m_meter,
                       QStringLiteral("SELECT calls, regexp_replace(left(query, 60), '\\s+', ' ', 'g') "
                                      "FROM pg_stat_statements WHERE toplevel AND dbid = ? ORDER BY calls DESC"),
                       {dbid}, &rows, error))
            return false;
        *calls = 0;
        listing->clear();
        for (const QVariantList &row : rows) {
            *calls += row.at(0).toLongLong();
            *listing << QStringLiteral("%1 x %2").arg(row.at(0).toLongLong()).arg(row.at(1).toString());
        }
        return true;
    }

private slots:
    void initTestCase() { QCOMPARE(selectedBackend(), Backend::Postgres); }

    void init()
    {
        m_fx = std::make_unique<StorageFixture>();
        QString error;
        QVERIFY2(m_fx->setUp(&error), qPrintable(error));
        m_meter = std::make_unique<Database>(m_fx->scratch.serverSpec());
        QVERIFY2(m_meter->open(Database::OpenMode::OpenExisting, &error, 0), qPrintable(error));
        // Another suite may create it at the same time: a duplicate is fine as long as it exists afterwards.
        m_meter->exec(QStringLiteral("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"), &error);
        QCOMPARE(count(*m_meter,
                       QStringLiteral("SELECT count(*) FROM pg_extension WHERE extname = "
                                      "'pg_stat_statements'")),
                 1);
        QCOMPARE(scalar(*m_meter, QStringLiteral("SELECT current_setting('pg_stat_statements.track')")).toString(),
                 QStringLiteral("all"));
    }

    void cleanup()
    {
        if (m_fx && m_fx->db && m_fx->db->isOpen()) {
            QString failure;
            QVERIFY2(checkInvariants(*m_fx->db, &failure), qPrintable(failure));
        }
        m_meter.reset();
        m_fx.reset();
    }

    void rotationIsOneStatement()
    {
        QString error;
        QVERIFY2(m_fx->addUser(QStringLiteral("fast@example.org"), &error) > 0, qPrintable(error));
        const DeviceInfo device = StorageFixture::device(QStringLiteral("fast"));
        const LoginResult login = m_fx->rotation->login(QStringLiteral("fast@example.org"), device);
        QVERIFY2(login.ok(), qPrintable(login.error));
        QByteArray token = login.tokens.refreshToken;
        // Warm up: the hot path statement gets prepared on this connection.
        m_fx->clock.advanceMs(Policy::second);
        RefreshResult result = m_fx->rotation->refresh(token, device);
        QVERIFY2(result.ok(), qPrintable(result.error));
        token = result.tokens.refreshToken;

        const qint64 dbid = count(*m_meter, QStringLiteral("SELECT oid FROM pg_database WHERE datname = ?"),
                                  {m_fx->scratch.spec().databaseName});
        QVERIFY(dbid > 0);
        QVERIFY2(m_meter->exec(QStringLiteral("SELECT pg_stat_statements_reset(0, %1, 0)").arg(dbid), &error),
                 qPrintable(error));
        qint64 calls = -1;
        QStringList listing;
        QVERIFY2(statements(dbid, &calls, &listing, &error), qPrintable(error));
        QCOMPARE(calls, 0);

        constexpr int rotations = 200;
        for (int i = 0; i < rotations; ++i) {
            m_fx->clock.advanceMs(Policy::second);
            result = m_fx->rotation->refresh(token, device);
            QVERIFY2(result.ok(), qPrintable(result.error));
            QCOMPARE(result.outcome, Outcome::Rotate);
            token = result.tokens.refreshToken;
        }
        QVERIFY2(statements(dbid, &calls, &listing, &error), qPrintable(error));
        qInfo("%d rotations: %lld top-level statements (%.2f per refresh):\n  %s", rotations, calls,
              double(calls) / rotations, qPrintable(listing.join(QLatin1String("\n  "))));
        QCOMPARE(calls, qint64(rotations));
        QCOMPARE(listing.size(), 1);

        // For comparison, the rare path (a grace retry) reads the state and decides in a transaction.
        QVERIFY2(m_meter->exec(QStringLiteral("SELECT pg_stat_statements_reset(0, %1, 0)").arg(dbid), &error),
                 qPrintable(error));
        m_fx->clock.advanceMs(Policy::second);
        const QByteArray before = token;
        result = m_fx->rotation->refresh(before, device);
        QVERIFY(result.ok());
        QVERIFY2(m_meter->exec(QStringLiteral("SELECT pg_stat_statements_reset(0, %1, 0)").arg(dbid), &error),
                 qPrintable(error));
        result = m_fx->rotation->refresh(before, device);
        QCOMPARE(result.outcome, Outcome::GraceRetry);
        QVERIFY2(statements(dbid, &calls, &listing, &error), qPrintable(error));
        qInfo("a grace retry: %lld top-level statements (BEGIN/COMMIT included)", calls);
    }
};

QTEST_GUILESS_MAIN(TestHotPath)
#include "tst_hotpath.moc"
