#include "ChangeFeedTestSupport.h"

#include "SecurityEvent.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace rotor;

// The SQLite change feed: another connection's commits reach the feed's receivers within its poll interval.
class TestChangeFeed : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void replayByAnotherConnectionArrives();
    void writeWithoutEventsOnlyChangesData();
    void reportsEventsAlreadyThereAtStart();
    void missingDatabaseIsRetried();
    void stopsCleanly();

private:
    qint64 newestEventId();
    std::unique_ptr<ChangeFeed> startWatching(std::unique_ptr<FeedRelay> *relay);

    QTemporaryDir m_dir;
    ConnectionSpec m_spec;
    std::unique_ptr<Database> m_db;
    SystemClock m_clock;
    qint64 m_aliceId = 0;
};

void TestChangeFeed::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_spec = ConnectionSpec::sqlite(m_dir.filePath(QStringLiteral("feed.sqlite")));
    m_db = std::make_unique<Database>(m_spec);
    QString error;
    QVERIFY2(m_db->open(Database::OpenMode::CreateIfMissing, &error), qPrintable(error));
    AdminService admin(*m_db, m_clock, Actor {QStringLiteral("tester"), QStringLiteral("tst_changefeed")});
    qint64 &id = m_aliceId;
    QVERIFY2(admin.addUser(QStringLiteral("alice@example.com"), QStringLiteral("Alice"), &id, &error),
             qPrintable(error));
    // Two events to start from (see startWatching).
    QVERIFY2(admin.setUserActive(id, false, QStringLiteral("setup"), &error), qPrintable(error));
    QVERIFY2(admin.setUserActive(id, true, QStringLiteral("setup"), &error), qPrintable(error));
}

std::unique_ptr<ChangeFeed> TestChangeFeed::startWatching(std::unique_ptr<FeedRelay> *relay)
{
    // Started one event behind, the feed reports that event as soon as it is connected and watching; only then
    // does the test write, so no write can slip in before the feed's first look.
    auto feed = std::make_unique<ChangeFeed>(m_spec, newestEventId() - 1);
    *relay = std::make_unique<FeedRelay>(feed.get());
    feed->start();
    if (!(*relay)->events.wait(5000) || (*relay)->eventsReported() != 1)
        return nullptr;
    (*relay)->events.clear();
    (*relay)->changes.clear();
    return feed;
}

qint64 TestChangeFeed::newestEventId()
{
    QSqlQuery query(m_db->handle());
    if (!query.exec(QStringLiteral("SELECT coalesce(max(id), 0) FROM security_events")) || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

void TestChangeFeed::replayByAnotherConnectionArrives()
{
    std::unique_ptr<FeedRelay> watcher;
    const std::unique_ptr<ChangeFeed> feed = startWatching(&watcher);
    QVERIFY(feed);
    FeedRelay &relay = *watcher;
    QString error;
    const qint64 replayId = recordReplay(*m_db, QStringLiteral("alice@example.com"), &error);
    QVERIFY2(replayId > 0, qPrintable(error));
    QVERIFY(relay.events.wait(5000));
    QCOMPARE(relay.newestReported(), replayId);
    QCOMPARE(relay.eventsReported(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!relay.changes.isEmpty(), 5000);

    // A second event, later: reported on its own, counted from the last report.
    AdminService admin(*m_db, m_clock, Actor {QStringLiteral("tester"), QStringLiteral("tst_changefeed")});
    QVERIFY2(admin.setUserActive(m_aliceId, false, QStringLiteral("test"), &error), qPrintable(error));
    QVERIFY(relay.events.wait(5000));
    QCOMPARE(relay.events.size(), 2);
    QCOMPARE(relay.events.last().at(1).toInt(), 1);
    QCOMPARE(relay.newestReported(), newestEventId());
    QVERIFY2(admin.setUserActive(m_aliceId, true, QStringLiteral("test"), &error), qPrintable(error));
    QVERIFY(relay.events.wait(5000));
}

void TestChangeFeed::writeWithoutEventsOnlyChangesData()
{
    std::unique_ptr<FeedRelay> watcher;
    const std::unique_ptr<ChangeFeed> feed = startWatching(&watcher);
    QVERIFY(feed);
    FeedRelay &relay = *watcher;
    AdminService admin(*m_db, m_clock, Actor {QStringLiteral("tester"), QStringLiteral("tst_changefeed")});
    qint64 id = 0;
    QString error;
    QVERIFY2(admin.addUser(QStringLiteral("bob@example.com"), QStringLiteral("Bob"), &id, &error), qPrintable(error));
    QVERIFY(relay.changes.wait(5000));
    // Events are reported before dataChanged of the same check, so none can still be on their way.
    QVERIFY(relay.events.isEmpty());
}

void TestChangeFeed::reportsEventsAlreadyThereAtStart()
{
    const qint64 newest = newestEventId();
    QVERIFY(newest >= 3);
    ChangeFeed feed(m_spec, newest - 2);
    FeedRelay relay(&feed);
    feed.start();
    QVERIFY(relay.events.wait(5000));
    QCOMPARE(relay.newestReported(), newest);
    QCOMPARE(relay.eventsReported(), 2);
    // Nothing else changed: a start is not a data change.
    QVERIFY(relay.changes.isEmpty());
}

void TestChangeFeed::missingDatabaseIsRetried()
{
    const QString path = m_dir.filePath(QStringLiteral("later.sqlite"));
    ChangeFeed feed(ConnectionSpec::sqlite(path), 0);
    FeedRelay relay(&feed);
    feed.start();
    // The feed never creates the file; once another program has made it, the feed attaches and reports.
    Database later(ConnectionSpec::sqlite(path));
    QString error;
    QVERIFY2(later.open(Database::OpenMode::CreateIfMissing, &error), qPrintable(error));
    AdminService admin(later, m_clock, Actor {QStringLiteral("tester"), QStringLiteral("tst_changefeed")});
    qint64 id = 0;
    QVERIFY2(admin.addUser(QStringLiteral("carol@example.com"), QStringLiteral("Carol"), &id, &error),
             qPrintable(error));
    QVERIFY2(admin.setUserActive(id, false, QStringLiteral("test"), &error), qPrintable(error));
    QVERIFY(relay.events.wait(ChangeFeed::retryMs + 5000));
    QCOMPARE(relay.eventsReported(), 1);
}

void TestChangeFeed::stopsCleanly()
{
    // Destroyed right after start, before or while it opens its connection: no crash, no late signal.
    for (int i = 0; i < 20; ++i) {
        auto feed = std::make_unique<ChangeFeed>(m_spec, 0);
        FeedRelay relay(feed.get());
        feed->start();
        feed->start(); // a second start is harmless
        feed.reset();
    }
    ChangeFeed never(m_spec, 0); // never started
    QVERIFY(true);
}

QTEST_GUILESS_MAIN(TestChangeFeed)
#include "tst_changefeed.moc"
