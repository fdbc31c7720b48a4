// The console's pages: a page added through the public registration alone gets its navigation entry, its View
// menu action with its shortcut, its place in the stack and its activation; the Policy page shows and changes the
// stored policy through the audited core call, never read-only; the admin actions forget work in flight when the
// connection is replaced.
#include "AdminActions.h"
#include "AdminService.h"
#include "ConsolePage.h"
#include "DatabaseWorker.h"
#include "MainWindow.h"
#include "PolicyPage.h"
#include "Presentation.h"
#include "UiTestDatabase.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTest>

using namespace rotor;

namespace {

constexpr int timeout = 15000;

// A page with nothing but a label, counting what the window asks of it.
class DummyPage : public ConsolePage
{
public:
    using ConsolePage::ConsolePage;

    QString id() const override { return QStringLiteral("dummy"); }
    QString displayName() const override { return QStringLiteral("Dummy"); }
    QIcon icon() const override { return {}; }
    QKeySequence shortcut() const override { return QKeySequence(QStringLiteral("Ctrl+9")); }
    void attach(const PageContext &context) override
    {
        ++attached;
        spec = context.spec;
        m_widget = new QLabel(QStringLiteral("dummy page"));
        m_widget->setObjectName(QStringLiteral("dummyWidget"));
    }
    void detach() override
    {
        delete m_widget;
        m_widget = nullptr;
    }
    QWidget *widget() const override { return m_widget; }
    void refresh() override { ++refreshed; }
    QString statusText() const override { return QStringLiteral("dummy status"); }

    int attached = 0;
    int refreshed = 0;
    int shownCount = 0;
    ConnectionSpec spec;

protected:
    void shown() override { ++shownCount; }

private:
    QLabel *m_widget = nullptr;
};

} // namespace

class TestPages : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("RotorTests"));
        QApplication::setApplicationName(QStringLiteral("tst_pages"));
        QSettings().clear();
        QString error;
        QVERIFY2(m_database.create(20, &error), qPrintable(error));
    }

    void pageAddedByRegistrationAlone_data()
    {
        QTest::addColumn<bool>("beforeConnecting");
        QTest::newRow("registered before the database opens") << true;
        QTest::newRow("registered while it is open") << false;
    }

    void pageAddedByRegistrationAlone()
    {
        QFETCH(bool, beforeConnecting);
        MainWindow window;
        window.show();
        auto *dummy = new DummyPage;
        if (beforeConnecting)
            window.addPage(dummy);
        window.openConnection(m_database.spec());
        QTRY_VERIFY_WITH_TIMEOUT(window.isConnected(), timeout);
        if (!beforeConnecting)
            window.addPage(dummy);
        QCOMPARE(dummy->attached, 1);
        QCOMPARE(dummy->spec.sqlitePath, m_database.spec().sqlitePath);
        QCOMPARE(window.page(QStringLiteral("dummy")), dummy);
        QCOMPARE(window.pageIds().last(), QStringLiteral("dummy"));

        // Its navigation entry, after the built-in pages.
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(navigation);
        QCOMPARE(navigation->count(), int(window.pages().size()));
        QCOMPARE(navigation->item(navigation->count() - 1)->text(), QStringLiteral("Dummy"));

        // Its View menu action, with its shortcut, activates it.
        auto *action = window.findChild<QAction *>(QStringLiteral("pageAction_dummy"));
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(QStringLiteral("Ctrl+9")));
        QVERIFY(action->isEnabled());
        action->trigger();
        QCOMPARE(window.currentPage(), dummy);
        QCOMPARE(navigation->currentRow(), navigation->count() - 1);
        QCOMPARE(window.findChild<QStackedWidget *>()->currentWidget(), dummy->widget());
        QCOMPARE(dummy->shownCount, 1);
        QCOMPARE(window.findChild<QLabel *>(QStringLiteral("countLabel"))->text(), QStringLiteral("dummy status"));
        QCOMPARE(window.currentView(), nullptr); // not a list: no filter, no export
        QVERIFY(!window.findChild<QAction *>(QStringLiteral("exportAction"))->isEnabled());

        // The keyboard reaches it too.
        window.showPage(QStringLiteral("users"));
        QTest::keySequence(&window, QKeySequence(QStringLiteral("Ctrl+9")));
        QTRY_COMPARE_WITH_TIMEOUT(window.currentPage(), dummy, timeout);

        // A change elsewhere while hidden: it reloads when shown again, not before.
        window.showPage(QStringLiteral("users"));
        const int refreshed = dummy->refreshed;
        dummy->markStale();
        QCOMPARE(dummy->refreshed, refreshed);
        window.showPage(QStringLiteral("DUMMY"));
        QCOMPARE(dummy->refreshed, refreshed + 1);
        QVERIFY(!dummy->isStale());
    }

    // Status icons are asked for on every paint: each is built once and shared.
    void iconsAreBuiltOnce()
    {
        const QIcon first = icons::named("alert");
        QVERIFY(!first.isNull());
        QCOMPARE(icons::named("alert").cacheKey(), first.cacheKey());
        QVERIFY(icons::named("simulator").cacheKey() != first.cacheKey());
    }

    void policyPageShowsAndChangesThePolicy()
    {
        MainWindow window;
        window.show();
        window.openConnection(m_database.spec());
        QTRY_VERIFY_WITH_TIMEOUT(window.isConnected(), timeout);
        QVERIFY(window.showPage(QStringLiteral("policy")));
        auto *grace = window.findChild<QLineEdit *>(QStringLiteral("graceEdit"));
        auto *idle = window.findChild<QLineEdit *>(QStringLiteral("idleEdit"));
        auto *reason = window.findChild<QLineEdit *>(QStringLiteral("policyReasonEdit"));
        auto *apply = window.findChild<QPushButton *>(QStringLiteral("applyPolicyButton"));
        auto *status = window.findChild<QLabel *>(QStringLiteral("policyStatus"));
        QVERIFY(grace && idle && reason && apply && status);
        QTRY_COMPARE_WITH_TIMEOUT(grace->text(), QStringLiteral("10s"), timeout);
        QCOMPARE(idle->text(), QStringLiteral("30d"));
        QVERIFY(apply->isVisible());

        // Out of bounds: named, nothing written.
        grace->setText(QStringLiteral("6m"));
        QTest::mouseClick(apply, Qt::LeftButton);
        QVERIFY2(status->text().contains(QStringLiteral("grace")), qPrintable(status->text()));
        idle->setText(QStringLiteral("soon"));
        QTest::mouseClick(apply, Qt::LeftButton);
        QVERIFY2(status->text().contains(QStringLiteral("soon")), qPrintable(status->text()));
        Policy stored;
        QString error;
        m_database.db().forgetPolicy();
        QVERIFY2(m_database.db().policy(&stored, &error), qPrintable(error));
        QCOMPARE(stored.graceMs, Policy().graceMs);

        // Changed through the audited call.
        grace->setText(QStringLiteral("3s"));
        idle->setText(QStringLiteral("7d"));
        reason->setText(QStringLiteral("tighter sessions"));
        QSignalSpy done(window.findChild<PolicyPage *>(), &ConsolePage::updated);
        QTest::mouseClick(apply, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("audit log")), timeout);
        QTRY_VERIFY_WITH_TIMEOUT(!done.isEmpty(), timeout);
        m_database.db().forgetPolicy();
        QVERIFY2(m_database.db().policy(&stored, &error), qPrintable(error));
        QCOMPARE(stored.graceMs, 3 * Policy::second);
        QCOMPARE(stored.refreshIdleTtlMs, 7 * Policy::day);
        ListRequest audit;
        audit.table = Table::Audit;
        audit.sortColumn = column::AuditId;
        audit.descending = true;
        audit.limit = 1;
        const QVariantList entry = m_database.list(audit).first();
        QCOMPARE(entry.value(column::AuditAction).toString(), QStringLiteral("set-policy"));
        QCOMPARE(entry.value(column::AuditTarget).toString(), QStringLiteral("grace 10s -> 3s; idle 30d -> 7d"));
        QCOMPARE(entry.value(column::AuditReason).toString(), QStringLiteral("tighter sessions"));

        // Put back for the other cases.
        AdminService admin(m_database.db(), m_database.clock(), Actor {QStringLiteral("test"), QStringLiteral("t")});
        QVERIFY2(admin.setPolicy(Policy(), QString(), &error), qPrintable(error));
    }

    void policyPageReadOnly()
    {
        MainWindow window;
        window.show();
        window.openConnection(m_database.readOnlySpec());
        QTRY_VERIFY_WITH_TIMEOUT(window.isConnected(), timeout);
        QVERIFY(window.showPage(QStringLiteral("policy")));
        auto *grace = window.findChild<QLineEdit *>(QStringLiteral("graceEdit"));
        auto *apply = window.findChild<QPushButton *>(QStringLiteral("applyPolicyButton"));
        QVERIFY(grace && apply);
        QTRY_COMPARE_WITH_TIMEOUT(grace->text(), QStringLiteral("10s"), timeout);
        QVERIFY(grace->isReadOnly());
        QVERIFY(!apply->isVisible());
        QVERIFY(!window.findChild<QLineEdit *>(QStringLiteral("policyReasonEdit"))->isVisible());
    }

    // An action in flight when the connection is replaced leaves nothing busy and shows nothing afterwards.
    void actionsForgetWorkOnReconnect()
    {
        QWidget parent;
        RowTarget target;
        target.userId = 1;
        target.userEmail = QStringLiteral("someone@example.org");
        AdminActions actions(&parent, [&target]() { return target; });
        // The window's worker of each connection (actions open none of their own).
        const auto openWorker = [](const ConnectionSpec &spec) {
            auto worker = std::make_unique<DatabaseWorker>(spec);
            worker->open(Database::OpenMode::OpenExisting, nullptr, [](bool, const QString &) {});
            return worker;
        };
        std::unique_ptr<DatabaseWorker> first = openWorker(m_database.spec());
        actions.attach(m_database.spec(), first.get());
        actions.update({AdminActions::Kind::RevokeUser}, target);
        QAction *revokeUser = actions.action(AdminActions::Kind::RevokeUser);
        QVERIFY(revokeUser->isVisible() && revokeUser->isEnabled());
        QSignalSpy busy(&actions, &AdminActions::busyChanged);
        revokeUser->trigger(); // reads the preview on the worker
        QVERIFY(actions.isBusy());
        QVERIFY(!revokeUser->isEnabled() || actions.isBusy());
        std::unique_ptr<DatabaseWorker> second = openWorker(m_database.spec());
        actions.attach(m_database.spec(), second.get()); // a reconnect while it is in flight
        QVERIFY(!actions.isBusy());
        actions.update({AdminActions::Kind::RevokeUser}, target);
        QVERIFY(revokeUser->isEnabled());
        // The old preview's answer is dropped: no confirmation appears (a bounded look for something that must
        // not happen; its job takes milliseconds).
        QTest::qWait(300);
        QCOMPARE(QApplication::activeModalWidget(), nullptr);

        // Read-only: hidden.
        std::unique_ptr<DatabaseWorker> readOnly = openWorker(m_database.readOnlySpec());
        actions.attach(m_database.readOnlySpec(), readOnly.get());
        actions.update({AdminActions::Kind::RevokeUser}, target);
        QVERIFY(!revokeUser->isVisible());
    }

private:
    UiTestDatabase m_database;
};

QTEST_MAIN(TestPages)
#include "tst_pages.moc"
