#pragma once

#include "ConnectionSpec.h"

#include <QIcon>
#include <QKeySequence>
#include <QObject>
#include <QString>

namespace rotor {

class AdminActions;
class DatabaseWorker;
class TableView;

// Naming rule of the console's code: a sign-in on one device is a "family" in identifiers (as in core and the
// database) and a "session" in every string a person reads.

// What a page needs from the open database. Valid from attach() to detach().
//
// The window opens four connections to a database, whatever the pages: the three workers here and its change feed.
// A page uses these and opens none of its own; one that must (a long job that cannot share a worker) says so in its
// documentation. (File > Export opens a fifth for as long as an export runs.)
struct PageContext
{
    ConnectionSpec spec;
    DatabaseWorker *detailWorker = nullptr; // shared by detail panes, light reads and the writing workflows
    AdminActions *actions = nullptr; // the writing workflows (preview, reason, revoke, deactivate)
    // Shared by the lists: rows on one connection, counts on the other (a slow count never holds up the first rows).
    // Only the visible list loads, and what it no longer needs is interrupted.
    DatabaseWorker *rowsWorker = nullptr;
    DatabaseWorker *countWorker = nullptr;
};

// What the selected row of a page points at: the user and the family the Actions menu would act on.
struct RowTarget
{
    qint64 userId = 0;
    QString userEmail;
    int userActive = -1; // 1 active, 0 inactive, -1 not known on this page
    qint64 familyId = 0;
    QString familyState; // "active", "revoked", "expired"; empty when not known on this page
};

// One page of the console, as Qt Creator's IMode is one mode: an id, a name, an icon, a shortcut and a widget,
// registered once with the window (MainWindow::addPage), which hosts it: a navigation entry, a View menu action,
// a place in the stack. The window knows nothing else about what a page shows.
class ConsolePage : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // A stable name: the --view option and the remembered settings use it.
    virtual QString id() const = 0;
    virtual QString displayName() const = 0;
    virtual QIcon icon() const = 0;
    virtual QKeySequence shortcut() const { return {}; }

    // A database opened: build the widget and whatever works on that database. detach() drops it all; a page is
    // attached to at most one database at a time.
    virtual void attach(const PageContext &context) = 0;
    virtual void detach() = 0;
    // The page's widget while attached; nullptr otherwise.
    virtual QWidget *widget() const = 0;

    // The page became the visible one; a page marked stale reloads first.
    void activate();
    // Another page became the visible one.
    void deactivate() { hidden(); }
    // Reloads what it shows (F5, a change made from this window).
    virtual void refresh() { }
    // The visible page, when another program changed the database (reported up to a few times a second): it reloads
    // what it shows, at most about once a second and never restarting a load that runs, so that what is on screen
    // stays about a second old under any load. By default refresh().
    virtual void changedElsewhere() { refresh(); }
    // Something changed elsewhere while the page was hidden: it reloads when it is shown next.
    void markStale() { m_stale = true; }
    bool isStale() const { return m_stale; }

    // What the selected row targets (empty for pages without rows).
    virtual RowTarget target() const { return {}; }
    // The list behind the page, for filtering, copying and export; nullptr for pages that are not lists.
    virtual TableView *tableView() const { return nullptr; }
    // A short line for the status bar (a row count).
    virtual QString statusText() const { return {}; }

signals:
    void targetChanged();
    void statusChanged();
    // Fresh data is on screen.
    void updated();
    void statusMessage(const QString &text, int timeoutMs);
    // Navigation a page asks of the window (links in detail panes).
    void openUserRequested(qint64 userId, const QString &email);
    void openFamilyRequested(qint64 familyId);
    void openDeviceRequested(qint64 deviceId, const QString &name);
    // Security events narrowed to one user.
    void openUserEventsRequested(qint64 userId, const QString &email);

protected:
    // What activate() does once the page is current (after a pending reload).
    virtual void shown() { }
    // What deactivate() does: a page that loads only while shown stops loading.
    virtual void hidden() { }

private:
    bool m_stale = false;
};

} // namespace rotor
