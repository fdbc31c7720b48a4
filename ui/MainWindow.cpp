#include "MainWindow.h"

#include "AdminActions.h"
#include "ChangeFeed.h"
#include "Clock.h"
#include "ConnectionDialog.h"
#include "ConsoleSettings.h"
#include "DashboardPage.h"
#include "DatabaseWorker.h"
#include "Exporter.h"
#include "PagedTableModel.h"
#include "PolicyPage.h"
#include "Presentation.h"
#include "SecurityEvent.h"
#include "SimulatorPage.h"
#include "TablePage.h"
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
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyledItemDelegate>
#include <QTime>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <limits>
#include <utility>

namespace rotor {

namespace {

constexpr int badgeRole = Qt::UserRole + 1;
const QString eventsPageId = QStringLiteral("events");

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

// Everything that belongs to one open database; replaced as a whole on reconnect. Four connections, whatever the
// pages (PageContext): the worker that opens first, the lists' two and the change feed's.
struct MainWindow::Connection
{
    explicit Connection(const ConnectionSpec &spec)
        : openWorker(std::make_unique<DatabaseWorker>(spec))
    { }
    // The workers interrupt what they still run, so a reconnect or quitting never waits for an old query.
    ~Connection() { delete feed; }

    // Opens (and migrates) first; then detail panes, the writing workflows and the window's own light reads.
    std::unique_ptr<DatabaseWorker> openWorker;
    std::unique_ptr<DatabaseWorker> rowsWorker; // the visible list's rows
    std::unique_ptr<DatabaseWorker> countWorker; // the visible list's count
    ChangeFeed *feed = nullptr;
    bool opened = false;
};

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Rotor Console"));
    setWindowIcon(icons::named("rotor"));
    m_adminActions = new AdminActions(this, [this]() { return currentTarget(); });
    connect(m_adminActions, &AdminActions::busyChanged, this, &MainWindow::updateActions);
    connect(m_adminActions, &AdminActions::statusMessage, statusBar(), &QStatusBar::showMessage);
    connect(m_adminActions, &AdminActions::finished, this, [this](bool ok, const QString &message) {
        if (ok)
            refreshAll();
        updateActions();
        emit actionFinished(ok, message);
    });
    buildActions();
    buildMenus();
    buildCentral();
    buildStatusBar();
    for (TablePage *page : createListPages(this)) {
        page->setLinkActions(m_openUserAction, m_openFamilyAction);
        addPage(page);
    }
    addPage(new PolicyPage(this));
    addPage(new DashboardPage(this));
    addPage(new SimulatorPage(this));
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
    m_openUserAction = make("openUserAction", "users", tr("Open &user"), {});
    m_openFamilyAction = make("openFamilyAction", "sessions", tr("Open s&ession"), {});
    m_aboutAction = make("aboutAction", "rotor", tr("&About Rotor Console"), {});
    m_pageGroup = new QActionGroup(this);

    connect(m_connectAction, &QAction::triggered, this, &MainWindow::connectDialog);
    connect(m_exportAction, &QAction::triggered, this, &MainWindow::exportCurrent);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
    connect(m_refreshAction, &QAction::triggered, this, &MainWindow::refreshAll);
    connect(m_findAction, &QAction::triggered, this, [this]() {
        if (TableView *view = currentView())
            view->focusFilter();
    });
    connect(m_openUserAction, &QAction::triggered, this, [this]() {
        const RowTarget target = currentTarget();
        if (target.userId > 0)
            openUser(target.userId, target.userEmail);
    });
    connect(m_openFamilyAction, &QAction::triggered, this, [this]() {
        const RowTarget target = currentTarget();
        if (target.familyId > 0)
            openFamily(target.familyId);
    });
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::about);
}

void MainWindow::buildMenus()
{
    using Kind = AdminActions::Kind;
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_connectAction);
    file->addAction(m_exportAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_pagesEnd = m_viewMenu->addSeparator(); // page actions go before it, as pages are added
    m_viewMenu->addAction(m_findAction);
    m_viewMenu->addAction(m_refreshAction);
    QMenu *actions = menuBar()->addMenu(tr("&Actions"));
    for (Kind kind : {Kind::RevokeFamily, Kind::RevokeUser, Kind::Deactivate, Kind::Reactivate})
        actions->addAction(m_adminActions->action(kind));
    actions->addSeparator();
    actions->addAction(m_openUserAction);
    actions->addAction(m_openFamilyAction);
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
    toolBar->addAction(m_adminActions->action(Kind::RevokeFamily));
    toolBar->addAction(m_adminActions->action(Kind::RevokeUser));
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
        showPage(eventsPageId);
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

void MainWindow::addPage(ConsolePage *page)
{
    page->setParent(this);
    const int index = int(m_pages.size());
    m_pages.append(page);
    auto *item = new QListWidgetItem(page->icon(), page->displayName(), m_navigation);
    item->setData(Qt::UserRole, page->id());
    m_navigation->setFixedWidth(m_navigation->sizeHintForColumn(0) + 16);
    auto *action = new QAction(page->icon(), page->displayName(), this);
    action->setObjectName(QStringLiteral("pageAction_") + page->id());
    action->setShortcut(page->shortcut());
    action->setCheckable(true);
    m_pageGroup->addAction(action);
    m_pageActions.append(action);
    m_viewMenu->insertAction(m_pagesEnd, action);
    connect(action, &QAction::triggered, this, [this, index]() { m_navigation->setCurrentRow(index); });
    connect(page, &ConsolePage::targetChanged, this, [this, page]() {
        if (page == currentPage())
            updateActions();
    });
    connect(page, &ConsolePage::statusChanged, this, [this, page]() {
        if (page == currentPage())
            updateStatus();
    });
    connect(page, &ConsolePage::updated, this, [this, page]() {
        if (page == currentPage())
            m_updatedLabel->setText(
                tr("updated %1").arg(QLocale().toString(QTime::currentTime(), QLocale::LongFormat)));
    });
    connect(page, &ConsolePage::statusMessage, statusBar(), &QStatusBar::showMessage);
    connect(page, &ConsolePage::openUserRequested, this, &MainWindow::openUser);
    connect(page, &ConsolePage::openFamilyRequested, this, &MainWindow::openFamily);
    connect(page, &ConsolePage::openDeviceRequested, this, &MainWindow::openDevice);
    connect(page, &ConsolePage::openUserEventsRequested, this, &MainWindow::openUserEvents);
    if (isConnected())
        attachPage(page);
    updateActions();
}

void MainWindow::attachPage(ConsolePage *page)
{
    page->attach({m_spec, m_connection->openWorker.get(), m_adminActions, m_connection->rowsWorker.get(),
                  m_connection->countWorker.get()});
    if (QWidget *widget = page->widget())
        m_stack->addWidget(widget);
}

ConsolePage *MainWindow::page(const QString &id) const
{
    for (ConsolePage *candidate : m_pages) {
        if (candidate->id().compare(id.trimmed(), Qt::CaseInsensitive) == 0)
            return candidate;
    }
    return nullptr;
}

ConsolePage *MainWindow::currentPage() const
{
    const int row = m_navigation->currentRow();
    return row >= 0 && row < m_pages.size() ? m_pages.at(row) : nullptr;
}

QStringList MainWindow::pageIds() const
{
    QStringList ids;
    for (const ConsolePage *candidate : m_pages)
        ids << candidate->id();
    return ids;
}

bool MainWindow::showPage(const QString &id)
{
    ConsolePage *target = page(id);
    if (!target)
        return false;
    m_navigation->setCurrentRow(int(m_pages.indexOf(target)));
    return true;
}

TablePage *MainWindow::listPage(Table table) const
{
    for (ConsolePage *candidate : m_pages) {
        auto *list = qobject_cast<TablePage *>(candidate);
        if (list && list->table() == table)
            return list;
    }
    return nullptr;
}

TableView *MainWindow::view(Table table) const
{
    TablePage *list = listPage(table);
    return isConnected() && list ? list->tableView() : nullptr;
}

TableView *MainWindow::currentView() const
{
    ConsolePage *current = currentPage();
    return isConnected() && current ? current->tableView() : nullptr;
}

void MainWindow::showView(Table table)
{
    if (TablePage *list = listPage(table))
        showPage(list->id());
}

RowTarget MainWindow::currentTarget() const
{
    ConsolePage *current = currentPage();
    return isConnected() && current ? current->target() : RowTarget();
}

void MainWindow::closeConnection()
{
    m_shownPage = nullptr;
    for (ConsolePage *candidate : std::as_const(m_pages))
        candidate->detach(); // widgets go before the connection's threads
    m_adminActions->detach();
    m_connection.reset();
    m_unseenEvents = 0;
    m_alertBar->hide();
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
    // Opened (and, if needed, migrated) once before anything else opens it.
    connection->openWorker->open(Database::OpenMode::OpenExisting, this,
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
    Connection &connection = *m_connection;
    connection.opened = true;
    connection.rowsWorker = std::make_unique<DatabaseWorker>(m_spec);
    connection.countWorker = std::make_unique<DatabaseWorker>(m_spec);
    // A worker that cannot open runs its jobs anyway: they fail with the reason, which the list shows.
    for (DatabaseWorker *worker : {connection.rowsWorker.get(), connection.countWorker.get()})
        worker->open(Database::OpenMode::OpenExisting, this, [](bool, const QString &) {});
    m_adminActions->attach(m_spec, connection.openWorker.get());
    for (ConsolePage *candidate : std::as_const(m_pages))
        attachPage(candidate);
    const int current = qMax(0, m_navigation->currentRow());
    m_navigation->setCurrentRow(current);
    onNavigationChanged(current);
    // The change feed reports events newer than the newest one the lists already show.
    struct Newest
    {
        qint64 id = 0;
    };
    connection.openWorker->run<Newest>(
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
        },
        []() { return false; }); // interrupted only if the connection closes first
    updateStatus();
    emit connectionOpened();
    const QList<std::function<void()>> pending = std::exchange(m_whenConnected, {});
    for (const auto &action : pending)
        action();
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
    ConsolePage *events = page(eventsPageId);
    // Only the visible page loads; a hidden events list catches up when it is shown.
    if (events && currentPage() == events)
        events->changedElsewhere();
    else if (events)
        events->markStale();
    if (currentPage() != events)
        m_unseenEvents += count;
    updateBadge();
    // Say what arrived: a replay is named, with its session and user.
    struct Arrived
    {
        QList<QVariantList> rows;
    };
    m_connection->openWorker->run<Arrived>(
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
    auto *audit = qobject_cast<AuditPage *>(listPage(Table::Audit));
    return audit ? audit->bannerText() : QString();
}

void MainWindow::onNavigationChanged(int index)
{
    if (index < 0 || index >= m_pages.size())
        return;
    m_pageActions.at(index)->setChecked(true);
    if (!isConnected())
        return;
    ConsolePage *target = m_pages.at(index);
    if (m_shownPage && m_shownPage != target && m_pages.contains(m_shownPage))
        m_shownPage->deactivate();
    m_shownPage = target;
    if (QWidget *widget = target->widget())
        m_stack->setCurrentWidget(widget);
    target->activate();
    if (target->id() == eventsPageId) {
        m_unseenEvents = 0;
        m_alertBar->hide();
        updateBadge();
    }
    updateActions();
    updateStatus();
}

void MainWindow::updateBadge()
{
    ConsolePage *events = page(eventsPageId);
    if (QListWidgetItem *item = m_navigation->item(int(m_pages.indexOf(events)))) {
        item->setData(badgeRole, m_unseenEvents);
        item->setToolTip(m_unseenEvents > 0 ? tr("%Ln new security events", "navigation", m_unseenEvents) : QString());
    }
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
    ConsolePage *current = currentPage();
    m_countLabel->setText(isConnected() && current ? current->statusText() : QString());
}

void MainWindow::updateActions()
{
    const bool connected = isConnected();
    ConsolePage *current = connected ? currentPage() : nullptr;
    auto *list = qobject_cast<TablePage *>(current);
    const RowTarget target = currentTarget();
    // Not connected: the actions are shown (disabled) where they will be, as on the Sessions list.
    m_adminActions->update(list ? list->adminActions() : QList<AdminActions::Kind> {}, target);
    m_openUserAction->setVisible(list && list->table() != Table::Users && list->table() != Table::Audit);
    m_openUserAction->setEnabled(m_openUserAction->isVisible() && target.userId > 0);
    m_openFamilyAction->setVisible(list && list->table() == Table::Events);
    m_openFamilyAction->setEnabled(m_openFamilyAction->isVisible() && target.familyId > 0);
    m_exportAction->setEnabled(connected && current && current->tableView());
    m_refreshAction->setEnabled(connected);
    m_findAction->setEnabled(connected && current && current->tableView());
    for (QAction *action : std::as_const(m_pageActions))
        action->setEnabled(connected);
}

void MainWindow::onDataChangedElsewhere()
{
    if (!isConnected())
        return;
    // Only what is on screen reloads now; on a busy database the other pages would reload for nobody.
    ConsolePage *visible = currentPage();
    for (ConsolePage *candidate : std::as_const(m_pages)) {
        if (candidate != visible)
            candidate->markStale();
    }
    if (visible)
        visible->changedElsewhere();
}

void MainWindow::refreshAll()
{
    if (!isConnected())
        return;
    for (ConsolePage *candidate : std::as_const(m_pages))
        candidate->refresh();
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

void MainWindow::openFamily(qint64 familyId)
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

void MainWindow::openUserEvents(qint64 userId, const QString &email)
{
    TableView *events = view(Table::Events);
    if (!events || userId <= 0)
        return;
    ListRequest scope;
    scope.userId = userId;
    events->setScope(scope,
                     tr("Showing only the events of user %1").arg(email.isEmpty() ? QString::number(userId) : email));
    showView(Table::Events);
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
    whenConnected([this, familyId]() { openFamily(familyId); });
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
        m_connection->openWorker->run<Found>(
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

void MainWindow::about()
{
    QMessageBox::about(this, tr("About Rotor Console"),
                       tr("<h3>Rotor Console %1</h3><p>Refresh-token rotation with replay detection: users, devices, "
                          "sessions, security events and the audit log of a Rotor database.</p>")
                           .arg(QApplication::applicationVersion().toHtmlEscaped()));
}

} // namespace rotor
