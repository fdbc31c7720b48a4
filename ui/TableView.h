#pragma once

#include "Catalog.h"

#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;
class QTimer;
class QToolButton;
class QVBoxLayout;

namespace rotor {

class DatabaseWorker;
class DetailPane;
class PagedTableModel;

// One of the console's lists: a filter bar over a lazy table, with a detail pane for the current row. The filter
// is applied while typing (each change interrupts the query of the one before) and all filtering and sorting is done
// by the database; the column layout is remembered per table. Row actions are given by the window (they know about
// dialogs and writes) and shown in the context menu when they apply. Nothing is loaded until load() (or a filter, a
// scope, a refresh) asks for it: a list that is not shown costs no query. A load that fails is said above the
// rows, with a retry.
class TableView : public QWidget
{
    Q_OBJECT

public:
    // Typing is coalesced only within one pass of the event loop (a paste, a burst of key events): a query that a
    // newer text makes stale is interrupted, so there is no need to wait for typing to pause.
    static constexpr int filterDelayMs = 0;
    // Columns fitted to their contents are never made wider than this (long user agents, hashes).
    static constexpr int maxFittedColumnWidth = 320;

    TableView(Table table, DatabaseWorker *pageWorker, DatabaseWorker *countWorker, QWidget *parent = nullptr);
    ~TableView() override;

    Table table() const { return m_table; }
    PagedTableModel *model() const { return m_model; }
    QTableView *tableView() const { return m_view; }
    QLineEdit *filterEdit() const { return m_filterEdit; }
    QComboBox *stateCombo() const { return m_stateCombo; }
    DetailPane *detailPane() const { return m_detail; }

    void setDetailPane(DetailPane *pane);
    // A widget shown above the filter bar (the audit view's verification banner).
    void setBanner(QWidget *banner);
    // Actions offered in the context menu (after Copy), in this order.
    void addRowAction(QAction *action);

    // Shows only the rows of one user, device or session (ids in scope), with a label and a button to widen again.
    void setScope(const ListRequest &scope, const QString &label);
    void clearScope();

    int currentRow() const;
    QVariantList currentRowValues() const;
    QList<int> selectedRows() const;
    // The selected rows as tab-separated text, a header line first, as the user sees them.
    QString selectionAsText() const;
    // Copies the selected rows to the clipboard. Rows that are not in the model's cache are read first (on the
    // model's worker; the status bar says so), so nothing selected is ever left out.
    void copySelection();
    // Selects the first row once the current load has it (now, if it has), unless a row is selected by then.
    void selectFirstRowWhenLoaded();
    void focusFilter();
    void focusDetail();
    // Loads the list as the filter bar says, unless it already has (or is loading) that.
    void load();
    // Reloads keeping what is on screen until fresh rows arrive (F5, a change made from this window).
    void refresh();
    // The data changed elsewhere: a refresh, at most about once a second, never restarting a load that runs.
    void refreshSoon();
    void applyFilterNow();
    // The banner above the rows when a load failed ("" while hidden).
    QString loadProblemText() const;

    // Sizes view's columns to fit the loaded rows of its first page and their titles, at most maxWidth each.
    static void fitColumns(QTableView *view, const PagedTableModel *model, int maxWidth);

    void saveLayout() const;
    // Restores the remembered column layout; false if there is none (the columns are then fitted to the first
    // rows once they arrive).
    bool restoreLayout();

signals:
    // The current row changed, or its values arrived; values is empty when nothing is selected.
    void currentRowChanged(const QVariantList &values);
    void rowActivated(const QVariantList &values);
    void contextMenuAboutToShow();
    // Something worth a line in the status bar (a long copy), shown for timeoutMs (0: until replaced).
    void statusMessage(const QString &text, int timeoutMs);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void buildFilterBar(QVBoxLayout *layout);
    void scheduleFilter();
    ListRequest filterFromBar() const;
    void showContextMenu(const QPoint &position);
    void updateDetail();
    void onModelUpdated();
    void updateLoadBanner();
    // A reload keeping the rows begins: the selection is to stay on its record.
    void keepSelection();
    // After a refresh: puts the selection back on the record it was on. False while that is not known yet.
    bool restoreSelection();
    void fitColumnsToContents();
    QString rowsAsText(const QList<QVariantList> &rows) const;

    Table m_table;
    PagedTableModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QSplitter *m_splitter = nullptr;
    QVBoxLayout *m_bannerLayout = nullptr;
    QWidget *m_loadBanner = nullptr;
    QLabel *m_loadBannerText = nullptr;
    DetailPane *m_detail = nullptr;
    QLineEdit *m_filterEdit = nullptr;
    QComboBox *m_stateCombo = nullptr;
    QComboBox *m_kindCombo = nullptr;
    QComboBox *m_verdictCombo = nullptr;
    QCheckBox *m_dateCheck = nullptr;
    QDateTimeEdit *m_sinceEdit = nullptr;
    QDateTimeEdit *m_untilEdit = nullptr;
    QWidget *m_scopeBox = nullptr;
    QLabel *m_scopeLabel = nullptr;
    QTimer *m_filterTimer = nullptr;
    QAction *m_copyAction = nullptr;
    QList<QAction *> m_rowActions;
    ListRequest m_scope;
    QVariantList m_shownValues; // the row the detail pane shows, to notice when it (or its values) change
    // The record (its id, the first catalog column) that was current when a refresh started, and its row then:
    // the selection follows the record, not the row number, when rows come and go above it.
    QVariant m_keptKey;
    int m_keptRow = -1;
    bool m_selectFirstRow = true; // the first load selects its first row
    bool m_fitColumns = false; // no remembered layout: fit the columns to the first rows once
    bool m_splitterRestored = false; // false: the detail pane gets its share when first shown
    quint64 m_copySerial = 0; // a newer copy wins over one still reading its rows
};

} // namespace rotor
