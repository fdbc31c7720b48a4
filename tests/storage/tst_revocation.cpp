// "Why was this session revoked?" against a real database: for each way a session is revoked (replay, an
// administrator, every session of the user, deactivation, erasure, the client's own sign-out) the one sentence names
// what revoked it, when, who or which event, from where, and cites the very event and audit entry stored for it
// (found here with the tests' own SQL). A session that is not revoked gets a sentence that says so.
#include "Catalog.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QDateTime>
#include <QtTest>

using namespace rotor;
using namespace rotor::test;

namespace {
constexpr qint64 second = Policy::second;
constexpr qint64 day = Policy::day;

QString utc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
}
} // namespace

#define CHECKED(call)                                                                                                  \
    call;                                                                                                              \
    if (QTest::currentTestFailed())                                                                                    \
    return

class TestRevocation : public StorageSuite
{
    Q_OBJECT

private:
    struct Session
    {
        qint64 userId = 0;
        qint64 familyId = 0;
        QList<QByteArray> tokens;
    };

    void signIn(const QString &name, int rotations, Session *session)
    {
        QString error;
        const QString email = name + QStringLiteral("@example.org");
        if (count(*m_fx->db, QStringLiteral("SELECT count(*) FROM users WHERE email = ?"), {email}) == 0)
            QVERIFY2(m_fx->addUser(email, &error) > 0, qPrintable(error));
        const LoginResult login = m_fx->rotation->login(email, StorageFixture::device(name));
        QVERIFY2(login.ok(), qPrintable(login.error));
        session->userId = login.tokens.userId;
        session->familyId = login.tokens.familyId;
        session->tokens = {login.tokens.refreshToken};
        for (int i = 0; i < rotations; ++i) {
            m_fx->clock.advanceMs(60 * second);
            const RefreshResult rotated = m_fx->rotation->refresh(session->tokens.last(), StorageFixture::device(name));
            QCOMPARE(rotated.outcome, Outcome::Rotate);
            session->tokens << rotated.tokens.refreshToken;
        }
    }

    void explain(qint64 familyId, RevocationExplanation *explanation)
    {
        Catalog catalog(*m_fx->db, m_fx->clock);
        QString error;
        QVERIFY2(catalog.explainRevocation(familyId, explanation, &error), qPrintable(error));
        QVERIFY(!explanation->sentence.isEmpty());
        // One sentence: no line breaks, one full stop at the end.
        QVERIFY2(!explanation->sentence.contains(QLatin1Char('\n')), qPrintable(explanation->sentence));
        QVERIFY2(explanation->sentence.endsWith(QLatin1Char('.')), qPrintable(explanation->sentence));
    }

    qint64 revokedAt(qint64 familyId)
    {
        return count(*m_fx->db, QStringLiteral("SELECT revoked_at FROM token_families WHERE id = ?"), {familyId});
    }

    qint64 lastEventId(const char *kind)
    {
        return count(*m_fx->db, QStringLiteral("SELECT max(id) FROM security_events WHERE kind = ?"),
                     {QString::fromLatin1(kind)});
    }

    qint64 lastAuditId(const QString &action)
    {
        return count(*m_fx->db, QStringLiteral("SELECT max(id) FROM audit_log WHERE action = ?"), {action});
    }

    // An administrator's action: who, from where, why, and the event and audit entry it wrote.
    void checkAdministratorSentence(const Session &session, const QString &email, const QString &device,
                                    const QString &deed, const QString &reason, const char *eventKind,
                                    const QString &auditAction)
    {
        RevocationExplanation explanation;
        CHECKED(explain(session.familyId, &explanation));
        QVERIFY(explanation.revoked);
        QCOMPARE(explanation.eventId, lastEventId(eventKind));
        QCOMPARE(explanation.auditEntryId, lastAuditId(auditAction));
        QVERIFY(explanation.eventId > 0 && explanation.auditEntryId > 0);
        const QString expected
            = QStringLiteral("Session %1 (%2, %3) was revoked on %4 %5 the administrator test-admin "
                             "from test-host%6, giving the reason \u201c%7\u201d (event %8, audit "
                             "entry %9).")
                  .arg(QString::number(session.familyId), email, device, utc(revokedAt(session.familyId)),
                       deed.section(QLatin1Char('|'), 0, 0), deed.section(QLatin1Char('|'), 1), reason,
                       QString::number(explanation.eventId), QString::number(explanation.auditEntryId));
        QCOMPARE(explanation.sentence, expected);
    }

private slots:
    void replay()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("alice"), 2, &session));
        m_fx->clock.advanceMs(2 * 60 * second);
        const DeviceInfo thief {QStringLiteral("thief-device"), QString(), QStringLiteral("203.0.113.9"),
                                QStringLiteral("python-requests/2.31.0")};
        const RefreshResult replay = m_fx->rotation->refresh(session.tokens.at(0), thief);
        QCOMPARE(replay.outcome, Outcome::Replay);

        RevocationExplanation explanation;
        CHECKED(explain(session.familyId, &explanation));
        QVERIFY(explanation.revoked);
        QCOMPARE(explanation.eventId, replay.eventId);
        QCOMPARE(explanation.auditEntryId, qint64(0));
        const DeviceInfo alice = StorageFixture::device(QStringLiteral("alice"));
        const QString verdictReason
            = scalar(*m_fx->db, QStringLiteral("SELECT verdict_reason FROM security_events WHERE id = ?"),
                     {replay.eventId})
                  .toString();
        QVERIFY(!verdictReason.isEmpty());
        // Signed in at the fixture's start, generation 0 used a minute later, replayed three minutes after that.
        QCOMPARE(explanation.sentence,
                 QStringLiteral("Session %1 (alice@example.org, alice's laptop) was revoked on 2023-11-14 22:17:20 UTC "
                                "by replay detection: generation 0 was presented again from 203.0.113.9 "
                                "(python-requests/2.31.0) 3 min after its use from %2 (Agent/alice), while "
                                "generation 2 was current \u2014 likely a second party (theft): %3 (event %4).")
                     .arg(QString::number(session.familyId), alice.ip, verdictReason, QString::number(replay.eventId)));

        // Events are kept for a while only: once the replay's is purged, the sentence says so instead of guessing.
        QList<QVariantList> ignored;
        QString error;
        QVERIFY2(queryRows(*m_fx->db, QStringLiteral("DELETE FROM security_events WHERE family_id = ?"),
                           {session.familyId}, &ignored, &error),
                 qPrintable(error));
        CHECKED(explain(session.familyId, &explanation));
        QCOMPARE(explanation.eventId, qint64(0));
        QVERIFY2(explanation.sentence.endsWith(
                     QStringLiteral("by replay detection (the event that recorded it is no longer on record).")),
                 qPrintable(explanation.sentence));
    }

    // A second replay of a revoked session is recorded too, but it is not what revoked it.
    void laterReplayIsNotTheCause()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("bob"), 2, &session));
        m_fx->clock.advanceMs(60 * second);
        const RefreshResult first
            = m_fx->rotation->refresh(session.tokens.at(0), StorageFixture::device(QStringLiteral("eve")));
        QCOMPARE(first.outcome, Outcome::Replay);
        m_fx->clock.advanceMs(60 * second);
        const RefreshResult second_
            = m_fx->rotation->refresh(session.tokens.at(1), StorageFixture::device(QStringLiteral("mallory")));
        QCOMPARE(second_.outcome, Outcome::Replay);
        QVERIFY(second_.eventId > first.eventId);
        RevocationExplanation explanation;
        CHECKED(explain(session.familyId, &explanation));
        QCOMPARE(explanation.eventId, first.eventId);
        QVERIFY2(explanation.sentence.contains(StorageFixture::device(QStringLiteral("eve")).ip),
                 qPrintable(explanation.sentence));
    }

    void administrator()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("carol"), 1, &session));
        m_fx->clock.advanceMs(second);
        QString error;
        QVERIFY2(m_fx->admin->revokeFamily(session.familyId, QStringLiteral("stolen laptop"), &error),
                 qPrintable(error));
        CHECKED(checkAdministratorSentence(
            session, QStringLiteral("carol@example.org"), QStringLiteral("carol's laptop"), QStringLiteral("by|"),
            QStringLiteral("stolen laptop"), event_kind::familyRevoked, QStringLiteral("revoke-family")));
    }

    void everySessionOfTheUser()
    {
        Session laptop, phone;
        CHECKED(signIn(QStringLiteral("dave"), 1, &laptop));
        CHECKED(signIn(QStringLiteral("dave"), 0, &phone));
        m_fx->clock.advanceMs(second);
        QString error;
        int revoked = 0;
        QVERIFY2(m_fx->admin->revokeUser(laptop.userId, QStringLiteral("password reset"), &revoked, &error),
                 qPrintable(error));
        QCOMPARE(revoked, 2);
        for (const Session &session : {laptop, phone}) {
            CHECKED(checkAdministratorSentence(
                session, QStringLiteral("dave@example.org"), QStringLiteral("dave's laptop"),
                QStringLiteral("when| revoked every session of the user"), QStringLiteral("password reset"),
                event_kind::userRevoked, QStringLiteral("revoke-user")));
        }
    }

    void deactivation()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("erin"), 1, &session));
        m_fx->clock.advanceMs(second);
        QString error;
        QVERIFY2(m_fx->admin->setUserActive(session.userId, false, QStringLiteral("left the company"), &error),
                 qPrintable(error));
        CHECKED(checkAdministratorSentence(session, QStringLiteral("erin@example.org"), QStringLiteral("erin's laptop"),
                                           QStringLiteral("when| deactivated the user"),
                                           QStringLiteral("left the company"), event_kind::userDeactivated,
                                           QStringLiteral("deactivate-user")));
        // Reactivated and deactivated again: each session is explained by the deactivation that revoked it.
        QVERIFY2(m_fx->admin->setUserActive(session.userId, true, QStringLiteral("back"), &error), qPrintable(error));
        m_fx->clock.advanceMs(day);
        Session again;
        CHECKED(signIn(QStringLiteral("erin"), 0, &again));
        m_fx->clock.advanceMs(second);
        QVERIFY2(m_fx->admin->setUserActive(session.userId, false, QStringLiteral("left again"), &error),
                 qPrintable(error));
        RevocationExplanation first, second_;
        CHECKED(explain(session.familyId, &first));
        CHECKED(explain(again.familyId, &second_));
        QVERIFY(first.eventId < second_.eventId);
        QVERIFY(first.auditEntryId < second_.auditEntryId);
        QVERIFY2(first.sentence.contains(QStringLiteral("\u201cleft the company\u201d")), qPrintable(first.sentence));
        QVERIFY2(second_.sentence.contains(QStringLiteral("\u201cleft again\u201d")), qPrintable(second_.sentence));
    }

    void erasure()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("frank"), 1, &session));
        m_fx->clock.advanceMs(second);
        QString error;
        int revoked = 0;
        QVERIFY2(m_fx->admin->eraseUser(session.userId, QStringLiteral("erasure request"), &revoked, &error),
                 qPrintable(error));
        const qint64 deviceId
            = count(*m_fx->db, QStringLiteral("SELECT device_id FROM token_families WHERE id = ?"), {session.familyId});
        // Nothing personal is left to name the user or the device by: their erased names, made of ids, stand in.
        CHECKED(checkAdministratorSentence(
            session, QStringLiteral("erased-%1@erased.invalid").arg(session.userId),
            QStringLiteral("device erased-%1").arg(deviceId), QStringLiteral("when| erased the user's personal data"),
            QStringLiteral("erasure request"), event_kind::userErased, QStringLiteral("erase-user")));
    }

    void clientSignedOut()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("gina"), 1, &session));
        m_fx->clock.advanceMs(second);
        const DeviceInfo phone {QStringLiteral("gina-device"), QString(), QStringLiteral("198.51.100.4"),
                                QStringLiteral("Firefox/128.0")};
        const LogoutResult logout = m_fx->rotation->logout(session.tokens.last(), phone);
        QCOMPARE(logout.status, LogoutResult::Status::Revoked);
        RevocationExplanation explanation;
        CHECKED(explain(session.familyId, &explanation));
        QVERIFY(explanation.revoked);
        QCOMPARE(explanation.eventId, logout.eventId);
        QCOMPARE(explanation.sentence,
                 QStringLiteral("Session %1 (gina@example.org, gina's laptop) was revoked on %2 by its own client, "
                                "which signed out from 198.51.100.4 (Firefox/128.0) (event %3).")
                     .arg(QString::number(session.familyId), utc(revokedAt(session.familyId)),
                          QString::number(logout.eventId)));
    }

    void notRevoked()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("hank"), 3, &session));
        RevocationExplanation explanation;
        CHECKED(explain(session.familyId, &explanation));
        QVERIFY(!explanation.revoked);
        QCOMPARE(explanation.eventId, qint64(0));
        QCOMPARE(explanation.sentence,
                 QStringLiteral("Session %1 (hank@example.org, hank's laptop) is not revoked: it is active, at "
                                "generation 3.")
                     .arg(session.familyId));

        m_fx->clock.advanceMs(31 * day); // past the idle lifetime
        const qint64 end = count(*m_fx->db, QStringLiteral("SELECT idle_expires_at FROM token_families WHERE id = ?"),
                                 {session.familyId});
        CHECKED(explain(session.familyId, &explanation));
        QVERIFY(!explanation.revoked);
        QCOMPARE(explanation.sentence,
                 QStringLiteral("Session %1 (hank@example.org, hank's laptop) is not revoked: it expired on %2.")
                     .arg(QString::number(session.familyId), utc(end)));
    }

    void noSuchSession()
    {
        Catalog catalog(*m_fx->db, m_fx->clock);
        RevocationExplanation explanation;
        QString error;
        QVERIFY(!catalog.explainRevocation(4242, &explanation, &error));
        QCOMPARE(error, QStringLiteral("no session with id 4242"));
        QVERIFY(explanation.sentence.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRevocation)
#include "tst_revocation.moc"
