#pragma once

#include "ConnectionSpec.h"
#include "Database.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <functional>
#include <memory>

namespace rotor {

// A thread that owns one Database connection (Qt SQL connections never cross threads). Jobs run there in the
// order they were posted; each result is delivered back on the receiver's thread, and dropped if the receiver
// is gone by then (as KeePassXC's AsyncTask does). Nothing here ever runs SQL on the GUI thread.
class DatabaseWorker : public QObject
{
    Q_OBJECT

public:
    explicit DatabaseWorker(const ConnectionSpec &spec, QObject *parent = nullptr);
    ~DatabaseWorker() override;

    const ConnectionSpec &spec() const { return m_spec; }

    // Opens the connection on the worker thread (checking and, unless read-only, migrating the schema).
    // done(ok, error) arrives on receiver's thread.
    void open(Database::OpenMode mode, QObject *receiver, std::function<void(bool, QString)> done);

    // Runs job(db) on the worker thread and hands its result to done on this object's (the GUI) thread, where it
    // is dropped if receiver is gone by then. A lost connection does not swallow jobs: the job runs, its queries
    // try to reconnect and report a clear error if they cannot. Only if the connection was never opened is the
    // job skipped.
    template<typename Result>
    void run(QObject *receiver, std::function<Result(Database &)> job, std::function<void(Result)> done)
    {
        post([this, receiver = QPointer<QObject>(receiver), job = std::move(job), done = std::move(done)]() {
            if (!m_db)
                return;
            Result result = job(*m_db);
            deliver([receiver, done, result = std::move(result)]() {
                if (receiver)
                    done(result);
            });
        });
    }

    // Runs job(db) on the worker thread, with no result to deliver.
    void post(std::function<void()> job);

private:
    // Queues f to this object's thread. The receiver is checked there, on its own thread, never across threads;
    // if this worker is destroyed first, Qt drops the call.
    void deliver(std::function<void()> f);

    ConnectionSpec m_spec;
    QThread m_thread;
    QObject *m_context = nullptr; // lives in m_thread; jobs are queued to it
    std::unique_ptr<Database> m_db; // created, used and destroyed on m_thread only
};

} // namespace rotor
