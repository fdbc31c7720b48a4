#pragma once

#include "AdminActions.h"
#include "AdminService.h"
#include "Catalog.h"
#include "ConsolePage.h"

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QLabel;

namespace rotor {

class DetailPane;

// Everything that makes one of the console's lists, declared in one place (createListPages()): the table (whose
// columns Catalog declares once), the detail pane, the actions its rows offer and what a row points at. Filters
// follow from the table (TableView).
struct TablePageSpec
{
    QString id;
    Table table = Table::Users;
    const char *icon = "rotor";
    QKeySequence shortcut;
    std::function<DetailPane *(DatabaseWorker *detailWorker)> makeDetailPane;
    QList<AdminActions::Kind> adminActions; // offered on its rows, in this order
    bool linksToUser = false; // "Open user" on its rows
    bool linksToFamily = false; // "Open session" on its rows
    std::function<RowTarget(const QVariantList &row)> target;
};

// A list page: a TableView over its table, with its detail pane. It loads on the lists' shared pair of workers
// (PageContext::rowsWorker, countWorker), and only while it is shown: it loads when first shown, and a load still
// running when it is hidden is interrupted and made up for when it is shown again.
class TablePage : public ConsolePage
{
    Q_OBJECT

public:
    explicit TablePage(TablePageSpec spec, QObject *parent = nullptr);
    ~TablePage() override;

    QString id() const override { return m_spec.id; }
    QString displayName() const override;
    QIcon icon() const override;
    QKeySequence shortcut() const override { return m_spec.shortcut; }
    Table table() const { return m_spec.table; }
    const QList<AdminActions::Kind> &adminActions() const { return m_spec.adminActions; }

    void attach(const PageContext &context) override;
    void detach() override;
    QWidget *widget() const override;
    void refresh() override;
    void changedElsewhere() override;
    RowTarget target() const override;
    TableView *tableView() const override { return m_view; }
    QString statusText() const override;

    // The window's navigation actions, added to the rows that link to a user or a family.
    void setLinkActions(QAction *openUser, QAction *openFamily);

protected:
    const PageContext &context() const { return m_context; }
    void hidden() override;

private:
    TablePageSpec m_spec;
    PageContext m_context;
    QAction *m_openUser = nullptr;
    QAction *m_openFamily = nullptr;
    TableView *m_view = nullptr;
};

// The audit log: a list whose banner says whether the hash chain verifies: the whole chain whenever the page is
// shown or reloaded, and on a change elsewhere only what was appended since the last intact verification (and that
// the entry it ended with is unchanged). One verification runs at a time; a change meanwhile asks for one more.
class AuditPage : public TablePage
{
    Q_OBJECT

public:
    explicit AuditPage(TablePageSpec spec, QObject *parent = nullptr);
    void attach(const PageContext &context) override;
    void detach() override;
    void refresh() override;
    void changedElsewhere() override;
    QString bannerText() const;

protected:
    void shown() override;

private:
    // onwards: from the last intact verification, if there is one.
    void verify(bool onwards);
    QLabel *m_banner = nullptr;
    std::unique_ptr<QObject> m_receiver; // answers for a detached page are dropped with it
    bool m_verifying = false;
    bool m_verifyQueued = false;
    bool m_queuedOnwards = true;
    std::optional<AuditVerification> m_verified; // the last intact verification
};

// The five lists, in navigation order: users, devices, sessions, events, audit (Ctrl+1..5).
QList<TablePage *> createListPages(QObject *parent);

} // namespace rotor
