#include "DatabaseWorker.h"

#include <QThreadPool>

namespace rotor {

DatabaseWorker::DatabaseWorker(const ConnectionSpec &spec, QObject *parent)
    : QObject(parent)
    , m_spec(spec)
    , m_run(std::make_shared<RunState>())
{
    m_thread.setObjectName(QStringLiteral("rotor-db"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

DatabaseWorker::~DatabaseWorker()
{
    // Jobs still queued are dropped and a read still running is interrupted, so this never waits for an old query
    // (only for a write, which is short and must not be cut). The connection is then closed on its own thread.
    // Blocking: a job merely posted before quit() may never be delivered (the loop can exit first), and then the
    // connection would be destroyed here, on the wrong thread.
    m_run->closing.store(true);
    interruptIf(m_run, false, m_spec.backend == Backend::Postgres);
    QMetaObject::invokeMethod(
        m_context,
        [this]() {
            {
                const std::lock_guard<std::mutex> held(m_run->mutex);
                m_run->interrupter.reset();
            }
            m_db.reset();
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void DatabaseWorker::post(std::function<void()> job, Stale stale)
{
    QMetaObject::invokeMethod(
        m_context,
        [run = m_run, job = std::move(job), stale = std::move(stale)]() {
            if (run->closing.load())
                return;
            {
                const std::lock_guard<std::mutex> held(run->mutex);
                run->running = true;
                run->stale = stale;
            }
            job();
            // The next job cannot be marked running before this one is marked done, so an interrupt decided under
            // the mutex only ever reaches the job it was decided for.
            const std::lock_guard<std::mutex> held(run->mutex);
            run->running = false;
            run->stale = {};
        },
        Qt::QueuedConnection);
}

bool DatabaseWorker::interruptStale()
{
    return interruptIf(m_run, true, m_spec.backend == Backend::Postgres);
}

bool DatabaseWorker::interruptIf(const std::shared_ptr<RunState> &run, bool onlyIfStale, bool fromPool)
{
    // Decided and done under the mutex the worker needs to move on to its next job: an interrupt only ever reaches
    // the job it was decided for (and if a late cancel request ever reached the next one, run() runs that again).
    const auto interruptNow = [run, onlyIfStale]() {
        const std::lock_guard<std::mutex> held(run->mutex);
        if (!run->running || !run->stale || !run->interrupter || (onlyIfStale && !run->stale()))
            return false;
        if (!run->interrupter->interrupt())
            return false;
        run->interruptions.fetch_add(1);
        return true;
    };
    if (!fromPool)
        return interruptNow(); // SQLite: sqlite3_interrupt() only sets a flag
    {
        const std::lock_guard<std::mutex> held(run->mutex);
        if (!run->running || !run->stale || (onlyIfStale && !run->stale()))
            return false;
    }
    // PostgreSQL: a cancel request is a connection to the server of its own, sent from a thread of the pool so that a
    // slow network never holds up the caller (the GUI thread).
    QThreadPool::globalInstance()->start([interruptNow]() { interruptNow(); });
    return true;
}

void DatabaseWorker::deliver(std::function<void()> f)
{
    QMetaObject::invokeMethod(this, std::move(f), Qt::QueuedConnection);
}

void DatabaseWorker::open(Database::OpenMode mode, QObject *receiver, std::function<void(bool, QString)> done)
{
    post([this, mode, receiver = QPointer<QObject>(receiver), done = std::move(done)]() {
        m_openMode = mode;
        m_db = std::make_unique<Database>(m_spec);
        {
            const std::lock_guard<std::mutex> held(m_run->mutex);
            m_run->interrupter = m_db->interrupter();
        }
        QString error;
        const bool ok = m_db->open(mode, &error);
        m_openFailed = !ok;
        m_sinceOpenAttempt.start();
        deliver([receiver, done, ok, error]() {
            if (receiver)
                done(ok, error);
        });
    });
}

void DatabaseWorker::reopenIfNeeded()
{
    if (!m_openFailed || m_sinceOpenAttempt.elapsed() < reopenDelayMs)
        return;
    QString error;
    m_openFailed = !m_db->open(m_openMode, &error);
    m_sinceOpenAttempt.start();
}

} // namespace rotor
