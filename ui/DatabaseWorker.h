#pragma once

#include "ConnectionSpec.h"
#include "Database.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace rotor {

// A thread that owns one Database connection (Qt SQL connections never cross threads). Jobs run there in the
// order they were posted; each result is delivered back on the receiver's thread, and dropped if the receiver
// is gone by then (as KeePassXC's AsyncTask does). Nothing here ever runs SQL on the GUI thread.
//
// A read may be posted with a staleness test (a generation counter compared, as in DB Browser for SQLite's
// RowLoader): the newest request wins. Jobs that are stale before they start skip their query themselves;
// interruptStale() stops the one that is running (sqlite3_interrupt, a PostgreSQL cancel request) so a newer request
// never queues behind it. Such reads are also interrupted when the worker is destroyed, and jobs still queued then
// are dropped: closing a connection, reconnecting and quitting never wait for an old query. Writes (posted without
// a staleness test) are never interrupted.
class DatabaseWorker : public QObject
{
    Q_OBJECT

public:
    // Thread-safe: called on the worker's thread and on the thread that calls interruptStale().
    using Stale = std::function<bool()>;

    explicit DatabaseWorker(const ConnectionSpec &spec, QObject *parent = nullptr);
    ~DatabaseWorker() override;

    const ConnectionSpec &spec() const { return m_spec; }

    // Opens the connection on the worker thread (checking and, unless read-only, migrating the schema).
    // done(ok, error) arrives on receiver's thread. If it cannot open, jobs still run: their statements fail with
    // the reason (so whoever waits for them can say so), and the worker tries to open again before a job at most
    // every reopenDelayMs.
    void open(Database::OpenMode mode, QObject *receiver, std::function<void(bool, QString)> done);
    static constexpr int reopenDelayMs = 2000;

    // Runs job(db) on the worker thread and hands its result to done on this object's (the GUI) thread, where it
    // is dropped if receiver is gone by then. A lost connection does not swallow jobs: the job runs, its queries
    // try to reconnect and report a clear error if they cannot. Only if open() was never called is the job skipped.
    //
    // With stale, the job is an interruptible read: interruptStale() stops its statement once stale() is true, and
    // so does the worker's destruction. A job that was interrupted while stale() is still false (a cancel request
    // that arrived late, meant for the job before it) runs again.
    template<typename Result>
    void run(QObject *receiver, std::function<Result(Database &)> job, std::function<void(Result)> done,
             Stale stale = {})
    {
        post(
            [this, receiver = QPointer<QObject>(receiver), job = std::move(job), done = std::move(done), stale]() {
                if (!m_db)
                    return;
                reopenIfNeeded();
                int interrupted = m_db->interruptedStatements();
                Result result = job(*m_db);
                // Interrupted although still wanted: a cancel request meant for the job before landed on this one.
                for (int again = 0; again < 2 && stale && m_db->interruptedStatements() != interrupted && !stale()
                     && !m_run->closing.load();
                     ++again) {
                    interrupted = m_db->interruptedStatements();
                    result = job(*m_db);
                }
                deliver([receiver, done, result = std::move(result)]() {
                    if (receiver)
                        done(result);
                });
            },
            stale);
    }

    // Runs job(db) on the worker thread, with no result to deliver (never interrupted).
    void post(std::function<void()> job) { post(std::move(job), {}); }

    // If the running job is an interruptible read and stale now, stops its statement. Any thread; on PostgreSQL the
    // cancel request is sent from a thread of the pool, so a slow network never holds up the caller. true if an
    // interrupt was started.
    bool interruptStale();
    // How many running jobs were interrupted so far.
    int interruptions() const { return m_run->interruptions.load(); }

private:
    // What the worker thread and the interrupting threads share; outlives this object while a cancel is under way.
    struct RunState
    {
        std::mutex mutex;
        bool running = false;
        Stale stale; // of the running job; empty for a write
        std::shared_ptr<StatementInterrupter> interrupter;
        std::atomic<bool> closing {false};
        std::atomic<int> interruptions {0};
    };
    static bool interruptIf(const std::shared_ptr<RunState> &run, bool onlyIfStale, bool fromPool);

    void post(std::function<void()> job, Stale stale);
    void reopenIfNeeded();
    // Queues f to this object's thread. The receiver is checked there, on its own thread, never across threads;
    // if this worker is destroyed first, Qt drops the call.
    void deliver(std::function<void()> f);

    ConnectionSpec m_spec;
    QThread m_thread;
    QObject *m_context = nullptr; // lives in m_thread; jobs are queued to it
    std::unique_ptr<Database> m_db; // created, used and destroyed on m_thread only
    std::shared_ptr<RunState> m_run;
    // m_thread only:
    Database::OpenMode m_openMode = Database::OpenMode::OpenExisting;
    bool m_openFailed = false;
    QElapsedTimer m_sinceOpenAttempt;
};

} // namespace rotor
