#pragma once

#include "Catalog.h"
#include "ConnectionSpec.h"
#include "ConsolePage.h"

#include <QMainWindow>

#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QActionGroup;
class QFrame;
class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;
class QPushButton;

namespace rotor {

class AdminActions;
class ChangeFeed;
class ConsolePage;
class Database;
class DatabaseWorker;
class TablePage;
class TableView;

// The console's window: it hosts pages (ConsolePage), registered once with addPage() — a navigation entry on the
// left, a View menu action with the page's shortcut, the page's widget in the stack — and what is common to all of
// them: the connection, menus and tool bar, the status bar, the live alert and the change feed. What a page shows
// is the page's business. The five lists (createListPages()), the policy and the dashboard are registered by the
// constructor.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Registers a page (the window takes it over). Its entry comes after those registered before it; if a database
    // is open, the page is attached to it at once.
    void addPage(ConsolePage *page);
    QList<ConsolePage *> pages() const { return m_pages; }
    ConsolePage *page(const QString &id) const;
    ConsolePage *currentPage() const;
    // Shows the page with this id (case-insensitive); false if there is none.
    bool showPage(const QString &id);
    QStringList pageIds() const;

    // Opens the database on a worker; the pages appear once it opened. A failure is explained in the window.
    void openConnection(const ConnectionSpec &spec);
    bool isConnected() const;
    const ConnectionSpec &connectionSpec() const { return m_spec; }

    // The list pages by their table.
    TableView *view(Table table) const;
    TableView *currentView() const;
    void showView(Table table);
    // Security events that arrived since the events list was last looked at.
    int unseenEventCount() const { return m_unseenEvents; }
    bool isAlertVisible() const;
    QString alertText() const;
    QString auditBannerText() const;

    // Goes to the Users list showing only this user, selected.
    void openUser(qint64 userId, const QString &email);
    // Goes to the Sessions list showing only this family, selected.
    void openFamily(qint64 familyId);
    void openDevice(qint64 deviceId, const QString &name);
    // Goes to the Security events list showing only this user's events.
    void openUserEvents(qint64 userId, const QString &email);
    // The same for a family known by its id and a user known by its email (the command line's --select-family and
    // --select-user). Called before the connection opened, they act once it has.
    void selectFamily(qint64 familyId);
    void selectUser(const QString &email);

    void refreshAll();

signals:
    void connectionOpened();
    void connectionFailed(const QString &error);
    // A write finished (ok or not) and the pages were asked to reload.
    void actionFinished(bool ok, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    struct Connection;

    void buildActions();
    void buildMenus();
    void buildCentral();
    void buildStatusBar();
    void closeConnection();
    void onConnected();
    void attachPage(ConsolePage *page);
    void showMessagePage(const QString &message);
    void startChangeFeed(qint64 lastSeenEventId);
    void onEventsArrived(qint64 newestEventId, int count);
    // A change committed by someone else: the visible page reloads now, the others when shown.
    void onDataChangedElsewhere();
    void onNavigationChanged(int index);
    void updateActions();
    void updateStatus();
    void updateBadge();
    void showAlert(const QString &text);
    void whenConnected(std::function<void()> action);
    TablePage *listPage(Table table) const;
    RowTarget currentTarget() const;
    void connectDialog();
    void exportCurrent();
    void about();

    ConnectionSpec m_spec;
    std::unique_ptr<Connection> m_connection;
    QList<ConsolePage *> m_pages;
    ConsolePage *m_shownPage = nullptr; // the page last activated (deactivated when another is shown)
    AdminActions *m_adminActions = nullptr;
    int m_unseenEvents = 0;
    qint64 m_lastSeenEventId = 0;
    QList<std::function<void()>> m_whenConnected; // run once the next connection opened

    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_stack = nullptr;
    QWidget *m_messagePage = nullptr;
    QLabel *m_messageLabel = nullptr;
    QFrame *m_alertBar = nullptr;
    QLabel *m_alertLabel = nullptr;
    QLabel *m_backendLabel = nullptr;
    QLabel *m_readOnlyLabel = nullptr;
    QLabel *m_countLabel = nullptr;
    QLabel *m_updatedLabel = nullptr;

    QAction *m_connectAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_quitAction = nullptr;
    QActionGroup *m_pageGroup = nullptr;
    QList<QAction *> m_pageActions; // one per page, in navigation order
    QMenu *m_viewMenu = nullptr;
    QAction *m_pagesEnd = nullptr; // the separator after the page actions in the View menu
    QAction *m_refreshAction = nullptr;
    QAction *m_findAction = nullptr;
    QAction *m_openUserAction = nullptr;
    QAction *m_openFamilyAction = nullptr;
    QAction *m_aboutAction = nullptr;
};

} // namespace rotor
