// The simulator's scenarios end to end: each is played into a real database (SQLite file or PostgreSQL server) through
// the same services a server uses, and what the database holds afterwards is read back with the tests' own SQL: the
// events, the sessions' states and verdicts each story must leave, and nothing touched outside the simulated user.
// Waits are jumped over (Pace::Jump) so the suite does not wait out grace windows; the two tabs of "second-tab" still
// race on two threads and two connections, each reading the real clock.
#include "Scenario.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QJsonArray>
#include <QtTest>

using namespace rotor;
using namespace rotor::test;

class TestScenarios : public StorageSuite
{
    Q_OBJECT

private:
    qint64 simulatedCount(const QString &sql)
    {
        return count(*m_fx->db, sql + QStringLiteral(" AND user_id = (SELECT id FROM users WHERE simulated = ?)"),
                     {true});
    }

private slots:
    void playedIntoTheDatabase_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<int>("replays");
        QTest::addColumn<int>("graceRetries");
        QTest::addColumn<int>("revokedSessions");
        QTest::addColumn<int>("sessions");
        for (const auto &[id, replays, retries, revoked, sessions] :
             {std::tuple {"stolen-token", 2, 0, 2, 2}, std::tuple {"theft-inside-grace", 1, 1, 1, 1},
              std::tuple {"lost-response", 0, 1, 0, 1}, std::tuple {"second-tab", 0, 1, 0, 1},
              std::tuple {"expiry", 0, 0, 0, 2}, std::tuple {"revoked-while-in-use", 0, 0, 1, 2}})
            QTest::newRow(id) << QString::fromLatin1(id) << replays << retries << revoked << sessions;
    }

    void playedIntoTheDatabase()
    {
        QFETCH(QString, scenario);
        QFETCH(int, replays);
        QFETCH(int, graceRetries);
        QFETCH(int, revokedSessions);
        QFETCH(int, sessions);
        QString error;
        // A real user with a live session, which no scenario may touch.
        QVERIFY2(m_fx->addUser(QStringLiteral("bystander@example.org"), &error) > 0, qPrintable(error));
        const LoginResult bystander = m_fx->rotation->login(QStringLiteral("bystander@example.org"),
                                                            StorageFixture::device(QStringLiteral("bystander")));
        QVERIFY2(bystander.ok(), qPrintable(bystander.error));

        std::unique_ptr<ScenarioRun> run = ScenarioRun::start(scenario, ScenarioRun::Target::IntoDatabase,
                                                              m_fx->scratch.spec(), &error, ScenarioRun::Pace::Jump);
        QVERIFY2(run, qPrintable(error));
        QVERIFY(!run->realTime());
        QList<ScenarioStep> played;
        while (!run->atEnd())
            QVERIFY2(run->next(&played, &error), qPrintable(error));
        for (const ScenarioStep &step : run->transcript())
            QVERIFY2(step.asExpected, qPrintable(step.toText()));
        QVERIFY(run->allAsExpected());

        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM users WHERE simulated = ?"), {true}), 1);
        QCOMPARE(simulatedCount(QStringLiteral("SELECT count(*) FROM security_events WHERE kind = 'replay_detected'")),
                 replays);
        QCOMPARE(simulatedCount(QStringLiteral("SELECT count(*) FROM security_events WHERE kind = 'grace_retry'")),
                 graceRetries);
        QCOMPARE(simulatedCount(QStringLiteral("SELECT count(*) FROM token_families WHERE revoked_at IS NOT NULL")),
                 revokedSessions);
        QCOMPARE(simulatedCount(QStringLiteral("SELECT count(*) FROM token_families WHERE 1 = 1")), sessions);
        // Every replay a scenario provokes is a second party's, and says so with the evidence.
        QCOMPARE(simulatedCount(QStringLiteral("SELECT count(*) FROM security_events WHERE kind = 'replay_detected' "
                                               "AND verdict = 'second_party' AND verdict_reason <> ''")),
                 replays);
        // The narration is the decision's: every presentation's explanation names its generation.
        for (const ScenarioStep &step : run->transcript()) {
            if (!step.presented.isEmpty() && step.outcome != QLatin1String("copied")
                && step.outcome != QLatin1String("checked"))
                QVERIFY2(step.explanation.contains(QLatin1String("generation")), qPrintable(step.toText()));
        }
        // The bystander's session is as it was.
        QCOMPARE(count(*m_fx->db,
                       QStringLiteral("SELECT count(*) FROM token_families WHERE id = ? AND revoked_at IS NULL AND "
                                      "current_generation = 0"),
                       {bystander.tokens.familyId}),
                 1);

        // Removing what the simulator made leaves the bystander, and the audit log grows by one entry.
        const qint64 auditBefore = count(*m_fx->db, QStringLiteral("SELECT count(*) FROM audit_log"));
        AdminService::SimulatedRemoval removed;
        QVERIFY2(m_fx->admin->removeSimulatedUsers(&removed, &error), qPrintable(error));
        QCOMPARE(removed.users, qint64(1));
        QCOMPARE(removed.families, qint64(sessions));
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM users WHERE simulated = ?"), {true}), 0);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM users")), 1);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM audit_log")), auditBefore + 1);
        AuditVerification verification;
        QVERIFY2(m_fx->admin->verifyAudit(&verification, &error), qPrintable(error));
        QVERIFY2(verification.intact, qPrintable(verification.problem));
    }

    // The default: a scratch database of the run's own, and nothing written where the console is connected.
    void scratchWritesNothingElsewhere()
    {
        QString error;
        const QByteArray before = contentDigest(*m_fx->db, &error);
        QVERIFY2(!before.isEmpty(), qPrintable(error));
        for (const ScenarioInfo &info : scenarioCatalog()) {
            std::unique_ptr<ScenarioRun> run = ScenarioRun::start(
                QString::fromLatin1(info.id), ScenarioRun::Target::Scratch, m_fx->scratch.spec(true), &error);
            QVERIFY2(run, qPrintable(error));
            QCOMPARE(run->databaseSpec().backend, Backend::Sqlite);
            QList<ScenarioStep> played;
            while (!run->atEnd())
                QVERIFY2(run->next(&played, &error), qPrintable(error));
            QVERIFY2(run->allAsExpected(), qPrintable(run->toText()));
            const QJsonObject json = run->toJson();
            QCOMPARE(json.value(QStringLiteral("steps")).toArray().size(), run->transcript().size());
            for (const QJsonValue &step : json.value(QStringLiteral("steps")).toArray()) {
                for (const char *key : {"step", "presented", "outcome", "explanation"})
                    QVERIFY2(step.toObject().contains(QLatin1String(key)), key);
            }
            QList<QVariantList> tokens, events;
            QVERIFY2(run->snapshot(&tokens, &events, &error), qPrintable(error));
            QVERIFY(!tokens.isEmpty());
            QVERIFY(!events.isEmpty() || QLatin1String(info.id) == QLatin1String("lost-response")
                    || QLatin1String(info.id) == QLatin1String("second-tab"));
        }
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
    }

    void refusedWhereItMustNotWrite()
    {
        QString error;
        const QByteArray before = contentDigest(*m_fx->db, &error);
        QVERIFY(!ScenarioRun::start(QStringLiteral("stolen-token"), ScenarioRun::Target::IntoDatabase,
                                    m_fx->scratch.spec(true), &error));
        QVERIFY2(error.contains(QLatin1String("read-only")), qPrintable(error));
        QVERIFY(!ScenarioRun::start(QStringLiteral("no-such-story"), ScenarioRun::Target::Scratch, {}, &error));
        QVERIFY2(error.contains(QLatin1String("stolen-token")), qPrintable(error));
        // A scenario about the grace window cannot run where the policy disables it.
        Policy noGrace = m_fx->policy;
        noGrace.graceMs = 0;
        QVERIFY2(m_fx->admin->setPolicy(noGrace, QStringLiteral("test"), &error), qPrintable(error));
        const QByteArray withPolicy = contentDigest(*m_fx->db, &error);
        QVERIFY(!ScenarioRun::start(QStringLiteral("second-tab"), ScenarioRun::Target::IntoDatabase,
                                    m_fx->scratch.spec(), &error, ScenarioRun::Pace::Jump));
        QVERIFY2(error.contains(QLatin1String("grace")), qPrintable(error));
        QCOMPARE(contentDigest(*m_fx->db, &error), withPolicy);
        QVERIFY(before != withPolicy);
    }
};

QTEST_GUILESS_MAIN(TestScenarios)
#include "tst_scenarios.moc"
