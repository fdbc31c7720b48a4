// Retention and erasure: a purge removes what can no longer matter and nothing else (a live session's tokens stay,
// so a replay is still caught), a dry run counts exactly what a purge removes, and an erasure takes a user's
// personal data out while the audit chain and replay detection hold. The invariants are checked after each case.
#include "Invariants.h"
#include "RefreshToken.h"
#include "Retention.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QtTest>

using namespace rotor;
using namespace rotor::test;

namespace {
constexpr qint64 day = Policy::day;
} // namespace

class TestRetention : public StorageSuite
{
    Q_OBJECT

private:
    LoginResult signIn(const QString &email, const QString &device)
    {
        RotationService rotation(*m_fx->db, m_fx->keys, m_fx->clock);
        return rotation.login(email, {device, device, QStringLiteral("198.51.100.7"), QStringLiteral("Phone/1")});
    }

    QByteArray rotate(const QByteArray &token, int times)
    {
        RotationService rotation(*m_fx->db, m_fx->keys, m_fx->clock);
        QByteArray current = token;
        for (int i = 0; i < times; ++i) {
            m_fx->clock.advanceMs(Policy::minute);
            const RefreshResult result = rotation.refresh(current, StorageFixture::device(QStringLiteral("x")));
            if (!result.ok())
                return {};
            current = result.tokens.refreshToken;
        }
        return current;
    }

    qint64 rows(const char *table)
    {
        return count(*m_fx->db, QStringLiteral("SELECT count(*) FROM %1").arg(QLatin1String(table)));
    }

private slots:
    void purgeRemovesOnlyWhatCannotMatter_data()
    {
        QTest::addColumn<int>("batchSize");
        QTest::newRow("batches of 1") << 1;
        QTest::newRow("batches of 2000") << 2000;
    }

    void purgeRemovesOnlyWhatCannotMatter()
    {
        QFETCH(int, batchSize);
        QString error;
        Policy policy;
        policy.familyLifetimeMs = 10 * day;
        policy.refreshIdleTtlMs = 5 * day;
        policy.eventsRetentionMs = 30 * day;
        QVERIFY2(m_fx->admin->setPolicy(policy, QStringLiteral("short"), &error), qPrintable(error));
        QVERIFY2(m_fx->addUser(QStringLiteral("pam@example.org"), &error) > 0, qPrintable(error));
        const QString pam = QStringLiteral("pam@example.org");

        // Day 0: a session that outlives its lifetime (C), one revoked at once (B), an unknown token.
        const LoginResult c = signIn(pam, QStringLiteral("old-phone"));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QVERIFY(!rotate(c.tokens.refreshToken, 2).isEmpty());
        const LoginResult b = signIn(pam, QStringLiteral("laptop"));
        QVERIFY2(b.ok(), qPrintable(b.error));
        QVERIFY2(m_fx->admin->revokeFamily(b.tokens.familyId, QStringLiteral("lost"), &error), qPrintable(error));
        RotationService(*m_fx->db, m_fx->keys, m_fx->clock)
            .refresh(refresh_token::generate(), StorageFixture::device(QStringLiteral("bot")));

        // Day 45: a live session (A) and one revoked just now (D).
        m_fx->clock.advanceMs(45 * day);
        const LoginResult a = signIn(pam, QStringLiteral("tablet"));
        QVERIFY2(a.ok(), qPrintable(a.error));
        QVERIFY(!rotate(a.tokens.refreshToken, 1).isEmpty());
        const LoginResult d = signIn(pam, QStringLiteral("desk"));
        QVERIFY2(d.ok(), qPrintable(d.error));
        QVERIFY2(m_fx->admin->revokeFamily(d.tokens.familyId, QStringLiteral("left"), &error), qPrintable(error));

        RetentionService retention(*m_fx->db, m_fx->clock, m_fx->actor);
        const QByteArray before = contentDigest(*m_fx->db, &error);
        PurgeReport dry;
        QVERIFY2(retention.purge(true, &dry, &error, batchSize), qPrintable(error));
        QCOMPARE(contentDigest(*m_fx->db, &error), before); // a dry run writes nothing
        QCOMPARE(dry.tokens, 4); // C's three generations, B's one
        QCOMPARE(dry.events, 2); // B's revocation and the unknown token, both 45 days old
        QCOMPARE(dry.families, 2); // B and C
        QCOMPARE(dry.devices, 2); // old-phone and laptop

        const qint64 audits = rows("audit_log");
        PurgeReport done;
        QVERIFY2(retention.purge(false, &done, &error, batchSize), qPrintable(error));
        QCOMPARE(done.tokens, dry.tokens);
        QCOMPARE(done.events, dry.events);
        QCOMPARE(done.families, dry.families);
        QCOMPARE(done.devices, dry.devices);
        QCOMPARE(rows("audit_log"), audits + 1);
        QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT action FROM audit_log ORDER BY id DESC")).toString(),
                 QStringLiteral("purge"));
        // What matters stays: A and D with their tokens, D's recent event, every user.
        QCOMPARE(rows("token_families"), 2);
        QCOMPARE(rows("refresh_tokens"), 3);
        QCOMPARE(rows("devices"), 2);
        QCOMPARE(rows("users"), 1);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM security_events WHERE family_id = ?"),
                       {d.tokens.familyId}),
                 1);
        // A replay of the live session's used token is still caught.
        m_fx->clock.advanceMs(Policy::minute);
        const RefreshResult replay = RotationService(*m_fx->db, m_fx->keys, m_fx->clock)
                                         .refresh(a.tokens.refreshToken, StorageFixture::device(QStringLiteral("t")));
        QCOMPARE(outcomeName(replay.outcome), outcomeName(Outcome::Replay));

        // Nothing left to remove: nothing removed, nothing audited.
        PurgeReport again;
        QVERIFY2(retention.purge(false, &again, &error, batchSize), qPrintable(error));
        QCOMPARE(again.total(), 0);
        QCOMPARE(rows("audit_log"), audits + 1);
    }

    void purgeRefusedReadOnly()
    {
        QString error;
        std::unique_ptr<Database> readOnly = m_fx->openAnother(&error, true);
        QVERIFY2(readOnly, qPrintable(error));
        RetentionService retention(*readOnly, m_fx->clock, m_fx->actor);
        PurgeReport report;
        QVERIFY(!retention.purge(false, &report, &error));
        QVERIFY2(error.contains(QStringLiteral("read-only")), qPrintable(error));
        QVERIFY2(retention.purge(true, &report, &error), qPrintable(error)); // counting is reading
    }

    void eraseUserRemovesPersonalData()
    {
        QString error;
        const QString email = QStringLiteral("erin.erase@example.org");
        const qint64 user = m_fx->addUser(email, &error);
        QVERIFY2(user > 0, qPrintable(error));
        const DeviceInfo device {QStringLiteral("erin-pixel"), QStringLiteral("Erin's Pixel"),
                                 QStringLiteral("192.0.2.44"), QStringLiteral("ErinBrowser/7")};
        RotationService rotation(*m_fx->db, m_fx->keys, m_fx->clock);
        const LoginResult login = rotation.login(email, device);
        QVERIFY2(login.ok(), qPrintable(login.error));
        m_fx->clock.advanceMs(Policy::minute);
        const RefreshResult rotated = rotation.refresh(login.tokens.refreshToken, device);
        QVERIFY(rotated.ok());
        m_fx->clock.advanceMs(Policy::minute);
        rotation.refresh(login.tokens.refreshToken, device); // a replay: an event with her address on both sides

        int revoked = -1;
        QVERIFY2(m_fx->admin->eraseUser(user, QStringLiteral("GDPR request #12"), &revoked, &error), qPrintable(error));
        QCOMPARE(revoked, 0); // the replay had already ended the session
        // Her email, name, address, user agent and device names are nowhere in the database.
        for (const QString &personal :
             {email, QStringLiteral("Erin's Pixel"), QStringLiteral("erin-pixel"), QStringLiteral("192.0.2.44"),
              QStringLiteral("ErinBrowser/7"), QStringLiteral("erin.erase")}) {
            const QString like = QStringLiteral("%") + personal + QStringLiteral("%");
            const qint64 found
                = count(*m_fx->db,
                        QStringLiteral("SELECT count(*) FROM users WHERE email LIKE ? OR display_name LIKE ?"),
                        {like, like})
                + count(*m_fx->db,
                        QStringLiteral("SELECT count(*) FROM devices WHERE device_key LIKE ? OR name LIKE ? OR "
                                       "user_agent LIKE ? OR last_ip LIKE ?"),
                        {like, like, like, like})
                + count(*m_fx->db,
                        QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE ip LIKE ? OR user_agent LIKE ?"),
                        {like, like})
                + count(*m_fx->db,
                        QStringLiteral("SELECT count(*) FROM security_events WHERE ip LIKE ? OR user_agent LIKE ? OR "
                                       "device_key LIKE ? OR original_ip LIKE ? OR original_user_agent LIKE ? OR "
                                       "detail LIKE ?"),
                        {like, like, like, like, like, like})
                + count(*m_fx->db,
                        QStringLiteral("SELECT count(*) FROM audit_log WHERE target LIKE ? OR reason LIKE ?"),
                        {like, like});
            QVERIFY2(found == 0, qPrintable(personal));
        }
        QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT active FROM users WHERE id = ?"), {user}).toBool(), false);
        QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT action || ' ' || target FROM audit_log ORDER BY id DESC"))
                     .toString(),
                 QStringLiteral("erase-user user:%1").arg(user));
        // Detection holds on what is left: her old tokens are refused, the used one is still a replay.
        m_fx->clock.advanceMs(Policy::minute);
        QCOMPARE(outcomeName(rotation.refresh(rotated.tokens.refreshToken, device).outcome),
                 outcomeName(Outcome::TokenRevoked));
        QCOMPARE(outcomeName(rotation.refresh(login.tokens.refreshToken, device).outcome),
                 outcomeName(Outcome::Replay));
        QVERIFY(!m_fx->admin->eraseUser(user, QStringLiteral("again"), &revoked, &error));
        QVERIFY2(error.contains(QStringLiteral("already erased")), qPrintable(error));
        QVERIFY(!m_fx->admin->eraseUser(user, QString(), &revoked, &error));
    }

    void eraseUserRevokesLiveSessions()
    {
        QString error;
        const qint64 user = m_fx->addUser(QStringLiteral("liv@example.org"), &error);
        QVERIFY2(user > 0, qPrintable(error));
        const LoginResult one = signIn(QStringLiteral("liv@example.org"), QStringLiteral("a"));
        const LoginResult two = signIn(QStringLiteral("liv@example.org"), QStringLiteral("b"));
        QVERIFY(one.ok() && two.ok());
        int revoked = 0;
        QVERIFY2(m_fx->admin->eraseUser(user, QStringLiteral("request"), &revoked, &error), qPrintable(error));
        QCOMPARE(revoked, 2);
        QCOMPARE(count(*m_fx->db,
                       QStringLiteral("SELECT count(*) FROM token_families WHERE user_id = ? AND revoke_reason = ?"),
                       {user, QString::fromLatin1(revoke_reason::userErased)}),
                 2);
    }
};

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
