#include "ChangeFeedTestSupport.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace rotor;

// The PostgreSQL change feed against a throwaway server of its own: NOTIFY from another connection's commit
// reaches the receivers, and a lost server is reattached once it is back.
class TestChangeFeedPostgres : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void replayByAnotherConnectionArrives();
    void burstIsReportedTogether();
    void reconnectsAfterTheServerComesBack();

private:
    bool sandbox(const QString &command, QString *output = nullptr);
    std::unique_ptr<ChangeFeed> startWatching(std::unique_ptr<FeedRelay> *relay);
    qint64 newestEventId();
    qint64 addUser(const QString &email);

    QTemporaryDir m_dir;
    QString m_sandboxDir;
    bool m_started = false;
    ConnectionSpec m_spec;
    std::unique_ptr<Database> m_db;
    SystemClock m_clock;
};

bool TestChangeFeedPostgres::sandbox(const QString &command, QString *output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(QStringLiteral(ROTOR_PG_SANDBOX_SCRIPT), {command, m_sandboxDir});
    if (!process.waitForFinished(120000))
        return false;
    if (output)
        *output = QString::fromUtf8(process.readAllStandardOutput()).trimmed();
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

void TestChangeFeedPostgres::initTestCase()
{
    if (QDir(QStringLiteral("/usr/lib/postgresql")).isEmpty())
        QSKIP("PostgreSQL server binaries are not installed (apt-get install postgresql)");
    QVERIFY(m_dir.isValid());
    m_sandboxDir = m_dir.filePath(QStringLiteral("pg"));
    QString uri;
    QVERIFY2(sandbox(QStringLiteral("start"), &uri), "scripts/pg-sandbox start failed");
    m_started = true;
    uri = uri.section(QLatin1Char('\n'), -1);
    QString error;
    QVERIFY2(ConnectionSpec::parse(uri, &m_spec, &error), qPrintable(error));
    m_db = std::make_unique<Database>(m_spec);
    QVERIFY2(m_db->open(Database::OpenMode::CreateIfMissing, &error), qPrintable(error));
    const qint64 id = addUser(QStringLiteral("alice@example.com"));
    QVERIFY(id > 0);
    // Two events to start from (see startWatching).
    AdminService admin(*m_db, m_clock, Actor {QStringLiteral("tester"), QStringLiteral("tst_changefeed_postgres")});
    QVERIFY2(admin.setUserActive(id, false, QStringLiteral("setup"), &error), qPrintable(error));
    QVERIFY2(admin.setUserActive(id, true, QStringLiteral("setup"), &error), qPrintable(error));
}

void TestChangeFeedPostgres::cleanupTestCase()
{
    m_db.reset();
    if (m_started)
        QVERIFY(sandbox(QStringLiteral("stop")));
}

qint64 TestChangeFeedPostgres::addUser(const QString &email)
{
    AdminService admin(*m_db, m_clock, Actor {QStringLiteral("tester"), QStringLiteral("tst_changefeed_postgres")});
    qint64 id = 0;
    QString error;
    if (!admin.addUser(email, email.section(QLatin1Char('@'), 0, 0), &id, &error))
        qWarning("addUser: %s", qPrintable(error));
    return id;
}

qint64 TestChangeFeedPostgres::newestEventId()
{
    QSqlQuery query(m_db->handle());
    if (!query.exec(QStringLiteral("SELECT coalesce(max(id), 0) FROM security_events")) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

std::unique_ptr<ChangeFeed> TestChangeFeedPostgres::startWatching(std::unique_ptr<FeedRelay> *relay)
{
    // Started one event behind: the feed subscribes first and then reports that event, so once it is reported
    // the LISTEN is in place and every later event can only arrive through NOTIFY.
    auto feed = std::make_unique<ChangeFeed>(m_spec, newestEventId() - 1);
    *relay = std::make_unique<FeedRelay>(feed.get());
    feed->start();
    if (!(*relay)->events.wait(10000) || (*relay)->eventsReported() != 1)
        return nullptr;
    (*relay)->events.clear();
    (*relay)->changes.clear();
    return feed;
}

void TestChangeFeedPostgres::replayByAnotherConnectionArrives()
{
    std::unique_ptr<FeedRelay> watcher;
    const std::unique_ptr<ChangeFeed> feed = startWatching(&watcher);
    QVERIFY(feed);
    QString error;
    const qint64 replayId = recordReplay(*m_db, QStringLiteral("alice@example.com"), &error);
    QVERIFY2(replayId > 0, qPrintable(error));
    QVERIFY(watcher->events.wait(5000));
    QCOMPARE(watcher->newestReported(), replayId);
    QCOMPARE(watcher->eventsReported(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!watcher->changes.isEmpty(), 5000);
}

void TestChangeFeedPostgres::burstIsReportedTogether()
{
    const qint64 id = addUser(QStringLiteral("bob@example.com"));
    QVERIFY(id > 0);
    QString error;
    for (const char *device : {"laptop", "phone", "tablet"})
        QVERIFY2(signIn(*m_db, QStringLiteral("bob@example.com"), QLatin1String(device), &error), qPrintable(error));
    std::unique_ptr<FeedRelay> watcher;
    const std::unique_ptr<ChangeFeed> feed = startWatching(&watcher);
    QVERIFY(feed);
    // One commit announces three revoked sessions and one event: they are reported together.
    AdminService admin(*m_db, m_clock, Actor {QStringLiteral("tester"), QStringLiteral("tst_changefeed_postgres")});
    int revoked = 0;
    QVERIFY2(admin.revokeUser(id, QStringLiteral("burst"), &revoked, &error), qPrintable(error));
    QCOMPARE(revoked, 3);
    QVERIFY(watcher->events.wait(5000));
    QCOMPARE(watcher->events.size(), 1);
    QCOMPARE(watcher->eventsReported(), 1);
    QCOMPARE(watcher->newestReported(), newestEventId());
    QTRY_COMPARE_WITH_TIMEOUT(watcher->changes.size(), 1, 5000);
}

void TestChangeFeedPostgres::reconnectsAfterTheServerComesBack()
{
    std::unique_ptr<FeedRelay> watcher;
    const std::unique_ptr<ChangeFeed> feed = startWatching(&watcher);
    QVERIFY(feed);
    QVERIFY(sandbox(QStringLiteral("pause")));
    QVERIFY(sandbox(QStringLiteral("resume")));
    // Back: the feed reattaches on its own and tells the receivers to reload what they may have missed.
    QVERIFY(watcher->changes.wait(ChangeFeed::postgresPollMs + ChangeFeed::retryMs * 5 + 10000));
    watcher->changes.clear();

    // And it listens again: a replay after the outage arrives through NOTIFY. The test's own connection
    // reconnects on its first failed statement (Database::transact retries a lost connection).
    QString error;
    qint64 replayId = recordReplay(*m_db, QStringLiteral("alice@example.com"), &error);
    if (replayId == 0) // the login may have been the statement that found the connection gone
        replayId = recordReplay(*m_db, QStringLiteral("alice@example.com"), &error);
    QVERIFY2(replayId > 0, qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(watcher->newestReported(), replayId, 10000);
}

QTEST_GUILESS_MAIN(TestChangeFeedPostgres)
#include "tst_changefeed_postgres.moc"
