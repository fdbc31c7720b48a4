// Administrative writes against a real database: revocation, (de)activation, the audit chain and tampering with
// it, and a read-only connection that refuses every write.
#include "DemoSeeder.h"
#include "Invariants.h"
#include "Jwt.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QtTest>

using namespace rotor;
using namespace rotor::test;

#define CHECKED(call)                                                                                                  \
    call;                                                                                                              \
    if (QTest::currentTestFailed())                                                                                    \
    return

class TestAdmin : public StorageSuite
{
    Q_OBJECT

private:
    void signIn(const QString &email, const QString &device, LoginResult *result)
    {
        QString error;
        if (count(*m_fx->db, QStringLiteral("SELECT count(*) FROM users WHERE email = ?"), {email}) == 0)
            QVERIFY2(m_fx->addUser(email, &error) > 0, qPrintable(error));
        *result = m_fx->rotation->login(email, StorageFixture::device(device));
        QVERIFY2(result->ok(), qPrintable(result->error));
    }

    qint64 auditCount() { return count(*m_fx->db, QStringLiteral("SELECT count(*) FROM audit_log")); }

    // The newest audit entry: action, target, reason, actor, origin.
    QVariantList lastAudit()
    {
        QList<QVariantList> rows;
        QString error;
        if (!queryRows(*m_fx->db,
                       QStringLiteral("SELECT action, target, reason, actor, origin, occurred_at FROM audit_log "
                                      "ORDER BY id DESC LIMIT 1"),
                       {}, &rows, &error)
            || rows.isEmpty())
            return {};
        return rows.first();
    }

    void verifyAuditIntact()
    {
        AuditVerification verification;
        QString error;
        QVERIFY2(m_fx->admin->verifyAudit(&verification, &error), qPrintable(error));
        QVERIFY2(verification.intact, qPrintable(verification.problem));
        QCOMPARE(verification.entriesChecked, auditCount());
    }

private slots:
    void addUserWritesAudit()
    {
        QString error;
        const qint64 id = m_fx->addUser(QStringLiteral(" Judy@Example.org "), &error);
        QVERIFY2(id > 0, qPrintable(error));
        QCOMPARE(auditCount(), 1);
        QCOMPARE(lastAudit().value(0).toString(), QStringLiteral("add-user"));
        // Users are named by id in the audit log: personal data stays out of a chain that cannot be rewritten.
        QCOMPARE(lastAudit().value(1).toString(), QStringLiteral("user:%1").arg(id));
        QCOMPARE(m_fx->addUser(QStringLiteral("judy@example.org"), &error), 0);
        QVERIFY(error.contains(QLatin1String("already exists")));
        QCOMPARE(auditCount(), 1);
        verifyAuditIntact();
    }

    // Seeded data keeps every invariant (cleanup() checks them) and leaves the database ready for real work: on
    // PostgreSQL that means sequences past the seeded ids.
    void seededDatabaseTakesNewSignIns()
    {
        SeedOptions options;
        options.users = 120;
        SeedStats stats;
        QString error;
        QVERIFY2(DemoSeeder(*m_fx->db, m_fx->clock).seed(options, nullptr, &stats, &error), qPrintable(error));
        QCOMPARE(stats.users, qint64(120));
        QVERIFY(stats.tokens > stats.families);
        QVERIFY(stats.auditEntries > 0);
        // Like a real tenant: every address is made of its owner's name; the audit log names users by id only;
        // replays carry their verdict.
        QList<QVariantList> rows;
        QVERIFY2(queryRows(*m_fx->db, QStringLiteral("SELECT email, display_name FROM users"), {}, &rows, &error),
                 qPrintable(error));
        for (const QVariantList &row : rows) {
            const QStringList name = row.at(1).toString().toLower().split(QLatin1Char(' '));
            QVERIFY2(row.at(0).toString().startsWith(name.first() + QLatin1Char('.') + name.mid(1).join(QString())),
                     qPrintable(row.at(0).toString() + QStringLiteral(" / ") + row.at(1).toString()));
        }
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM audit_log WHERE target LIKE '%@%'")), 0);
        QCOMPARE(count(*m_fx->db,
                       QStringLiteral("SELECT count(*) FROM security_events WHERE kind = "
                                      "'replay_detected' AND (verdict IS NULL OR verdict_rule <> ?)"),
                       {replayVerdictRule}),
                 0);
        QVERIFY2(m_fx->addUser(QStringLiteral("after-seed@example.org"), &error) > 0, qPrintable(error));
        const LoginResult login = m_fx->rotation->login(QStringLiteral("after-seed@example.org"),
                                                        StorageFixture::device(QStringLiteral("ivy")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        const RefreshResult refreshed = m_fx->rotation->refresh(login.tokens.refreshToken, {});
        QVERIFY2(refreshed.ok(), qPrintable(refreshed.error));
        verifyAuditIntact();
    }

    void revokeFamily()
    {
        LoginResult session;
        CHECKED(signIn(QStringLiteral("kim@example.org"), QStringLiteral("kim"), &session));
        const qint64 audits = auditCount();
        m_fx->clock.advanceMs(Policy::minute);
        const qint64 now = m_fx->clock.nowMs();
        QString error;
        QVERIFY2(m_fx->admin->revokeFamily(session.tokens.familyId, QStringLiteral("  stolen laptop "), &error),
                 qPrintable(error));
        QList<QVariantList> rows;
        QVERIFY2(queryRows(*m_fx->db,
                           QStringLiteral("SELECT revoked_at, revoke_reason, revoked_by FROM token_families "
                                          "WHERE id = ?"),
                           {session.tokens.familyId}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.first().at(0).toLongLong(), now);
        QCOMPARE(rows.first().at(1).toString(), QStringLiteral("admin"));
        QCOMPARE(rows.first().at(2).toString(), m_fx->actor.name);
        QCOMPARE(auditCount(), audits + 1);
        const QVariantList audit = lastAudit();
        QCOMPARE(audit.value(0).toString(), QStringLiteral("revoke-family"));
        QCOMPARE(audit.value(1).toString(), QStringLiteral("family:%1").arg(session.tokens.familyId));
        QCOMPARE(audit.value(2).toString(), QStringLiteral("stolen laptop"));
        QCOMPARE(audit.value(3).toString(), m_fx->actor.name);
        QCOMPARE(audit.value(4).toString(), m_fx->actor.origin);
        QCOMPARE(audit.value(5).toLongLong(), now);
        QCOMPARE(count(*m_fx->db,
                       QStringLiteral("SELECT count(*) FROM security_events WHERE kind = ? AND family_id = ?"),
                       {QString::fromLatin1(event_kind::familyRevoked), session.tokens.familyId}),
                 1);
        verifyAuditIntact();
        const RefreshResult refused
            = m_fx->rotation->refresh(session.tokens.refreshToken, StorageFixture::device(QStringLiteral("kim")));
        QCOMPARE(outcomeName(refused.outcome), "token_revoked");
    }

    void revokeFamilyRefusals_data()
    {
        QTest::addColumn<QString>("which"); // "live", "unknown", "revoked"
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("message");
        QTest::newRow("no reason") << QStringLiteral("live") << QString() << QStringLiteral("reason is required");
        QTest::newRow("blank reason") << QStringLiteral("live") << QStringLiteral(" \t ")
                                      << QStringLiteral("reason is required");
        QTest::newRow("unknown id") << QStringLiteral("unknown") << QStringLiteral("why")
                                    << QStringLiteral("no session");
        QTest::newRow("already revoked") << QStringLiteral("revoked") << QStringLiteral("again")
                                         << QStringLiteral("already revoked");
    }

    void revokeFamilyRefusals()
    {
        QFETCH(QString, which);
        QFETCH(QString, reason);
        QFETCH(QString, message);
        LoginResult session;
        CHECKED(signIn(QStringLiteral("leo@example.org"), QStringLiteral("leo"), &session));
        QString error;
        qint64 family = session.tokens.familyId;
        if (which == QLatin1String("unknown"))
            family += 1000;
        if (which == QLatin1String("revoked"))
            QVERIFY2(m_fx->admin->revokeFamily(family, QStringLiteral("first"), &error), qPrintable(error));
        const QByteArray before = contentDigest(*m_fx->db, &error);
        QVERIFY2(!before.isEmpty(), qPrintable(error));
        QVERIFY(!m_fx->admin->revokeFamily(family, reason, &error));
        QVERIFY2(error.contains(message), qPrintable(error));
        if (which == QLatin1String("unknown"))
            QVERIFY2(error.contains(QString::number(family)), qPrintable(error));
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
    }

    void revokeUser()
    {
        LoginResult phone, laptop, tablet, other;
        CHECKED(signIn(QStringLiteral("mia@example.org"), QStringLiteral("mia-phone"), &phone));
        CHECKED(signIn(QStringLiteral("mia@example.org"), QStringLiteral("mia-laptop"), &laptop));
        CHECKED(signIn(QStringLiteral("mia@example.org"), QStringLiteral("mia-tablet"), &tablet));
        CHECKED(signIn(QStringLiteral("ned@example.org"), QStringLiteral("ned"), &other));
        QString error;
        QVERIFY2(m_fx->admin->revokeFamily(tablet.tokens.familyId, QStringLiteral("gone"), &error), qPrintable(error));
        const qint64 user = phone.tokens.userId;
        const qint64 versionBefore
            = count(*m_fx->db, QStringLiteral("SELECT token_version FROM users WHERE id = ?"), {user});
        AccessClaims claims;
        QVERIFY2(jwt::verifyHs256(phone.tokens.accessToken, m_fx->keys.accessKey(), &claims, &error),
                 qPrintable(error));
        QCOMPARE(claims.version, versionBefore);
        const qint64 audits = auditCount();

        int revoked = -1;
        QVERIFY2(m_fx->admin->revokeUser(user, QStringLiteral("account compromised"), &revoked, &error),
                 qPrintable(error));
        QCOMPARE(revoked, 2);
        QCOMPARE(count(*m_fx->db,
                       QStringLiteral("SELECT count(*) FROM token_families WHERE user_id = ? AND revoked_at IS NULL"),
                       {user}),
                 0);
        QCOMPARE(count(*m_fx->db,
                       QStringLiteral("SELECT count(*) FROM token_families WHERE user_id = ? AND revoke_reason = ?"),
                       {user, QStringLiteral("user_revoked")}),
                 2);
        const qint64 versionAfter
            = count(*m_fx->db, QStringLiteral("SELECT token_version FROM users WHERE id = ?"), {user});
        QCOMPARE(versionAfter, versionBefore + 1);
        // The access token still verifies as a JWT, but its `ver` no longer matches: a resource server refuses it.
        QVERIFY2(jwt::verifyHs256(phone.tokens.accessToken, m_fx->keys.accessKey(), &claims, &error),
                 qPrintable(error));
        QVERIFY(claims.version != versionAfter);
        // Someone else's session is untouched.
        QVERIFY(scalar(*m_fx->db, QStringLiteral("SELECT revoked_at FROM token_families WHERE id = ?"),
                       {other.tokens.familyId})
                    .isNull());
        QCOMPARE(auditCount(), audits + 1);
        QCOMPARE(lastAudit().value(0).toString(), QStringLiteral("revoke-user"));
        QCOMPARE(lastAudit().value(1).toString(), QStringLiteral("user:%1").arg(user));
        QCOMPARE(lastAudit().value(2).toString(), QStringLiteral("account compromised"));
        QCOMPARE(lastAudit().value(3).toString(), m_fx->actor.name);
        verifyAuditIntact();
        for (const LoginResult *session : {&phone, &laptop}) {
            const RefreshResult refused
                = m_fx->rotation->refresh(session->tokens.refreshToken, StorageFixture::device(QStringLiteral("mia")));
            QCOMPARE(outcomeName(refused.outcome), "token_revoked");
        }
        // Refusals change nothing.
        const QByteArray before = contentDigest(*m_fx->db, &error);
        QVERIFY(!m_fx->admin->revokeUser(user, QString(), &revoked, &error));
        QVERIFY(error.contains(QLatin1String("reason")));
        QVERIFY(!m_fx->admin->revokeUser(user + 1000, QStringLiteral("x"), &revoked, &error));
        QVERIFY(error.contains(QLatin1String("no user")));
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
    }

    void setUserActiveBothWays()
    {
        LoginResult session;
        CHECKED(signIn(QStringLiteral("oli@example.org"), QStringLiteral("oli"), &session));
        const qint64 user = session.tokens.userId;
        const qint64 audits = auditCount();
        QString error;
        QVERIFY2(m_fx->admin->setUserActive(user, false, QStringLiteral("left the company"), &error),
                 qPrintable(error));
        QVERIFY(!scalar(*m_fx->db, QStringLiteral("SELECT active FROM users WHERE id = ?"), {user}).toBool());
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT token_version FROM users WHERE id = ?"), {user}), 1);
        QCOMPARE(auditCount(), audits + 1);
        QCOMPARE(lastAudit().value(0).toString(), QStringLiteral("deactivate-user"));
        QCOMPARE(lastAudit().value(3).toString(), m_fx->actor.name);
        QVERIFY(!m_fx->admin->setUserActive(user, false, QStringLiteral("again"), &error));
        QVERIFY2(error.contains(QLatin1String("already deactivated")), qPrintable(error));
        QCOMPARE(auditCount(), audits + 1);

        QVERIFY2(m_fx->admin->setUserActive(user, true, QStringLiteral("came back"), &error), qPrintable(error));
        QVERIFY(scalar(*m_fx->db, QStringLiteral("SELECT active FROM users WHERE id = ?"), {user}).toBool());
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT token_version FROM users WHERE id = ?"), {user}), 1);
        QCOMPARE(auditCount(), audits + 2);
        QCOMPARE(lastAudit().value(0).toString(), QStringLiteral("activate-user"));
        QCOMPARE(lastAudit().value(2).toString(), QStringLiteral("came back"));
        QVERIFY(!m_fx->admin->setUserActive(user, true, QStringLiteral("again"), &error));
        QVERIFY2(error.contains(QLatin1String("already active")), qPrintable(error));
        QVERIFY(!m_fx->admin->setUserActive(user + 99, true, QStringLiteral("x"), &error));
        QCOMPARE(auditCount(), audits + 2);
        QCOMPARE(count(*m_fx->db,
                       QStringLiteral("SELECT count(*) FROM security_events WHERE user_id = ? AND kind IN "
                                      "(?, ?)"),
                       {user, QString::fromLatin1(event_kind::userDeactivated),
                        QString::fromLatin1(event_kind::userActivated)}),
                 2);
        verifyAuditIntact();
    }

    void tamperedAuditIsDetected_data()
    {
        QTest::addColumn<QString>("tamper"); // %1 = the entry's id
        QTest::addColumn<int>("entry");
        QTest::addColumn<QString>("problem");
        QTest::newRow("reason edited") << QStringLiteral("UPDATE audit_log SET reason = 'routine' WHERE id = %1") << 3
                                       << QStringLiteral("altered");
        QTest::newRow("actor edited") << QStringLiteral("UPDATE audit_log SET actor = 'nobody' WHERE id = %1") << 1
                                      << QStringLiteral("altered");
        QTest::newRow("time edited") << QStringLiteral(
            "UPDATE audit_log SET occurred_at = occurred_at - 1 WHERE id = %1")
                                     << 5 << QStringLiteral("altered");
        QTest::newRow("entry deleted") << QStringLiteral("DELETE FROM audit_log WHERE id = %1") << 4
                                       << QStringLiteral("missing");
    }

    void tamperedAuditIsDetected()
    {
        QFETCH(QString, tamper);
        QFETCH(int, entry);
        QFETCH(QString, problem);
        QString error;
        qint64 user = 0;
        for (int i = 0; i < 6; ++i) {
            user = m_fx->addUser(QStringLiteral("user%1@example.org").arg(i), &error);
            QVERIFY2(user > 0, qPrintable(error));
        }
        QCOMPARE(auditCount(), 6);
        verifyAuditIntact();
        // The log is append-only: the database itself refuses the edit.
        QVERIFY(!m_fx->db->exec(tamper.arg(entry), &error));
        QVERIFY2(error.contains(QLatin1String("append-only")), qPrintable(error));
        const QStringList disable = m_fx->db->isPostgres()
            ? QStringList {QStringLiteral("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")}
            : QStringList {QStringLiteral("DROP TRIGGER audit_log_no_update"),
                           QStringLiteral("DROP TRIGGER audit_log_no_delete")};
        QVERIFY2(execOn(m_fx->scratch.spec(), QStringList(disable) << tamper.arg(entry), &error), qPrintable(error));

        AuditVerification verification;
        QVERIFY2(m_fx->admin->verifyAudit(&verification, &error), qPrintable(error));
        QVERIFY(!verification.intact);
        QCOMPARE(verification.firstBrokenId, qint64(problem == QLatin1String("missing") ? entry + 1 : entry));
        QCOMPARE(verification.entriesChecked, qint64(entry - 1));
        QVERIFY2(verification.problem.contains(problem), qPrintable(verification.problem));
        QVERIFY2(verification.problem.contains(QString::number(entry)), qPrintable(verification.problem));

        // And the invariant check sees it too (then the test's own cleanup must not trip over it).
        QString failure;
        QVERIFY(!checkInvariants(*m_fx->db, &failure));
        QVERIFY2(failure.contains(QLatin1String("audit chain")), qPrintable(failure));
        m_fx.reset();
    }

    // A console verifies what was appended since its last intact verification, and that the entry that one ended
    // with is unchanged; what it checks agrees with a full verification.
    void auditVerifiedOnwards()
    {
        QString error;
        for (int i = 0; i < 6; ++i)
            QVERIFY2(m_fx->addUser(QStringLiteral("early%1@example.org").arg(i), &error) > 0, qPrintable(error));
        AuditVerification whole;
        QVERIFY2(m_fx->admin->verifyAudit(&whole, &error), qPrintable(error));
        QVERIFY(whole.intact);
        QCOMPARE(whole.entriesChecked, qint64(6));
        QCOMPARE(whole.lastId, qint64(6));
        for (int i = 0; i < 2; ++i)
            QVERIFY2(m_fx->addUser(QStringLiteral("late%1@example.org").arg(i), &error) > 0, qPrintable(error));
        AuditVerification onwards;
        QVERIFY2(m_fx->admin->verifyAuditFrom(whole, &onwards, &error), qPrintable(error));
        QVERIFY(onwards.intact);
        QCOMPARE(onwards.entriesChecked, qint64(8));
        QCOMPARE(onwards.lastId, qint64(8));
        AuditVerification again;
        QVERIFY2(m_fx->admin->verifyAudit(&again, &error), qPrintable(error));
        QCOMPARE(again.lastHash, onwards.lastHash);
        AuditVerification nothingNew;
        QVERIFY2(m_fx->admin->verifyAuditFrom(onwards, &nothingNew, &error), qPrintable(error));
        QVERIFY(nothingNew.intact);
        QCOMPARE(nothingNew.entriesChecked, qint64(8));

        const QStringList disable = m_fx->db->isPostgres()
            ? QStringList {QStringLiteral("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")}
            : QStringList {QStringLiteral("DROP TRIGGER audit_log_no_update"),
                           QStringLiteral("DROP TRIGGER audit_log_no_delete")};
        // An entry appended after the checkpoint, altered: found.
        QVERIFY2(execOn(m_fx->scratch.spec(),
                        QStringList(disable) << QStringLiteral("UPDATE audit_log SET reason = 'x' WHERE id = 7"),
                        &error),
                 qPrintable(error));
        QVERIFY2(m_fx->admin->verifyAuditFrom(whole, &onwards, &error), qPrintable(error));
        QVERIFY(!onwards.intact);
        QCOMPARE(onwards.firstBrokenId, qint64(7));
        // The entry the checkpoint ended with, altered: found too.
        QVERIFY2(
            execOn(m_fx->scratch.spec(), {QStringLiteral("UPDATE audit_log SET actor = 'x' WHERE id = 6")}, &error),
            qPrintable(error));
        QVERIFY2(m_fx->admin->verifyAuditFrom(whole, &onwards, &error), qPrintable(error));
        QVERIFY(!onwards.intact);
        QCOMPARE(onwards.firstBrokenId, qint64(6));
        QVERIFY2(onwards.problem.contains(QLatin1String("altered")), qPrintable(onwards.problem));
        m_fx.reset(); // the chain is broken on purpose: the invariant check of the cleanup must not run
    }

    void invariantCheckCatchesViolations_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QString>("finding");
        QTest::newRow("raw token in a text column")
            << QStringLiteral("UPDATE devices SET user_agent = 'rtr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'")
            << QStringLiteral("raw token stored");
        QTest::newRow("family revoked, token left live")
            << QStringLiteral("UPDATE token_families SET revoked_at = 1") << QStringLiteral("live token in a revoked");
        QTest::newRow("consumed without successor")
            << QStringLiteral("UPDATE refresh_tokens SET used_at = 1") << QStringLiteral("without a successor");
    }

    // The check every test ends with must be able to fail.
    void invariantCheckCatchesViolations()
    {
        QFETCH(QString, sql);
        QFETCH(QString, finding);
        LoginResult session;
        CHECKED(signIn(QStringLiteral("pat@example.org"), QStringLiteral("pat"), &session));
        QString failure;
        QVERIFY2(checkInvariants(*m_fx->db, &failure), qPrintable(failure));
        QVERIFY2(m_fx->db->exec(sql, &failure), qPrintable(failure));
        QVERIFY(!checkInvariants(*m_fx->db, &failure));
        QVERIFY2(failure.contains(finding), qPrintable(failure));
        m_fx.reset();
    }

    void readOnlyRefusesEveryWrite()
    {
        LoginResult session;
        CHECKED(signIn(QStringLiteral("quinn@example.org"), QStringLiteral("quinn"), &session));
        QString error;
        std::unique_ptr<Database> readOnly = m_fx->openAnother(&error, true);
        QVERIFY2(readOnly, qPrintable(error));
        QVERIFY(readOnly->isReadOnly());
        const QByteArray before = contentDigest(*m_fx->db, &error);
        QVERIFY2(!before.isEmpty(), qPrintable(error));
        const auto refusedClearly = [](const QString &message) { return message.contains(QLatin1String("read-only")); };

        bool bodyRan = false;
        QVERIFY(!readOnly->transact(
            [&](QString *) {
                bodyRan = true;
                return Database::Step::Commit;
            },
            &error));
        QVERIFY(!bodyRan);
        QVERIFY2(refusedClearly(error), qPrintable(error));

        RotationService rotation(*readOnly, m_fx->keys, m_fx->clock);
        const RefreshResult refreshed
            = rotation.refresh(session.tokens.refreshToken, StorageFixture::device(QStringLiteral("quinn")));
        QVERIFY(refreshed.storageFailed);
        QVERIFY(!refreshed.ok());
        QVERIFY2(refusedClearly(refreshed.error), qPrintable(refreshed.error));

        const LoginResult login
            = rotation.login(QStringLiteral("quinn@example.org"), StorageFixture::device(QStringLiteral("quinn")));
        QVERIFY(!login.ok());
        QVERIFY2(refusedClearly(login.error), qPrintable(login.error));

        AdminService admin(*readOnly, m_fx->clock, m_fx->actor);
        QVERIFY(!admin.revokeFamily(session.tokens.familyId, QStringLiteral("x"), &error));
        QVERIFY2(refusedClearly(error), qPrintable(error));
        int revoked = 0;
        QVERIFY(!admin.revokeUser(session.tokens.userId, QStringLiteral("x"), &revoked, &error));
        QVERIFY2(refusedClearly(error), qPrintable(error));
        QVERIFY(!admin.setUserActive(session.tokens.userId, false, QStringLiteral("x"), &error));
        QVERIFY2(refusedClearly(error), qPrintable(error));
        qint64 id = 0;
        QVERIFY(!admin.addUser(QStringLiteral("new@example.org"), QString(), &id, &error));
        QVERIFY2(refusedClearly(error), qPrintable(error));

        DemoSeeder seeder(*readOnly, m_fx->clock);
        SeedOptions options;
        options.users = 5;
        SeedStats stats;
        QVERIFY(!seeder.seed(options, {}, &stats, &error));
        QVERIFY2(refusedClearly(error), qPrintable(error));

        // Reading still works, and nothing changed.
        QCOMPARE(contentDigest(*readOnly, &error), before);
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
        AuditVerification verification;
        QVERIFY2(admin.verifyAudit(&verification, &error), qPrintable(error));
        QVERIFY(verification.intact);
    }

    // A read-only connection is refused by the database itself too, not only by the core's up-front check.
    void readOnlyConnectionIsReadOnlyInTheDatabase()
    {
        QString error;
        QVERIFY2(m_fx->addUser(QStringLiteral("rae@example.org"), &error) > 0, qPrintable(error));
        std::unique_ptr<Database> readOnly = m_fx->openAnother(&error, true);
        QVERIFY2(readOnly, qPrintable(error));
        const QByteArray before = contentDigest(*m_fx->db, &error);
        QVERIFY(!readOnly->exec(QStringLiteral("UPDATE users SET display_name = 'x'"), &error));
        QVERIFY(!error.isEmpty());
        QCOMPARE(readOnly->recover(readOnly->lastError()), Database::ErrorKind::ReadOnly);
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
    }
};

QTEST_GUILESS_MAIN(TestAdmin)
#include "tst_admin.moc"
