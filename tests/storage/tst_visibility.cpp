// What one process does, another sees: a replay detected by a driver process is visible (event and revoked family)
// to this process's connections on their next read, and on PostgreSQL a listening connection is told at once.
#include "DriverPool.h"
#include "Invariants.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QSignalSpy>
#include <QSqlDriver>
#include <QtTest>

using namespace rotor;
using namespace rotor::test;

#define CHECKED(call)                                                                                                  \
    call;                                                                                                              \
    if (QTest::currentTestFailed())                                                                                    \
    return

class TestVisibility : public StorageSuite
{
    Q_OBJECT

private:
    // Signs in and rotates once in this process; returns the used token (t0) and the live one (t1).
    void prepareChain(QByteArray *t0, QByteArray *t1, qint64 *family)
    {
        QString error;
        QVERIFY2(m_fx->addUser(QStringLiteral("vic@example.org"), &error) > 0, qPrintable(error));
        const LoginResult login
            = m_fx->rotation->login(QStringLiteral("vic@example.org"), StorageFixture::device(QStringLiteral("vic")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        m_fx->clock.advanceMs(Policy::second);
        const RefreshResult rotated
            = m_fx->rotation->refresh(login.tokens.refreshToken, StorageFixture::device(QStringLiteral("vic")));
        QVERIFY2(rotated.ok(), qPrintable(rotated.error));
        *t0 = login.tokens.refreshToken;
        *t1 = rotated.tokens.refreshToken;
        *family = login.tokens.familyId;
    }

    // Presents the token from another process, after the grace window: a replay. Returns the event id.
    void replayFromAnotherProcess(const QByteArray &token, qint64 *eventId)
    {
        DriverPool pool;
        QString error;
        QVERIFY2(pool.start(m_fx->scratch.location(), 1, &error), qPrintable(error));
        // The driver reads its own system clock, long after this fixture's: the grace window is over.
        pool.sendAll("refresh " + token + ' ' + QByteArray::number(m_fx->policy.graceMs) + " 10.6.6.6 Thief/1");
        QByteArray line;
        QVERIFY2(pool.readLine(0, &line, 30000), "the driver did not answer");
        const QList<QByteArray> words = line.split(' ');
        QVERIFY2(words.size() >= 4 && words.at(0) == "replay_detected" && words.at(3) == "0", line.constData());
        *eventId = words.at(2).toLongLong();
        QVERIFY(*eventId > 0);
    }

private slots:
    void replayVisibleToOtherConnections()
    {
        QByteArray t0, t1;
        qint64 family = 0;
        CHECKED(prepareChain(&t0, &t1, &family));
        QString error;
        std::unique_ptr<Database> observer = m_fx->openAnother(&error);
        QVERIFY2(observer, qPrintable(error));
        // Both connections have read the family as live before the replay.
        QVERIFY(
            scalar(*observer, QStringLiteral("SELECT revoked_at FROM token_families WHERE id = ?"), {family}).isNull());
        const QVariant versionBefore = observer->isPostgres()
            ? QVariant()
            : scalar(*observer, QStringLiteral("PRAGMA data_version"), {}, &error);

        qint64 eventId = 0;
        CHECKED(replayFromAnotherProcess(t0, &eventId));

        for (Database *db : {observer.get(), m_fx->db.get()}) {
            QList<QVariantList> rows;
            QVERIFY2(queryRows(*db, QStringLiteral("SELECT kind, family_id, ip FROM security_events WHERE id = ?"),
                               {eventId}, &rows, &error),
                     qPrintable(error));
            QCOMPARE(rows.size(), 1);
            QCOMPARE(rows.first().at(0).toString(), QString::fromLatin1(event_kind::replayDetected));
            QCOMPARE(rows.first().at(1).toLongLong(), family);
            QCOMPARE(rows.first().at(2).toString(), QStringLiteral("10.6.6.6"));
            QCOMPARE(scalar(*db, QStringLiteral("SELECT revoke_reason FROM token_families WHERE id = ?"), {family})
                         .toString(),
                     QStringLiteral("replay"));
        }
        if (!observer->isPostgres()) {
            // What the console polls on SQLite to learn that another connection committed.
            const QVariant versionAfter = scalar(*observer, QStringLiteral("PRAGMA data_version"), {}, &error);
            QVERIFY2(versionAfter.isValid() && versionBefore.isValid(), qPrintable(error));
            QVERIFY(versionAfter != versionBefore);
        }
        // No state is cached in this process: its next refresh sees the revocation.
        const RefreshResult refused = m_fx->rotation->refresh(t1, StorageFixture::device(QStringLiteral("vic")));
        QVERIFY(!refused.storageFailed);
        QCOMPARE(outcomeName(refused.outcome), "token_revoked");
    }

    void listenerIsNotified()
    {
        if (selectedBackend() != Backend::Postgres)
            QSKIP("NOTIFY is PostgreSQL's; SQLite consoles poll PRAGMA data_version (checked above)");
        QByteArray t0, t1;
        qint64 family = 0;
        CHECKED(prepareChain(&t0, &t1, &family));
        QString error;
        std::unique_ptr<Database> listener = m_fx->openAnother(&error);
        QVERIFY2(listener, qPrintable(error));
        QSqlDriver *driver = listener->handle().driver();
        QVERIFY(driver->hasFeature(QSqlDriver::EventNotifications));
        QVERIFY(driver->subscribeToNotification(QString::fromLatin1(notifyChannel)));
        QSignalSpy spy(driver, &QSqlDriver::notification);
        QVERIFY(spy.isValid());
        const auto payloads = [&spy] {
            QStringList list;
            for (const QList<QVariant> &arguments : spy) {
                if (arguments.at(0).toString() == QLatin1String(notifyChannel))
                    list << arguments.at(2).toString();
            }
            return list;
        };

        qint64 eventId = 0;
        CHECKED(replayFromAnotherProcess(t0, &eventId));
        const QString eventPayload = QStringLiteral("event:%1").arg(eventId);
        const QString familyPayload = QStringLiteral("family:%1").arg(family);
        QTRY_VERIFY_WITH_TIMEOUT(payloads().contains(eventPayload) && payloads().contains(familyPayload), 5000);
        for (const QList<QVariant> &arguments : spy)
            QCOMPARE(arguments.at(1).value<QSqlDriver::NotificationSource>(), QSqlDriver::OtherSource);

        // An administrator's revocation in this process is announced as well.
        spy.clear();
        const LoginResult second
            = m_fx->rotation->login(QStringLiteral("vic@example.org"), StorageFixture::device(QStringLiteral("vic-2")));
        QVERIFY2(second.ok(), qPrintable(second.error));
        QVERIFY2(m_fx->admin->revokeFamily(second.tokens.familyId, QStringLiteral("test"), &error), qPrintable(error));
        const qint64 adminEvent = count(*m_fx->db, QStringLiteral("SELECT max(id) FROM security_events"));
        QTRY_VERIFY_WITH_TIMEOUT(payloads().contains(QStringLiteral("family:%1").arg(second.tokens.familyId))
                                     && payloads().contains(QStringLiteral("event:%1").arg(adminEvent)),
                                 5000);
        // A refused write (already revoked) rolls back, and announces nothing.
        spy.clear();
        QVERIFY(!m_fx->admin->revokeFamily(second.tokens.familyId, QStringLiteral("again"), &error));
        // A plain rotation is not an event: nothing is announced. Prove the channel is idle with a marker.
        m_fx->clock.advanceMs(Policy::second);
        const LoginResult third
            = m_fx->rotation->login(QStringLiteral("vic@example.org"), StorageFixture::device(QStringLiteral("vic-3")));
        QVERIFY2(third.ok(), qPrintable(third.error));
        QVERIFY(
            m_fx->rotation->refresh(third.tokens.refreshToken, StorageFixture::device(QStringLiteral("vic-3"))).ok());
        QVERIFY2(m_fx->db->exec(QStringLiteral("SELECT pg_notify('rotor_events', 'marker')"), &error),
                 qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(payloads().contains(QStringLiteral("marker")), 5000);
        QCOMPARE(payloads(), QStringList {QStringLiteral("marker")});
    }
};

QTEST_GUILESS_MAIN(TestVisibility)
#include "tst_visibility.moc"
