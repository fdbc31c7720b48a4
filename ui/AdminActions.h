#pragma once

#include "Catalog.h"
#include "ConnectionSpec.h"
#include "ConsolePage.h"

#include <QList>
#include <QObject>

#include <functional>
#include <memory>

class QAction;
class QWidget;

namespace rotor {

class Database;
class DatabaseWorker;

// The console's writing workflows, in one object: revoke a family, revoke every family of a user, deactivate or
// reactivate a user. Each reads what it will touch on a worker, shows it, asks for a reason, writes through
// AdminService (which audits it) and says how it went. It works on the window's detail worker (it opens no
// connection of its own): attach() hands it the worker of a new connection and clears a busy state left by work
// that was in flight on the old one (whose answers are dropped). In read-only mode every action is hidden.
class AdminActions : public QObject
{
    Q_OBJECT

public:
    enum class Kind { RevokeFamily, RevokeUser, Deactivate, Reactivate };

    // dialogParent: where confirmations and errors appear. currentTarget: what the selected row points at now.
    AdminActions(QWidget *dialogParent, std::function<RowTarget()> currentTarget);
    ~AdminActions() override;

    QAction *action(Kind kind) const;
    void attach(const ConnectionSpec &spec, DatabaseWorker *worker);
    void detach();
    bool isBusy() const { return m_busy; }

    // Shows the actions the current page offers for its rows (and only if the database is writable), enabled
    // where the target allows them.
    void update(const QList<Kind> &offered, const RowTarget &target);

signals:
    // A write finished; ok with what was done, or not with why.
    void finished(bool ok, const QString &message);
    void statusMessage(const QString &text, int timeoutMs);
    // Busy started or ended: the window updates its actions.
    void busyChanged();

private:
    void revokeFamily();
    void revokeUser();
    void setUserActive(bool active);
    // Reads what a revocation would touch on the worker, then hands it to confirm on the GUI thread.
    void withPreview(const QString &title, std::function<bool(Catalog &, RevocationPreview *, QString *)> read,
                     std::function<void(const RevocationPreview &)> confirm);
    // Runs an administrative write on the worker.
    void runWrite(const QString &doneMessage, std::function<bool(Database &, QString *)> write);
    void setBusy(bool busy);

    QWidget *m_dialogParent;
    std::function<RowTarget()> m_currentTarget;
    ConnectionSpec m_spec;
    DatabaseWorker *m_worker = nullptr; // the window's, from attach() to detach()
    // Receives the worker's answers; replaced on attach, so answers for an older connection are dropped.
    std::unique_ptr<QObject> m_receiver;
    bool m_busy = false;
    QList<QAction *> m_actions; // indexed by Kind
    QList<Kind> m_offered; // by the current page
};

} // namespace rotor
