// The deployment's policy as stored: changed through the audited core call, followed by every connection within
// its bound, and applied to existing sessions as core/Policy.h says. And a flood of unknown tokens: recorded as one
// event per source address and minute, never one row per token.
#include "Invariants.h"
#include "RefreshToken.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QElapsedTimer>
#include <QtTest>

using namespace rotor;
using namespace rotor::test;

namespace {
constexpr qint64 second = Policy::second;
constexpr qint64 day = Policy::day;
} // namespace

class TestPolicyStore : public StorageSuite
{
    Q_OBJECT

private:
    // Under the stored policy, as a server runs (the fixture's own service pins one).
    std::unique_ptr<RotationService> storedPolicyService()
    {
        return std::make_unique<RotationService>(*m_fx->db, m_fx->keys, m_fx->clock);
    }

    // Stores a policy; the fixture's connection, which changed it, follows at once.
    void setStored(const Policy &policy)
    {
        QString error;
        QVERIFY2(m_fx->admin->setPolicy(policy, QStringLiteral("test"), &error), qPrintable(error));
    }

private slots:
    void defaultsAreStored()
    {
        Policy stored;
        QString error;
        QVERIFY2(m_fx->db->policy(&stored, &error), qPrintable(error));
        QVERIFY(stored == Policy());
    }

    void changeIsValidatedAndAudited()
    {
        Policy policy;
        policy.graceMs = 2 * second;
        policy.refreshIdleTtlMs = 7 * day;
        QString error;
        QVERIFY2(m_fx->admin->setPolicy(policy, QStringLiteral("shorter sessions"), &error), qPrintable(error));
        Policy stored;
        QVERIFY2(m_fx->db->policy(&stored, &error), qPrintable(error));
        QVERIFY(stored == policy);
        QList<QVariantList> rows;
        QVERIFY2(queryRows(*m_fx->db, QStringLiteral("SELECT action, target, reason FROM audit_log ORDER BY id DESC"),
                           {}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.first().at(0).toString(), QStringLiteral("set-policy"));
        QCOMPARE(rows.first().at(1).toString(), QStringLiteral("grace 10s -> 2s; idle 30d -> 7d"));
        QCOMPARE(rows.first().at(2).toString(), QStringLiteral("shorter sessions"));

        // Refused, and nothing written: out of bounds, no change at all, a read-only connection.
        const QByteArray before = contentDigest(*m_fx->db, &error);
        Policy tooLong = policy;
        tooLong.graceMs = 6 * Policy::minute;
        QVERIFY(!m_fx->admin->setPolicy(tooLong, QString(), &error));
        QVERIFY2(error.contains(QStringLiteral("grace")), qPrintable(error));
        Policy inverted = policy;
        inverted.refreshIdleTtlMs = inverted.familyLifetimeMs + day;
        QVERIFY(!m_fx->admin->setPolicy(inverted, QString(), &error));
        QVERIFY(!m_fx->admin->setPolicy(policy, QString(), &error));
        QVERIFY2(error.contains(QStringLiteral("nothing changed")), qPrintable(error));
        std::unique_ptr<Database> readOnly = m_fx->openAnother(&error, true);
        QVERIFY2(readOnly, qPrintable(error));
        AdminService reader(*readOnly, m_fx->clock, m_fx->actor);
        QVERIFY(!reader.setPolicy(Policy(), QString(), &error));
        QVERIFY2(error.contains(QStringLiteral("read-only")), qPrintable(error));
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
    }

    // Two servers (two connections, each with its own copy) follow a change made by a third within the bound.
    void serversFollowWithinTheBound()
    {
        QString error;
        std::unique_ptr<Database> serverA = m_fx->openAnother(&error);
        std::unique_ptr<Database> serverB = m_fx->openAnother(&error);
        QVERIFY2(serverA && serverB, qPrintable(error));
        Policy seen;
        QVERIFY(serverA->policy(&seen, &error) && serverB->policy(&seen, &error));
        QCOMPARE(seen.graceMs, Policy().graceMs);

        Policy changed;
        changed.graceMs = 0;
        QElapsedTimer sinceChange;
        setStored(changed);
        sinceChange.start();
        for (Database *server : {serverA.get(), serverB.get()}) {
            QTRY_VERIFY_WITH_TIMEOUT(server->policy(&seen, &error) && seen.graceMs == 0,
                                     int(Policy::policyRefreshMs + 2000));
        }
        qInfo("both servers follow after %lld ms (bound %lld ms)", sinceChange.elapsed(), Policy::policyRefreshMs);

        // And they decide by it: a second presentation right after the first is now a replay.
        const Keys keys = m_fx->keys;
        RotationService rotationA(*serverA, keys, m_fx->clock);
        QVERIFY2(m_fx->addUser(QStringLiteral("pol@example.org"), &error) > 0, qPrintable(error));
        const LoginResult login
            = rotationA.login(QStringLiteral("pol@example.org"), StorageFixture::device(QStringLiteral("pol")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        QVERIFY(rotationA.refresh(login.tokens.refreshToken, StorageFixture::device(QStringLiteral("pol"))).ok());
        RotationService rotationB(*serverB, keys, m_fx->clock);
        const RefreshResult second
            = rotationB.refresh(login.tokens.refreshToken, StorageFixture::device(QStringLiteral("pol")));
        QCOMPARE(outcomeName(second.outcome), outcomeName(Outcome::Replay));
    }

    // Grace and access-token lifetime apply at once; idle and absolute lifetimes are stamped on what is issued,
    // so a shorter one applies from each session's next refresh and a longer one extends nothing already issued.
    void changesAndExistingSessions()
    {
        QString error;
        QVERIFY2(m_fx->addUser(QStringLiteral("sue@example.org"), &error) > 0, qPrintable(error));
        auto rotation = storedPolicyService();
        const DeviceInfo device = StorageFixture::device(QStringLiteral("sue"));
        const qint64 signedInAt = m_fx->clock.nowMs();
        const LoginResult login = rotation->login(QStringLiteral("sue@example.org"), device);
        QVERIFY2(login.ok(), qPrintable(login.error));
        QCOMPARE(login.tokens.refreshExpiresAt, signedInAt + 30 * day);

        // A shorter idle lifetime: the token already issued keeps its end; the next one gets the new one, and the
        // next access token the new access lifetime.
        Policy policy;
        policy.refreshIdleTtlMs = 7 * day;
        policy.accessTtlMs = 5 * Policy::minute;
        setStored(policy);
        m_fx->clock.advanceMs(8 * day); // older than the new idle lifetime, younger than the old
        RefreshResult rotated = rotation->refresh(login.tokens.refreshToken, device);
        QCOMPARE(outcomeName(rotated.outcome), outcomeName(Outcome::Rotate));
        QCOMPARE(rotated.tokens.refreshExpiresAt, m_fx->clock.nowMs() + 7 * day);
        QCOMPARE(rotated.tokens.accessExpiresAt, m_fx->clock.nowMs() + 5 * Policy::minute);

        // A longer lifetime extends nothing issued: refreshed every 6 days, the session still ends 90 days after
        // its sign-in.
        policy.familyLifetimeMs = 365 * day;
        setStored(policy);
        QByteArray token = rotated.tokens.refreshToken;
        while (m_fx->clock.nowMs() + 6 * day < signedInAt + 90 * day) {
            m_fx->clock.advanceMs(6 * day);
            const RefreshResult next = rotation->refresh(token, device);
            QCOMPARE(outcomeName(next.outcome), outcomeName(Outcome::Rotate));
            QVERIFY(next.tokens.refreshExpiresAt <= signedInAt + 90 * day);
            token = next.tokens.refreshToken;
        }
        m_fx->clock.setNowMs(signedInAt + 90 * day);
        QCOMPARE(outcomeName(rotation->refresh(token, device).outcome), outcomeName(Outcome::Expired));

        // A shorter lifetime applies from the next refresh: the new end caps what is issued, and the session is
        // expired once it is older than the new lifetime.
        const qint64 secondSignIn = m_fx->clock.nowMs();
        const LoginResult fresh = rotation->login(QStringLiteral("sue@example.org"), device);
        QVERIFY2(fresh.ok(), qPrintable(fresh.error));
        policy.familyLifetimeMs = 10 * day;
        policy.refreshIdleTtlMs = 5 * day;
        setStored(policy);
        token = fresh.tokens.refreshToken;
        for (qint64 age : {4 * day, 8 * day}) {
            m_fx->clock.setNowMs(secondSignIn + age);
            const RefreshResult next = rotation->refresh(token, device);
            QCOMPARE(outcomeName(next.outcome), outcomeName(Outcome::Rotate));
            QCOMPARE(next.tokens.refreshExpiresAt, qMin(m_fx->clock.nowMs() + 5 * day, secondSignIn + 10 * day));
            token = next.tokens.refreshToken;
        }
        m_fx->clock.setNowMs(secondSignIn + 10 * day);
        QCOMPARE(outcomeName(rotation->refresh(token, device).outcome), outcomeName(Outcome::Expired));
    }

    void unknownTokensAreAggregated()
    {
        auto rotation = storedPolicyService();
        const DeviceInfo flooder {QStringLiteral("bot"), QString(), QStringLiteral("203.0.113.9"),
                                  QStringLiteral("Flood/1")};
        const DeviceInfo other {QStringLiteral("bot"), QString(), QStringLiteral("203.0.113.10"),
                                QStringLiteral("Flood/1")};
        m_fx->clock.setNowMs(StorageFixture::startMs - StorageFixture::startMs % Policy::minute);
        qint64 firstEvent = 0;
        for (int i = 0; i < 50; ++i) {
            const RefreshResult result = rotation->refresh(refresh_token::generate(), flooder);
            QVERIFY2(!result.storageFailed, qPrintable(result.error));
            QCOMPARE(outcomeName(result.outcome), outcomeName(Outcome::Unknown));
            QVERIFY(result.eventId > 0);
            if (i == 0)
                firstEvent = result.eventId;
            QCOMPARE(result.eventId, firstEvent); // the same event counts them
            m_fx->clock.advanceMs(100);
        }
        QCOMPARE(rotation->refresh(refresh_token::generate(), other).outcome, Outcome::Unknown);
        m_fx->clock.advanceMs(Policy::minute); // the next minute starts a new event
        const RefreshResult later = rotation->refresh(refresh_token::generate(), flooder);
        QVERIFY(later.eventId != firstEvent);

        QList<QVariantList> rows;
        QString error;
        QVERIFY2(queryRows(*m_fx->db,
                           QStringLiteral("SELECT ip, repeat_count FROM security_events WHERE kind = ? ORDER BY id"),
                           {QString::fromLatin1(event_kind::tokenUnknown)}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(0).at(0).toString(), flooder.ip);
        QCOMPARE(rows.at(0).at(1).toLongLong(), 50);
        QCOMPARE(rows.at(1).at(0).toString(), other.ip);
        QCOMPARE(rows.at(1).at(1).toLongLong(), 1);
        QCOMPARE(rows.at(2).at(1).toLongLong(), 1);
    }
};

QTEST_GUILESS_MAIN(TestPolicyStore)
#include "tst_policy.moc"
