#include "ChangeFeed.h"

#include "Database.h"
#include "SecurityEvent.h"

#include <QSqlDriver>
#include <QSqlQuery>
#include <QTimer>

#include <limits>
#include <memory>

namespace rotor {

namespace {

// Everything that runs on the feed's thread: the connection, the timers and the driver's notifications.
class FeedWorker : public QObject
{
public:
    FeedWorker(ChangeFeed *feed, const ConnectionSpec &spec, qint64 lastSeenEventId)
        : m_feed(feed)
        , m_spec(spec)
        , m_lastSeenEventId(lastSeenEventId)
    {
        // A watcher never writes; a read-only connection also never migrates anything.
        m_spec.readOnly = true;
        m_pollTimer.setInterval(m_spec.backend == Backend::Sqlite ? ChangeFeed::sqlitePollMs
                                                                  : ChangeFeed::postgresPollMs);
        m_coalesceTimer.setSingleShot(true);
        m_coalesceTimer.setInterval(ChangeFeed::coalesceMs);
        m_retryTimer.setSingleShot(true);
        m_retryTimer.setInterval(ChangeFeed::retryMs);
        connect(&m_pollTimer, &QTimer::timeout, this, [this]() {
            if (m_spec.backend == Backend::Sqlite)
                pollDataVersion();
            else
                pollWriteHorizon();
        });
        connect(&m_coalesceTimer, &QTimer::timeout, this, [this]() { report(true); });
        connect(&m_retryTimer, &QTimer::timeout, this, [this]() {
            if (connectDatabase()) {
                // Whatever happened while the connection was away is unknown: the receiver reloads.
                report(true);
            }
        });
    }

    ~FeedWorker() override { disconnectDatabase(); }

    void begin()
    {
        if (connectDatabase())
            report(false);
    }

private:
    bool connectDatabase()
    {
        disconnectDatabase();
        auto db = std::make_unique<Database>(m_spec);
        QString error;
        if (!db->open(Database::OpenMode::OpenExisting, &error)) {
            m_retryTimer.start();
            return false;
        }
        m_db = std::move(db);
        m_dataVersion = -1;
        if (m_spec.backend == Backend::Sqlite) {
            readDataVersion(&m_dataVersion);
        } else {
            readWriteHorizon(&m_dataVersion);
            QSqlDriver *driver = m_db->handle().driver();
            const QString channel = QString::fromLatin1(notifyChannel);
            connect(driver, &QSqlDriver::notification, this, [this, channel](const QString &name) {
                // One report per burst: the first notification starts the timer, the rest of the burst joins it.
                if (name == channel && !m_coalesceTimer.isActive())
                    m_coalesceTimer.start();
            });
            if (!driver->subscribeToNotification(channel)) {
                disconnectDatabase();
                m_retryTimer.start();
                return false;
            }
        }
        m_pollTimer.start();
        return true;
    }

    void disconnectDatabase()
    {
        m_pollTimer.stop();
        m_coalesceTimer.stop();
        if (!m_db)
            return;
        // Closing the connection also ends its LISTEN and drops the driver's socket notifier.
        if (QSqlDriver *driver = m_db->handle().driver())
            driver->disconnect(this);
        m_db.reset();
    }

    void connectionLost()
    {
        disconnectDatabase();
        m_retryTimer.start();
    }

    bool readDataVersion(qint64 *version)
    {
        QString error;
        QSqlQuery *query = m_db->run("PRAGMA data_version", {}, &error);
        if (!query)
            return false;
        const bool ok = query->next();
        if (ok)
            *version = query->value(0).toLongLong();
        query->finish(); // no read transaction may stay open between polls
        return ok;
    }

    void pollDataVersion()
    {
        qint64 version = -1;
        if (!readDataVersion(&version) || version == m_dataVersion)
            return; // a busy or unreadable file is tried again on the next tick
        m_dataVersion = version;
        report(true);
    }

    // PostgreSQL: the first transaction id not yet completed; it moves when a writing transaction commits or aborts.
    bool readWriteHorizon(qint64 *horizon)
    {
        QString error;
        QSqlQuery *query
            = m_db->run("SELECT CAST(CAST(pg_snapshot_xmax(pg_current_snapshot()) AS text) AS bigint)", {}, &error);
        if (!query)
            return false;
        const bool ok = query->next();
        if (ok)
            *horizon = query->value(0).toLongLong();
        query->finish();
        return ok;
    }

    void pollWriteHorizon()
    {
        qint64 horizon = -1;
        if (!readWriteHorizon(&horizon)) {
            checkHealth();
            return;
        }
        if (horizon == m_dataVersion)
            return;
        m_dataVersion = horizon;
        // Joins a report a notification already started, or starts one.
        if (!m_coalesceTimer.isActive())
            m_coalesceTimer.start();
    }

    void checkHealth()
    {
        QSqlQuery probe(m_db->handle());
        if (!probe.exec(QStringLiteral("SELECT 1")))
            connectionLost();
    }

    // Announces the events newer than the last one reported, then (if asked) that data changed.
    void report(bool changed)
    {
        static const char sql[] = "SELECT count(*), coalesce(max(id), 0) FROM security_events WHERE id > :last";
        QString error;
        QSqlQuery *query = m_db->run(sql, {{":last", m_lastSeenEventId}}, &error);
        if (!query) {
            if (m_spec.backend == Backend::Postgres)
                checkHealth();
            return;
        }
        qint64 count = 0;
        qint64 newest = 0;
        if (query->next()) {
            count = query->value(0).toLongLong();
            newest = query->value(1).toLongLong();
        }
        query->finish();
        if (count > 0) {
            m_lastSeenEventId = newest;
            emit m_feed->eventsArrived(newest, int(qMin<qint64>(count, std::numeric_limits<int>::max())));
        }
        if (changed)
            emit m_feed->dataChanged();
    }

    ChangeFeed *m_feed;
    ConnectionSpec m_spec;
    qint64 m_lastSeenEventId;
    std::unique_ptr<Database> m_db;
    qint64 m_dataVersion = -1; // SQLite: PRAGMA data_version; PostgreSQL: the snapshot's xmax
    QTimer m_pollTimer;
    QTimer m_coalesceTimer;
    QTimer m_retryTimer;
};

} // namespace

ChangeFeed::ChangeFeed(const ConnectionSpec &spec, qint64 lastSeenEventId, QObject *parent)
    : QObject(parent)
    , m_spec(spec)
    , m_lastSeenEventId(lastSeenEventId)
{
    m_thread.setObjectName(QStringLiteral("rotor-feed"));
}

ChangeFeed::~ChangeFeed()
{
    // The worker (and with it the connection) is deleted on its own thread as the thread finishes.
    m_thread.quit();
    m_thread.wait();
}

void ChangeFeed::start()
{
    if (m_thread.isRunning())
        return;
    auto *starter = new QObject;
    starter->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, starter, &QObject::deleteLater);
    QMetaObject::invokeMethod(
        starter,
        [this]() {
            auto *worker = new FeedWorker(this, m_spec, m_lastSeenEventId);
            connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
            worker->begin();
        },
        Qt::QueuedConnection);
    m_thread.start();
}

} // namespace rotor
