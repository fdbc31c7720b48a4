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
// is applied while typing (debounced) and all filtering and sorting is done by the database; the column layout is
// remembered per table. Row actions are given by the window (they know about dialogs and writes) and shown in the
// context menu when they apply.
class TableView : public QWidget
{
    Q_OBJECT

public:
    static constexpr int filterDelayMs = 200;

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
    void copySelection();
    void focusFilter();
    void focusDetail();
    // Reloads keeping what is on screen until fresh rows arrive (a live update or F5).
    void refresh();
    void applyFilterNow();

    void saveLayout() const;
    void restoreLayout();

signals:
    // The current row changed, or its values arrived; values is empty when nothing is selected.
    void currentRowChanged(const QVariantList &values);
    void rowActivated(const QVariantList &values);
    void contextMenuAboutToShow();

private:
    void buildFilterBar(QVBoxLayout *layout);
    void scheduleFilter();
    ListRequest filterFromBar() const;
    void showContextMenu(const QPoint &position);
    void updateDetail();

    Table m_table;
    PagedTableModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QSplitter *m_splitter = nullptr;
    QVBoxLayout *m_bannerLayout = nullptr;
    DetailPane *m_detail = nullptr;
    QLineEdit *m_filterEdit = nullptr;
    QComboBox *m_stateCombo = nullptr;
    QComboBox *m_kindCombo = nullptr;
    QCheckBox *m_dateCheck = nullptr;
    QDateTimeEdit *m_sinceEdit = nullptr;
    QDateTimeEdit *m_untilEdit = nullptr;
    QWidget *m_scopeBox = nullptr;
    QLabel *m_scopeLabel = nullptr;
    QTimer *m_filterTimer = nullptr;
    QAction *m_copyAction = nullptr;
    QList<QAction *> m_rowActions;
    ListRequest m_scope;
    QVariant m_shownKey; // the first column of the row the detail pane shows, to notice when it changes
};

} // namespace rotor
