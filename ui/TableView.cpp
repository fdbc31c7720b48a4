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
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

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
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &TableView::updateDetail);
    connect(m_model, &QAbstractItemModel::modelReset, this, &TableView::updateDetail);
    connect(m_model, &PagedTableModel::updated, this, &TableView::updateDetail);
    connect(m_view, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        const QVariantList values = m_model->rowValues(index.row());
        if (!values.isEmpty())
            emit rowActivated(values);
    });

    restoreLayout();
    applyFilterNow();
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
    }

    m_dateCheck = new QCheckBox(tr("From"));
    m_dateCheck->setObjectName(QStringLiteral("dateCheck"));
    m_dateCheck->setToolTip(tr("Only rows in this time range"));
    const QDateTime now = QDateTime::currentDateTime();
    m_sinceEdit = new QDateTimeEdit(now.addDays(-7));
    m_untilEdit = new QDateTimeEdit(now.addDays(1));
    for (QDateTimeEdit *edit : {m_sinceEdit, m_untilEdit}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QLocale().dateTimeFormat(QLocale::ShortFormat));
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
        && request.since == current.since && request.until == current.until && request.userId == current.userId
        && request.deviceId == current.deviceId && request.familyId == current.familyId;
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
    if (state.isValid())
        m_splitter->restoreState(state.toByteArray());
    updateDetail();
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
    for (int row : selectedRows()) {
        const QVariantList values = m_model->rowValues(row);
        if (values.isEmpty())
            continue; // not loaded (a huge selection scrolled out of the cache): copy what is there
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
    if (selectedRows().isEmpty())
        return;
    QApplication::clipboard()->setText(selectionAsText());
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

void TableView::refresh()
{
    if (m_model->totalCount() < 0 && !m_model->isLoading()) {
        applyFilterNow();
        return;
    }
    m_model->refresh();
    m_shownKey = QVariant(); // the detail pane reloads too
    updateDetail();
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
    const QVariantList values = currentRowValues();
    const QVariant key = values.value(0);
    if (values.isEmpty()) {
        if (currentRow() >= 0)
            return; // its page is on its way; updated() brings us back
        if (m_shownKey.isValid() || m_detail) {
            m_shownKey = QVariant();
            if (m_detail)
                m_detail->clear();
            emit currentRowChanged({});
        }
        return;
    }
    if (key == m_shownKey)
        return;
    m_shownKey = key;
    if (m_detail)
        m_detail->showRow(values);
    emit currentRowChanged(values);
}

void TableView::saveLayout() const
{
    QSettings store;
    store.setValue(settings::headerStateKey(m_table), m_view->horizontalHeader()->saveState());
    if (m_detail)
        store.setValue(settings::splitterStateKey(m_table), m_splitter->saveState());
}

void TableView::restoreLayout()
{
    const QVariant state = QSettings().value(settings::headerStateKey(m_table));
    if (state.isValid())
        m_view->horizontalHeader()->restoreState(state.toByteArray());
}

} // namespace rotor
