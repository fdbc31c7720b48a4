#include "TableView.h"

#include "ConsoleSettings.h"
#include "DetailPanes.h"
#include "PagedTableModel.h"
#include "Presentation.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace rotor {

TableView::TableView(Table table, DatabaseWorker *pageWorker, DatabaseWorker *countWorker, QWidget *parent)
    : QWidget(parent)
    , m_table(table)
{
    setObjectName(QStringLiteral("%1View").arg(QLatin1String(Catalog::tableKey(table))));
    m_model = new PagedTableModel(table, pageWorker, countWorker, this);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_bannerLayout = new QVBoxLayout;
    m_bannerLayout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(m_bannerLayout);
    buildFilterBar(layout);

    // Says why rows are missing or old when a load failed, with the way to try again.
    m_loadBanner = new QFrame;
    m_loadBanner->setObjectName(QStringLiteral("loadBanner"));
    m_loadBanner->setStyleSheet(QStringLiteral("#loadBanner { background: #fff3e0; border: 1px solid #ffb74d; }"));
    auto *loadBannerLayout = new QHBoxLayout(m_loadBanner);
    loadBannerLayout->setContentsMargins(8, 4, 8, 4);
    m_loadBannerText = new QLabel;
    m_loadBannerText->setObjectName(QStringLiteral("loadBannerText"));
    m_loadBannerText->setWordWrap(true);
    m_loadBannerText->setTextFormat(Qt::PlainText);
    m_loadBannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *retry = new QPushButton(icons::named("refresh"), tr("&Retry"));
    retry->setObjectName(QStringLiteral("retryButton"));
    loadBannerLayout->addWidget(m_loadBannerText, 1);
    loadBannerLayout->addWidget(retry);
    m_loadBanner->hide();
    layout->addWidget(m_loadBanner);

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("table"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    // A million rows: every row has the same fixed height, and nothing ever measures all of them.
    m_view->verticalHeader()->setVisible(false);
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionsMovable(true);
    header->setHighlightSections(false);
    header->setStretchLastSection(true);
    header->setDefaultSectionSize(140);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    // The model's own default order (logs newest first) is what the header shows before anyone clicks it.
    header->setSortIndicator(m_model->modelColumn(m_model->sortCatalogColumn()), m_model->sortOrder());
    m_view->setSortingEnabled(true);

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setChildrenCollapsible(true);
    m_splitter->addWidget(m_view);
    layout->addWidget(m_splitter, 1);

    m_copyAction = new QAction(icons::named("copy"), tr("&Copy"), this);
    m_copyAction->setShortcut(QKeySequence::Copy);
    m_copyAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_copyAction, &QAction::triggered, this, &TableView::copySelection);
    m_view->addAction(m_copyAction);

    connect(m_view, &QWidget::customContextMenuRequested, this, &TableView::showContextMenu);
    connect(header, &QWidget::customContextMenuRequested, this, [this, header](const QPoint &position) {
        // Columns can be hidden and shown again; the layout is remembered.
        QMenu menu(this);
        for (int column = 0; column < m_model->columnCount(); ++column) {
            QAction *action = menu.addAction(m_model->headerData(column, Qt::Horizontal).toString());
            action->setCheckable(true);
            action->setChecked(!header->isSectionHidden(column));
            connect(action, &QAction::toggled, this,
                    [header, column](bool shown) { header->setSectionHidden(column, !shown); });
        }
        menu.exec(header->viewport()->mapToGlobal(position));
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                // A row chosen while a refresh looks for the kept record wins over it.
                if (current.isValid() && current.row() != m_keptRow)
                    m_keptKey = QVariant();
                updateDetail();
            });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this]() {
        // A new filter, sort or scope: its first rows come with the reset; one of them gets selected.
        m_keptKey = QVariant();
        m_selectFirstRow = true;
        updateDetail();
    });
    connect(m_model, &PagedTableModel::updated, this, &TableView::onModelUpdated);
    connect(m_model, &PagedTableModel::loadStateChanged, this, &TableView::updateLoadBanner);
    connect(m_model, &PagedTableModel::aboutToRefresh, this, &TableView::keepSelection);
    connect(retry, &QPushButton::clicked, this, [this]() {
        if (m_model->totalCount() < 0)
            m_model->setFilter(filterFromBar()); // nothing of this request was ever shown: from scratch
        else
            m_model->refresh();
    });
    connect(m_view, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        const QVariantList values = m_model->rowValues(index.row());
        if (!values.isEmpty())
            emit rowActivated(values);
    });

    m_fitColumns = !restoreLayout();
}

TableView::~TableView()
{
    saveLayout();
}

void TableView::buildFilterBar(QVBoxLayout *layout)
{
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(6, 6, 6, 0);
    m_filterEdit = new QLineEdit;
    m_filterEdit->setObjectName(QStringLiteral("filterEdit"));
    m_filterEdit->setClearButtonEnabled(true);
    m_filterEdit->addAction(icons::named("filter"), QLineEdit::LeadingPosition);
    m_filterEdit->setPlaceholderText(tr("Filter %1 (Ctrl+F)").arg(Presentation::tableTitle(m_table).toLower()));
    bar->addWidget(m_filterEdit, 1);

    const auto addCombo = [&](const char *name, const QString &allText, const QList<QPair<QString, QString>> &items) {
        auto *combo = new QComboBox;
        combo->setObjectName(QLatin1String(name));
        combo->addItem(allText, QString());
        for (const auto &[value, text] : items)
            combo->addItem(text, value);
        bar->addWidget(combo);
        connect(combo, &QComboBox::currentIndexChanged, this, &TableView::applyFilterNow);
        return combo;
    };
    if (m_table == Table::Users) {
        m_stateCombo
            = addCombo("stateCombo", tr("All users"),
                       {{QStringLiteral("active"), tr("Active")}, {QStringLiteral("inactive"), tr("Inactive")}});
    } else if (m_table == Table::Families) {
        m_stateCombo
            = addCombo("stateCombo", tr("All sessions"),
                       {{QStringLiteral("active"), Presentation::familyStateText(QStringLiteral("active"))},
                        {QStringLiteral("revoked"), Presentation::familyStateText(QStringLiteral("revoked"))},
                        {QStringLiteral("expired"), Presentation::familyStateText(QStringLiteral("expired"))}});
    } else if (m_table == Table::Events) {
        QList<QPair<QString, QString>> kinds;
        for (const QString &kind : Presentation::eventKinds())
            kinds.append({kind, Presentation::eventKindText(kind)});
        m_kindCombo = addCombo("kindCombo", tr("All kinds"), kinds);
        m_verdictCombo
            = addCombo("verdictCombo", tr("Any verdict"),
                       {{QStringLiteral("second_party"), Presentation::verdictText(QStringLiteral("second_party"))},
                        {QStringLiteral("same_client"), Presentation::verdictText(QStringLiteral("same_client"))}});
        m_verdictCombo->setToolTip(tr("Replays judged likely a second party (theft) or likely the same client"));
    }

    m_dateCheck = new QCheckBox(tr("From"));
    m_dateCheck->setObjectName(QStringLiteral("dateCheck"));
    m_dateCheck->setToolTip(tr("Only rows in this time range"));
    const QDateTime now = QDateTime::currentDateTime();
    m_sinceEdit = new QDateTimeEdit(now.addDays(-7));
    m_untilEdit = new QDateTimeEdit(now.addDays(1));
    // Minutes are fine enough for a filter; seconds only make the field wider.
    QString format = QLocale().dateTimeFormat(QLocale::ShortFormat);
    format.remove(QRegularExpression(QStringLiteral("[:.]ss")));
    for (QDateTimeEdit *edit : {m_sinceEdit, m_untilEdit}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(format);
        // Room for the popup button too: some styles leave it out of the size hint and clip the text.
        edit->setMinimumWidth(edit->sizeHint().width() + edit->fontMetrics().horizontalAdvance(QStringLiteral("00")));
        edit->setEnabled(false);
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, &TableView::scheduleFilter);
    }
    m_sinceEdit->setObjectName(QStringLiteral("sinceEdit"));
    m_untilEdit->setObjectName(QStringLiteral("untilEdit"));
    connect(m_dateCheck, &QCheckBox::toggled, this, [this](bool on) {
        m_sinceEdit->setEnabled(on);
        m_untilEdit->setEnabled(on);
        applyFilterNow();
    });
    bar->addWidget(m_dateCheck);
    bar->addWidget(m_sinceEdit);
    bar->addWidget(new QLabel(tr("to")));
    bar->addWidget(m_untilEdit);
    layout->addLayout(bar);

    m_scopeBox = new QWidget;
    auto *scopeLayout = new QHBoxLayout(m_scopeBox);
    scopeLayout->setContentsMargins(6, 0, 6, 0);
    m_scopeLabel = new QLabel;
    m_scopeLabel->setObjectName(QStringLiteral("scopeLabel"));
    auto *clearScopeButton = new QToolButton;
    clearScopeButton->setIcon(icons::named("close"));
    clearScopeButton->setToolTip(tr("Show all rows again"));
    clearScopeButton->setAutoRaise(true);
    connect(clearScopeButton, &QToolButton::clicked, this, &TableView::clearScope);
    scopeLayout->addWidget(m_scopeLabel);
    scopeLayout->addWidget(clearScopeButton);
    scopeLayout->addStretch();
    m_scopeBox->hide();
    layout->addWidget(m_scopeBox);

    m_filterTimer = new QTimer(this);
    m_filterTimer->setSingleShot(true);
    m_filterTimer->setInterval(filterDelayMs);
    connect(m_filterTimer, &QTimer::timeout, this, &TableView::applyFilterNow);
    connect(m_filterEdit, &QLineEdit::textChanged, this, &TableView::scheduleFilter);
    connect(m_filterEdit, &QLineEdit::returnPressed, this, &TableView::applyFilterNow);
}

void TableView::scheduleFilter()
{
    m_filterTimer->start();
}

ListRequest TableView::filterFromBar() const
{
    ListRequest request = m_scope;
    request.table = m_table;
    request.text = m_filterEdit->text().trimmed();
    if (m_stateCombo)
        request.state = m_stateCombo->currentData().toString();
    if (m_kindCombo)
        request.kind = m_kindCombo->currentData().toString();
    if (m_verdictCombo)
        request.verdict = m_verdictCombo->currentData().toString();
    if (m_dateCheck->isChecked()) {
        request.since = m_sinceEdit->dateTime().toMSecsSinceEpoch();
        request.until = m_untilEdit->dateTime().toMSecsSinceEpoch();
    }
    return request;
}

void TableView::applyFilterNow()
{
    m_filterTimer->stop();
    const ListRequest request = filterFromBar();
    const ListRequest current = m_model->filter();
    const bool same = request.text == current.text && request.state == current.state && request.kind == current.kind
        && request.verdict == current.verdict && request.since == current.since && request.until == current.until
        && request.userId == current.userId && request.deviceId == current.deviceId
        && request.familyId == current.familyId;
    if (same && m_model->totalCount() >= 0)
        return;
    m_model->setFilter(request);
}

void TableView::setScope(const ListRequest &scope, const QString &label)
{
    m_scope = ListRequest();
    m_scope.userId = scope.userId;
    m_scope.deviceId = scope.deviceId;
    m_scope.familyId = scope.familyId;
    m_scopeLabel->setText(label);
    m_scopeBox->show();
    m_filterEdit->clear();
    if (m_stateCombo)
        m_stateCombo->setCurrentIndex(0);
    if (m_kindCombo)
        m_kindCombo->setCurrentIndex(0);
    if (m_verdictCombo)
        m_verdictCombo->setCurrentIndex(0);
    m_dateCheck->setChecked(false);
    applyFilterNow();
}

void TableView::clearScope()
{
    m_scope = ListRequest();
    m_scopeBox->hide();
    applyFilterNow();
}

void TableView::setDetailPane(DetailPane *pane)
{
    m_detail = pane;
    m_splitter->addWidget(pane);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    const QVariant state = QSettings().value(settings::splitterStateKey(m_table));
    m_splitterRestored = state.isValid() && m_splitter->restoreState(state.toByteArray());
    updateDetail();
}

void TableView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_detail && !m_splitterRestored) {
        // First time on screen, nothing remembered: the list, and a pane wide enough to read its fields (the
        // splitter would otherwise go by size hints, and a timeline's is large).
        m_splitterRestored = true;
        const int width = m_splitter->width() > 0 ? m_splitter->width() : this->width();
        const int pane = qBound(m_detail->minimumWidth(), width * 35 / 100, 520);
        m_splitter->setSizes({width - pane, pane});
    }
}

void TableView::setBanner(QWidget *banner)
{
    m_bannerLayout->addWidget(banner);
}

void TableView::addRowAction(QAction *action)
{
    m_rowActions.append(action);
}

int TableView::currentRow() const
{
    const QModelIndex current = m_view->selectionModel()->currentIndex();
    return current.isValid() ? current.row() : -1;
}

QVariantList TableView::currentRowValues() const
{
    const int row = currentRow();
    return row < 0 ? QVariantList() : m_model->rowValues(row);
}

QList<int> TableView::selectedRows() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

QString TableView::selectionAsText() const
{
    QList<QVariantList> rows;
    for (int row : selectedRows()) {
        if (m_model->isRowLoaded(row))
            rows.append(m_model->rowValues(row));
    }
    return rowsAsText(rows);
}

QString TableView::rowsAsText(const QList<QVariantList> &rows) const
{
    const QHeaderView *header = m_view->horizontalHeader();
    QList<int> columns; // in the order the user arranged them, without hidden ones
    for (int visual = 0; visual < header->count(); ++visual) {
        const int logical = header->logicalIndex(visual);
        if (!header->isSectionHidden(logical))
            columns.append(logical);
    }
    const auto clean = [](QString text) {
        return text.replace(QLatin1Char('\t'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' '));
    };
    QStringList lines;
    QStringList titles;
    for (int column : columns)
        titles << clean(m_model->headerData(column, Qt::Horizontal).toString());
    lines << titles.join(QLatin1Char('\t'));
    for (const QVariantList &values : rows) {
        QStringList fields;
        for (int column : columns) {
            const int catalog = m_model->catalogColumn(column);
            fields << clean(Presentation::displayText(m_table, catalog, values.value(catalog)));
        }
        lines << fields.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void TableView::copySelection()
{
    const QList<int> rows = selectedRows();
    if (rows.isEmpty())
        return;
    const quint64 serial = ++m_copySerial;
    const bool cached = std::all_of(rows.cbegin(), rows.cend(), [this](int row) { return m_model->isRowLoaded(row); });
    if (!cached)
        emit statusMessage(tr("Reading %Ln rows to copy\u2026", nullptr, int(rows.size())), 0);
    // Answered at once when every row is cached; otherwise once the others were read (the model is our child, so
    // this is alive whenever the answer comes).
    m_model->readRows(rows, [this, serial](const QList<QVariantList> &values, const QString &error) {
        if (serial != m_copySerial)
            return;
        if (!error.isEmpty()) {
            emit statusMessage(tr("Nothing was copied: %1").arg(error), 10000);
            return;
        }
        QApplication::clipboard()->setText(rowsAsText(values));
        emit statusMessage(tr("Copied %Ln rows.", nullptr, int(values.size())), 5000);
    });
}

void TableView::selectFirstRowWhenLoaded()
{
    m_selectFirstRow = true;
    onModelUpdated();
}

void TableView::focusFilter()
{
    m_filterEdit->setFocus(Qt::ShortcutFocusReason);
    m_filterEdit->selectAll();
}

void TableView::focusDetail()
{
    if (!m_detail)
        return;
    QList<int> sizes = m_splitter->sizes();
    if (sizes.size() == 2 && sizes.at(1) == 0) {
        sizes[1] = qMax(300, width() / 3);
        m_splitter->setSizes(sizes);
    }
    // The first focusable widget of the pane (a link, a related table or the timeline).
    QWidget *target = m_detail;
    while (target->focusProxy())
        target = target->focusProxy();
    QWidget *next = target->nextInFocusChain();
    while (next && next != m_detail && !m_detail->isAncestorOf(next))
        next = next->nextInFocusChain();
    (next && next->focusPolicy() != Qt::NoFocus ? next : m_detail)->setFocus(Qt::OtherFocusReason);
}

void TableView::load()
{
    if (m_model->totalCount() < 0 && !m_model->isLoading())
        applyFilterNow();
}

void TableView::refresh()
{
    if (m_model->totalCount() < 0 && !m_model->isLoading()) {
        applyFilterNow();
        return;
    }
    m_model->refresh();
}

void TableView::refreshSoon()
{
    if (m_model->totalCount() < 0 && !m_model->isLoading()) {
        applyFilterNow();
        return;
    }
    m_model->refreshSoon();
}

void TableView::keepSelection()
{
    // The selection stays on its record: keep its id, look for it among the fresh rows.
    const int row = currentRow();
    if (!m_keptKey.isValid() && row >= 0 && !m_shownValues.isEmpty()) {
        m_keptKey = m_shownValues.value(0);
        m_keptRow = row;
    }
}

void TableView::updateLoadBanner()
{
    const QString error = m_model->errorString();
    if (error.isEmpty()) {
        m_loadBanner->hide();
        m_loadBannerText->clear();
        return;
    }
    const QString what = Presentation::tableTitle(m_table).toLower();
    if (m_model->totalCount() < 0) {
        m_loadBannerText->setText(tr("The %1 could not be loaded: %2").arg(what, error));
    } else {
        const qint64 at = m_model->loadedAtMs();
        m_loadBannerText->setText(
            at > 0 ? tr("The %1 could not be refreshed: %2. The rows shown were read at %3.")
                         .arg(what, error,
                              QLocale().toString(QDateTime::fromMSecsSinceEpoch(at).time(), QLocale::LongFormat))
                   : tr("The %1 could not be refreshed: %2.").arg(what, error));
    }
    m_loadBanner->show();
}

QString TableView::loadProblemText() const
{
    return m_loadBanner->isHidden() ? QString() : m_loadBannerText->text();
}

void TableView::showContextMenu(const QPoint &position)
{
    const QModelIndex index = m_view->indexAt(position);
    if (index.isValid() && !m_view->selectionModel()->isRowSelected(index.row(), QModelIndex()))
        m_view->selectionModel()->setCurrentIndex(index,
                                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    emit contextMenuAboutToShow(); // the window updates which actions apply to this row
    QMenu menu(this);
    m_copyAction->setEnabled(!selectedRows().isEmpty());
    menu.addAction(m_copyAction);
    bool separated = false;
    for (QAction *action : std::as_const(m_rowActions)) {
        if (!action->isVisible())
            continue;
        if (!separated) {
            menu.addSeparator();
            separated = true;
        }
        menu.addAction(action);
    }
    menu.exec(m_view->viewport()->mapToGlobal(position));
}

void TableView::updateDetail()
{
    if (m_keptKey.isValid() && !restoreSelection())
        return; // the pane keeps showing the record until it is found again (or known to be gone)
    const int row = currentRow();
    const QVariantList values = row >= 0 && m_model->isRowLoaded(row) ? m_model->rowValues(row) : QVariantList();
    if (values.isEmpty()) {
        if (row >= 0) {
            m_model->fetchRows(row, row);
            return; // its page is on its way; updated() brings us back
        }
        if (!m_shownValues.isEmpty() || m_detail) {
            m_shownValues.clear();
            if (m_detail)
                m_detail->clear();
            emit currentRowChanged({});
        }
        return;
    }
    if (values == m_shownValues)
        return;
    m_shownValues = values;
    if (m_detail)
        m_detail->showRow(values);
    emit currentRowChanged(values);
}

void TableView::onModelUpdated()
{
    if (m_fitColumns && m_model->isRowLoaded(0)) {
        m_fitColumns = false;
        fitColumnsToContents();
    }
    if (m_selectFirstRow && m_model->totalCount() >= 0 && !m_model->isLoading()) {
        if (m_model->rowCount() == 0) {
            m_selectFirstRow = false;
        } else if (m_model->isRowLoaded(0)) {
            m_selectFirstRow = false;
            if (!m_view->selectionModel()->currentIndex().isValid())
                m_view->selectionModel()->setCurrentIndex(
                    m_model->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        }
    }
    updateDetail();
}

bool TableView::restoreSelection()
{
    const int found = m_model->findLoadedRow(0, m_keptKey);
    if (found < 0) {
        if (m_model->isLoading())
            return false;
        // Not among the refreshed rows: it may have moved a little (rows came or went above it) into a page that
        // was not refreshed. Those pages are read first; only then is it known to be gone.
        const int first = m_keptRow - PagedTableModel::pageSize;
        const int last = m_keptRow + PagedTableModel::pageSize;
        if (!m_model->areRowsLoaded(first, last)) {
            m_model->fetchRows(first, last);
            if (m_model->isLoading())
                return false;
        }
        m_keptKey = QVariant();
        m_keptRow = -1;
        m_view->selectionModel()->clear(); // the record is gone: so is the selection (and the pane follows)
        return true;
    }
    const int current = currentRow();
    m_keptKey = QVariant();
    m_keptRow = -1;
    if (found == current)
        return true;
    // Move the whole selection by as many rows as its record moved, without scrolling away from what the user
    // looks at (unless the record was on screen: then it stays there).
    QItemSelectionModel *selection = m_view->selectionModel();
    const int shift = current >= 0 ? found - current : 0;
    const QRect viewport = m_view->viewport()->rect();
    const bool wasVisible = current >= 0 && viewport.intersects(m_view->visualRect(m_model->index(current, 0)));
    QItemSelection moved;
    const int lastRow = m_model->rowCount() - 1;
    const int lastColumn = m_model->columnCount() - 1;
    for (const QItemSelectionRange &range : selection->selection()) {
        const int top = qBound(0, range.top() + shift, lastRow);
        const int bottom = qBound(0, range.bottom() + shift, lastRow);
        moved.select(m_model->index(top, 0), m_model->index(bottom, lastColumn));
    }
    const int column = qMax(0, selection->currentIndex().column());
    const bool autoScroll = m_view->hasAutoScroll();
    m_view->setAutoScroll(false);
    selection->setCurrentIndex(m_model->index(found, column), QItemSelectionModel::NoUpdate);
    selection->select(moved, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (!selection->isRowSelected(found, QModelIndex()))
        selection->select(m_model->index(found, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    m_view->setAutoScroll(autoScroll);
    if (wasVisible)
        m_view->scrollTo(m_model->index(found, column));
    return true;
}

void TableView::fitColumnsToContents()
{
    fitColumns(m_view, m_model, maxFittedColumnWidth);
}

void TableView::fitColumns(QTableView *view, const PagedTableModel *model, int maxWidth)
{
    // The first page only: measuring a million rows (or asking for them) is what a lazy model must never do.
    QHeaderView *header = view->horizontalHeader();
    const int rows = qMin(model->rowCount(), PagedTableModel::pageSize);
    const int padding = view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) * 2 + 8;
    for (int column = 0; column < model->columnCount(); ++column) {
        int width = header->sectionSizeHint(column);
        for (int row = 0; row < rows && model->isRowLoaded(row); ++row)
            width = qMax(width, view->sizeHintForIndex(model->index(row, column)).width() + padding);
        header->resizeSection(column, qMin(width, maxWidth));
    }
}

void TableView::saveLayout() const
{
    QSettings store;
    store.setValue(settings::headerStateKey(m_table), m_view->horizontalHeader()->saveState());
    if (m_detail)
        store.setValue(settings::splitterStateKey(m_table), m_splitter->saveState());
}

bool TableView::restoreLayout()
{
    const QVariant state = QSettings().value(settings::headerStateKey(m_table));
    return state.isValid() && m_view->horizontalHeader()->restoreState(state.toByteArray());
}

} // namespace rotor
