#include "PagedTableModel.h"

#include "Clock.h"
#include "DatabaseWorker.h"
#include "Presentation.h"

#include <QDateTime>
#include <QMutex>
#include <QMutexLocker>

#include <atomic>

namespace rotor {

// What the GUI thread tells the workers about which jobs are still worth running.
struct PagedTableModel::SharedState
{
    static constexpr int maxWantedPages = 8;

    std::atomic<int> generation {0};
    QMutex mutex;
    QList<int> wantedPages; // most recent first; older requests fall off and are skipped

    void want(int page)
    {
        QMutexLocker lock(&mutex);
        wantedPages.removeAll(page);
        wantedPages.prepend(page);
        while (wantedPages.size() > maxWantedPages)
            wantedPages.removeLast();
    }
    bool isWanted(int page)
    {
        QMutexLocker lock(&mutex);
        return wantedPages.contains(page);
    }
    // A page job is worth finishing while it belongs to the newest request and its page is still wanted.
    bool isStale(int jobGeneration, int page)
    {
        return generation.load() != jobGeneration || (page >= 0 && !isWanted(page));
    }
    void reset(int newGeneration)
    {
        QMutexLocker lock(&mutex);
        wantedPages.clear();
        generation.store(newGeneration);
    }
};

PagedTableModel::PagedTableModel(Table table, DatabaseWorker *pageWorker, DatabaseWorker *countWorker, QObject *parent)
    : QAbstractTableModel(parent)
    , m_table(table)
    , m_pageWorker(pageWorker)
    , m_countWorker(countWorker)
    , m_shared(std::make_shared<SharedState>())
{
    const QList<ColumnInfo> &columns = Catalog::columns(table);
    for (int i = 0; i < columns.size(); ++i) {
        if (!columns.at(i).hidden)
            m_columns << i;
    }
    m_filter.table = table;
    // Logs read best newest first; the other tables in the order they were made.
    m_descending = table == Table::Events || table == Table::Audit;
    m_liveTimer.setSingleShot(true);
    connect(&m_liveTimer, &QTimer::timeout, this, &PagedTableModel::startQueuedReload);
}

PagedTableModel::~PagedTableModel()
{
    // Jobs still queued on the workers see a generation that never comes back and skip their query; a running one
    // is interrupted.
    m_shared->generation.store(-1);
    interruptStale();
}

void PagedTableModel::interruptStale() const
{
    m_pageWorker->interruptStale();
    if (m_countWorker != m_pageWorker)
        m_countWorker->interruptStale();
}

void PagedTableModel::setFilter(const ListRequest &filter)
{
    m_filter = filter;
    m_filter.table = m_table;
    reload(false);
}

ListRequest PagedTableModel::currentRequest() const
{
    ListRequest request = m_filter;
    request.sortColumn = m_sortColumn;
    request.descending = m_descending;
    request.offset = 0;
    request.limit = -1;
    return request;
}

void PagedTableModel::refresh()
{
    if (!m_started) {
        reload(false);
        return;
    }
    m_reloadQueued = true;
    startQueuedReload();
}

void PagedTableModel::refreshSoon()
{
    if (!m_started) {
        reload(false);
        return;
    }
    m_liveReloadQueued = true;
    startQueuedReload();
}

void PagedTableModel::startQueuedReload()
{
    if ((!m_reloadQueued && !m_liveReloadQueued) || isLoading())
        return; // nothing asked for, or after the load that runs
    if (!m_reloadQueued) {
        const qint64 wait = liveIntervalMs - (m_sinceLoadStart.isValid() ? m_sinceLoadStart.elapsed() : liveIntervalMs);
        if (wait > 0) {
            if (!m_liveTimer.isActive())
                m_liveTimer.start(int(wait));
            return;
        }
    }
    m_liveTimer.stop();
    m_reloadQueued = false;
    m_liveReloadQueued = false;
    // Without rows of this request (its first load failed) there is nothing to keep.
    reload(m_countKnown);
}

void PagedTableModel::abandon()
{
    if (!isLoading())
        return;
    ++m_generation;
    m_shared->reset(m_generation);
    interruptStale();
    m_pending.clear();
    m_countPending = false;
    const bool hadRows = m_countKnown && !m_resetPending;
    m_resetPending = false;
    m_pendingCountKnown = false;
    m_pendingFirstPageKnown = false;
    m_pendingFirstPage.clear();
    if (!hadRows) {
        // The request never showed a row: the next refresh loads it from scratch.
        beginResetModel();
        m_pages.clear();
        m_rowCount = 0;
        m_countKnown = false;
        m_started = false;
        endResetModel();
    } else {
        // Its rows stay, as rows of an older load; the next refresh loads them again.
        m_reloadQueued = true;
    }
    emit loadStateChanged();
}

void PagedTableModel::clear()
{
    ++m_generation;
    m_shared->reset(m_generation);
    interruptStale();
    m_liveTimer.stop();
    beginResetModel();
    m_pages.clear();
    m_pending.clear();
    m_rowCount = 0;
    m_countKnown = false;
    m_countPending = false;
    m_started = false;
    m_resetPending = false;
    m_reloadQueued = false;
    m_liveReloadQueued = false;
    m_generationFailed = false;
    m_error.clear();
    m_pendingCountKnown = false;
    m_pendingFirstPageKnown = false;
    m_pendingFirstPage.clear();
    m_filter = ListRequest();
    m_filter.table = m_table;
    endResetModel();
    emit loadStateChanged();
}

void PagedTableModel::sort(int column, Qt::SortOrder order)
{
    const int catalog = catalogColumn(column);
    if (catalog < 0)
        return;
    const bool descending = order == Qt::DescendingOrder;
    if (m_started && catalog == m_sortColumn && descending == m_descending)
        return;
    m_sortColumn = catalog;
    m_descending = descending;
    if (m_started) // before the first load the sort is only remembered
        reload(false);
}

void PagedTableModel::reload(bool keepRows)
{
    if (keepRows)
        emit aboutToRefresh();
    m_started = true;
    ++m_generation;
    m_shared->reset(m_generation);
    // Whatever still runs for an older request is not worth waiting for.
    interruptStale();
    m_liveTimer.stop();
    m_reloadQueued = false;
    m_liveReloadQueued = false;
    m_pending.clear();
    m_generationFailed = false;
    m_sinceLoadStart.start();
    m_loadStartMs = QDateTime::currentMSecsSinceEpoch();
    m_resetPending = !keepRows;
    m_pendingCountKnown = false;
    m_pendingFirstPageKnown = false;
    m_pendingFirstPage.clear();
    requestCount();
    if (!keepRows) {
        requestPage(0);
    } else {
        // Refresh what the user looked at last first; the rest is fetched again when it is shown.
        QList<int> recent = m_pages.keys();
        std::sort(recent.begin(), recent.end(),
                  [this](int a, int b) { return m_pages.value(a).lastUse > m_pages.value(b).lastUse; });
        for (int i = 0; i < qMin(2, int(recent.size())); ++i)
            requestPage(recent.at(i));
    }
    emit loadStateChanged();
}

void PagedTableModel::loadFinished()
{
    if (isLoading())
        return;
    if (!m_generationFailed && !m_error.isEmpty())
        m_error.clear();
    emit loadStateChanged();
    startQueuedReload();
}

void PagedTableModel::loadFailed(const QString &error)
{
    m_generationFailed = true;
    m_error = error;
    if (m_resetPending) {
        // The new request has nothing to show, and the old rows must not stand under it: the list empties, and the
        // view says why, with a retry. The other half of the load (count or first page) is not wanted any more.
        ++m_generation;
        m_shared->reset(m_generation);
        interruptStale();
        beginResetModel();
        m_pages.clear();
        m_pending.clear();
        m_rowCount = 0;
        m_countKnown = false;
        m_countPending = false;
        m_resetPending = false;
        m_pendingCountKnown = false;
        m_pendingFirstPageKnown = false;
        m_pendingFirstPage.clear();
        endResetModel();
        emit countChanged(-1);
    }
    // Otherwise the rows on screen belong to this very request and stay, marked as not refreshed (errorString()).
    emit failed(error);
    loadFinished();
}

ListRequest PagedTableModel::pageRequest(int page) const
{
    ListRequest request = currentRequest();
    request.offset = page * pageSize;
    request.limit = pageSize;
    return request;
}

void PagedTableModel::requestCount()
{
    m_countPending = true;
    const int generation = m_generation;
    const std::shared_ptr<SharedState> shared = m_shared;
    const ListRequest request = currentRequest();
    m_countWorker->run<CountResult>(
        this,
        [generation, shared, request](Database &db) {
            CountResult result;
            result.generation = generation;
            if (shared->generation.load() != generation) {
                result.skipped = true;
                return result;
            }
            SystemClock clock;
            Catalog catalog(db, clock);
            if (!catalog.count(request, &result.count, &result.error))
                result.count = 0;
            return result;
        },
        [this](const CountResult &result) { onCount(result); },
        [generation, shared]() { return shared->isStale(generation, -1); });
}

void PagedTableModel::requestPage(int page) const
{
    if (m_pending.contains(page))
        return;
    m_pending.insert(page);
    m_shared->want(page);
    // A page scrolled past is not worth finishing before the one looked at now.
    m_pageWorker->interruptStale();
    const int generation = m_generation;
    const std::shared_ptr<SharedState> shared = m_shared;
    const ListRequest request = pageRequest(page);
    auto *self = const_cast<PagedTableModel *>(this); // results are applied later, never from inside data()
    m_pageWorker->run<PageResult>(
        self,
        [generation, page, shared, request](Database &db) {
            PageResult result;
            result.generation = generation;
            result.page = page;
            // A newer filter, or a scroll that moved on: not worth a query any more.
            if (shared->isStale(generation, page)) {
                result.skipped = true;
                return result;
            }
            SystemClock clock;
            Catalog catalog(db, clock);
            catalog.list(request, &result.rows, &result.error);
            return result;
        },
        [self](const PageResult &result) { self->onPage(result); },
        [generation, page, shared]() { return shared->isStale(generation, page); });
}

void PagedTableModel::onCount(const CountResult &result)
{
    if (result.generation != m_generation || result.skipped)
        return;
    m_countPending = false;
    if (!result.error.isEmpty()) {
        loadFailed(result.error);
        return;
    }
    const int count = int(qMin<qint64>(result.count, std::numeric_limits<int>::max()));
    if (m_resetPending) {
        m_pendingCount = count;
        m_pendingCountKnown = true;
        applyPendingReset();
        loadFinished();
        return;
    }
    if (count > m_rowCount) {
        beginInsertRows(QModelIndex(), m_rowCount, count - 1);
        m_rowCount = count;
        endInsertRows();
    } else if (count < m_rowCount) {
        beginRemoveRows(QModelIndex(), count, m_rowCount - 1);
        m_rowCount = count;
        endRemoveRows();
    }
    m_countKnown = true;
    emit countChanged(m_rowCount);
    emit updated();
    loadFinished();
}

void PagedTableModel::onPage(const PageResult &result)
{
    if (result.generation != m_generation)
        return;
    m_pending.remove(result.page);
    if (result.skipped) {
        loadFinished();
        return;
    }
    if (!result.error.isEmpty()) {
        loadFailed(result.error);
        return;
    }
    if (m_resetPending) {
        if (result.page == 0) {
            m_pendingFirstPage = result.rows;
            m_pendingFirstPageKnown = true;
            applyPendingReset();
        }
        loadFinished();
        return;
    }
    storePage(result.page, result.rows);
    m_loadedAtMs = m_loadStartMs;
    const int first = result.page * pageSize;
    const int last = qMin(m_rowCount, first + int(result.rows.size())) - 1;
    if (first <= last && !m_columns.isEmpty())
        emit dataChanged(index(first, 0), index(last, int(m_columns.size()) - 1));
    emit updated();
    loadFinished();
}

void PagedTableModel::applyPendingReset()
{
    if (!m_pendingCountKnown || !m_pendingFirstPageKnown)
        return;
    beginResetModel();
    m_pages.clear();
    m_rowCount = int(m_pendingCount);
    m_countKnown = true;
    m_resetPending = false;
    storePage(0, m_pendingFirstPage);
    m_loadedAtMs = m_loadStartMs;
    m_pendingFirstPage.clear();
    endResetModel();
    emit countChanged(m_rowCount);
    emit updated();
}

void PagedTableModel::storePage(int page, const QList<QVariantList> &rows)
{
    Page &stored = m_pages[page];
    stored.rows = rows;
    stored.generation = m_generation;
    stored.lastUse = ++m_useClock;
    evictPages();
}

void PagedTableModel::evictPages()
{
    while (m_pages.size() > maxCachedPages) {
        auto oldest = m_pages.begin();
        for (auto it = m_pages.begin(); it != m_pages.end(); ++it) {
            if (it->lastUse < oldest->lastUse)
                oldest = it;
        }
        m_pages.erase(oldest);
    }
}

const PagedTableModel::Page *PagedTableModel::pageFor(int row) const
{
    if (row < 0 || row >= m_rowCount)
        return nullptr;
    const int page = row / pageSize;
    const auto it = m_pages.constFind(page);
    const bool current = it != m_pages.constEnd() && it->generation == m_generation;
    // Rows of an older generation stay visible until their refresh arrives; while a replacing reload is
    // pending, nothing new is asked for (the row count still belongs to the old request).
    if (!current && !m_resetPending)
        requestPage(page);
    if (it == m_pages.constEnd())
        return nullptr;
    it->lastUse = ++m_useClock;
    return &*it;
}

bool PagedTableModel::isRowLoaded(int row) const
{
    if (row < 0 || row >= m_rowCount)
        return false;
    const auto it = m_pages.constFind(row / pageSize);
    return it != m_pages.constEnd() && it->generation == m_generation && row % pageSize < it->rows.size();
}

int PagedTableModel::findLoadedRow(int catalogColumnIndex, const QVariant &value) const
{
    if (!value.isValid())
        return -1;
    for (auto it = m_pages.constBegin(); it != m_pages.constEnd(); ++it) {
        if (it->generation != m_generation)
            continue;
        for (int i = 0; i < it->rows.size(); ++i) {
            if (it->rows.at(i).value(catalogColumnIndex) == value) {
                const int row = it.key() * pageSize + i;
                return row < m_rowCount ? row : -1;
            }
        }
    }
    return -1;
}

bool PagedTableModel::areRowsLoaded(int firstRow, int lastRow) const
{
    firstRow = qMax(0, firstRow);
    lastRow = qMin(lastRow, m_rowCount - 1);
    for (int page = firstRow / pageSize; firstRow <= lastRow && page <= lastRow / pageSize; ++page) {
        if (!isRowLoaded(qMax(firstRow, page * pageSize)))
            return false;
    }
    return true;
}

void PagedTableModel::fetchRows(int firstRow, int lastRow) const
{
    if (m_resetPending)
        return; // the row count still belongs to the old request
    firstRow = qMax(0, firstRow);
    lastRow = qMin(lastRow, m_rowCount - 1);
    for (int page = firstRow / pageSize; firstRow <= lastRow && page <= lastRow / pageSize; ++page) {
        if (!isRowLoaded(qMax(firstRow, page * pageSize)))
            requestPage(page);
    }
}

void PagedTableModel::readRows(const QList<int> &rows, RowsCallback done) const
{
    struct Range
    {
        int first = 0;
        int count = 0;
    };
    struct RowsResult
    {
        QList<QList<QVariantList>> ranges; // the missing rows, one list per range
        QString error;
    };
    // Rows in the cache are taken now; the others are read in contiguous ranges, one query each.
    auto known = std::make_shared<QHash<int, QVariantList>>();
    QList<Range> missing;
    for (int row : rows) {
        if (isRowLoaded(row)) {
            known->insert(row, m_pages.value(row / pageSize).rows.at(row % pageSize));
        } else if (!missing.isEmpty() && missing.last().first + missing.last().count == row) {
            ++missing.last().count;
        } else {
            missing.append({row, 1});
        }
    }
    const auto assemble = [rows, known, missing, done](const RowsResult &result) {
        if (!result.error.isEmpty()) {
            done({}, result.error);
            return;
        }
        for (int r = 0; r < qMin(missing.size(), result.ranges.size()); ++r) {
            const QList<QVariantList> &rangeRows = result.ranges.at(r);
            for (int i = 0; i < qMin(missing.at(r).count, int(rangeRows.size())); ++i)
                known->insert(missing.at(r).first + i, rangeRows.at(i));
        }
        QList<QVariantList> values;
        values.reserve(rows.size());
        for (int row : rows) {
            const auto it = known->constFind(row);
            if (it != known->constEnd())
                values.append(*it); // a row the list no longer has (it shrank meanwhile) is left out
        }
        done(values, QString());
    };
    if (missing.isEmpty()) {
        assemble({});
        return;
    }
    const ListRequest request = currentRequest();
    auto *self = const_cast<PagedTableModel *>(this);
    // Rows read after the list changed (filter, sort, a live refresh) would not match the cached ones taken above.
    const int generation = m_generation;
    const auto checked = [self, generation, assemble](const RowsResult &result) {
        if (self->m_generation != generation) {
            RowsResult changed;
            changed.error = tr("the list changed while the rows were read; copy again");
            assemble(changed);
            return;
        }
        assemble(result);
    };
    m_pageWorker->run<RowsResult>(
        self,
        [request, missing](Database &db) {
            RowsResult result;
            SystemClock clock;
            Catalog catalog(db, clock);
            for (const Range &range : missing) {
                ListRequest part = request;
                part.offset = range.first;
                part.limit = range.count;
                QList<QVariantList> rowsOfRange;
                if (!catalog.list(part, &rowsOfRange, &result.error))
                    break;
                result.ranges.append(rowsOfRange);
            }
            return result;
        },
        checked, []() { return false; }); // a newer copy drops this one's answer; only closing the worker interrupts it
}

QVariantList PagedTableModel::rowValues(int row) const
{
    const Page *page = pageFor(row);
    if (!page)
        return {};
    return page->rows.value(row % pageSize);
}

QVariant PagedTableModel::value(int row, int catalogColumnIndex) const
{
    return rowValues(row).value(catalogColumnIndex);
}

int PagedTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rowCount;
}

int PagedTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant PagedTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const int column = m_columns.at(index.column());
    const Page *page = pageFor(index.row());
    const int offset = index.row() % pageSize;
    if (!page || offset >= page->rows.size()) {
        if (role == Qt::DisplayRole && index.column() == 0)
            return QStringLiteral("\u2026"); // a row on its way
        return QVariant();
    }
    const QVariant value = page->rows.at(offset).value(column);
    switch (role) {
    case Qt::DisplayRole:
        return Presentation::displayText(m_table, column, value);
    case Qt::ToolTipRole: {
        const QString tip = Presentation::toolTip(m_table, column, value);
        return tip.isEmpty() ? QVariant() : QVariant(tip);
    }
    case Qt::DecorationRole: {
        const QIcon icon = Presentation::decoration(m_table, column, value);
        return icon.isNull() ? QVariant() : QVariant(icon);
    }
    case Qt::TextAlignmentRole:
        if (Presentation::isNumeric(m_table, column))
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant();
    case RawRole:
        return value;
    default:
        return QVariant();
    }
}

QVariant PagedTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && section >= 0 && section < m_columns.size()) {
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return Presentation::columnTitle(m_table, m_columns.at(section));
        if (role == Qt::TextAlignmentRole) // titles line up with their values
            return int((Presentation::isNumeric(m_table, m_columns.at(section)) ? Qt::AlignRight : Qt::AlignLeft)
                       | Qt::AlignVCenter);
        return QVariant();
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

} // namespace rotor
