// The what-if against a real database: for each state a session can be in, the answer for a generation is the very
// outcome (and rule, and words) of the refresh made right after with the genuine token of that generation at the same
// instant; and asking writes nothing: the database's content is unchanged (on SQLite the main and -wal files are
// byte-identical and no other connection sees a commit), the answering connection opened no write transaction, and it
// runs on a read-only connection, which the server itself keeps from writing.
#include "StorageSuite.h"
#include "TestSupport.h"
#include "WhatIf.h"

#include "SecurityEvent.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSqlQuery>
#include <QtTest>

using namespace rotor;
using namespace rotor::test;

namespace {
constexpr qint64 second = Policy::second;
constexpr qint64 day = Policy::day;

// A file's bytes as a digest; "absent" when there is no such file.
QByteArray fileDigest(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return QByteArrayLiteral("absent");
    if (!file.open(QIODevice::ReadOnly))
        return QByteArrayLiteral("unreadable");
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}
} // namespace

#define CHECKED(call)                                                                                                  \
    call;                                                                                                              \
    if (QTest::currentTestFailed())                                                                                    \
    return

class TestWhatIf : public StorageSuite
{
    Q_OBJECT

private:
    struct Session
    {
        qint64 familyId = 0;
        QList<QByteArray> tokens; // the raw token of each generation, in order
    };

    // Everything that would show a write.
    struct Footprint
    {
        QByteArray content; // contentDigest(): every row of every table and the schema
        QByteArray mainFile; // SQLite: the database file and its write-ahead log
        QByteArray walFile;
        qint64 dataVersion = 0; // SQLite: moves on this connection when another one commits
    };

    void footprint(Footprint *print)
    {
        QString error;
        print->content = contentDigest(*m_fx->db, &error);
        QVERIFY2(!print->content.isEmpty(), qPrintable(error));
        if (m_fx->db->backend() != Backend::Sqlite)
            return;
        const QString path = m_fx->scratch.spec().sqlitePath;
        print->mainFile = fileDigest(path);
        print->walFile = fileDigest(path + QStringLiteral("-wal"));
        print->dataVersion = scalar(*m_fx->db, QStringLiteral("PRAGMA data_version")).toLongLong();
    }

    void compareFootprints(const Footprint &before, const Footprint &after)
    {
        QCOMPARE(after.content.toHex(), before.content.toHex());
        QCOMPARE(after.mainFile, before.mainFile);
        QCOMPARE(after.walFile, before.walFile);
        QCOMPARE(after.dataVersion, before.dataVersion);
    }

    // Signs name in and rotates `rotations` times, a minute apart; tokens of every generation are kept.
    void signIn(const QString &name, int rotations, Session *session)
    {
        QString error;
        QVERIFY2(m_fx->addUser(name + QStringLiteral("@example.org"), &error) > 0, qPrintable(error));
        RotationService service(*m_fx->db, m_fx->keys, m_fx->clock);
        const LoginResult login = service.login(name + QStringLiteral("@example.org"), StorageFixture::device(name));
        QVERIFY2(login.ok(), qPrintable(login.error));
        session->familyId = login.tokens.familyId;
        session->tokens = {login.tokens.refreshToken};
        for (int i = 0; i < rotations; ++i) {
            m_fx->clock.advanceMs(60 * second);
            const RefreshResult rotated = service.refresh(session->tokens.last(), StorageFixture::device(name));
            QVERIFY2(rotated.outcome == Outcome::Rotate, qPrintable(rotated.error));
            session->tokens << rotated.tokens.refreshToken;
        }
    }

    // Asks on a connection of its own (read-only unless told), proving it wrote nothing and began no write.
    void ask(qint64 familyId, int generation, std::optional<qint64> at, WhatIfAnswer *answer, bool *answered,
             QString *error, bool readOnly = true)
    {
        Footprint before, after;
        CHECKED(footprint(&before));
        {
            QString openError;
            const std::unique_ptr<Database> db = m_fx->openAnother(&openError, readOnly);
            QVERIFY2(db, qPrintable(openError));
            QCOMPARE(db->isReadOnly(), readOnly);
            const quint64 writesBegun = db->writeTransactionsBegun();
            WhatIf whatIf(*db, m_fx->clock);
            *answered = whatIf.answer(familyId, generation, at, answer, error);
            QCOMPARE(db->writeTransactionsBegun(), writesBegun);
        }
        CHECKED(footprint(&after));
        compareFootprints(before, after);
    }

    void askOk(qint64 familyId, int generation, std::optional<qint64> at, WhatIfAnswer *answer)
    {
        bool answered = false;
        QString error;
        CHECKED(ask(familyId, generation, at, answer, &answered, &error));
        QVERIFY2(answered, qPrintable(error));
        QCOMPARE(answer->familyId, familyId);
        QCOMPARE(answer->generation, generation);
        QCOMPARE(answer->atMs, at ? *at : m_fx->clock.nowMs());
    }

    // Asks what presenting `generation` would do at `at` (the clock's now when unset), expects `expected`, then
    // presents the genuine token of that generation at that very instant, and proves the answer was the refresh's
    // own: the same outcome, rule and words, the event it said would be recorded, and the revocation it announced.
    void whatIfThenRefresh(const Session &session, int generation, std::optional<qint64> at, Outcome expected,
                           WhatIfAnswer *answerOut = nullptr, RefreshResult *refreshOut = nullptr)
    {
        WhatIfAnswer answer;
        CHECKED(askOk(session.familyId, generation, at, &answer));
        QCOMPARE(outcomeName(answer.judgement.outcome), outcomeName(expected));
        QVERIFY(!answer.explanation.isEmpty());
        QVERIFY(!answer.consequence.isEmpty());

        if (at)
            m_fx->clock.setNowMs(*at);
        const QString revokedSql = QStringLiteral("SELECT count(*) FROM token_families WHERE id = ? AND revoked_at IS "
                                                  "NOT NULL");
        const bool revokedBefore = count(*m_fx->db, revokedSql, {session.familyId}) == 1;
        const qint64 lastEvent = count(*m_fx->db, QStringLiteral("SELECT coalesce(max(id), 0) FROM security_events"));
        RotationService service(*m_fx->db, m_fx->keys, m_fx->clock); // under the stored policy, as the what-if
        const RefreshResult result
            = service.refresh(session.tokens.at(generation), StorageFixture::device(QStringLiteral("presenter")));
        QVERIFY2(!result.storageFailed, qPrintable(result.error));
        QCOMPARE(outcomeName(result.outcome), outcomeName(answer.judgement.outcome));
        QCOMPARE(int(result.judgement.reason), int(answer.judgement.reason));
        QCOMPARE(result.judgedAt, answer.atMs);
        QCOMPARE(result.explanation(), answer.explanation);

        QList<QVariantList> events;
        QString error;
        QVERIFY2(queryRows(*m_fx->db, QStringLiteral("SELECT kind FROM security_events WHERE id > ? ORDER BY id"),
                           {lastEvent}, &events, &error),
                 qPrintable(error));
        QStringList kinds;
        for (const QVariantList &row : std::as_const(events))
            kinds << row.first().toString();
        QCOMPARE(kinds, answer.recordsEvent.isEmpty() ? QStringList() : QStringList {answer.recordsEvent});
        const bool revokedAfter = count(*m_fx->db, revokedSql, {session.familyId}) == 1;
        QCOMPARE(revokedAfter && !revokedBefore, answer.revokesSession);
        if (answerOut)
            *answerOut = answer;
        if (refreshOut)
            *refreshOut = result;
    }

    void storePolicy(const Policy &policy)
    {
        QString error;
        QVERIFY2(m_fx->admin->setPolicy(policy, QStringLiteral("what-if test"), &error), qPrintable(error));
    }

private slots:
    void liveTokenRotates()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("alice"), 2, &session));
        m_fx->clock.advanceMs(5 * second);
        WhatIfAnswer answer;
        RefreshResult result;
        CHECKED(whatIfThenRefresh(session, 2, std::nullopt, Outcome::Rotate, &answer, &result));
        QCOMPARE(answer.judgement.reason, Reason::Live);
        QCOMPARE(answer.currentGeneration, 2);
        QVERIFY(!answer.revokesSession);
        QVERIFY(answer.recordsEvent.isEmpty());
        QVERIFY2(answer.explanation.contains(QStringLiteral("generation 2 was live")), qPrintable(answer.explanation));
        QCOMPARE(result.tokens.generation, 3);
    }

    void usedInsideGraceRetries()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("bob"), 1, &session));
        m_fx->clock.advanceMs(3 * second); // generation 0 was used 3 s ago; the window is 10 s
        RefreshResult result;
        CHECKED(whatIfThenRefresh(session, 0, std::nullopt, Outcome::GraceRetry, nullptr, &result));
        QCOMPARE(result.judgement.reason, Reason::UsedConcurrentlySuccessorLive);
        QCOMPARE(result.tokens.refreshToken, session.tokens.at(1)); // the very successor, as the answer said
    }

    // A server whose clock is behind the one that used the token: inside the window on the other side of the use.
    void usedByAFasterClockRetries()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("carol"), 1, &session));
        const qint64 usedAt = m_fx->clock.nowMs();
        m_fx->clock.advanceMs(30 * second); // now it would be a replay; four seconds before its use it is not
        CHECKED(whatIfThenRefresh(session, 0, usedAt - 4 * second, Outcome::GraceRetry));
    }

    void usedOutsideGraceIsReplay()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("dave"), 2, &session));
        m_fx->clock.advanceMs(30 * second); // generation 1 was used 30 s ago
        WhatIfAnswer answer;
        CHECKED(whatIfThenRefresh(session, 1, std::nullopt, Outcome::Replay, &answer));
        QCOMPARE(answer.judgement.reason, Reason::UsedOutsideGrace);
        QVERIFY(answer.revokesSession);
        QCOMPARE(answer.recordsEvent, QString::fromLatin1(event_kind::replayDetected));
        QVERIFY2(answer.consequence.contains(QStringLiteral("revoked")), qPrintable(answer.consequence));

        // Now the session is revoked: the live token is refused, and another replay revokes nothing more.
        m_fx->clock.advanceMs(second);
        CHECKED(whatIfThenRefresh(session, 2, std::nullopt, Outcome::TokenRevoked, &answer));
        QCOMPARE(answer.judgement.reason, Reason::FamilyRevoked);
        m_fx->clock.advanceMs(second);
        CHECKED(whatIfThenRefresh(session, 0, std::nullopt, Outcome::Replay, &answer));
        QVERIFY(!answer.revokesSession);
        QVERIFY2(answer.consequence.contains(QStringLiteral("already revoked")), qPrintable(answer.consequence));
    }

    // Inside the window, but the successor moved on already: the session is held twice.
    void olderGenerationInsideGraceIsReplay()
    {
        Session session;
        QString error;
        QVERIFY2(m_fx->addUser(QStringLiteral("erin@example.org"), &error) > 0, qPrintable(error));
        RotationService service(*m_fx->db, m_fx->keys, m_fx->clock);
        const LoginResult login
            = service.login(QStringLiteral("erin@example.org"), StorageFixture::device(QStringLiteral("erin")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        session.familyId = login.tokens.familyId;
        session.tokens << login.tokens.refreshToken;
        for (int i = 0; i < 2; ++i) {
            m_fx->clock.advanceMs(second);
            const RefreshResult rotated
                = service.refresh(session.tokens.last(), StorageFixture::device(QStringLiteral("erin")));
            QCOMPARE(rotated.outcome, Outcome::Rotate);
            session.tokens << rotated.tokens.refreshToken;
        }
        m_fx->clock.advanceMs(second);
        WhatIfAnswer answer;
        CHECKED(whatIfThenRefresh(session, 0, std::nullopt, Outcome::Replay, &answer));
        QCOMPARE(answer.judgement.reason, Reason::UsedConcurrentlySuccessorMovedOn);
    }

    void idleExpired()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("frank"), 1, &session));
        m_fx->clock.advanceMs(31 * day); // the idle lifetime is 30 days
        WhatIfAnswer answer;
        CHECKED(whatIfThenRefresh(session, 1, std::nullopt, Outcome::Expired, &answer));
        QCOMPARE(answer.judgement.reason, Reason::TokenExpired);
        QCOMPARE(answer.recordsEvent, QString::fromLatin1(event_kind::tokenExpired));
    }

    // --at moves only the clock: a live token asked about a month from now is expired then, and is when presented
    // then; asked about tomorrow it rotates.
    void chosenInstant()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("gina"), 1, &session));
        WhatIfAnswer tomorrow;
        CHECKED(askOk(session.familyId, 1, m_fx->clock.nowMs() + day, &tomorrow));
        QCOMPARE(tomorrow.judgement.outcome, Outcome::Rotate);
        CHECKED(whatIfThenRefresh(session, 1, m_fx->clock.nowMs() + 31 * day, Outcome::Expired));
    }

    // The session ends at the earlier of the end stamped at sign-in and its start plus today's lifetime, as a
    // refresh computes it: a shorter stored lifetime ends an older session at its next presentation.
    void shorterLifetimeEndsTheSession()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("hank"), 2, &session));
        m_fx->clock.advanceMs(2 * day);
        Policy shorter;
        shorter.familyLifetimeMs = day;
        shorter.refreshIdleTtlMs = day;
        CHECKED(storePolicy(shorter));
        WhatIfAnswer answer;
        CHECKED(whatIfThenRefresh(session, 2, std::nullopt, Outcome::Expired, &answer));
        QCOMPARE(answer.judgement.reason, Reason::FamilyExpired);
        QCOMPARE(answer.policy.familyLifetimeMs, day);
        QCOMPARE(answer.state.familyExpiresAt, m_fx->clock.nowMs() - 2 * day - 2 * 60 * second + day);
    }

    void graceDisabledMakesAnyReuseAReplay()
    {
        Policy noGrace;
        noGrace.graceMs = 0;
        CHECKED(storePolicy(noGrace));
        Session session;
        CHECKED(signIn(QStringLiteral("ivy"), 1, &session));
        WhatIfAnswer answer;
        CHECKED(whatIfThenRefresh(session, 0, std::nullopt, Outcome::Replay, &answer)); // the very instant of its use
        QCOMPARE(answer.policy.graceMs, qint64(0));
        QCOMPARE(answer.judgement.reason, Reason::UsedOutsideGrace);
    }

    void revokedByAnAdministrator()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("jack"), 1, &session));
        QString error;
        QVERIFY2(m_fx->admin->revokeFamily(session.familyId, QStringLiteral("lost phone"), &error), qPrintable(error));
        m_fx->clock.advanceMs(second);
        WhatIfAnswer answer;
        CHECKED(whatIfThenRefresh(session, 1, std::nullopt, Outcome::TokenRevoked, &answer));
        QCOMPARE(answer.recordsEvent, QString::fromLatin1(event_kind::tokenRevoked));
        QVERIFY(answer.state.familyRevokedAt.has_value());
    }

    // Used concurrently with the deactivation that revoked the session: the session's refusal, not a replay.
    void usedInsideGraceOfADeactivatedUser()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("kate"), 1, &session));
        QString error;
        const qint64 userId = count(*m_fx->db, QStringLiteral("SELECT id FROM users WHERE email = ?"),
                                    {QStringLiteral("kate@example.org")});
        QVERIFY2(m_fx->admin->setUserActive(userId, false, QStringLiteral("left"), &error), qPrintable(error));
        m_fx->clock.advanceMs(2 * second);
        WhatIfAnswer answer;
        CHECKED(whatIfThenRefresh(session, 0, std::nullopt, Outcome::TokenRevoked, &answer));
        QCOMPARE(answer.judgement.reason, Reason::UsedConcurrentlyFamilyRevoked);
        QVERIFY(!answer.state.userActive);
    }

    // Asked on a connection that could write (the one the fixture works on): it still opens no write transaction
    // and changes nothing.
    void writesNothingOnAWritableConnection()
    {
        Session session;
        CHECKED(signIn(QStringLiteral("liam"), 2, &session));
        m_fx->clock.advanceMs(30 * second);
        WhatIfAnswer answer;
        bool answered = false;
        QString error;
        CHECKED(ask(session.familyId, 0, std::nullopt, &answer, &answered, &error, false));
        QVERIFY2(answered, qPrintable(error));
        QCOMPARE(answer.judgement.outcome, Outcome::Replay);

        Footprint before, after;
        CHECKED(footprint(&before));
        const quint64 writesBegun = m_fx->db->writeTransactionsBegun();
        WhatIf whatIf(*m_fx->db, m_fx->clock);
        QVERIFY2(whatIf.answer(session.familyId, 1, std::nullopt, &answer, &error), qPrintable(error));
        QCOMPARE(answer.judgement.outcome, Outcome::Replay);
        QCOMPARE(m_fx->db->writeTransactionsBegun(), writesBegun);
        CHECKED(footprint(&after));
        compareFootprints(before, after);
        // The counter is no dead letter: a write transaction moves it.
        QVERIFY2(m_fx->admin->revokeFamily(session.familyId, QStringLiteral("done"), &error), qPrintable(error));
        QCOMPARE(m_fx->db->writeTransactionsBegun(), writesBegun + 1);
    }

    // The proof rests on the read-only connection being unable to write: it is.
    void readOnlyConnectionCannotWrite()
    {
        QString error;
        const std::unique_ptr<Database> db = m_fx->openAnother(&error, true);
        QVERIFY2(db, qPrintable(error));
        QSqlQuery query(db->handle());
        QVERIFY(!query.exec(QStringLiteral("UPDATE policy SET grace_ms = 1")));
        QVERIFY(!db->transact([](QString *) { return Database::Step::Commit; }, &error));
        QVERIFY2(error.contains(QStringLiteral("read-only")), qPrintable(error));
    }

    void clearErrors_data()
    {
        QTest::addColumn<int>("which"); // 0 unknown session, 1 beyond the chain, 2 negative, 3 purged, 4 all purged
        QTest::addColumn<QString>("message");
        QTest::newRow("no such session") << 0 << QStringLiteral("no session with id");
        QTest::newRow("beyond the chain") << 1 << QStringLiteral("has no generation 7: its chain ends at generation 2");
        QTest::newRow("negative generation") << 2 << QStringLiteral("a generation is 0 or more");
        QTest::newRow("generation purged") << 3 << QStringLiteral("generation 0 of session");
        QTest::newRow("chain purged") << 4 << QStringLiteral("are no longer stored");
    }

    void clearErrors()
    {
        QFETCH(int, which);
        QFETCH(QString, message);
        Session session;
        CHECKED(signIn(QStringLiteral("mia"), 2, &session));
        QString error;
        if (which >= 3) {
            // What retention leaves of a revoked session: older tokens gone.
            QVERIFY2(m_fx->admin->revokeFamily(session.familyId, QStringLiteral("done"), &error), qPrintable(error));
            const QStringList statements = which == 3
                ? QStringList {QStringLiteral("UPDATE refresh_tokens SET parent_id = NULL WHERE family_id = %1 AND "
                                              "generation = 1"),
                               QStringLiteral("DELETE FROM refresh_tokens WHERE family_id = %1 AND generation = 0")}
                : QStringList {QStringLiteral("DELETE FROM refresh_tokens WHERE family_id = %1")};
            for (const QString &statement : statements) {
                QList<QVariantList> ignored;
                QVERIFY2(queryRows(*m_fx->db, statement.arg(session.familyId), {}, &ignored, &error),
                         qPrintable(error));
            }
        }
        const qint64 familyId = which == 0 ? session.familyId + 1000 : session.familyId;
        const int generation = which == 1 ? 7 : which == 2 ? -1 : 0;
        WhatIfAnswer answer;
        bool answered = true;
        error.clear();
        CHECKED(ask(familyId, generation, std::nullopt, &answer, &answered, &error));
        QVERIFY(!answered);
        QVERIFY2(error.contains(message), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestWhatIf)
#include "tst_whatif.moc"
