// Many threads, each with its own connection opened on its own thread, hit the same token (or the same family)
// at the same moment. At most one successor may ever be created, and nothing may surface as an error.
#include "Invariants.h"
#include "RefreshToken.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QElapsedTimer>
#include <QSemaphore>
#include <QThread>
#include <QtTest>

#include <functional>
#include <vector>

using namespace rotor;
using namespace rotor::test;

namespace {

// Threads that each own one Database and run one task per round, all released at once.
class Crew
{
public:
    using Task = std::function<void(int index, Database &db)>;

    Crew(const ConnectionSpec &spec, int size)
        : m_spec(spec)
        , m_size(size)
        , m_openErrors(size_t(size))
    {
        for (int i = 0; i < size; ++i)
            m_start.push_back(std::make_unique<QSemaphore>());
    }

    ~Crew()
    {
        m_stop = true;
        for (auto &start : m_start)
            start->release();
        for (QThread *thread : m_threads) {
            thread->wait();
            delete thread;
        }
    }

    bool start(QString *error)
    {
        for (int i = 0; i < m_size; ++i) {
            QThread *thread = QThread::create([this, i] { work(i); });
            m_threads.append(thread);
            thread->start();
        }
        m_ready.acquire(m_size);
        for (const QString &failure : m_openErrors) {
            if (!failure.isEmpty()) {
                *error = failure;
                return false;
            }
        }
        return true;
    }

    // Runs the task once on every thread, released together (a barrier), and waits for all of them.
    void round(const Task &task)
    {
        m_task = task;
        for (auto &start : m_start)
            start->release();
        m_done.acquire(m_size);
    }

private:
    void work(int index)
    {
        Database db(m_spec); // created and opened on the thread that uses it
        QString error;
        if (!db.open(Database::OpenMode::OpenExisting, &error))
            m_openErrors[size_t(index)] = error;
        m_ready.release();
        for (;;) {
            m_start[size_t(index)]->acquire();
            if (m_stop)
                break;
            m_task(index, db);
            m_done.release();
        }
        db.close();
    }

    ConnectionSpec m_spec;
    int m_size;
    std::vector<QString> m_openErrors;
    QList<QThread *> m_threads;
    // One start semaphore per thread: a fast thread must not take a slower one's turn.
    std::vector<std::unique_ptr<QSemaphore>> m_start;
    QSemaphore m_ready, m_done;
    Task m_task;
    bool m_stop = false; // written before the start semaphores are released, read after they are acquired
};

} // namespace

class TestConcurrency : public StorageSuite
{
    Q_OBJECT

private:
    static constexpr int threads = 8;

    QByteArray signIn(const QString &email, qint64 *family)
    {
        QString error;
        if (count(*m_fx->db, QStringLiteral("SELECT count(*) FROM users WHERE email = ?"), {email}) == 0
            && m_fx->addUser(email, &error) == 0)
            qWarning("%s", qPrintable(error));
        const LoginResult login = m_fx->rotation->login(email, StorageFixture::device(QStringLiteral("owner")));
        *family = login.tokens.familyId;
        return login.ok() ? login.tokens.refreshToken : QByteArray();
    }

private slots:
    void sameTokenAtOnce_data()
    {
        QTest::addColumn<qint64>("graceMs");
        QTest::addColumn<int>("rounds");
        QTest::newRow("grace window") << qint64(10 * Policy::second) << 60;
        QTest::newRow("no grace") << qint64(0) << 30;
    }

    void sameTokenAtOnce()
    {
        QFETCH(qint64, graceMs);
        QFETCH(int, rounds);
        Policy policy;
        policy.graceMs = graceMs;
        QString error;
        Crew crew(m_fx->scratch.spec(), threads);
        QVERIFY2(crew.start(&error), qPrintable(error));

        qint64 family = 0;
        QByteArray token;
        int generation = 0;
        int rotations = 0, graces = 0, replays = 0, revoked = 0;
        QElapsedTimer timer;
        timer.start();
        for (int round = 0; round < rounds; ++round) {
            // A long chain in the grace case; a new family whenever the previous one was revoked.
            if (token.isEmpty() || round % 15 == 0) {
                token = signIn(QStringLiteral("shared@example.org"), &family);
                QVERIFY(!token.isEmpty());
                generation = 0;
            }
            m_fx->clock.advanceMs(Policy::second);
            std::vector<RefreshResult> results(threads);
            crew.round([&](int index, Database &db) {
                RotationService service(db, m_fx->keys, m_fx->clock, policy);
                results[size_t(index)]
                    = service.refresh(token, StorageFixture::device(QStringLiteral("thread%1").arg(index)));
            });
            QByteArray successor;
            int roundRotations = 0, roundReplays = 0;
            for (const RefreshResult &result : results) {
                QVERIFY2(!result.storageFailed, qPrintable(result.error));
                switch (result.outcome) {
                case Outcome::Rotate:
                    ++roundRotations;
                    successor = result.tokens.refreshToken;
                    break;
                case Outcome::GraceRetry:
                    ++graces;
                    break;
                case Outcome::Replay:
                    ++roundReplays;
                    break;
                case Outcome::TokenRevoked:
                    ++revoked;
                    break;
                default:
                    QFAIL(outcomeName(result.outcome));
                }
            }
            QCOMPARE(roundRotations, 1);
            rotations += roundRotations;
            replays += roundReplays;
            QCOMPARE(successor, refresh_token::successorOf(token, m_fx->keys.rotationKey()));
            for (const RefreshResult &result : results) {
                if (result.outcome == Outcome::GraceRetry)
                    QCOMPARE(result.tokens.refreshToken, successor); // the identical successor
            }
            if (graceMs > 0)
                QCOMPARE(roundReplays, 0);
            else
                QVERIFY(roundReplays >= 1); // the first loser detects it; later ones find the family revoked
            // Exactly one successor row, and never two live tokens.
            QCOMPARE(count(*m_fx->db,
                           QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ? AND generation = ?"),
                           {family, generation + 1}),
                     1);
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
        qInfo("%d rounds x %d threads in %lld ms: %d rotate, %d grace_replay, %d replay, %d family_revoked", rounds,
              threads, timer.elapsed(), rotations, graces, replays, revoked);
        QCOMPARE(rotations + graces + replays + revoked, rounds * threads);
    }

    // Each thread rotates a session of its own, all at once: on SQLite their rotations share transactions (one
    // commit for all the callers waiting), and every caller must still get its own rotation.
    void ownSessionsAtOnce()
    {
        constexpr int rounds = 25;
        QString error;
        Crew crew(m_fx->scratch.spec(), threads);
        QVERIFY2(crew.start(&error), qPrintable(error));
        std::vector<QByteArray> tokens(threads);
        std::vector<qint64> families(threads);
        for (int i = 0; i < threads; ++i) {
            tokens[size_t(i)] = signIn(QStringLiteral("own%1@example.org").arg(i), &families[size_t(i)]);
            QVERIFY(!tokens[size_t(i)].isEmpty());
        }
        for (int round = 0; round < rounds; ++round) {
            m_fx->clock.advanceMs(Policy::second);
            std::vector<RefreshResult> results(threads);
            crew.round([&](int index, Database &db) {
                RotationService service(db, m_fx->keys, m_fx->clock, m_fx->policy);
                results[size_t(index)] = service.refresh(tokens[size_t(index)],
                                                         StorageFixture::device(QStringLiteral("own%1").arg(index)));
            });
            for (int i = 0; i < threads; ++i) {
                const RefreshResult &result = results[size_t(i)];
                QVERIFY2(result.ok(), qPrintable(result.error));
                QCOMPARE(result.outcome, Outcome::Rotate);
                QCOMPARE(result.tokens.familyId, families[size_t(i)]);
                QCOMPARE(result.tokens.generation, round + 1);
                QCOMPARE(result.tokens.refreshToken,
                         refresh_token::successorOf(tokens[size_t(i)], m_fx->keys.rotationKey()));
                tokens[size_t(i)] = result.tokens.refreshToken;
            }
        }
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM refresh_tokens")), threads * (rounds + 1));
    }

    // SQLite's shared write transaction: whichever thread runs it, every caller gets its own result and its own error,
    // and a piece that fails undoes its own writes only.
    void sharedTransactionKeepsEachCallersOwn()
    {
        if (m_fx->db->isPostgres())
            QSKIP("a shared write transaction is SQLite's");
        constexpr int rounds = 20;
        static const char insertUser[] = "INSERT INTO users (email, created_at) VALUES (:email, 0)";
        QString error;
        Crew crew(m_fx->scratch.spec(), threads);
        QVERIFY2(crew.start(&error), qPrintable(error));
        int ranElsewhere = 0;
        for (int round = 0; round < rounds; ++round) {
            std::vector<bool> ok(threads);
            std::vector<QString> errors(threads);
            std::vector<bool> elsewhere(threads);
            crew.round([&](int index, Database &db) {
                const QByteArray email = QStringLiteral("piece-%1-%2@example.org").arg(round).arg(index).toUtf8();
                ok[size_t(index)] = db.writeShared(
                    [&](Database &writer, QString *failure) {
                        elsewhere[size_t(index)] = &writer != &db;
                        Database::SqliteStatement *insert = writer.sqliteStatement(insertUser, failure);
                        if (!insert)
                            return false;
                        insert->bindText(":email", email);
                        if (!insert->exec(failure))
                            return false;
                        if (index % 2 == 0)
                            return true;
                        *failure = QStringLiteral("piece %1 refuses").arg(index);
                        return false;
                    },
                    &errors[size_t(index)]);
            });
            for (int i = 0; i < threads; ++i) {
                QCOMPARE(bool(ok[size_t(i)]), i % 2 == 0);
                QCOMPARE(errors[size_t(i)], i % 2 == 0 ? QString() : QStringLiteral("piece %1 refuses").arg(i));
                QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM users WHERE email = ?"),
                               {QStringLiteral("piece-%1-%2@example.org").arg(round).arg(i)}),
                         i % 2 == 0 ? 1 : 0);
                ranElsewhere += elsewhere[size_t(i)] ? 1 : 0;
            }
        }
        qInfo("%d rounds x %d threads: %d pieces ran in a transaction another thread led", rounds, threads,
              ranElsewhere);
        QVERIFY(ranElsewhere > 0);
    }

    void refreshVersusRevoke()
    {
        QString error;
        constexpr int rounds = 40;
        Crew crew(m_fx->scratch.spec(), 5);
        QVERIFY2(crew.start(&error), qPrintable(error));
        int rotations = 0, graces = 0, revokedSeen = 0;
        for (int round = 0; round < rounds; ++round) {
            qint64 family = 0;
            const QByteArray token = signIn(QStringLiteral("racer%1@example.org").arg(round % 3), &family);
            QVERIFY(!token.isEmpty());
            m_fx->clock.advanceMs(Policy::second);
            std::vector<RefreshResult> results(4);
            bool revokedOk = false;
            QString revokeError;
            crew.round([&](int index, Database &db) {
                if (index == 4) {
                    AdminService admin(db, m_fx->clock, m_fx->actor);
                    revokedOk = admin.revokeFamily(family, QStringLiteral("race"), &revokeError);
                } else {
                    RotationService service(db, m_fx->keys, m_fx->clock, m_fx->policy);
                    results[size_t(index)] = service.refresh(token, StorageFixture::device(QStringLiteral("r")));
                }
            });
            QVERIFY2(revokedOk, qPrintable(revokeError));
            int roundRotations = 0;
            for (const RefreshResult &result : results) {
                QVERIFY2(!result.storageFailed, qPrintable(result.error));
                if (result.outcome == Outcome::Rotate)
                    ++roundRotations;
                else if (result.outcome == Outcome::GraceRetry)
                    ++graces;
                else if (result.outcome == Outcome::TokenRevoked)
                    ++revokedSeen;
                else
                    QFAIL(outcomeName(result.outcome));
            }
            QVERIFY(roundRotations <= 1);
            rotations += roundRotations;
            QVERIFY(!scalar(*m_fx->db, QStringLiteral("SELECT revoked_at FROM token_families WHERE id = ?"), {family})
                         .isNull());
            QCOMPARE(count(*m_fx->db,
                           QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ? AND used_at IS NULL "
                                          "AND revoked_at IS NULL"),
                           {family}),
                     0);
            QCOMPARE(
                count(*m_fx->db, QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ?"), {family}),
                1 + roundRotations);
        }
        qInfo("%d rounds of 4 refreshes vs 1 revocation: %d rotate, %d grace_replay, %d family_revoked", rounds,
              rotations, graces, revokedSeen);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM audit_log WHERE action = 'revoke-family'")),
                 rounds);
    }
};

QTEST_GUILESS_MAIN(TestConcurrency)
#include "tst_concurrency.moc"
