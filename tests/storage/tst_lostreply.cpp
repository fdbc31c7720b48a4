// The reply to a commit lost on the network (PostgreSQL): the server committed, the client saw the connection drop.
// The library's own retry must return what was committed: the rotation (never a replay of its own token, even with
// no grace window), the sign-in (never a second, orphan family), the revocation (never "already revoked"), the
// replay (recorded once). A real loss: a proxy between the library and the server forwards the statement, waits
// for the server's complete answer, and drops the connection instead of passing it on.
#include "Crypto.h"
#include "Invariants.h"
#include "LostReplyProxy.h"
#include "RefreshToken.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QtTest>

using namespace rotor;
using namespace rotor::test;

class TestLostReply : public StorageSuite
{
    Q_OBJECT

private:
    LostReplyProxy m_proxy;
    std::unique_ptr<Database> m_proxied; // the library's connection, through the proxy

    qint64 eventCount(const char *kind)
    {
        return count(*m_fx->db, QStringLiteral("SELECT count(*) FROM security_events WHERE kind = ?"),
                     {QString::fromLatin1(kind)});
    }

private slots:
    void init()
    {
        QString error;
        Policy noGrace;
        noGrace.graceMs = 0; // so that a retry judged like a second presentation would be a replay
        QVERIFY2(startFixture(&error, noGrace), qPrintable(error));
        QVERIFY2(m_fx->addUser(QStringLiteral("lou@example.org"), &error) > 0, qPrintable(error));
        QVERIFY2(m_proxy.port() || m_proxy.start(m_fx->scratch.spec().host, m_fx->scratch.spec().port, &error),
                 qPrintable(error));
        ConnectionSpec spec = m_fx->scratch.spec();
        spec.port = m_proxy.port();
        spec.sslMode = QStringLiteral("disable");
        m_proxied = openDatabase(spec, &error, -1, Database::OpenMode::OpenExisting);
        QVERIFY2(m_proxied, qPrintable(error));
    }

    void cleanup() { m_proxied.reset(); }

    void rotationReplyLost_data()
    {
        QTest::addColumn<bool>("serverSawIt");
        QTest::newRow("the server committed, the answer was lost") << true;
        QTest::newRow("the statement never reached the server") << false;
    }

    void rotationReplyLost()
    {
        QFETCH(bool, serverSawIt);
        RotationService direct(*m_fx->db, m_fx->keys, m_fx->clock, m_fx->policy);
        const LoginResult login
            = direct.login(QStringLiteral("lou@example.org"), StorageFixture::device(QStringLiteral("lou")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        m_fx->clock.advanceMs(Policy::second);

        RotationService server(*m_proxied, m_fx->keys, m_fx->clock, m_fx->policy);
        const int dropsBefore = m_proxy.drops();
        // The hot path binds the token's hash as raw bytes.
        m_proxy.arm(refresh_token::hashOf(login.tokens.refreshToken), serverSawIt);
        const RefreshResult result
            = server.refresh(login.tokens.refreshToken, StorageFixture::device(QStringLiteral("lou")));
        QCOMPARE(m_proxy.drops(), dropsBefore + 1);
        QVERIFY2(!result.storageFailed, qPrintable(result.error));
        QCOMPARE(outcomeName(result.outcome), outcomeName(Outcome::Rotate));
        QCOMPARE(result.tokens.refreshToken,
                 refresh_token::successorOf(login.tokens.refreshToken, m_fx->keys.rotationKey()));
        QCOMPARE(result.tokens.generation, 1);
        QVERIFY(!result.tokens.accessToken.isEmpty());
        // One rotation happened, nothing was taken for a replay, and the session goes on.
        QCOMPARE(eventCount(event_kind::replayDetected), 0);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ?"),
                       {login.tokens.familyId}),
                 2);
        m_fx->clock.advanceMs(Policy::second);
        const RefreshResult next
            = direct.refresh(result.tokens.refreshToken, StorageFixture::device(QStringLiteral("lou")));
        QCOMPARE(outcomeName(next.outcome), outcomeName(Outcome::Rotate));
    }

    void signInCommitReplyLost_data()
    {
        QTest::addColumn<bool>("serverSawIt");
        QTest::newRow("committed, answer lost") << true;
        QTest::newRow("COMMIT never arrived") << false;
    }

    void signInCommitReplyLost()
    {
        QFETCH(bool, serverSawIt);
        RotationService server(*m_proxied, m_fx->keys, m_fx->clock, m_fx->policy);
        m_proxy.arm("COMMIT", serverSawIt);
        const int dropsBefore = m_proxy.drops();
        const LoginResult login
            = server.login(QStringLiteral("lou@example.org"), StorageFixture::device(QStringLiteral("lou")));
        QCOMPARE(m_proxy.drops(), dropsBefore + 1);
        QVERIFY2(login.ok(), qPrintable(login.error));
        // Exactly one session, the one handed out: no orphan from a second run of the sign-in.
        QList<QVariantList> families;
        QString error;
        QVERIFY2(queryRows(*m_fx->db, QStringLiteral("SELECT id FROM token_families"), {}, &families, &error),
                 qPrintable(error));
        QCOMPARE(families.size(), 1);
        QCOMPARE(families.first().first().toLongLong(), login.tokens.familyId);
        RotationService direct(*m_fx->db, m_fx->keys, m_fx->clock, m_fx->policy);
        m_fx->clock.advanceMs(Policy::second);
        QCOMPARE(outcomeName(
                     direct.refresh(login.tokens.refreshToken, StorageFixture::device(QStringLiteral("lou"))).outcome),
                 outcomeName(Outcome::Rotate));
    }

    void revocationCommitReplyLost()
    {
        RotationService direct(*m_fx->db, m_fx->keys, m_fx->clock, m_fx->policy);
        const LoginResult login
            = direct.login(QStringLiteral("lou@example.org"), StorageFixture::device(QStringLiteral("lou")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        AdminService admin(*m_proxied, m_fx->clock, m_fx->actor);
        m_proxy.arm("COMMIT");
        const int dropsBefore = m_proxy.drops();
        QString error;
        QVERIFY2(admin.revokeFamily(login.tokens.familyId, QStringLiteral("lost phone"), &error), qPrintable(error));
        QCOMPARE(m_proxy.drops(), dropsBefore + 1);
        QCOMPARE(eventCount(event_kind::familyRevoked), 1);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM audit_log WHERE action = 'revoke-family'")), 1);
    }

    void replayCommitReplyLost()
    {
        RotationService direct(*m_fx->db, m_fx->keys, m_fx->clock, m_fx->policy);
        const LoginResult login
            = direct.login(QStringLiteral("lou@example.org"), StorageFixture::device(QStringLiteral("lou")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        m_fx->clock.advanceMs(Policy::second);
        QVERIFY(direct.refresh(login.tokens.refreshToken, StorageFixture::device(QStringLiteral("lou"))).ok());
        m_fx->clock.advanceMs(Policy::second);

        RotationService server(*m_proxied, m_fx->keys, m_fx->clock, m_fx->policy);
        m_proxy.arm("COMMIT");
        const int dropsBefore = m_proxy.drops();
        const RefreshResult replay
            = server.refresh(login.tokens.refreshToken, StorageFixture::device(QStringLiteral("thief")));
        QCOMPARE(m_proxy.drops(), dropsBefore + 1);
        QVERIFY2(!replay.storageFailed, qPrintable(replay.error));
        QCOMPARE(outcomeName(replay.outcome), outcomeName(Outcome::Replay));
        // Recorded once, and the event handed back is the one stored.
        QCOMPARE(eventCount(event_kind::replayDetected), 1);
        QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT id FROM security_events WHERE kind = ?"),
                        {QString::fromLatin1(event_kind::replayDetected)})
                     .toLongLong(),
                 replay.eventId);
    }
};

QTEST_GUILESS_MAIN(TestLostReply)
#include "tst_lostreply.moc"
