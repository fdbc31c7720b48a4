#include "TablePage.h"

#include "AdminService.h"
#include "Clock.h"
#include "DatabaseWorker.h"
#include "DetailPanes.h"
#include "PagedTableModel.h"
#include "Presentation.h"
#include "TableView.h"

#include <QAction>
#include <QLabel>
#include <QTableView>

#include <limits>

namespace rotor {

TablePage::TablePage(TablePageSpec spec, QObject *parent)
    : ConsolePage(parent)
    , m_spec(std::move(spec))
{ }

TablePage::~TablePage()
{
    TablePage::detach();
}

QString TablePage::displayName() const
{
    return Presentation::tableTitle(m_spec.table);
}

QIcon TablePage::icon() const
{
    return icons::named(m_spec.icon);
}

void TablePage::setLinkActions(QAction *openUser, QAction *openFamily)
{
    m_openUser = openUser;
    m_openFamily = openFamily;
}

QWidget *TablePage::widget() const
{
    return m_view;
}

void TablePage::attach(const PageContext &context)
{
    detach();
    m_context = context;
    m_view = new TableView(m_spec.table, context.rowsWorker, context.countWorker);
    markStale(); // loads when first shown
    for (AdminActions::Kind kind : std::as_const(m_spec.adminActions))
        m_view->addRowAction(context.actions->action(kind));
    if (m_spec.linksToUser && m_openUser)
        m_view->addRowAction(m_openUser);
    if (m_spec.linksToFamily && m_openFamily)
        m_view->addRowAction(m_openFamily);
    if (m_spec.adminActions.contains(AdminActions::Kind::RevokeFamily)) // Delete, on the list itself
        m_view->tableView()->addAction(context.actions->action(AdminActions::Kind::RevokeFamily));
    if (DetailPane *pane = m_spec.makeDetailPane(context.detailWorker)) {
        m_view->setDetailPane(pane);
        connect(pane, &DetailPane::openUser, this, &ConsolePage::openUserRequested);
        connect(pane, &DetailPane::openFamily, this, &ConsolePage::openFamilyRequested);
        connect(pane, &DetailPane::openDevice, this, &ConsolePage::openDeviceRequested);
    }
    connect(m_view, &TableView::currentRowChanged, this, &ConsolePage::targetChanged);
    connect(m_view, &TableView::contextMenuAboutToShow, this, &ConsolePage::targetChanged);
    connect(m_view, &TableView::rowActivated, m_view, &TableView::focusDetail);
    connect(m_view, &TableView::statusMessage, this, &ConsolePage::statusMessage);
    connect(m_view->model(), &PagedTableModel::countChanged, this, &ConsolePage::statusChanged);
    connect(m_view->model(), &PagedTableModel::updated, this, &ConsolePage::updated);
    // A failed load is said above the rows (TableView's banner, with a retry); the count in the status bar follows.
    connect(m_view->model(), &PagedTableModel::loadStateChanged, this, &ConsolePage::statusChanged);
}

void TablePage::detach()
{
    // The view (and its model) goes before the window's threads it posted to; queued answers find no receiver.
    delete m_view;
    m_view = nullptr;
    m_context = {};
}

void TablePage::refresh()
{
    if (!m_view)
        return;
    m_view->refresh();
    if (m_view->detailPane())
        m_view->detailPane()->reload();
}

void TablePage::changedElsewhere()
{
    if (!m_view)
        return;
    m_view->refreshSoon();
    if (m_view->detailPane())
        m_view->detailPane()->reloadSoon();
}

void TablePage::hidden()
{
    // Only the visible list loads: what this one still had running is interrupted, and made up for when it is
    // shown again.
    if (!m_view || !m_view->model()->isLoading())
        return;
    m_view->model()->abandon();
    markStale();
}

RowTarget TablePage::target() const
{
    if (!m_view || !m_spec.target)
        return {};
    const QVariantList row = m_view->currentRowValues();
    return row.isEmpty() ? RowTarget() : m_spec.target(row);
}

QString TablePage::statusText() const
{
    if (!m_view)
        return {};
    const qint64 count = m_view->model()->totalCount();
    if (count < 0 && !m_view->model()->errorString().isEmpty())
        return tr("not loaded");
    return count < 0 ? tr("counting\u2026") : Presentation::rowCountText(m_spec.table, count);
}

AuditPage::AuditPage(TablePageSpec spec, QObject *parent)
    : TablePage(std::move(spec), parent)
{ }

void AuditPage::attach(const PageContext &context)
{
    TablePage::attach(context);
    m_receiver = std::make_unique<QObject>();
    m_banner = new QLabel;
    m_banner->setObjectName(QStringLiteral("auditBanner"));
    m_banner->setMargin(8);
    m_banner->setWordWrap(true);
    m_banner->setText(tr("Verifying the audit chain\u2026"));
    tableView()->setBanner(m_banner);
}

void AuditPage::detach()
{
    m_receiver.reset();
    m_verifying = false;
    m_verifyQueued = false;
    m_verified.reset();
    m_banner = nullptr; // owned by the view
    TablePage::detach();
}

QString AuditPage::bannerText() const
{
    return m_banner ? m_banner->text() : QString();
}

void AuditPage::refresh()
{
    TablePage::refresh();
    verify(false);
}

void AuditPage::changedElsewhere()
{
    TablePage::changedElsewhere();
    verify(true);
}

void AuditPage::shown()
{
    verify(false);
}

void AuditPage::verify(bool onwards)
{
    if (!m_banner || !context().detailWorker)
        return;
    if (m_verifying) {
        // One more after the one that runs; a full one if any of those asked for was.
        m_verifyQueued = true;
        m_queuedOnwards = m_queuedOnwards && onwards;
        return;
    }
    m_verifying = true;
    m_verifyQueued = false;
    m_queuedOnwards = true;
    // Onwards from the last intact verification, when there is one: a busy log is not verified whole every second.
    const std::optional<AuditVerification> from = onwards ? m_verified : std::nullopt;
    context().detailWorker->run<std::pair<AuditVerification, QString>>(
        m_receiver.get(),
        [spec = context().spec, from](Database &db) {
            SystemClock clock;
            AdminService admin(db, clock, Actor::forConnection(spec));
            std::pair<AuditVerification, QString> result;
            const bool ok = from ? admin.verifyAuditFrom(*from, &result.first, &result.second)
                                 : admin.verifyAudit(&result.first, &result.second);
            if (!ok)
                result.first.intact = false;
            return result;
        },
        [this](const std::pair<AuditVerification, QString> &result) {
            m_verifying = false;
            if (!m_banner)
                return;
            if (m_verifyQueued)
                QMetaObject::invokeMethod(
                    this, [this, onwards = m_queuedOnwards]() { verify(onwards); }, Qt::QueuedConnection);
            const AuditVerification &verification = result.first;
            if (result.second.isEmpty() && verification.intact)
                m_verified = verification;
            else
                m_verified.reset(); // the next check starts from the beginning again
            if (!result.second.isEmpty()) {
                m_banner->setText(tr("The audit chain could not be verified: %1").arg(result.second));
                m_banner->setStyleSheet(QStringLiteral("background: #fff3e0; color: #8a4b00;"));
            } else if (verification.intact) {
                m_banner->setText(tr("Audit chain intact (%Ln entries verified)", nullptr,
                                     int(qMin<qint64>(verification.entriesChecked, std::numeric_limits<int>::max()))));
                m_banner->setStyleSheet(QStringLiteral("background: #e8f5e9; color: #1b5e20;"));
            } else {
                m_banner->setText(tr("Audit chain broken at entry %1: %2. Entries from there on cannot be trusted.")
                                      .arg(verification.firstBrokenId)
                                      .arg(verification.problem));
                m_banner->setStyleSheet(QStringLiteral("background: #fdecea; color: #8e0000; font-weight: bold;"));
            }
        },
        []() { return false; }); // interrupted only when the connection closes
}

QList<TablePage *> createListPages(QObject *parent)
{
    using Kind = AdminActions::Kind;
    const auto userOf = [](int idColumn, int emailColumn) {
        return [idColumn, emailColumn](const QVariantList &row) {
            RowTarget target;
            target.userId = row.value(idColumn).toLongLong();
            target.userEmail = row.value(emailColumn).toString();
            return target;
        };
    };
    TablePageSpec users {QStringLiteral("users"),
                         Table::Users,
                         "users",
                         QKeySequence(QObject::tr("Ctrl+1")),
                         [](DatabaseWorker *worker) { return new UserDetailPane(worker); },
                         {Kind::RevokeUser, Kind::Deactivate, Kind::Reactivate},
                         false,
                         false,
                         [](const QVariantList &row) {
                             RowTarget target;
                             target.userId = row.value(column::UserId).toLongLong();
                             target.userEmail = row.value(column::UserEmail).toString();
                             target.userActive = row.value(column::UserActive).toBool() ? 1 : 0;
                             return target;
                         }};
    TablePageSpec devices {QStringLiteral("devices"),
                           Table::Devices,
                           "devices",
                           QKeySequence(QObject::tr("Ctrl+2")),
                           [](DatabaseWorker *worker) { return new DeviceDetailPane(worker); },
                           {Kind::RevokeUser},
                           true,
                           false,
                           userOf(column::DeviceUserId, column::DeviceUser)};
    TablePageSpec families {QStringLiteral("sessions"),
                            Table::Families,
                            "sessions",
                            QKeySequence(QObject::tr("Ctrl+3")),
                            [](DatabaseWorker *worker) { return new FamilyDetailPane(worker); },
                            {Kind::RevokeFamily, Kind::RevokeUser},
                            true,
                            false,
                            [](const QVariantList &row) {
                                RowTarget target;
                                target.userId = row.value(column::FamilyUserId).toLongLong();
                                target.userEmail = row.value(column::FamilyUser).toString();
                                target.familyId = row.value(column::FamilyId).toLongLong();
                                target.familyState = row.value(column::FamilyState).toString();
                                return target;
                            }};
    TablePageSpec events {QStringLiteral("events"),
                          Table::Events,
                          "events",
                          QKeySequence(QObject::tr("Ctrl+4")),
                          [](DatabaseWorker *) { return new EventDetailPane; },
                          {Kind::RevokeFamily, Kind::RevokeUser},
                          true,
                          true,
                          [](const QVariantList &row) {
                              RowTarget target;
                              target.userId = row.value(column::EventUserId).toLongLong();
                              target.userEmail = row.value(column::EventUser).toString();
                              target.familyId = row.value(column::EventFamily).toLongLong();
                              return target;
                          }};
    TablePageSpec audit {QStringLiteral("audit"),
                         Table::Audit,
                         "audit",
                         QKeySequence(QObject::tr("Ctrl+5")),
                         [](DatabaseWorker *) { return new AuditDetailPane; },
                         {},
                         false,
                         false,
                         {}};
    return {new TablePage(std::move(users), parent), new TablePage(std::move(devices), parent),
            new TablePage(std::move(families), parent), new TablePage(std::move(events), parent),
            new AuditPage(std::move(audit), parent)};
}

} // namespace rotor
