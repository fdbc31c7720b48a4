// Eight processes present the same refresh token at the same moment, round after round. In every round exactly one
// successor is created; every other caller gets the identical successor (grace) or a replay verdict; no family
// ever has two live tokens. The test counts the successors in the database after each round.
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

        QHash<QByteArray, int> outcomes;
        QByteArray token;
        qint64 family = 0;
        int generation = 0;
        QElapsedTimer timer;
        timer.start();
        for (int round = 0; round < rounds; ++round) {
            if (token.isEmpty() || round % 25 == 0) {
                const LoginResult login = m_fx->rotation->login(QStringLiteral("race@example.org"),
                                                                StorageFixture::device(QStringLiteral("race")));
                QVERIFY2(login.ok(), qPrintable(login.error));
                token = login.tokens.refreshToken;
                family = login.tokens.familyId;
                generation = 0;
            }
            m_fx->clock.advanceMs(Policy::second);
            pool.sendAll("refresh " + token + ' ' + QByteArray::number(m_fx->clock.nowMs()) + ' '
                         + QByteArray::number(graceMs) + " 10.9.9.9 Racer/1");
            QByteArray successor;
            int rotations = 0, replays = 0;
            for (int i = 0; i < processes; ++i) {
                QByteArray line;
                QVERIFY2(pool.readLine(i, &line, 30000), "a driver did not answer");
                const QList<QByteArray> words = line.split(' ');
                QVERIFY2(words.size() >= 4 && words.at(3) == "0", line.constData()); // storage did not fail
                const QByteArray outcome = words.at(0);
                ++outcomes[outcome];
                if (outcome == "rotate") {
                    ++rotations;
                    successor = words.at(1);
                } else if (outcome == "grace_replay") {
                    QVERIFY2(graceMs > 0, line.constData());
                    QCOMPARE(words.at(1), refresh_token::successorOf(token, m_fx->keys.rotationKey()));
                } else if (outcome == "replay") {
                    ++replays;
                    QVERIFY2(graceMs == 0, line.constData());
                } else {
                    // Without grace, callers after the first replay find the family already revoked.
                    QVERIFY2(graceMs == 0 && outcome == "family_revoked", line.constData());
                }
            }
            QCOMPARE(rotations, 1);
            QCOMPARE(successor, refresh_token::successorOf(token, m_fx->keys.rotationKey()));
            if (graceMs == 0)
                QVERIFY(replays >= 1);
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
        QCOMPARE(outcomes.value("rotate"), rounds);
    }
};

QTEST_GUILESS_MAIN(TestRace)
#include "tst_race.moc"
