#include "DetailPanes.h"

#include "Clock.h"
#include "DatabaseWorker.h"
#include "PagedTableModel.h"
#include "Presentation.h"
#include "TableView.h"
#include "TimelineWidget.h"
#include "WhatIfDialog.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>

namespace rotor {

namespace {
constexpr int relatedColumnMaxWidth = 200;

// A long hex hash in groups of eight, so a narrow pane can wrap it (a fingerprint reads the same way).
QString groupedHash(const QString &hash)
{
    QStringList groups;
    for (int i = 0; i < hash.size(); i += 8)
        groups << hash.mid(i, 8);
    return groups.join(QLatin1Char(' '));
}

QString userScheme()
{
    return QStringLiteral("rotor-user");
}
QString familyScheme()
{
    return QStringLiteral("rotor-session");
}
} // namespace

DetailPane::DetailPane(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("detailPane"));
    setMinimumWidth(260);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 6, 6);
    m_placeholder = new QLabel(tr("Select a row to see its details."));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setEnabled(false);
    layout->addWidget(m_placeholder);
    m_header = new QLabel;
    m_header->setObjectName(QStringLiteral("detailHeader"));
    m_header->setWordWrap(true);
    m_header->setTextFormat(Qt::RichText);
    m_header->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_header->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_header->hide();
    connect(m_header, &QLabel::linkActivated, this, &DetailPane::followLink);
    layout->addWidget(m_header);
}

void DetailPane::clear()
{
    m_header->clear();
    m_header->hide();
    for (QWidget *widget : std::as_const(m_related))
        widget->hide();
    m_placeholder->show();
}

QString DetailPane::headerText() const
{
    return m_header->isVisible() || !m_header->text().isEmpty() ? m_header->text() : QString();
}

void DetailPane::setHeader(const QString &html)
{
    m_placeholder->hide();
    m_header->setText(html);
    m_header->show();
    for (QWidget *widget : std::as_const(m_related))
        widget->show();
}

QString DetailPane::fieldsHtml(const QString &title, const QList<QPair<QString, QString>> &fields)
{
    QString html = QStringLiteral("<h3>%1</h3><table cellspacing='0' cellpadding='2'>").arg(title);
    for (const auto &[name, value] : fields)
        html += QStringLiteral("<tr><td style='color:palette(mid); padding-right:10px'>%1</td><td>%2</td></tr>")
                    .arg(name.toHtmlEscaped(), value.isEmpty() ? QStringLiteral("\u2014") : value);
    return html + QStringLiteral("</table>");
}

QString DetailPane::userLink(qint64 userId, const QString &email)
{
    if (userId <= 0)
        return email.toHtmlEscaped();
    QUrl url;
    url.setScheme(userScheme());
    url.setPath(QString::number(userId));
    url.setQuery(QStringLiteral("email=") + QString::fromLatin1(QUrl::toPercentEncoding(email)));
    return QStringLiteral("<a href=\"%1\">%2</a>").arg(url.toString().toHtmlEscaped(), email.toHtmlEscaped());
}

QString DetailPane::familyLink(qint64 familyId)
{
    if (familyId <= 0)
        return QString();
    return QStringLiteral("<a href=\"%1:%2\">%3</a>")
        .arg(familyScheme())
        .arg(familyId)
        .arg(tr("session %1").arg(familyId));
}

void DetailPane::followLink(const QString &link)
{
    const QUrl url(link);
    bool ok = false;
    const qint64 id = url.path().toLongLong(&ok);
    if (!ok)
        return;
    if (url.scheme() == userScheme()) {
        const QString query = url.query(QUrl::FullyDecoded);
        emit openUser(id, query.section(QLatin1Char('='), 1));
    } else if (url.scheme() == familyScheme()) {
        emit openFamily(id);
    }
}

QTableView *DetailPane::addRelatedTable(const QString &title, PagedTableModel *model, const QList<int> &hiddenColumns)
{
    auto *label = new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()));
    auto *view = new QTableView;
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->setVisible(false);
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setDefaultSectionSize(110);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setAlternatingRowColors(true);
    view->horizontalHeader()->setSortIndicator(0, model->sortOrder());
    view->setSortingEnabled(true);
    for (int column : hiddenColumns) {
        if (model->modelColumn(column) >= 0)
            view->setColumnHidden(model->modelColumn(column), true);
    }
    // Each new set of rows (another user, device) gets columns that fit it.
    connect(model, &QAbstractItemModel::modelReset, view, [view, model]() {
        QMetaObject::invokeMethod(
            view, [view, model]() { TableView::fitColumns(view, model, relatedColumnMaxWidth); }, Qt::QueuedConnection);
    });
    // The title says how many there are, so an empty table reads as "none", not as "still loading"; and if they
    // could not be loaded, why.
    connect(model, &PagedTableModel::countChanged, label, [label, title](qint64 count) {
        if (count < 0)
            return;
        label->setText(QStringLiteral("<b>%1</b>")
                           .arg((count == 0 ? tr("%1: none").arg(title)
                                            : tr("%1 (%2)").arg(title, Presentation::formatCount(count)))
                                    .toHtmlEscaped()));
    });
    connect(model, &PagedTableModel::failed, label, [label, title](const QString &error) {
        label->setText(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()) + QStringLiteral("<br>")
                       + tr("Could not be loaded: %1").arg(error).toHtmlEscaped());
    });
    layout()->addWidget(label);
    layout()->addWidget(view);
    m_related << label << view;
    label->hide();
    view->hide();
    connect(view, &QAbstractItemView::activated, this, [this, model](const QModelIndex &index) {
        const QVariantList row = model->rowValues(index.row());
        if (row.isEmpty())
            return;
        if (model->table() == Table::Families)
            emit openFamily(row.value(column::FamilyId).toLongLong());
        else if (model->table() == Table::Devices)
            emit openDevice(row.value(column::DeviceId).toLongLong(), row.value(column::DeviceName).toString());
    });
    return view;
}

// ---------------------------------------------------------------------------------------------------------------

UserDetailPane::UserDetailPane(DatabaseWorker *worker, QWidget *parent)
    : DetailPane(parent)
    , m_devices(new PagedTableModel(Table::Devices, worker, worker, this))
    , m_families(new PagedTableModel(Table::Families, worker, worker, this))
{
    addRelatedTable(tr("Devices"), m_devices, {column::DeviceUser})->setObjectName(QStringLiteral("userDevices"));
    addRelatedTable(tr("Sessions"), m_families, {column::FamilyUser})->setObjectName(QStringLiteral("userFamilies"));
}

void UserDetailPane::showRow(const QVariantList &row)
{
    const qint64 userId = row.value(column::UserId).toLongLong();
    const bool active = row.value(column::UserActive).toBool();
    setHeader(
        fieldsHtml(row.value(column::UserEmail).toString().toHtmlEscaped(),
                   {{tr("Name"), row.value(column::UserName).toString().toHtmlEscaped()},
                    {tr("Status"), active ? tr("active") : QStringLiteral("<b>%1</b>").arg(tr("inactive"))},
                    {tr("Created"), Presentation::formatTime(row.value(column::UserCreatedAt).toLongLong())},
                    {tr("Token version"), row.value(column::UserTokenVersion).toString()},
                    {tr("Live sessions"), Presentation::formatCount(row.value(column::UserLiveFamilies).toLongLong())},
                    {tr("User ID"), QString::number(userId)}}));
    if (m_devices->filter().userId == userId)
        return; // fresh values of the same user (a refresh); reload() refreshes the lists
    ListRequest scope;
    scope.userId = userId;
    m_devices->setFilter(scope);
    m_families->setFilter(scope);
}

void UserDetailPane::clear()
{
    DetailPane::clear();
    m_devices->clear();
    m_families->clear();
}

void UserDetailPane::reload()
{
    if (m_devices->filter().userId <= 0)
        return;
    m_devices->refresh();
    m_families->refresh();
}

void UserDetailPane::reloadSoon()
{
    if (m_devices->filter().userId <= 0)
        return;
    m_devices->refreshSoon();
    m_families->refreshSoon();
}

// ---------------------------------------------------------------------------------------------------------------

DeviceDetailPane::DeviceDetailPane(DatabaseWorker *worker, QWidget *parent)
    : DetailPane(parent)
    , m_families(new PagedTableModel(Table::Families, worker, worker, this))
{
    addRelatedTable(tr("Sessions on this device"), m_families, {column::FamilyUser, column::FamilyDevice})
        ->setObjectName(QStringLiteral("deviceFamilies"));
}

void DeviceDetailPane::showRow(const QVariantList &row)
{
    const qint64 deviceId = row.value(column::DeviceId).toLongLong();
    setHeader(fieldsHtml(
        row.value(column::DeviceName).toString().toHtmlEscaped(),
        {{tr("User"), userLink(row.value(column::DeviceUserId).toLongLong(), row.value(column::DeviceUser).toString())},
         {tr("Device key"), row.value(column::DeviceKey).toString().toHtmlEscaped()},
         {tr("User agent"), row.value(column::DeviceUserAgent).toString().toHtmlEscaped()},
         {tr("First seen"), Presentation::formatTime(row.value(column::DeviceFirstSeen).toLongLong())},
         {tr("Last seen"), Presentation::formatTime(row.value(column::DeviceLastSeen).toLongLong())},
         {tr("Last IP"), row.value(column::DeviceLastIp).toString().toHtmlEscaped()},
         {tr("Device ID"), QString::number(deviceId)}}));
    if (m_families->filter().deviceId == deviceId)
        return; // fresh values of the same device (a refresh); reload() refreshes the list
    ListRequest scope;
    scope.deviceId = deviceId;
    m_families->setFilter(scope);
}

void DeviceDetailPane::clear()
{
    DetailPane::clear();
    m_families->clear();
}

void DeviceDetailPane::reload()
{
    if (m_families->filter().deviceId <= 0)
        return;
    m_families->refresh();
}

void DeviceDetailPane::reloadSoon()
{
    if (m_families->filter().deviceId <= 0)
        return;
    m_families->refreshSoon();
}

// ---------------------------------------------------------------------------------------------------------------

FamilyDetailPane::FamilyDetailPane(DatabaseWorker *worker, QWidget *parent)
    : DetailPane(parent)
    , m_worker(worker)
    , m_timeline(new TimelineWidget)
    , m_chainStatus(new QLabel)
    , m_revocationBox(new QWidget)
    , m_revocation(new QLabel)
    , m_whatIfButton(new QPushButton(tr("What if\u2026")))
    , m_wantedSerial(std::make_shared<std::atomic<quint64>>(0))
{
    m_chainStatus->setObjectName(QStringLiteral("chainStatus"));
    m_chainStatus->setWordWrap(true);
    m_liveTimer.setSingleShot(true);
    connect(&m_liveTimer, &QTimer::timeout, this, &FamilyDetailPane::startQueuedReload);
    // Why it was revoked: one sentence with its evidence, to select or copy into a ticket.
    m_revocation->setObjectName(QStringLiteral("revocationText"));
    m_revocation->setTextFormat(Qt::PlainText);
    m_revocation->setWordWrap(true);
    m_revocation->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    auto *copy = new QPushButton(tr("&Copy"));
    copy->setObjectName(QStringLiteral("copyRevocationButton"));
    copy->setToolTip(tr("Copy this sentence to the clipboard"));
    connect(copy, &QPushButton::clicked, this,
            [this]() { QGuiApplication::clipboard()->setText(m_revocation->text()); });
    auto *revocationLayout = new QVBoxLayout(m_revocationBox);
    revocationLayout->setContentsMargins(0, 4, 0, 4);
    auto *revocationTitle = new QHBoxLayout;
    revocationTitle->addWidget(new QLabel(QStringLiteral("<b>%1</b>").arg(tr("Why it was revoked").toHtmlEscaped())));
    revocationTitle->addStretch();
    revocationTitle->addWidget(copy);
    revocationLayout->addLayout(revocationTitle);
    revocationLayout->addWidget(m_revocation);
    m_revocationBox->setObjectName(QStringLiteral("revocationBox"));
    m_revocationBox->hide();
    layout()->addWidget(m_revocationBox);

    auto *chainTitle = new QHBoxLayout;
    chainTitle->addWidget(new QLabel(QStringLiteral("<b>%1</b>").arg(tr("Chain of refresh tokens").toHtmlEscaped())));
    chainTitle->addStretch();
    m_whatIfButton->setObjectName(QStringLiteral("whatIfButton"));
    m_whatIfButton->setToolTip(tr("What would presenting the selected generation do now, or at a chosen time? "
                                  "Asking writes nothing."));
    m_whatIfButton->setEnabled(false);
    chainTitle->addWidget(m_whatIfButton);
    static_cast<QVBoxLayout *>(layout())->addLayout(chainTitle);
    layout()->addWidget(m_chainStatus);
    layout()->addWidget(m_timeline);
    static_cast<QVBoxLayout *>(layout())->setStretchFactor(m_timeline, 1);
    m_chainStatus->hide();
    connect(m_timeline->whatIfAction(), &QAction::changed, m_whatIfButton,
            [this]() { m_whatIfButton->setEnabled(m_timeline->whatIfAction()->isEnabled()); });
    connect(m_whatIfButton, &QPushButton::clicked, m_timeline->whatIfAction(), &QAction::trigger);
    connect(m_timeline, &TimelineWidget::whatIfRequested, this, &FamilyDetailPane::openWhatIf);
}

QString FamilyDetailPane::revocationText() const
{
    return m_revocationBox->isHidden() ? QString() : m_revocation->text();
}

WhatIfDialog *FamilyDetailPane::whatIfDialog() const
{
    return m_whatIf;
}

void FamilyDetailPane::openWhatIf(int generation)
{
    if (m_familyId <= 0 || generation < 0)
        return;
    if (m_whatIf)
        m_whatIf->close();
    m_whatIf = new WhatIfDialog(m_worker, m_familyId, generation, m_timeline->newestGeneration(), this);
    m_whatIf->setAttribute(Qt::WA_DeleteOnClose);
    m_whatIf->open();
}

void FamilyDetailPane::showRevocation(const Chain &chain)
{
    m_loadedRevoked = chain.revocation.revoked;
    if (!chain.revocationError.isEmpty()) {
        m_revocation->setText(tr("Could not say why: %1").arg(chain.revocationError));
        m_revocationBox->setVisible(m_shownRevoked);
        return;
    }
    m_revocation->setText(chain.revocation.sentence);
    m_revocationBox->setVisible(chain.revocation.revoked);
}

void FamilyDetailPane::showRow(const QVariantList &row)
{
    const qint64 familyId = row.value(column::FamilyId).toLongLong();
    const bool sameFamily = familyId == m_familyId; // fresh values of the same session: reload() reloads the chain
    m_familyId = familyId;
    const QString state = row.value(column::FamilyState).toString();
    QList<QPair<QString, QString>> fields {
        {tr("User"), userLink(row.value(column::FamilyUserId).toLongLong(), row.value(column::FamilyUser).toString())},
        {tr("Device"), row.value(column::FamilyDevice).toString().toHtmlEscaped()},
        {tr("State"), Presentation::familyStateText(state)},
        {tr("Generation"), row.value(column::FamilyGeneration).toString()},
        {tr("Signed in"), Presentation::formatTime(row.value(column::FamilyCreatedAt).toLongLong())},
        {tr("Last used"), Presentation::formatTime(row.value(column::FamilyLastUsed).toLongLong())},
        {tr("Expires"), Presentation::formatTime(row.value(column::FamilyExpiresAt).toLongLong())}};
    if (!row.value(column::FamilyRevokedAt).isNull()) {
        fields.append({tr("Revoked"), Presentation::formatTime(row.value(column::FamilyRevokedAt).toLongLong())});
        fields.append(
            {tr("Reason"),
             Presentation::revokeReasonText(row.value(column::FamilyRevokeReason).toString()).toHtmlEscaped()});
        fields.append({tr("Revoked by"), row.value(column::FamilyRevokedBy).toString().toHtmlEscaped()});
    }
    setHeader(fieldsHtml(tr("Session %1").arg(m_familyId), fields));
    m_shownRevoked = !row.value(column::FamilyRevokedAt).isNull();
    if (!sameFamily)
        m_revocationBox->hide(); // another session's reason must not stand beside this one while it loads
    // A session revoked since its chain was loaded has a reason to show now.
    if (!sameFamily || (isChainLoaded() && m_shownRevoked != m_loadedRevoked))
        loadChain();
}

void FamilyDetailPane::clear()
{
    DetailPane::clear();
    ++m_serial;
    m_wantedSerial->store(m_serial);
    m_worker->interruptStale();
    m_chainLoading = false;
    m_reloadQueued = false;
    m_liveReloadQueued = false;
    m_liveTimer.stop();
    m_familyId = 0;
    m_loadedFamily = 0;
    m_shownRevoked = m_loadedRevoked = false;
    m_timeline->clear();
    m_revocation->clear();
    m_revocationBox->hide();
    m_timeline->whatIfAction()->setEnabled(false); // the button follows the action
}

void FamilyDetailPane::reload()
{
    if (m_familyId <= 0)
        return;
    m_reloadQueued = true;
    startQueuedReload();
}

void FamilyDetailPane::reloadSoon()
{
    if (m_familyId <= 0)
        return;
    m_liveReloadQueued = true;
    startQueuedReload();
}

void FamilyDetailPane::startQueuedReload()
{
    if ((!m_reloadQueued && !m_liveReloadQueued) || m_chainLoading || m_familyId <= 0)
        return;
    if (!m_reloadQueued && m_sinceLoadStart.isValid() && m_sinceLoadStart.elapsed() < liveIntervalMs) {
        if (!m_liveTimer.isActive())
            m_liveTimer.start(int(liveIntervalMs - m_sinceLoadStart.elapsed()));
        return;
    }
    loadChain();
}

QString FamilyDetailPane::chainStatusText() const
{
    return m_chainStatus->isHidden() ? QString() : m_chainStatus->text();
}

void FamilyDetailPane::loadChain()
{
    const quint64 serial = ++m_serial;
    m_wantedSerial->store(serial);
    m_worker->interruptStale(); // the chain of a session no longer selected is not worth finishing
    const qint64 familyId = m_familyId;
    m_chainLoading = true;
    m_reloadQueued = false;
    m_liveReloadQueued = false;
    m_liveTimer.stop();
    m_sinceLoadStart.start();
    if (m_loadedFamily != familyId) {
        // A live reload of the chain on screen keeps it there, without a flashing status line.
        m_chainStatus->setText(tr("Loading\u2026"));
        m_chainStatus->show();
    }
    const std::shared_ptr<std::atomic<quint64>> wanted = m_wantedSerial;
    m_worker->run<Chain>(
        this,
        [serial, familyId, wanted](Database &db) {
            Chain chain;
            chain.serial = serial;
            chain.familyId = familyId;
            if (wanted->load() != serial)
                return chain; // another session was selected meanwhile
            SystemClock clock;
            Catalog catalog(db, clock);
            ListRequest tokens;
            tokens.table = Table::Tokens;
            tokens.familyId = familyId;
            tokens.sortColumn = column::TokenGeneration;
            tokens.limit = -1;
            ListRequest events;
            events.table = Table::Events;
            events.familyId = familyId;
            events.sortColumn = column::EventId;
            events.limit = -1;
            if (catalog.list(tokens, &chain.tokens, &chain.error))
                catalog.list(events, &chain.events, &chain.error);
            catalog.explainRevocation(familyId, &chain.revocation, &chain.revocationError);
            return chain;
        },
        [this](const Chain &chain) {
            if (chain.serial != m_serial)
                return;
            m_chainLoading = false;
            showRevocation(chain);
            if (!chain.error.isEmpty()) {
                m_chainStatus->setText(tr("Could not load the chain: %1").arg(chain.error));
                m_chainStatus->show();
            } else {
                m_chainStatus->hide();
                m_timeline->setChain(chain.tokens, chain.events, m_loadedFamily == chain.familyId);
                m_loadedFamily = chain.familyId;
            }
            startQueuedReload();
        },
        [serial, wanted]() { return wanted->load() != serial; });
}

// ---------------------------------------------------------------------------------------------------------------

EventDetailPane::EventDetailPane(QWidget *parent)
    : DetailPane(parent)
{
    static_cast<QVBoxLayout *>(layout())->addStretch();
}

void EventDetailPane::showRow(const QVariantList &row)
{
    const QString kind = row.value(column::EventKind).toString();
    const auto text = [&](int column) { return row.value(column).toString().toHtmlEscaped(); };
    const qint64 familyId = row.value(column::EventFamily).toLongLong();
    setHeader(fieldsHtml(
        Presentation::eventKindText(kind).toHtmlEscaped(),
        {{tr("Time"), Presentation::formatLongTime(row.value(column::EventTime).toLongLong()).toHtmlEscaped()},
         {tr("User"), userLink(row.value(column::EventUserId).toLongLong(), row.value(column::EventUser).toString())},
         {tr("Session"), familyLink(familyId)},
         {tr("Presented generation"), text(column::EventPresentedGeneration)},
         {tr("Current generation"), text(column::EventCurrentGeneration)},
         {tr("IP"), text(column::EventIp)},
         {tr("User agent"), text(column::EventUserAgent)},
         {tr("Device key"), text(column::EventDeviceKey)},
         {tr("Original IP"), text(column::EventOriginalIp)},
         {tr("Original user agent"), text(column::EventOriginalUserAgent)},
         {tr("Detail"), text(column::EventDetail)},
         {tr("Verdict"), Presentation::verdictText(row.value(column::EventVerdict).toString()).toHtmlEscaped()},
         {tr("Evidence"), text(column::EventVerdictReason)},
         {tr("Presentations"),
          row.value(column::EventRepeatCount).toLongLong() > 1
              ? tr("%n in this minute from this address", nullptr, row.value(column::EventRepeatCount).toInt())
              : QString()},
         {tr("Event ID"), text(column::EventId)}}));
}

AuditDetailPane::AuditDetailPane(QWidget *parent)
    : DetailPane(parent)
{
    static_cast<QVBoxLayout *>(layout())->addStretch();
}

void AuditDetailPane::showRow(const QVariantList &row)
{
    const auto text = [&](int column) { return row.value(column).toString().toHtmlEscaped(); };
    setHeader(
        fieldsHtml(tr("Audit entry %1").arg(row.value(column::AuditId).toLongLong()),
                   {{tr("Time"), Presentation::formatLongTime(row.value(column::AuditTime).toLongLong())},
                    {tr("Operator"), text(column::AuditActor)},
                    {tr("From"), text(column::AuditOrigin)},
                    {tr("Action"), text(column::AuditAction)},
                    {tr("Target"), text(column::AuditTarget)},
                    {tr("Reason"), text(column::AuditReason)},
                    {tr("Entry hash"), QStringLiteral("<code>%1</code>").arg(groupedHash(text(column::AuditHash)))}}));
}

} // namespace rotor
