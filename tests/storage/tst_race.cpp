// Separate processes present the same refresh token at the same moment, the way servers do: each process reads
// its own system clock for every call, and no time crosses the pipe to it. A concurrent presentation is never a
// replay: every round ends with exactly one successor, every other caller gets that same successor, and no session
// is revoked. Without a grace window a concurrent presentation is a replay by definition. Clocks skewed by a few
// seconds still agree inside the window; beyond it a replay is caught.
#include "DriverPool.h"
#include "Invariants.h"
#include "RefreshToken.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QElapsedTimer>
#include <QtTest>

using namespace rotor;
using namespace rotor::test;

class TestRace : public StorageSuite
{
    Q_OBJECT

private:
    static constexpr int processes = 8;

    // Signs in on this process's system clock (the drivers read theirs), as a server would.
    void signIn(const Policy &policy, QByteArray *token, qint64 *family)
    {
        RotationService service(*m_fx->db, m_fx->keys, m_systemClock, policy);
        const LoginResult login
            = service.login(QStringLiteral("race@example.org"), StorageFixture::device(QStringLiteral("race")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        *token = login.tokens.refreshToken;
        *family = login.tokens.familyId;
    }

    static QByteArray refreshCommand(const QByteArray &token, qint64 graceMs)
    {
        return "refresh " + token + ' ' + QByteArray::number(graceMs) + " 10.9.9.9 Racer/1";
    }

    // One answer: its outcome, and (for a token handed out) the token.
    static void parseAnswer(const QByteArray &line, QByteArray *outcome, QByteArray *token)
    {
        const QList<QByteArray> words = line.split(' ');
        QVERIFY2(words.size() >= 4 && words.at(3) == "0", line.constData()); // storage did not fail
        *outcome = words.at(0);
        *token = words.at(1);
    }

    qint64 revokedFamilies()
    {
        return count(*m_fx->db, QStringLiteral("SELECT count(*) FROM token_families WHERE revoked_at IS NOT NULL"));
    }

    SystemClock m_systemClock;

private slots:
    void init()
    {
        QString error;
        QVERIFY2(startFixture(&error), qPrintable(error));
        QVERIFY2(m_fx->addUser(QStringLiteral("race@example.org"), &error) > 0, qPrintable(error));
    }

    void sameTokenFromEightProcesses_data()
    {
        QTest::addColumn<qint64>("graceMs");
        QTest::addColumn<int>("rounds");
        QTest::newRow("grace window") << qint64(10 * Policy::second) << 200;
        QTest::newRow("no grace") << qint64(0) << 40;
    }

    void sameTokenFromEightProcesses()
    {
        QFETCH(qint64, graceMs);
        QFETCH(int, rounds);
        DriverPool pool;
        QString error;
        QVERIFY2(pool.start(m_fx->scratch.location(), processes, &error), qPrintable(error));
        Policy policy;
        policy.graceMs = graceMs;

        QHash<QByteArray, int> outcomes;
        QByteArray token;
        qint64 family = 0;
        int generation = 0;
        QElapsedTimer timer;
        timer.start();
        for (int round = 0; round < rounds; ++round) {
            if (token.isEmpty() || round % 25 == 0) {
                signIn(policy, &token, &family);
                if (QTest::currentTestFailed())
                    return;
                generation = 0;
            }
            pool.sendAll(refreshCommand(token, graceMs));
            const QByteArray derived = refresh_token::successorOf(token, m_fx->keys.rotationKey());
            QByteArray successor;
            int rotations = 0, replays = 0;
            for (int i = 0; i < processes; ++i) {
                QByteArray line, outcome, handedOut;
                QVERIFY2(pool.readLine(i, &line, 30000), "a driver did not answer");
                parseAnswer(line, &outcome, &handedOut);
                if (QTest::currentTestFailed())
                    return;
                ++outcomes[outcome];
                if (outcome == "rotated") {
                    ++rotations;
                    successor = handedOut;
                } else if (outcome == "grace_retry") {
                    QVERIFY2(graceMs > 0, line.constData());
                    QCOMPARE(handedOut, derived);
                } else {
                    // Without grace every loser presents a used token: a replay, even once the family is revoked.
                    QVERIFY2(graceMs == 0 && outcome == "replay_detected", line.constData());
                    ++replays;
                }
            }
            QCOMPARE(rotations, 1);
            QCOMPARE(successor, derived);
            if (graceMs == 0)
                QCOMPARE(replays, processes - 1);
            // Count in the database: one successor row, the one handed out, and never two live tokens.
            QList<QVariantList> rows;
            QVERIFY2(queryRows(*m_fx->db,
                               QStringLiteral("SELECT token_hash FROM refresh_tokens WHERE family_id = ? AND "
                                              "generation = ?"),
                               {family, generation + 1}, &rows, &error),
                     qPrintable(error));
            QCOMPARE(rows.size(), 1);
            QCOMPARE(rows.first().first().toByteArray(), refresh_token::hashOf(successor));
            QCOMPARE(
                count(*m_fx->db, QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ?"), {family}),
                generation + 2);
            QVERIFY(count(*m_fx->db,
                          QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ? AND used_at IS NULL "
                                         "AND revoked_at IS NULL"),
                          {family})
                    <= 1);
            if (graceMs > 0) {
                token = successor;
                ++generation;
            } else {
                token.clear();
            }
        }
        const qint64 elapsed = timer.elapsed();
        QStringList summary;
        for (auto it = outcomes.cbegin(); it != outcomes.cend(); ++it)
            summary << QStringLiteral("%1 %2").arg(it.value()).arg(QString::fromLatin1(it.key()));
        summary.sort();
        qInfo("%d rounds x %d processes in %lld ms (%.1f ms/round): %s", rounds, processes, elapsed,
              double(elapsed) / rounds, qPrintable(summary.join(QLatin1String(", "))));
        QCOMPARE(outcomes.value("rotated"), rounds);
        if (graceMs > 0) {
            QCOMPARE(outcomes.value("replay_detected"), 0);
            QCOMPARE(revokedFamilies(), 0);
            QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM security_events WHERE kind = ?"),
                           {QStringLiteral("replay_detected")}),
                     0);
        }
    }

    // Two servers whose clocks disagree by a few seconds, inside the grace window: whether they race or one comes
    // just after the other, the second gets the identical successor.
    void skewedClocksInsideTheWindow_data()
    {
        QTest::addColumn<qint64>("offsetA");
        QTest::addColumn<qint64>("offsetB");
        QTest::newRow("B 3 s ahead") << qint64(0) << qint64(3000);
        QTest::newRow("B 3 s behind") << qint64(0) << qint64(-3000);
        QTest::newRow("A 1.5 s ahead, B 1.5 s behind") << qint64(1500) << qint64(-1500);
    }

    void skewedClocksInsideTheWindow()
    {
        QFETCH(qint64, offsetA);
        QFETCH(qint64, offsetB);
        constexpr qint64 graceMs = 5 * Policy::second;
        Policy policy;
        policy.graceMs = graceMs;
        DriverPool pool;
        QString error;
        QVERIFY2(pool.start(m_fx->scratch.location(), 2, &error, {offsetA, offsetB}), qPrintable(error));
        QByteArray token;
        qint64 family = 0;
        signIn(policy, &token, &family);
        if (QTest::currentTestFailed())
            return;
        for (int round = 0; round < 40; ++round) {
            const bool together = round % 2 == 0;
            const int first = round % 4 < 2 ? 0 : 1; // who goes first when they do not race
            QByteArray outcomes[2], handedOut[2];
            if (together) {
                pool.sendAll(refreshCommand(token, graceMs));
            } else {
                pool.send(first, refreshCommand(token, graceMs));
                QByteArray line;
                QVERIFY2(pool.readLine(first, &line, 30000), "a driver did not answer");
                parseAnswer(line, &outcomes[first], &handedOut[first]);
                pool.send(1 - first, refreshCommand(token, graceMs));
            }
            for (int i = 0; i < 2; ++i) {
                if (!outcomes[i].isEmpty())
                    continue;
                QByteArray line;
                QVERIFY2(pool.readLine(i, &line, 30000), "a driver did not answer");
                parseAnswer(line, &outcomes[i], &handedOut[i]);
            }
            if (QTest::currentTestFailed())
                return;
            const QByteArray derived = refresh_token::successorOf(token, m_fx->keys.rotationKey());
            QList<QByteArray> sorted {outcomes[0], outcomes[1]};
            std::sort(sorted.begin(), sorted.end());
            QCOMPARE(sorted, (QList<QByteArray> {"grace_retry", "rotated"}));
            QCOMPARE(handedOut[0], derived);
            QCOMPARE(handedOut[1], derived);
            token = derived;
        }
        QVERIFY(
            scalar(*m_fx->db, QStringLiteral("SELECT revoked_at FROM token_families WHERE id = ?"), {family}).isNull());
    }

    // Beyond the window a second presentation is a replay, whichever way the clocks are off: a clock far ahead or
    // far behind widens no one's grace.
    void skewedClocksBeyondTheWindow_data()
    {
        QTest::addColumn<qint64>("offsetB");
        QTest::newRow("B 8 s ahead") << qint64(8000);
        QTest::newRow("B 8 s behind") << qint64(-8000);
    }

    void skewedClocksBeyondTheWindow()
    {
        QFETCH(qint64, offsetB);
        constexpr qint64 graceMs = 5 * Policy::second;
        Policy policy;
        policy.graceMs = graceMs;
        DriverPool pool;
        QString error;
        QVERIFY2(pool.start(m_fx->scratch.location(), 2, &error, {0, offsetB}), qPrintable(error));
        QByteArray token;
        qint64 family = 0;
        signIn(policy, &token, &family);
        if (QTest::currentTestFailed())
            return;
        QByteArray line, outcome, handedOut;
        pool.send(0, refreshCommand(token, graceMs));
        QVERIFY2(pool.readLine(0, &line, 30000), "a driver did not answer");
        parseAnswer(line, &outcome, &handedOut);
        QCOMPARE(outcome, QByteArray("rotated"));
        pool.send(1, refreshCommand(token, graceMs));
        QVERIFY2(pool.readLine(1, &line, 30000), "a driver did not answer");
        parseAnswer(line, &outcome, &handedOut);
        QCOMPARE(outcome, QByteArray("replay_detected"));
        QCOMPARE(handedOut, QByteArray("-"));
        QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT revoke_reason FROM token_families WHERE id = ?"), {family})
                     .toString(),
                 QStringLiteral("replay"));
    }
};

QTEST_GUILESS_MAIN(TestRace)
#include "tst_race.moc"
