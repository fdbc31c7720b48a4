#pragma once

#include "Catalog.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>

namespace rotor {

class DatabaseWorker;

// A lazy table over one Catalog table, in the spirit of sqlitebrowser's RowCache/RowLoader: the row count and
// pages of rows are fetched on worker threads when a view asks for rows it does not have, and only a bounded number
// of pages is kept, so a million rows cost a few pages of memory. Every request carries a generation; results of an
// older filter or sort are dropped, and jobs that are stale before they start are skipped on the worker, so the
// newest request wins. The model changes only on the GUI thread, in the result callbacks.
//
// Two kinds of reload, treated differently:
// - A change of what the user asked for (filter, sort, the pages scrolled to) starts at once and interrupts the
//   queries still running for the old request (DatabaseWorker::interruptStale).
// - A change in the data (refresh(), refreshSoon()) never restarts a running load: it is coalesced into one reload
//   after it, and refreshSoon() starts at most one load per liveIntervalMs. The rows stay on screen until fresh ones
//   replace them, so a busy database cannot starve the list, nor make it flicker.
// A load that fails says so (errorString(), failed()); if it was to replace the rows (a new filter), the old rows
// are taken away rather than shown under the new filter, and retry() asks again.
//
// Filtering and sorting happen in SQL (ListRequest); the model's columns are the table's visible columns.
class PagedTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Role {
        RawRole = Qt::UserRole + 1, // the value as the Catalog returned it; also the sort key
    };
    static constexpr int pageSize = 200;
    static constexpr int maxCachedPages = 32;
    // A live update (refreshSoon) starts at most once per this, counted from the start of the load before it.
    static constexpr int liveIntervalMs = 1000;

    // Pages are loaded on pageWorker, counts on countWorker (they may be the same worker when a slow count cannot
    // hold anything up, as in the small tables of a detail pane).
    PagedTableModel(Table table, DatabaseWorker *pageWorker, DatabaseWorker *countWorker, QObject *parent = nullptr);
    ~PagedTableModel() override;

    Table table() const { return m_table; }

    // Everything that selects rows: text, state, kind, time range and scope. Sort and paging stay the model's.
    void setFilter(const ListRequest &filter);
    ListRequest filter() const { return m_filter; }
    // The whole result as one request (current filter and sort, all rows): what an export writes.
    ListRequest currentRequest() const;
    int sortCatalogColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_descending ? Qt::DescendingOrder : Qt::AscendingOrder; }

    // Reloads the current request. Rows stay on screen until fresh ones replace them (a live update must not
    // flicker or lose the scroll position); the first call loads from scratch. While a load runs, the reload
    // follows it instead of restarting it.
    void refresh();
    // The data changed: refresh(), but no sooner than liveIntervalMs after the start of the last load.
    void refreshSoon();
    // Stops loading (the list is no longer shown): running queries are interrupted, nothing new is asked for until
    // the next refresh, which then reloads what was left unfinished.
    void abandon();
    // Empties the model without asking anything; the next setFilter or refresh loads again.
    void clear();

    qint64 totalCount() const { return m_countKnown ? m_rowCount : -1; }
    bool isLoading() const { return m_resetPending || m_countPending || !m_pending.isEmpty(); }
    // Why the newest load failed; empty while none has, and again once a load succeeds.
    QString errorString() const { return m_error; }
    // When the rows on screen were read (the start of the load that brought them), in ms since the epoch; 0 before
    // any arrived.
    qint64 loadedAtMs() const { return m_loadedAtMs; }
    bool isRowLoaded(int row) const;
    // The Catalog's values for a row (hidden columns included), or an empty list while it is not loaded.
    QVariantList rowValues(int row) const;
    QVariant value(int row, int catalogColumn) const;
    int catalogColumn(int modelColumn) const { return m_columns.value(modelColumn, -1); }
    int modelColumn(int catalogColumn) const { return int(m_columns.indexOf(catalogColumn)); }
    int cachedPageCount() const { return int(m_pages.size()); }
    // The row whose catalogColumn holds value, among the rows loaded for the current request; -1 if none is.
    int findLoadedRow(int catalogColumn, const QVariant &value) const;
    bool areRowsLoaded(int firstRow, int lastRow) const;
    // Asks for the pages of these rows that are not loaded for the current request (updated() follows).
    void fetchRows(int firstRow, int lastRow) const;
    // The values of these rows (ascending), loaded or not: those in the cache are taken from it at once, the others
    // are read on the page worker without disturbing the cache (a selection can be far larger than the cache).
    // done(rows, error) is called on the GUI thread with the rows in the order asked, unless the model is gone.
    using RowsCallback = std::function<void(const QList<QVariantList> &rows, const QString &error)>;
    void readRows(const QList<int> &rows, RowsCallback done) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

signals:
    // The total row count of the current request became known or changed.
    void countChanged(qint64 count);
    // Fresh rows of the newest request are on screen (a reload finished, or a page arrived).
    void updated();
    void failed(const QString &error);
    // Loading started or ended, or errorString() changed.
    void loadStateChanged();
    // A reload that keeps the rows on screen begins (a view notes which record is selected, to keep it).
    void aboutToRefresh();

private:
    struct Page
    {
        QList<QVariantList> rows;
        int generation = 0;
        mutable quint64 lastUse = 0;
    };
    struct CountResult
    {
        int generation = 0;
        bool skipped = false;
        qint64 count = 0;
        QString error;
    };
    struct PageResult
    {
        int generation = 0;
        int page = 0;
        bool skipped = false;
        QList<QVariantList> rows;
        QString error;
    };
    struct SharedState;

    void reload(bool keepRows);
    // After a load finished: starts the reload a change asked for meanwhile (now, or once liveIntervalMs passed).
    void startQueuedReload();
    void loadFinished();
    void loadFailed(const QString &error);
    void interruptStale() const;
    ListRequest pageRequest(int page) const;
    void requestPage(int page) const;
    void requestCount();
    void onCount(const CountResult &result);
    void onPage(const PageResult &result);
    void applyPendingReset();
    void storePage(int page, const QList<QVariantList> &rows);
    void evictPages();
    const Page *pageFor(int row) const;

    Table m_table;
    DatabaseWorker *m_pageWorker;
    DatabaseWorker *m_countWorker;
    std::shared_ptr<SharedState> m_shared;
    QList<int> m_columns; // model column -> catalog column
    ListRequest m_filter;
    int m_sortColumn = 0;
    bool m_descending = false;

    int m_generation = 0;
    bool m_started = false;
    int m_rowCount = 0;
    bool m_countKnown = false;
    bool m_countPending = false;
    bool m_generationFailed = false; // a query of the newest load failed
    QString m_error;
    // A reload asked for while a load ran: now (refresh) or paced (refreshSoon).
    bool m_reloadQueued = false;
    bool m_liveReloadQueued = false;
    QTimer m_liveTimer;
    QElapsedTimer m_sinceLoadStart;
    qint64 m_loadStartMs = 0; // wall clock of the newest load's start
    qint64 m_loadedAtMs = 0;
    QHash<int, Page> m_pages;
    mutable QSet<int> m_pending; // pages requested for m_generation and not answered yet
    mutable quint64 m_useClock = 0;

    // A reload that replaces the rows waits for both its count and its first page, so the view never shows an
    // empty table in between.
    bool m_resetPending = false;
    bool m_pendingCountKnown = false;
    qint64 m_pendingCount = 0;
    bool m_pendingFirstPageKnown = false;
    QList<QVariantList> m_pendingFirstPage;
};

} // namespace rotor
