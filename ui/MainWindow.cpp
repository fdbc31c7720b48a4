#include "MainWindow.h"

#include "ActionDialogs.h"
#include "AdminService.h"
#include "ChangeFeed.h"
#include "Clock.h"
#include "ConnectionDialog.h"
#include "ConsoleSettings.h"
#include "DatabaseWorker.h"
#include "DetailPanes.h"
#include "Exporter.h"
#include "PagedTableModel.h"
#include "Presentation.h"
#include "SecurityEvent.h"
#include "TableView.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QScreen>
#include <QSet>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTime>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <limits>
#include <utility>

namespace rotor {

namespace {

constexpr Table viewTables[MainWindow::viewCount]
    = {Table::Users, Table::Devices, Table::Families, Table::Events, Table::Audit};
constexpr int badgeRole = Qt::UserRole + 1;

int indexOf(Table table)
{
    for (int i = 0; i < MainWindow::viewCount; ++i) {
        if (viewTables[i] == table)
            return i;
    }
    return 0;
}

const char *iconFor(Table table)
{
    switch (table) {
    case Table::Users:
        return "users";
    case Table::Devices:
        return "devices";
    case Table::Families:
        return "sessions";
    case Table::Events:
        return "events";
    case Table::Audit:
        return "audit";
    case Table::Tokens:
        break;
    }
    return "rotor";
}

// The navigation entries, with a red count pill for security events not yet looked at.
class NavigationDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::paint(painter, option, index);
        const int badge = index.data(badgeRole).toInt();
        if (badge <= 0)
            return;
        const QString text = badge > 999 ? QStringLiteral("999+") : QLocale().toString(badge);
        QFont font = option.font;
        font.setBold(true);
        const QFontMetrics metrics(font);
        const int height = metrics.height() + 2;
        const int width = qMax(height, metrics.horizontalAdvance(text) + 10);
        const QRect pill(option.rect.right() - width - 6, option.rect.center().y() - height / 2, width, height);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0xc6, 0x28, 0x28));
        painter->drawRoundedRect(pill, height / 2.0, height / 2.0);
        painter->setPen(Qt::white);
        painter->setFont(font);
        painter->drawText(pill, Qt::AlignCenter, text);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        size.setHeight(qMax(size.height(), option.fontMetrics.height() + 14));
        size.setWidth(size.width() + 48);
        return size;
    }
};

} // namespace

// Everything that belongs to one open database; replaced as a whole on reconnect.
struct MainWindow::Connection
{
    explicit Connection(const ConnectionSpec &spec)
        : actionWorker(std::make_unique<DatabaseWorker>(spec))
    { }
    ~Connection()
    {
        // Views (and their models) go first, then the threads they posted to; queued answers find no receiver.
        qDeleteAll(views);
        views.clear();
        delete feed;
    }

    std::unique_ptr<DatabaseWorker> actionWorker; // writes, previews, audit verification
    std::unique_ptr<DatabaseWorker> detailWorker;
    std::vector<std::unique_ptr<DatabaseWorker>> viewWorkers;
    QList<TableView *> views;
    // Views that missed a change made elsewhere while hidden; each reloads when it is shown again.
    QSet<TableView *> staleViews;
    ChangeFeed *feed = nullptr;
    bool opened = false;
};

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Rotor Console"));
    setWindowIcon(icons::named("rotor"));
    buildActions();
    buildMenus();
    buildCentral();
    buildStatusBar();
    QSettings settings;
    if (!restoreGeometry(settings.value(settings::windowGeometryKey()).toByteArray())) {
        // First start: room for a list with its detail pane, or the whole screen where that does not fit.
        const QSize preferred(1280, 800);
        const QRect available = screen()->availableGeometry();
        resize(preferred.boundedTo(available.size()));
        if (available.width() < preferred.width() || available.height() < preferred.height())
            setWindowState(Qt::WindowMaximized);
    }
    restoreState(settings.value(settings::windowStateKey()).toByteArray());
    showMessagePage(tr("Not connected. Use File > Connect\u2026 to open a Rotor database."));
    updateActions();
}

MainWindow::~MainWindow()
{
    closeConnection();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(settings::windowGeometryKey(), saveGeometry());
    settings.setValue(settings::windowStateKey(), saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::buildActions()
{
    const auto make = [this](const char *name, const char *icon, const QString &text, const QKeySequence &shortcut) {
        auto *action = new QAction(text, this);
        action->setObjectName(QLatin1String(name));
        if (icon)
            action->setIcon(icons::named(icon));
        if (!shortcut.isEmpty())
            action->setShortcut(shortcut);
        return action;
    };
    m_connectAction = make("connectAction", "connect", tr("&Connect\u2026"), QKeySequence::Open);
    m_exportAction = make("exportAction", "export", tr("&Export\u2026"), QKeySequence(tr("Ctrl+E")));
    m_quitAction = make("quitAction", nullptr, tr("&Quit"), QKeySequence::Quit);
    m_refreshAction = make("refreshAction", "refresh", tr("&Refresh"), QKeySequence::Refresh);
    m_findAction = make("findAction", "filter", tr("&Filter"), QKeySequence::Find);
    m_revokeSessionAction = make("revokeSessionAction", "revoke", tr("Revoke &session\u2026"), QKeySequence::Delete);
    m_revokeUserAction = make("revokeUserAction", "revoke", tr("Revoke all sessions of &user\u2026"), {});
    m_deactivateAction = make("deactivateAction", "user-inactive", tr("&Deactivate user\u2026"), {});
    m_reactivateAction = make("reactivateAction", "reactivate", tr("Re&activate user\u2026"), {});
    m_openUserAction = make("openUserAction", "users", tr("Open &user"), {});
    m_openSessionAction = make("openSessionAction", "sessions", tr("Open s&ession"), {});
    m_aboutAction = make("aboutAction", "rotor", tr("&About Rotor Console"), {});
    // Delete revokes only while a list has the focus, never while typing in the filter.
    m_revokeSessionAction->setShortcutContext(Qt::WidgetShortcut);

    m_viewGroup = new QActionGroup(this);
    for (int i = 0; i < viewCount; ++i) {
        QAction *action = make("viewAction", iconFor(viewTables[i]), Presentation::tableTitle(viewTables[i]),
                               QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
        action->setCheckable(true);
        m_viewGroup->addAction(action);
        m_viewActions << action;
        connect(action, &QAction::triggered, this, [this, i]() { showView(viewTables[i]); });
    }

    connect(m_connectAction, &QAction::triggered, this, &MainWindow::connectDialog);
    connect(m_exportAction, &QAction::triggered, this, &MainWindow::exportCurrent);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
    connect(m_refreshAction, &QAction::triggered, this, &MainWindow::refreshAll);
    connect(m_findAction, &QAction::triggered, this, [this]() {
        if (TableView *view = currentView())
            view->focusFilter();
    });
    connect(m_revokeSessionAction, &QAction::triggered, this, &MainWindow::revokeSession);
    connect(m_revokeUserAction, &QAction::triggered, this, &MainWindow::revokeUserSessions);
    connect(m_deactivateAction, &QAction::triggered, this, [this]() { setUserActive(false); });
    connect(m_reactivateAction, &QAction::triggered, this, [this]() { setUserActive(true); });
    connect(m_openUserAction, &QAction::triggered, this, [this]() {
        const UserTarget target = userTarget();
        if (target.id > 0)
            openUser(target.id, target.email);
    });
    connect(m_openSessionAction, &QAction::triggered, this, [this]() {
        const FamilyTarget target = familyTarget();
        if (target.id > 0)
            openSession(target.id);
    });
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::about);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_connectAction);
    file->addAction(m_exportAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addActions(m_viewActions);
    viewMenu->addSeparator();
    viewMenu->addAction(m_findAction);
    viewMenu->addAction(m_refreshAction);
    QMenu *actions = menuBar()->addMenu(tr("&Actions"));
    actions->addAction(m_revokeSessionAction);
    actions->addAction(m_revokeUserAction);
    actions->addAction(m_deactivateAction);
    actions->addAction(m_reactivateAction);
    actions->addSeparator();
    actions->addAction(m_openUserAction);
    actions->addAction(m_openSessionAction);
    connect(actions, &QMenu::aboutToShow, this, &MainWindow::updateActions);
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_aboutAction);

    QToolBar *toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setMovable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(m_connectAction);
    toolBar->addAction(m_refreshAction);
    toolBar->addAction(m_exportAction);
    toolBar->addSeparator();
    toolBar->addAction(m_revokeSessionAction);
    toolBar->addAction(m_revokeUserAction);
}

void MainWindow::buildCentral()
{
    auto *central = new QWidget;
    auto *centralLayout = new QHBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    m_navigation = new QListWidget;
    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setItemDelegate(new NavigationDelegate(m_navigation));
    m_navigation->setIconSize(QSize(20, 20));
    m_navigation->setFrameShape(QFrame::NoFrame);
    for (Table table : viewTables)
        new QListWidgetItem(icons::named(iconFor(table)), Presentation::tableTitle(table), m_navigation);
    m_navigation->setFixedWidth(m_navigation->sizeHintForColumn(0) + 16);
    connect(m_navigation, &QListWidget::currentRowChanged, this, &MainWindow::onNavigationChanged);
    centralLayout->addWidget(m_navigation);

    auto *right = new QWidget;
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->setSpacing(0);

    m_alertBar = new QFrame;
    m_alertBar->setObjectName(QStringLiteral("liveAlert"));
    m_alertBar->setStyleSheet(QStringLiteral("#liveAlert { background: #fdecea; border-bottom: 1px solid #e57373; }"));
    auto *alertLayout = new QHBoxLayout(m_alertBar);
    alertLayout->setContentsMargins(8, 4, 4, 4);
    auto *alertIcon = new QLabel;
    alertIcon->setPixmap(icons::named("alert").pixmap(20, 20));
    m_alertLabel = new QLabel;
    m_alertLabel->setObjectName(QStringLiteral("liveAlertText"));
    m_alertLabel->setTextFormat(Qt::PlainText); // it quotes emails and addresses from the database
    m_alertLabel->setStyleSheet(QStringLiteral("color: #8e0000;"));
    auto *showButton = new QPushButton(tr("Show events"));
    showButton->setObjectName(QStringLiteral("liveAlertShow"));
    auto *dismissButton = new QToolButton;
    dismissButton->setObjectName(QStringLiteral("liveAlertDismiss"));
    dismissButton->setIcon(icons::named("close"));
    dismissButton->setToolTip(tr("Dismiss"));
    dismissButton->setAutoRaise(true);
    alertLayout->addWidget(alertIcon);
    alertLayout->addWidget(m_alertLabel, 1);
    alertLayout->addWidget(showButton);
    alertLayout->addWidget(dismissButton);
    m_alertBar->hide();
    connect(showButton, &QPushButton::clicked, this, [this]() {
        m_alertBar->hide();
        showView(Table::Events);
    });
    connect(dismissButton, &QToolButton::clicked, m_alertBar, &QWidget::hide);
    rightLayout->addWidget(m_alertBar);

    m_stack = new QStackedWidget;
    m_messagePage = new QWidget;
    auto *messageLayout = new QVBoxLayout(m_messagePage);
    messageLayout->addStretch();
    m_messageLabel = new QLabel;
    m_messageLabel->setObjectName(QStringLiteral("messageLabel"));
    m_messageLabel->setWordWrap(true);
    m_messageLabel->setAlignment(Qt::AlignCenter);
    m_messageLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    messageLayout->addWidget(m_messageLabel);
    auto *connectButton = new QPushButton(icons::named("connect"), tr("Connect\u2026"));
    connect(connectButton, &QPushButton::clicked, this, &MainWindow::connectDialog);
    auto *buttonRow = new QHBoxLayout;
    buttonRow->addStretch();
    buttonRow->addWidget(connectButton);
    buttonRow->addStretch();
    messageLayout->addLayout(buttonRow);
    messageLayout->addStretch();
    m_stack->addWidget(m_messagePage);
    rightLayout->addWidget(m_stack, 1);

    centralLayout->addWidget(right, 1);
    setCentralWidget(central);
}

void MainWindow::buildStatusBar()
{
    m_backendLabel = new QLabel;
    m_backendLabel->setObjectName(QStringLiteral("backendLabel"));
    m_readOnlyLabel = new QLabel;
    m_readOnlyLabel->setObjectName(QStringLiteral("readOnlyLabel"));
    m_countLabel = new QLabel;
    m_countLabel->setObjectName(QStringLiteral("countLabel"));
    m_updatedLabel = new QLabel;
    m_updatedLabel->setObjectName(QStringLiteral("updatedLabel"));
    statusBar()->addPermanentWidget(m_countLabel);
    statusBar()->addPermanentWidget(m_updatedLabel);
    statusBar()->addPermanentWidget(m_readOnlyLabel);
    statusBar()->addPermanentWidget(m_backendLabel);
    m_readOnlyLabel->hide();
}

void MainWindow::showMessagePage(const QString &message)
{
    m_messageLabel->setText(message);
    m_stack->setCurrentWidget(m_messagePage);
}

bool MainWindow::isConnected() const
{
    return m_connection && m_connection->opened;
}

void MainWindow::closeConnection()
{
    m_connection.reset();
    m_unseenEvents = 0;
    m_alertBar->hide();
    m_auditBanner = nullptr;
    updateBadge();
}

void MainWindow::openConnection(const ConnectionSpec &spec)
{
    closeConnection();
    m_spec = spec;
    setWindowTitle(tr("%1 \u2014 Rotor Console").arg(spec.displayName()));
    showMessagePage(tr("Opening %1\u2026").arg(spec.displayName().toHtmlEscaped()));
    m_connection = std::make_unique<Connection>(spec);
    Connection *connection = m_connection.get();
    // Opened (and, if needed, migrated) once on the action worker before anything else opens it.
    connection->actionWorker->open(Database::OpenMode::OpenExisting, this,
                                   [this, connection](bool ok, const QString &error) {
                                       if (connection != m_connection.get())
                                           return; // a newer connection replaced it
                                       if (!ok) {
                                           m_connection.reset();
                                           m_whenConnected.clear();
                                           showMessagePage(ConnectionDialog::explainError(m_spec, error));
                                           updateActions();
                                           updateStatus();
                                           emit connectionFailed(error);
                                           return;
                                       }
                                       onConnected();
                                   });
    updateActions();
    updateStatus();
}

void MainWindow::onConnected()
{
    m_connection->opened = true;
    buildViews();
    const int current = qMax(0, m_navigation->currentRow());
    m_navigation->setCurrentRow(current);
    onNavigationChanged(current);
    // The change feed reports events newer than the newest one the lists already show.
    struct Newest
    {
        qint64 id = 0;
    };
    m_connection->actionWorker->run<Newest>(
        this,
        [](Database &db) {
            SystemClock clock;
            Catalog catalog(db, clock);
            ListRequest request;
            request.table = Table::Events;
            request.sortColumn = column::EventId;
            request.descending = true;
            request.limit = 1;
            QList<QVariantList> rows;
            QString error;
            Newest newest;
            if (catalog.list(request, &rows, &error) && !rows.isEmpty())
                newest.id = rows.first().value(column::EventId).toLongLong();
            return newest;
        },
        [this](const Newest &newest) {
            if (isConnected())
                startChangeFeed(newest.id);
        });
    updateStatus();
    emit connectionOpened();
    const QList<std::function<void()>> pending = std::exchange(m_whenConnected, {});
    for (const auto &action : pending)
        action();
}

void MainWindow::buildViews()
{
    Connection &connection = *m_connection;
    connection.detailWorker = std::make_unique<DatabaseWorker>(m_spec);
    connection.detailWorker->open(Database::OpenMode::OpenExisting, this, [](bool, const QString &) {});
    for (Table table : viewTables) {
        // Pages and counts on separate connections, so a slow count never holds up the first rows.
        auto pages = std::make_unique<DatabaseWorker>(m_spec);
        auto counts = std::make_unique<DatabaseWorker>(m_spec);
        for (DatabaseWorker *worker : {pages.get(), counts.get()}) {
            worker->open(Database::OpenMode::OpenExisting, this, [this](bool ok, const QString &error) {
                if (!ok)
                    statusBar()->showMessage(tr("A list could not open the database: %1").arg(error));
            });
        }
        auto *view = new TableView(table, pages.get(), counts.get());
        connection.viewWorkers.push_back(std::move(pages));
        connection.viewWorkers.push_back(std::move(counts));
        connection.views.append(view);

        DetailPane *pane = nullptr;
        switch (table) {
        case Table::Users:
            pane = new UserDetailPane(connection.detailWorker.get());
            view->addRowAction(m_revokeUserAction);
            view->addRowAction(m_deactivateAction);
            view->addRowAction(m_reactivateAction);
            break;
        case Table::Devices:
            pane = new DeviceDetailPane(connection.detailWorker.get());
            view->addRowAction(m_revokeUserAction);
            view->addRowAction(m_openUserAction);
            break;
        case Table::Families:
            pane = new FamilyDetailPane(connection.detailWorker.get());
            view->addRowAction(m_revokeSessionAction);
            view->addRowAction(m_revokeUserAction);
            view->addRowAction(m_openUserAction);
            break;
        case Table::Events:
            pane = new EventDetailPane;
            view->addRowAction(m_revokeSessionAction);
            view->addRowAction(m_revokeUserAction);
            view->addRowAction(m_openUserAction);
            view->addRowAction(m_openSessionAction);
            break;
        case Table::Audit:
            pane = new AuditDetailPane;
            m_auditBanner = new QLabel;
            m_auditBanner->setObjectName(QStringLiteral("auditBanner"));
            m_auditBanner->setMargin(8);
            m_auditBanner->setWordWrap(true);
            m_auditBanner->setText(tr("Verifying the audit chain\u2026"));
            view->setBanner(m_auditBanner);
            break;
        case Table::Tokens:
            break;
        }
        view->setDetailPane(pane);
        connect(pane, &DetailPane::openUser, this, &MainWindow::openUser);
        connect(pane, &DetailPane::openSession, this, &MainWindow::openSession);
        connect(pane, &DetailPane::openDevice, this, &MainWindow::openDevice);
        // Delete works on the list itself (a widget shortcut), never while typing in the filter.
        view->tableView()->addAction(m_revokeSessionAction);
        connect(view, &TableView::currentRowChanged, this, &MainWindow::updateActions);
        connect(view, &TableView::contextMenuAboutToShow, this, &MainWindow::updateActions);
        connect(view, &TableView::rowActivated, view, &TableView::focusDetail);
        connect(view, &TableView::statusMessage, statusBar(), &QStatusBar::showMessage);
        connect(view->model(), &PagedTableModel::countChanged, this, &MainWindow::updateStatus);
        connect(view->model(), &PagedTableModel::updated, this, [this, view]() {
            if (view == currentView())
                m_updatedLabel->setText(
                    tr("updated %1").arg(QLocale().toString(QTime::currentTime(), QLocale::LongFormat)));
        });
        connect(view->model(), &PagedTableModel::failed, this, [this](const QString &error) {
            statusBar()->showMessage(tr("Could not load rows: %1").arg(error), 10000);
        });
        m_stack->addWidget(view);
    }
}

void MainWindow::startChangeFeed(qint64 lastSeenEventId)
{
    m_lastSeenEventId = lastSeenEventId;
    auto *feed = new ChangeFeed(m_spec, lastSeenEventId);
    m_connection->feed = feed;
    connect(feed, &ChangeFeed::eventsArrived, this, &MainWindow::onEventsArrived);
    connect(feed, &ChangeFeed::dataChanged, this, &MainWindow::onDataChangedElsewhere);
    feed->start();
}

void MainWindow::onEventsArrived(qint64 newestEventId, int count)
{
    if (!isConnected())
        return;
    const qint64 previous = m_lastSeenEventId;
    m_lastSeenEventId = qMax(m_lastSeenEventId, newestEventId);
    if (TableView *events = view(Table::Events))
        events->refresh();
    if (currentView() != view(Table::Events))
        m_unseenEvents += count;
    updateBadge();
    // Say what arrived: a replay is named, with its session and user.
    struct Arrived
    {
        QList<QVariantList> rows;
    };
    m_connection->actionWorker->run<Arrived>(
        this,
        [previous](Database &db) {
            SystemClock clock;
            Catalog catalog(db, clock);
            ListRequest request;
            request.table = Table::Events;
            request.sortColumn = column::EventId;
            request.descending = true;
            request.limit = 50;
            Arrived arrived;
            QString error;
            QList<QVariantList> rows;
            catalog.list(request, &rows, &error);
            for (const QVariantList &row : std::as_const(rows)) {
                if (row.value(column::EventId).toLongLong() > previous)
                    arrived.rows.append(row);
            }
            return arrived;
        },
        [this, count](const Arrived &arrived) {
            QString text = tr("%Ln new security events", "live alert", count);
            for (const QVariantList &row : arrived.rows) {
                if (row.value(column::EventKind).toString() == QLatin1String(event_kind::replayDetected)) {
                    text = tr("Replay detected on session %1 of %2 from %3 (%4)")
                               .arg(row.value(column::EventFamily).toString(), row.value(column::EventUser).toString(),
                                    row.value(column::EventIp).toString(),
                                    Presentation::formatTime(row.value(column::EventTime).toLongLong()));
                    if (count > 1)
                        text += QLatin1Char(' ') + tr("and %Ln more events", "live alert", count - 1);
                    break;
                }
            }
            showAlert(text);
        });
}

void MainWindow::showAlert(const QString &text)
{
    m_alertLabel->setText(text);
    m_alertBar->show();
}

bool MainWindow::isAlertVisible() const
{
    return m_alertBar->isVisible();
}

QString MainWindow::alertText() const
{
    return m_alertLabel->text();
}

QString MainWindow::auditBannerText() const
{
    return m_auditBanner ? m_auditBanner->text() : QString();
}

TableView *MainWindow::view(Table table) const
{
    if (!isConnected())
        return nullptr;
    for (TableView *candidate : m_connection->views) {
        if (candidate->table() == table)
            return candidate;
    }
    return nullptr;
}

TableView *MainWindow::currentView() const
{
    return isConnected() ? qobject_cast<TableView *>(m_stack->currentWidget()) : nullptr;
}

void MainWindow::showView(Table table)
{
    m_navigation->setCurrentRow(indexOf(table));
}

void MainWindow::onNavigationChanged(int index)
{
    if (index < 0 || index >= viewCount)
        return;
    m_viewActions.at(index)->setChecked(true);
    if (!isConnected())
        return;
    TableView *target = view(viewTables[index]);
    m_stack->setCurrentWidget(target);
    if (m_connection->staleViews.remove(target)) {
        target->refresh();
        if (target->detailPane())
            target->detailPane()->reload();
    }
    if (target->table() == Table::Events) {
        m_unseenEvents = 0;
        m_alertBar->hide();
        updateBadge();
    }
    if (target->table() == Table::Audit)
        verifyAudit();
    updateActions();
    updateStatus();
}

void MainWindow::updateBadge()
{
    if (QListWidgetItem *item = m_navigation->item(indexOf(Table::Events))) {
        item->setData(badgeRole, m_unseenEvents);
        item->setToolTip(m_unseenEvents > 0 ? tr("%Ln new security events", "navigation", m_unseenEvents) : QString());
    }
}

void MainWindow::verifyAudit()
{
    if (!isConnected() || !m_auditBanner)
        return;
    m_connection->actionWorker->run<std::pair<AuditVerification, QString>>(
        this,
        [spec = m_spec](Database &db) {
            SystemClock clock;
            AdminService admin(db, clock, Actor::forConnection(spec));
            std::pair<AuditVerification, QString> result;
            if (!admin.verifyAudit(&result.first, &result.second))
                result.first.intact = false;
            return result;
        },
        [this](const std::pair<AuditVerification, QString> &result) {
            if (!m_auditBanner)
                return;
            const AuditVerification &verification = result.first;
            if (!result.second.isEmpty()) {
                m_auditBanner->setText(tr("The audit chain could not be verified: %1").arg(result.second));
                m_auditBanner->setStyleSheet(QStringLiteral("background: #fff3e0; color: #8a4b00;"));
            } else if (verification.intact) {
                m_auditBanner->setText(
                    tr("Audit chain intact (%Ln entries verified)", nullptr,
                       int(qMin<qint64>(verification.entriesChecked, std::numeric_limits<int>::max()))));
                m_auditBanner->setStyleSheet(QStringLiteral("background: #e8f5e9; color: #1b5e20;"));
            } else {
                m_auditBanner->setText(tr("Audit chain broken at entry %1: %2. Entries from there on cannot be "
                                          "trusted.")
                                           .arg(verification.firstBrokenId)
                                           .arg(verification.problem));
                m_auditBanner->setStyleSheet(QStringLiteral("background: #fdecea; color: #8e0000; font-weight: bold;"));
            }
        });
}

void MainWindow::updateStatus()
{
    if (m_spec.sqlitePath.isEmpty() && m_spec.host.isEmpty()) {
        m_backendLabel->setText(tr("Not connected"));
        m_readOnlyLabel->hide();
        m_countLabel->clear();
        m_updatedLabel->clear();
        return;
    }
    const QString backend = m_spec.backend == Backend::Postgres ? tr("PostgreSQL") : tr("SQLite");
    m_backendLabel->setText(tr("%1: %2").arg(backend, m_spec.displayName()));
    m_readOnlyLabel->setText(tr("read-only"));
    m_readOnlyLabel->setToolTip(tr("Opened read-only: nothing can be changed from this window."));
    m_readOnlyLabel->setVisible(m_spec.readOnly);
    TableView *current = currentView();
    if (!current) {
        m_countLabel->clear();
        return;
    }
    const qint64 count = current->model()->totalCount();
    m_countLabel->setText(count < 0 ? tr("counting\u2026") : Presentation::rowCountText(current->table(), count));
}

MainWindow::UserTarget MainWindow::userTarget() const
{
    UserTarget target;
    TableView *current = currentView();
    if (!current)
        return target;
    const QVariantList row = current->currentRowValues();
    if (row.isEmpty())
        return target;
    switch (current->table()) {
    case Table::Users:
        target = {row.value(column::UserId).toLongLong(), row.value(column::UserEmail).toString(),
                  row.value(column::UserActive).toBool() ? 1 : 0};
        break;
    case Table::Devices:
        target = {row.value(column::DeviceUserId).toLongLong(), row.value(column::DeviceUser).toString(), -1};
        break;
    case Table::Families:
        target = {row.value(column::FamilyUserId).toLongLong(), row.value(column::FamilyUser).toString(), -1};
        break;
    case Table::Events:
        target = {row.value(column::EventUserId).toLongLong(), row.value(column::EventUser).toString(), -1};
        break;
    case Table::Audit:
    case Table::Tokens:
        break;
    }
    return target;
}

MainWindow::FamilyTarget MainWindow::familyTarget() const
{
    FamilyTarget target;
    TableView *current = currentView();
    if (!current)
        return target;
    const QVariantList row = current->currentRowValues();
    if (row.isEmpty())
        return target;
    if (current->table() == Table::Families)
        target = {row.value(column::FamilyId).toLongLong(), row.value(column::FamilyUser).toString(),
                  row.value(column::FamilyState).toString()};
    else if (current->table() == Table::Events)
        target = {row.value(column::EventFamily).toLongLong(), row.value(column::EventUser).toString(), QString()};
    return target;
}

void MainWindow::updateActions()
{
    const bool connected = isConnected();
    const bool writable = connected && !m_spec.readOnly;
    TableView *current = currentView();
    const Table table = current ? current->table() : Table::Tokens;
    const UserTarget user = userTarget();
    const FamilyTarget family = familyTarget();

    // Read-only: every writing action is hidden, not just greyed out.
    for (QAction *action : {m_revokeSessionAction, m_revokeUserAction, m_deactivateAction, m_reactivateAction})
        action->setVisible(writable);
    const bool sessionList = table == Table::Families || table == Table::Events;
    m_revokeSessionAction->setVisible(writable && (sessionList || !connected));
    m_revokeSessionAction->setEnabled(writable && !m_actionRunning && family.id > 0
                                      && (family.state.isEmpty() || family.state == QLatin1String("active")));
    m_revokeUserAction->setVisible(writable && table != Table::Audit);
    m_revokeUserAction->setEnabled(writable && !m_actionRunning && user.id > 0);
    m_deactivateAction->setVisible(writable && table == Table::Users && user.active != 0);
    m_deactivateAction->setEnabled(writable && !m_actionRunning && user.active == 1);
    m_reactivateAction->setVisible(writable && table == Table::Users && user.active == 0);
    m_reactivateAction->setEnabled(writable && !m_actionRunning && user.active == 0);
    m_openUserAction->setVisible(table != Table::Users && table != Table::Audit);
    m_openUserAction->setEnabled(user.id > 0 && table != Table::Users);
    m_openSessionAction->setVisible(table == Table::Events);
    m_openSessionAction->setEnabled(family.id > 0 && table == Table::Events);
    m_exportAction->setEnabled(connected
                               && (table == Table::Families || table == Table::Events || table == Table::Audit));
    m_refreshAction->setEnabled(connected);
    m_findAction->setEnabled(connected);
    for (QAction *action : std::as_const(m_viewActions))
        action->setEnabled(connected);
}

void MainWindow::onDataChangedElsewhere()
{
    if (!isConnected())
        return;
    // Only what is on screen reloads now; on a busy database the other lists would reload for nobody.
    TableView *visible = currentView();
    for (TableView *view : std::as_const(m_connection->views)) {
        if (view != visible)
            m_connection->staleViews.insert(view);
    }
    if (visible) {
        visible->refresh();
        if (visible->detailPane())
            visible->detailPane()->reload();
    }
    if (visible == view(Table::Audit))
        verifyAudit();
}

void MainWindow::refreshAll()
{
    if (!isConnected())
        return;
    for (TableView *view : std::as_const(m_connection->views)) {
        view->refresh();
        if (view->detailPane())
            view->detailPane()->reload();
    }
    if (currentView() == view(Table::Audit))
        verifyAudit();
}

void MainWindow::openUser(qint64 userId, const QString &email)
{
    TableView *users = view(Table::Users);
    if (!users || userId <= 0)
        return;
    ListRequest scope;
    scope.userId = userId;
    users->setScope(scope, tr("Showing only user %1").arg(email.isEmpty() ? QString::number(userId) : email));
    showView(Table::Users);
    // The scoped list has one row: the user, selected as soon as it is there.
    users->selectFirstRowWhenLoaded();
}

void MainWindow::openSession(qint64 familyId)
{
    TableView *sessions = view(Table::Families);
    if (!sessions || familyId <= 0)
        return;
    ListRequest scope;
    scope.familyId = familyId;
    sessions->setScope(scope, tr("Showing only session %1").arg(familyId));
    showView(Table::Families);
    sessions->selectFirstRowWhenLoaded();
}

void MainWindow::openDevice(qint64 deviceId, const QString &name)
{
    TableView *devices = view(Table::Devices);
    if (!devices || deviceId <= 0)
        return;
    ListRequest scope;
    scope.deviceId = deviceId;
    devices->setScope(scope, tr("Showing only device %1").arg(name));
    showView(Table::Devices);
    devices->selectFirstRowWhenLoaded();
}

void MainWindow::whenConnected(std::function<void()> action)
{
    if (isConnected())
        action();
    else
        m_whenConnected.append(std::move(action));
}

void MainWindow::selectFamily(qint64 familyId)
{
    whenConnected([this, familyId]() { openSession(familyId); });
}

void MainWindow::selectUser(const QString &email)
{
    whenConnected([this, email]() {
        showView(Table::Users);
        struct Found
        {
            UserRef user;
            QString error;
        };
        m_connection->actionWorker->run<Found>(
            this,
            [email](Database &db) {
                SystemClock clock;
                Catalog catalog(db, clock);
                Found found;
                if (!catalog.findUser(email, &found.user, &found.error))
                    found.user.id = 0;
                return found;
            },
            [this](const Found &found) {
                if (found.user.id > 0)
                    openUser(found.user.id, found.user.email);
                else
                    statusBar()->showMessage(tr("User not found: %1").arg(found.error), 10000);
            });
    });
}

QStringList MainWindow::viewNames()
{
    return {QStringLiteral("users"), QStringLiteral("devices"), QStringLiteral("sessions"), QStringLiteral("events"),
            QStringLiteral("audit")};
}

std::optional<Table> MainWindow::viewForName(const QString &name)
{
    const int index = int(viewNames().indexOf(name.trimmed().toLower()));
    if (index < 0)
        return std::nullopt;
    return viewTables[index];
}

void MainWindow::connectDialog()
{
    ConnectionDialog dialog(this);
    if (isConnected() || !m_spec.sqlitePath.isEmpty() || !m_spec.host.isEmpty()) {
        ConnectionSpec withoutPassword = m_spec;
        withoutPassword.password.clear();
        dialog.setSpec(withoutPassword);
    }
    if (dialog.exec() == QDialog::Accepted)
        openConnection(dialog.spec());
}

void MainWindow::exportCurrent()
{
    TableView *current = currentView();
    if (!current || !m_exportAction->isEnabled())
        return;
    exportWithDialog(this, m_spec, current->model()->currentRequest());
}

void MainWindow::withRevocationPreview(const QString &title,
                                       std::function<bool(Catalog &, RevocationPreview *, QString *)> read,
                                       std::function<void(const RevocationPreview &)> confirm)
{
    struct Preview
    {
        bool ok = false;
        RevocationPreview preview;
        QString error;
    };
    m_actionRunning = true;
    updateActions();
    m_connection->actionWorker->run<Preview>(
        this,
        [read](Database &db) {
            SystemClock clock;
            Catalog catalog(db, clock);
            Preview result;
            result.ok = read(catalog, &result.preview, &result.error);
            return result;
        },
        [this, title, confirm](const Preview &result) {
            m_actionRunning = false;
            updateActions();
            if (!result.ok) {
                QMessageBox::warning(this, title, result.error);
                return;
            }
            confirm(result.preview);
        });
}

void MainWindow::revokeSession()
{
    updateActions();
    const FamilyTarget target = familyTarget();
    if (!m_revokeSessionAction->isEnabled() || target.id <= 0)
        return;
    withRevocationPreview(
        tr("Revoke session"),
        [id = target.id](Catalog &catalog, RevocationPreview *preview, QString *error) {
            return catalog.previewFamilyRevocation(id, preview, error);
        },
        [this, target](const RevocationPreview &preview) {
            QString reason;
            if (!dialogs::confirmRevokeFamily(this, target.id, target.email, preview, &reason)) {
                statusBar()->showMessage(tr("Nothing was revoked."), 5000);
                return;
            }
            runWrite(tr("Session %1 revoked.").arg(target.id),
                     [id = target.id, reason, spec = m_spec](Database &db, QString *error) {
                         SystemClock clock;
                         return AdminService(db, clock, Actor::forConnection(spec)).revokeFamily(id, reason, error);
                     });
        });
}

void MainWindow::revokeUserSessions()
{
    updateActions();
    const UserTarget target = userTarget();
    if (!m_revokeUserAction->isEnabled() || target.id <= 0)
        return;
    withRevocationPreview(
        tr("Revoke all sessions"),
        [id = target.id](Catalog &catalog, RevocationPreview *preview, QString *error) {
            return catalog.previewUserRevocation(id, preview, error);
        },
        [this, target](const RevocationPreview &preview) {
            QString reason;
            if (!dialogs::confirmRevokeUser(this, target.email, preview, &reason)) {
                statusBar()->showMessage(tr("Nothing was revoked."), 5000);
                return;
            }
            runWrite(
                tr("All sessions of %1 revoked.").arg(target.email),
                [id = target.id, reason, spec = m_spec](Database &db, QString *error) {
                    SystemClock clock;
                    int revoked = 0;
                    return AdminService(db, clock, Actor::forConnection(spec)).revokeUser(id, reason, &revoked, error);
                });
        });
}

void MainWindow::setUserActive(bool active)
{
    updateActions();
    const UserTarget target = userTarget();
    QAction *action = active ? m_reactivateAction : m_deactivateAction;
    if (!action->isEnabled() || target.id <= 0)
        return;
    QString reason;
    if (!dialogs::confirmSetActive(this, target.email, active, &reason)) {
        statusBar()->showMessage(tr("Nothing was changed."), 5000);
        return;
    }
    runWrite(active ? tr("%1 reactivated.").arg(target.email) : tr("%1 deactivated.").arg(target.email),
             [id = target.id, active, reason, spec = m_spec](Database &db, QString *error) {
                 SystemClock clock;
                 return AdminService(db, clock, Actor::forConnection(spec)).setUserActive(id, active, reason, error);
             });
}

void MainWindow::runWrite(const QString &doneMessage, std::function<bool(Database &, QString *)> write)
{
    if (!isConnected() || m_spec.readOnly)
        return;
    m_actionRunning = true;
    updateActions();
    m_connection->actionWorker->run<std::pair<bool, QString>>(
        this,
        [write = std::move(write)](Database &db) {
            std::pair<bool, QString> result;
            result.first = write(db, &result.second);
            return result;
        },
        [this, doneMessage](const std::pair<bool, QString> &result) {
            m_actionRunning = false;
            if (result.first) {
                statusBar()->showMessage(doneMessage, 8000);
                refreshAll();
            } else {
                QMessageBox::warning(this, tr("Not done"), result.second);
            }
            updateActions();
            emit actionFinished(result.first, result.first ? doneMessage : result.second);
        });
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About Rotor Console"),
                       tr("<h3>Rotor Console %1</h3><p>Refresh-token rotation with replay detection: users, devices, "
                          "sessions, security events and the audit log of a Rotor database.</p>")
                           .arg(QApplication::applicationVersion().toHtmlEscaped()));
}

} // namespace rotor
