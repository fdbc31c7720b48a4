// The PostgreSQL server goes away in the middle of a load and comes back. While it is down, callers get a clear
// error quickly (no crash, no hang); nothing half-written remains; and the same process, with the same Database
// objects, resumes once the server is back (Database::recover reconnects). Uses a server of its own.
#include "Invariants.h"
#include "TestSupport.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <atomic>

using namespace rotor;
using namespace rotor::test;

namespace {

bool sandbox(const QString &command, const QString &dir, QByteArray *output, QString *error)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(qEnvironmentVariable("ROTOR_TEST_PG_SANDBOX"), {command, dir});
    if (!process.waitForFinished(120000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        *error = QStringLiteral("pg-sandbox %1 failed: %2").arg(command, process.errorString());
        return false;
    }
    if (output)
        *output = process.readAllStandardOutput().trimmed();
    return true;
}

// Refreshes one session's chain as fast as it can on a thread of its own, with its own connection.
struct Load
{
    std::atomic<bool> stop {false};
    std::atomic<int> successes {0};
    std::atomic<int> failures {0};
    std::atomic<int> graceRetries {0};
    std::atomic<qint64> slowestFailureMs {0};
    QMutex mutex;
    QStringList unexpected; // outcomes that a legitimate chain must never see
    QStringList failureMessages;
    QByteArray current;
    QByteArray previous; // the token current replaced, and when
    qint64 rotatedAt = 0;
    QString openError;
};

} // namespace

class TestPgOutage : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;
    QString m_serverDir;
    QString m_uri;

private slots:
    void initTestCase()
    {
        QCOMPARE(selectedBackend(), Backend::Postgres);
        QVERIFY(m_home.isValid());
        m_serverDir = m_home.filePath(QStringLiteral("pg"));
        QByteArray uri;
        QString error;
        QVERIFY2(sandbox(QStringLiteral("start"), m_serverDir, &uri, &error), qPrintable(error));
        m_uri = QString::fromUtf8(uri.split('\n').last());
        QVERIFY(m_uri.startsWith(QLatin1String("postgresql://")));
    }

    void cleanupTestCase()
    {
        QString error;
        if (!m_serverDir.isEmpty() && !sandbox(QStringLiteral("stop"), m_serverDir, nullptr, &error))
            qWarning("%s", qPrintable(error));
    }

    void serverStopsMidLoad()
    {
        StorageFixture fx({}, m_uri);
        QString error;
        QVERIFY2(fx.setUp(&error), qPrintable(error));
        QVERIFY2(fx.addUser(QStringLiteral("steady@example.org"), &error) > 0, qPrintable(error));
        const LoginResult login = fx.rotation->login(QStringLiteral("steady@example.org"),
                                                     StorageFixture::device(QStringLiteral("steady")));
        QVERIFY2(login.ok(), qPrintable(login.error));
        const qint64 family = login.tokens.familyId;

        Load load;
        load.current = login.tokens.refreshToken;
        const ConnectionSpec spec = fx.scratch.spec();
        QThread *worker = QThread::create([&] {
            Database db(spec);
            if (!db.open(Database::OpenMode::OpenExisting, &load.openError))
                return;
            ManualClock clock(StorageFixture::startMs);
            RotationService rotation(db, fx.keys, clock);
            while (!load.stop) {
                clock.advanceMs(1);
                QElapsedTimer timer;
                timer.start();
                const RefreshResult result
                    = rotation.refresh(load.current, StorageFixture::device(QStringLiteral("w")));
                const qint64 elapsed = timer.elapsed();
                QMutexLocker locker(&load.mutex);
                if (result.storageFailed) {
                    ++load.failures;
                    load.slowestFailureMs = qMax(load.slowestFailureMs.load(), elapsed);
                    if (load.failureMessages.size() < 1000)
                        load.failureMessages << result.error;
                } else if (result.ok()) {
                    // A lost response: the rotation committed, the caller retries the same token, grace answers.
                    if (result.outcome == Outcome::GraceRetry)
                        ++load.graceRetries;
                    if (result.outcome == Outcome::Rotate) {
                        load.previous = load.current;
                        load.rotatedAt = clock.nowMs();
                    }
                    load.current = result.tokens.refreshToken;
                    ++load.successes;
                } else {
                    load.unexpected << QStringLiteral("%1: %2").arg(QLatin1String(outcomeName(result.outcome)),
                                                                    result.error);
                    load.stop = true;
                }
            }
        });
        worker->start();
        const auto finish = qScopeGuard([&] {
            load.stop = true;
            worker->wait();
            delete worker;
        });

        QTRY_VERIFY_WITH_TIMEOUT(load.successes >= 100 || load.stop, 30000);
        QVERIFY2(load.openError.isEmpty(), qPrintable(load.openError));
        QElapsedTimer outage;
        outage.start();
        QVERIFY2(sandbox(QStringLiteral("pause"), m_serverDir, nullptr, &error), qPrintable(error));
        const int beforeOutage = load.successes;
        QTRY_VERIFY_WITH_TIMEOUT(load.failures >= 20 || load.stop, 30000);
        QVERIFY2(load.unexpected.isEmpty(), qPrintable(load.unexpected.join(QLatin1Char('\n'))));
        // Down is down: this process's other connection fails cleanly too, request after request.
        for (int i = 0; i < 3; ++i) {
            const RefreshResult meanwhile
                = fx.rotation->refresh(load.current, StorageFixture::device(QStringLiteral("m")));
            QVERIFY(meanwhile.storageFailed);
            QVERIFY(!meanwhile.error.isEmpty());
        }
        QVERIFY2(sandbox(QStringLiteral("resume"), m_serverDir, nullptr, &error), qPrintable(error));
        const int duringOutage = load.successes - beforeOutage;
        const auto progress = [&load] {
            QMutexLocker locker(&load.mutex);
            return QStringLiteral("%1 refreshes, %2 failures, last failure: %3")
                .arg(load.successes.load())
                .arg(load.failures.load())
                .arg(load.failureMessages.value(load.failureMessages.size() - 1));
        };
        QTRY_VERIFY2_WITH_TIMEOUT(load.successes >= beforeOutage + duringOutage + 100 || load.stop,
                                  qPrintable(progress()), 60000);
        const qint64 outageMs = outage.elapsed();
        load.stop = true;
        worker->wait();

        QMutexLocker locker(&load.mutex);
        QVERIFY2(load.unexpected.isEmpty(), qPrintable(load.unexpected.join(QLatin1Char('\n'))));
        QStringList distinct = load.failureMessages;
        distinct.removeDuplicates();
        qInfo("outage of %lld ms: %d refreshes before, %d failed cleanly (slowest %lld ms), %d grace retries, "
              "%d refreshes in total; messages: %s",
              outageMs, beforeOutage, load.failures.load(), load.slowestFailureMs.load(), load.graceRetries.load(),
              load.successes.load(), qPrintable(distinct.mid(0, 5).join(QLatin1String(" | "))));
        for (const QString &message : std::as_const(load.failureMessages)) {
            QVERIFY2(!message.trimmed().isEmpty(), "a failure without a message");
            QVERIFY2(!message.contains(QLatin1String("unknown database error")), qPrintable(message));
        }
        // Failing is quick: bounded by the connect timeout (5 s), not by the length of the outage.
        QVERIFY2(load.slowestFailureMs < 10000, qPrintable(QString::number(load.slowestFailureMs)));

        // The connection the test thread used during the outage works again too, without being reopened. Its
        // first request after the outage is a retry in the grace window (a client whose response was lost), which
        // the hot path answers with zero rows: the failure it saw during the outage must not be taken for this
        // call's.
        fx.clock.setNowMs(load.rotatedAt + 1);
        const RefreshResult retry = fx.rotation->refresh(load.previous, StorageFixture::device(QStringLiteral("m")));
        QVERIFY2(!retry.storageFailed, qPrintable(retry.error));
        QCOMPARE(outcomeName(retry.outcome), "grace_retry");
        QCOMPARE(retry.tokens.refreshToken, load.current);
        fx.clock.advanceMs(Policy::second);
        const RefreshResult after = fx.rotation->refresh(load.current, StorageFixture::device(QStringLiteral("m")));
        QVERIFY2(after.ok(), qPrintable(after.error));
        QCOMPARE(outcomeName(after.outcome), "rotated");
        // Every success made exactly one token (grace retries made none), plus the sign-in and the check above.
        QCOMPARE(count(*fx.db, QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ?"), {family}),
                 qint64(load.successes - load.graceRetries + 2));

        // Nothing half-written: one live token, the one the worker holds last, and every invariant.
        QString failure;
        std::unique_ptr<Database> fresh = fx.openAnother(&failure);
        QVERIFY2(fresh, qPrintable(failure));
        QVERIFY2(checkInvariants(*fresh, &failure), qPrintable(failure));
        QVERIFY2(checkInvariants(*fx.db, &failure), qPrintable(failure));
    }
};

QTEST_GUILESS_MAIN(TestPgOutage)
#include "tst_pgoutage.moc"
