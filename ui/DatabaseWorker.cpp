#include "DatabaseWorker.h"

namespace rotor {

DatabaseWorker::DatabaseWorker(const ConnectionSpec &spec, QObject *parent)
    : QObject(parent)
    , m_spec(spec)
{
    m_thread.setObjectName(QStringLiteral("rotor-db"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

DatabaseWorker::~DatabaseWorker()
{
    // The connection is closed on its own thread, after every job already queued. Blocking: a job merely posted
    // before quit() may never be delivered (the loop can exit first), and then the connection would be destroyed
    // here, on the wrong thread.
    QMetaObject::invokeMethod(
        m_context, [this]() { m_db.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void DatabaseWorker::post(std::function<void()> job)
{
    QMetaObject::invokeMethod(m_context, std::move(job), Qt::QueuedConnection);
}

void DatabaseWorker::deliver(std::function<void()> f)
{
    QMetaObject::invokeMethod(this, std::move(f), Qt::QueuedConnection);
}

void DatabaseWorker::open(Database::OpenMode mode, QObject *receiver, std::function<void(bool, QString)> done)
{
    post([this, mode, receiver = QPointer<QObject>(receiver), done = std::move(done)]() {
        m_db = std::make_unique<Database>(m_spec);
        QString error;
        const bool ok = m_db->open(mode, &error);
        if (!ok)
            m_db.reset();
        deliver([receiver, done, ok, error]() {
            if (receiver)
                done(ok, error);
        });
    });
}

} // namespace rotor
