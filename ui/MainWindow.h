#pragma once

#include "Catalog.h"
#include "ConnectionSpec.h"

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
class QStackedWidget;
class QPushButton;

namespace rotor {

class ChangeFeed;
class Database;
class DatabaseWorker;
class TableView;

// The console: navigation on the left (Users, Devices, Sessions, Security events, Audit log), the current list with
// its detail pane, menus, a status bar and a live alert. All database work runs on workers: one pair per list
// (pages, counts), one for detail panes, one for actions, and the change feed's own.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    static constexpr int viewCount = 5;

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens the database on a worker; the lists appear once it opened. A failure is explained in the window.
    void openConnection(const ConnectionSpec &spec);
    bool isConnected() const;
    const ConnectionSpec &connectionSpec() const { return m_spec; }

    TableView *view(Table table) const;
    TableView *currentView() const;
    void showView(Table table);
    // The views by the names the command line uses: users, devices, sessions, events, audit.
    static QStringList viewNames();
    static std::optional<Table> viewForName(const QString &name);
    // Security events that arrived since the events list was last looked at.
    int unseenEventCount() const { return m_unseenEvents; }
    bool isAlertVisible() const;
    QString alertText() const;
    QString auditBannerText() const;

    // Goes to the Users list showing only this user, selected.
    void openUser(qint64 userId, const QString &email);
    // Goes to the Sessions list showing only this session, selected.
    void openSession(qint64 familyId);
    void openDevice(qint64 deviceId, const QString &name);
    // The same for a session known by its id and a user known by its email (the command line's --select-family and
    // --select-user). Called before the connection opened, they act once it has.
    void selectFamily(qint64 familyId);
    void selectUser(const QString &email);

    void refreshAll();

signals:
    void connectionOpened();
    void connectionFailed(const QString &error);
    // A write finished (ok or not) and the lists were asked to reload.
    void actionFinished(bool ok, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    struct Connection;
    struct UserTarget
    {
        qint64 id = 0;
        QString email;
        int active = -1; // -1: not known in this list
    };
    struct FamilyTarget
    {
        qint64 id = 0;
        QString email;
        QString state; // empty: not known in this list
    };

    void buildActions();
    void buildMenus();
    void buildCentral();
    void buildStatusBar();
    void closeConnection();
    void onConnected();
    void showMessagePage(const QString &message);
    void buildViews();
    void startChangeFeed(qint64 lastSeenEventId);
    void onEventsArrived(qint64 newestEventId, int count);
    // A change committed by someone else: the visible view reloads now, the others when shown.
    void onDataChangedElsewhere();
    void onNavigationChanged(int index);
    void updateActions();
    void updateStatus();
    void updateBadge();
    void verifyAudit();
    void showAlert(const QString &text);
    void whenConnected(std::function<void()> action);

    UserTarget userTarget() const;
    FamilyTarget familyTarget() const;
    void connectDialog();
    void exportCurrent();
    void revokeSession();
    void revokeUserSessions();
    // Reads what a revocation would touch on the action worker, then hands it to confirm on the GUI thread.
    void withRevocationPreview(const QString &title,
                               std::function<bool(Catalog &, RevocationPreview *, QString *)> read,
                               std::function<void(const RevocationPreview &)> confirm);
    void setUserActive(bool active);
    // Runs an administrative write on the action worker, then reloads every list.
    void runWrite(const QString &doneMessage, std::function<bool(Database &, QString *)> write);
    void about();

    ConnectionSpec m_spec;
    std::unique_ptr<Connection> m_connection;
    int m_unseenEvents = 0;
    qint64 m_lastSeenEventId = 0;
    bool m_actionRunning = false;
    QList<std::function<void()>> m_whenConnected; // run once the next connection opened

    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_stack = nullptr;
    QWidget *m_messagePage = nullptr;
    QLabel *m_messageLabel = nullptr;
    QFrame *m_alertBar = nullptr;
    QLabel *m_alertLabel = nullptr;
    QLabel *m_auditBanner = nullptr;
    QLabel *m_backendLabel = nullptr;
    QLabel *m_readOnlyLabel = nullptr;
    QLabel *m_countLabel = nullptr;
    QLabel *m_updatedLabel = nullptr;

    QAction *m_connectAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_quitAction = nullptr;
    QActionGroup *m_viewGroup = nullptr;
    QList<QAction *> m_viewActions;
    QAction *m_refreshAction = nullptr;
    QAction *m_findAction = nullptr;
    QAction *m_revokeSessionAction = nullptr;
    QAction *m_revokeUserAction = nullptr;
    QAction *m_deactivateAction = nullptr;
    QAction *m_reactivateAction = nullptr;
    QAction *m_openUserAction = nullptr;
    QAction *m_openSessionAction = nullptr;
    QAction *m_aboutAction = nullptr;
};

} // namespace rotor
