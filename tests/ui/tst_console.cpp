#include "AdminService.h"
#include "ConsoleSettings.h"
#include "DetailPanes.h"
#include "MainWindow.h"
#include "PagedTableModel.h"
#include "Presentation.h"
#include "SecurityEvent.h"
#include "TableView.h"
#include "TimelineWidget.h"
#include "Translations.h"
#include "UiTestDatabase.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QTranslator>

#include <functional>

using namespace rotor;

Q_DECLARE_METATYPE(rotor::Table)

namespace {

constexpr int timeout = 15000;

// Acts on the next modal dialog once it is up (the dialog runs its own event loop, so the test cannot wait for it
// in line), as KeePassXC's GUI tests do.
void whenModal(const std::function<void(QDialog *)> &act)
{
    auto *timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, act]() {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        timer->stop();
        timer->deleteLater();
        act(dialog);
    });
    timer->start();
}

void confirmWithReason(QDialog *dialog, const QString &reason)
{
    auto *reasonEdit = dialog->findChild<QComboBox *>(QStringLiteral("reasonEdit"));
    auto *confirm = dialog->findChild<QPushButton *>(QStringLiteral("confirmButton"));
    QVERIFY(reasonEdit && confirm);
    QVERIFY(!confirm->isEnabled()); // no reason, no revocation
    reasonEdit->setEditText(reason);
    QVERIFY(confirm->isEnabled());
    QTest::mouseClick(confirm, Qt::LeftButton);
}

// What another program (an auth server, rotorctl) does: record a security event on its own connection.
void recordEventElsewhere(UiTestDatabase &database, const QString &ip)
{
    ListRequest families;
    families.table = Table::Families;
    families.limit = 1;
    const QVariantList family = database.list(families).first();
    SecurityEvent event;
    event.kind = QLatin1String(event_kind::replayDetected);
    event.occurredAt = QDateTime::currentMSecsSinceEpoch();
    event.userId = family.value(column::FamilyUserId).toLongLong();
    event.familyId = family.value(column::FamilyId).toLongLong();
    event.presentedGeneration = 1;
    event.currentGeneration = 2;
    event.ip = ip;
    event.userAgent = QStringLiteral("curl/8.0");
    QString error;
    Database &db = database.db();
    QVERIFY2(db.transact(
                 [&](QString *stepError) {
                     return store::recordEvent(db, event, nullptr, stepError) ? Database::Step::Commit
                                                                              : Database::Step::Abort;
                 },
                 &error),
             qPrintable(error));
}

void cancel(QDialog *dialog)
{
    auto *button = dialog->findChild<QPushButton *>(QStringLiteral("cancelButton"));
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
}

} // namespace

// The console as a person uses it: every list, its filter, detail pane and copy; the actions with their
// confirmations (cancelled and confirmed); read-only mode; and a replay written by another connection arriving live.
class TestConsole : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void everyViewFilters_data();
    void everyViewFilters();
    void everyViewShowsDetail_data();
    void everyViewShowsDetail();
    void copyPutsRowsOnClipboard();
    void copyReadsRowsBeyondTheCache();
    void timelineMarksReplay();
    void eventLinksOpenSession();
    void auditChainShown();
    void statusBarSaysWhereAndHowMany();
    void revokeSessionCancelThenConfirm();
    void deactivateCancelThenConfirm();
    void revokeUserSessions();
    void readOnlyHidesEveryWrite();
    void replayArrivesLive();
    void hiddenViewCatchesUpWhenShown();
    void selectionFollowsRecordOnRefresh();
    void selectionClearedWhenRecordGone();
    void selectFamilyAndUser();
    void selectBeforeConnected();
    void englishPluralForms();
    void columnsFitTheirContents();
    void windowRemembersGeometry();

private:
    void openWindow(const ConnectionSpec &spec);
    TableView *waitForView(Table table);
    void selectFirstRow(TableView *view);

    UiTestDatabase m_database;
    std::unique_ptr<UiTestDatabase> m_bigDatabase; // more users than the model's page cache holds
    std::unique_ptr<MainWindow> m_window;
};

void TestConsole::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // settings of a test never touch the user's
    QApplication::setOrganizationName(QStringLiteral("RotorTests"));
    QApplication::setApplicationName(QStringLiteral("tst_console"));
    QSettings().clear(); // every run starts as a first start (window size, column layout)
    QString error;
    QVERIFY2(m_database.create(300, &error), qPrintable(error));
}

void TestConsole::init()
{
    openWindow(m_database.spec());
}

void TestConsole::cleanup()
{
    m_window.reset();
}

void TestConsole::openWindow(const ConnectionSpec &spec)
{
    m_window = std::make_unique<MainWindow>();
    m_window->show();
    QSignalSpy opened(m_window.get(), &MainWindow::connectionOpened);
    m_window->openConnection(spec);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->isConnected(), timeout);
}

TableView *TestConsole::waitForView(Table table)
{
    m_window->showView(table);
    TableView *view = m_window->view(table);
    if (view) {
        // The callers check what they need; this only lets the first load finish.
        (void)QTest::qWaitFor([view]() { return view->model()->totalCount() >= 0 && !view->model()->isLoading(); },
                              timeout);
    }
    return view;
}

void TestConsole::selectFirstRow(TableView *view)
{
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->rowCount() > 0 && view->model()->isRowLoaded(0), timeout);
    view->tableView()->setFocus();
    view->tableView()->selectRow(0);
    QTRY_VERIFY_WITH_TIMEOUT(!view->currentRowValues().isEmpty(), timeout);
}

void TestConsole::everyViewFilters_data()
{
    QTest::addColumn<Table>("table");
    QTest::addColumn<QString>("text");
    QTest::newRow("users") << Table::Users << QStringLiteral("donald");
    QTest::newRow("devices") << Table::Devices << QStringLiteral("donald");
    QTest::newRow("sessions") << Table::Families << QStringLiteral("donald");
    QTest::newRow("events") << Table::Events << QStringLiteral("replay");
    QTest::newRow("audit") << Table::Audit << QStringLiteral("deactivate");
}

void TestConsole::everyViewFilters()
{
    QFETCH(Table, table);
    QFETCH(QString, text);
    TableView *view = waitForView(table);
    QVERIFY(view);
    const qint64 everything = view->model()->totalCount();
    QCOMPARE(everything, m_database.count(view->model()->currentRequest()));

    // Typed key by key, as a person would: the list narrows once typing pauses.
    QTest::keyClicks(view->filterEdit(), text);
    ListRequest expected = view->model()->currentRequest();
    expected.text = text;
    const qint64 narrowed = m_database.count(expected);
    QVERIFY(narrowed > 0 && narrowed < everything);
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->totalCount(), narrowed, timeout);
    QCOMPARE(view->model()->filter().text, text);
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->isRowLoaded(0), timeout);
    QCOMPARE(view->model()->rowValues(0), m_database.list(expected).first());

    view->filterEdit()->clear();
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->totalCount(), everything, timeout);
}

void TestConsole::everyViewShowsDetail_data()
{
    QTest::addColumn<Table>("table");
    QTest::addColumn<int>("shownColumn"); // a value of the row that the pane must show
    QTest::newRow("users") << Table::Users << int(column::UserEmail);
    QTest::newRow("devices") << Table::Devices << int(column::DeviceName);
    QTest::newRow("sessions") << Table::Families << int(column::FamilyUser);
    QTest::newRow("events") << Table::Events << int(column::EventUser);
    QTest::newRow("audit") << Table::Audit << int(column::AuditActor);
}

void TestConsole::everyViewShowsDetail()
{
    QFETCH(Table, table);
    QFETCH(int, shownColumn);
    TableView *view = waitForView(table);
    QVERIFY(view && view->detailPane());
    // The first row is selected as the list loads, so the pane is never empty when there are rows.
    QTRY_COMPARE_WITH_TIMEOUT(view->currentRow(), 0, timeout);
    QTRY_VERIFY_WITH_TIMEOUT(!view->detailPane()->headerText().isEmpty(), timeout);
    selectFirstRow(view);
    const QVariantList row = view->currentRowValues();
    QTRY_VERIFY_WITH_TIMEOUT(!view->detailPane()->headerText().isEmpty(), timeout);
    QVERIFY2(view->detailPane()->headerText().contains(row.value(shownColumn).toString().toHtmlEscaped()),
             qPrintable(view->detailPane()->headerText()));

    if (table == Table::Users) {
        auto *pane = qobject_cast<UserDetailPane *>(view->detailPane());
        ListRequest devices;
        devices.table = Table::Devices;
        devices.userId = row.value(column::UserId).toLongLong();
        ListRequest sessions = devices;
        sessions.table = Table::Families;
        QTRY_COMPARE_WITH_TIMEOUT(pane->devicesModel()->totalCount(), m_database.count(devices), timeout);
        QTRY_COMPARE_WITH_TIMEOUT(pane->familiesModel()->totalCount(), m_database.count(sessions), timeout);
    } else if (table == Table::Devices) {
        auto *pane = qobject_cast<DeviceDetailPane *>(view->detailPane());
        ListRequest sessions;
        sessions.table = Table::Families;
        sessions.deviceId = row.value(column::DeviceId).toLongLong();
        QTRY_COMPARE_WITH_TIMEOUT(pane->familiesModel()->totalCount(), m_database.count(sessions), timeout);
    } else if (table == Table::Families) {
        auto *pane = qobject_cast<FamilyDetailPane *>(view->detailPane());
        ListRequest tokens;
        tokens.table = Table::Tokens;
        tokens.familyId = row.value(column::FamilyId).toLongLong();
        QTRY_VERIFY_WITH_TIMEOUT(pane->isChainLoaded(), timeout);
        QCOMPARE(pane->timeline()->entryCount(TimelineWidget::EntryKind::Generation), int(m_database.count(tokens)));
    }

    // Moving on to another row moves the pane with it.
    QTest::keyClick(view->tableView(), Qt::Key_Down);
    QTRY_VERIFY_WITH_TIMEOUT(view->currentRow() == 1 && !view->currentRowValues().isEmpty(), timeout);
    const QString next = view->currentRowValues().value(0).toString();
    QTRY_VERIFY_WITH_TIMEOUT(view->detailPane()->headerText().contains(next), timeout);
}

void TestConsole::copyPutsRowsOnClipboard()
{
    TableView *view = waitForView(Table::Families);
    selectFirstRow(view);
    view->tableView()->selectionModel()->select(
        QItemSelection(view->model()->index(0, 0), view->model()->index(2, view->model()->columnCount() - 1)),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QApplication::clipboard()->clear();
    QTest::keyClick(view->tableView(), Qt::Key_C, Qt::ControlModifier);
    const QStringList lines = QApplication::clipboard()->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QStringList titles;
    for (int column = 0; column < view->model()->columnCount(); ++column)
        titles << view->model()->headerData(column, Qt::Horizontal).toString();
    QCOMPARE(lines.at(0), titles.join(QLatin1Char('\t')));
    for (int row = 0; row < 3; ++row) {
        const QStringList fields = lines.at(row + 1).split(QLatin1Char('\t'));
        QCOMPARE(fields.size(), view->model()->columnCount());
        QCOMPARE(fields.at(0), view->model()->index(row, 0).data().toString());
        QCOMPARE(fields.at(view->model()->modelColumn(column::FamilyState)),
                 Presentation::familyStateText(view->model()->value(row, column::FamilyState).toString()));
    }
}

void TestConsole::copyReadsRowsBeyondTheCache()
{
    const int users = PagedTableModel::pageSize * PagedTableModel::maxCachedPages + 300;
    if (!m_bigDatabase) {
        m_bigDatabase = std::make_unique<UiTestDatabase>();
        QString error;
        QVERIFY2(m_bigDatabase->create(users, &error), qPrintable(error));
    }
    openWindow(m_bigDatabase->spec());
    TableView *view = waitForView(Table::Users);
    QCOMPARE(view->model()->totalCount(), qint64(users));
    selectFirstRow(view);
    QTest::keyClick(view->tableView(), Qt::Key_A, Qt::ControlModifier);
    QCOMPARE(view->selectedRows().size(), users);
    QVERIFY(!view->model()->isRowLoaded(users - 1));

    QApplication::clipboard()->clear();
    QTest::keyClick(view->tableView(), Qt::Key_C, Qt::ControlModifier);
    QVERIFY2(m_window->statusBar()->currentMessage().contains(QLocale().toString(users)),
             qPrintable(m_window->statusBar()->currentMessage()));
    QTRY_COMPARE_WITH_TIMEOUT(QApplication::clipboard()->text().count(QLatin1Char('\n')), users + 1, timeout);
    const QStringList lines = QApplication::clipboard()->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ListRequest all = view->model()->currentRequest();
    const QList<QVariantList> expected = m_bigDatabase->list(all);
    QCOMPARE(expected.size(), users);
    const int emailColumn = view->model()->modelColumn(column::UserEmail);
    for (int row : {0, PagedTableModel::pageSize, users / 2, users - 1}) {
        QCOMPARE(lines.at(row + 1).split(QLatin1Char('\t')).at(emailColumn),
                 expected.at(row).value(column::UserEmail).toString());
    }
    QVERIFY(m_window->statusBar()->currentMessage().contains(QLocale().toString(users)));
    // Read beside the cache, not through it.
    QVERIFY(view->model()->cachedPageCount() <= PagedTableModel::maxCachedPages);
}

void TestConsole::timelineMarksReplay()
{
    ListRequest replays;
    replays.table = Table::Events;
    replays.kind = QLatin1String(event_kind::replayDetected);
    replays.limit = 1;
    const QList<QVariantList> events = m_database.list(replays);
    QVERIFY(!events.isEmpty());
    const qint64 familyId = events.first().value(column::EventFamily).toLongLong();
    const int presented = events.first().value(column::EventPresentedGeneration).toInt();

    waitForView(Table::Families);
    m_window->openFamily(familyId);
    TableView *sessions = m_window->view(Table::Families);
    QCOMPARE(m_window->currentView(), sessions);
    QTRY_COMPARE_WITH_TIMEOUT(sessions->model()->totalCount(), qint64(1), timeout);
    QTRY_COMPARE_WITH_TIMEOUT(sessions->currentRowValues().value(column::FamilyId).toLongLong(), familyId, timeout);
    auto *pane = qobject_cast<FamilyDetailPane *>(sessions->detailPane());
    QTRY_VERIFY_WITH_TIMEOUT(pane->isChainLoaded(), timeout);
    QCOMPARE(pane->timeline()->entryCount(TimelineWidget::EntryKind::Replay), 1);
    QCOMPARE(pane->timeline()->struckGenerations(), QList<int> {presented});
    // The replay says where it came from, and where the stolen generation was first used.
    QListWidgetItem *marker = nullptr;
    for (int i = 0; i < pane->timeline()->count(); ++i) {
        if (pane->timeline()->item(i)->data(TimelineWidget::KindRole).toInt() == int(TimelineWidget::EntryKind::Replay))
            marker = pane->timeline()->item(i);
    }
    QVERIFY(marker);
    const QString detail = marker->data(TimelineWidget::DetailRole).toStringList().join(QLatin1Char('\n'));
    QVERIFY2(detail.contains(events.first().value(column::EventIp).toString()), qPrintable(detail));
    QVERIFY2(detail.contains(events.first().value(column::EventOriginalIp).toString()), qPrintable(detail));
}

void TestConsole::eventLinksOpenSession()
{
    TableView *events = waitForView(Table::Events);
    QTest::keyClicks(events->filterEdit(), QStringLiteral("replay"));
    QTRY_VERIFY_WITH_TIMEOUT(events->model()->filter().text == QLatin1String("replay") && !events->model()->isLoading(),
                             timeout);
    selectFirstRow(events);
    const qint64 familyId = events->currentRowValues().value(column::EventFamily).toLongLong();
    QVERIFY(familyId > 0);
    auto *header = events->detailPane()->findChild<QLabel *>(QStringLiteral("detailHeader"));
    QVERIFY(header);
    const QString link = QStringLiteral("rotor-session:%1").arg(familyId);
    QVERIFY(header->text().contains(link));
    emit header->linkActivated(link);
    TableView *sessions = m_window->view(Table::Families);
    QCOMPARE(m_window->currentView(), sessions);
    QTRY_COMPARE_WITH_TIMEOUT(sessions->currentRowValues().value(column::FamilyId).toLongLong(), familyId, timeout);
}

void TestConsole::auditChainShown()
{
    waitForView(Table::Audit);
    ListRequest all;
    all.table = Table::Audit;
    const qint64 entries = m_database.count(all);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->auditBannerText().contains(QStringLiteral("intact")), timeout);
    QVERIFY2(m_window->auditBannerText().contains(Presentation::formatCount(entries)),
             qPrintable(m_window->auditBannerText()));
}

void TestConsole::statusBarSaysWhereAndHowMany()
{
    TableView *sessions = waitForView(Table::Families);
    auto *count = m_window->findChild<QLabel *>(QStringLiteral("countLabel"));
    auto *backend = m_window->findChild<QLabel *>(QStringLiteral("backendLabel"));
    auto *readOnly = m_window->findChild<QLabel *>(QStringLiteral("readOnlyLabel"));
    QTRY_COMPARE_WITH_TIMEOUT(count->text(),
                              Presentation::rowCountText(Table::Families, sessions->model()->totalCount()), timeout);
    QVERIFY(backend->text().contains(m_database.spec().displayName()));
    QVERIFY(readOnly->isHidden());
}

void TestConsole::revokeSessionCancelThenConfirm()
{
    TableView *sessions = waitForView(Table::Families);
    sessions->stateCombo()->setCurrentIndex(sessions->stateCombo()->findData(QStringLiteral("active")));
    QTRY_VERIFY_WITH_TIMEOUT(
        sessions->model()->filter().state == QLatin1String("active") && !sessions->model()->isLoading(), timeout);
    const qint64 activeBefore = sessions->model()->totalCount();
    selectFirstRow(sessions);
    const qint64 familyId = sessions->currentRowValues().value(column::FamilyId).toLongLong();
    auto *revoke = m_window->findChild<QAction *>(QStringLiteral("revokeFamilyAction"));
    QVERIFY(revoke->isVisible() && revoke->isEnabled());

    ListRequest theFamily;
    theFamily.table = Table::Families;
    theFamily.familyId = familyId;

    // Cancel: nothing changes.
    whenModal([](QDialog *dialog) { cancel(dialog); });
    QTest::keyClick(sessions->tableView(), Qt::Key_Delete);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->statusBar()->currentMessage().contains(QStringLiteral("Nothing")), timeout);
    QCOMPARE(m_database.list(theFamily).first().value(column::FamilyState).toString(), QStringLiteral("active"));

    // Confirm with a reason: revoked, audited, and the list shows it at once.
    QSignalSpy finished(m_window.get(), &MainWindow::actionFinished);
    whenModal([](QDialog *dialog) { confirmWithReason(dialog, QStringLiteral("lost phone")); });
    revoke->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, timeout);
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(m_database.list(theFamily).first().value(column::FamilyState).toString(), QStringLiteral("revoked"));
    QTRY_COMPARE_WITH_TIMEOUT(sessions->model()->totalCount(), activeBefore - 1, timeout);
    ListRequest audit;
    audit.table = Table::Audit;
    audit.sortColumn = column::AuditId;
    audit.descending = true;
    audit.limit = 1;
    QCOMPARE(m_database.list(audit).first().value(column::AuditReason).toString(), QStringLiteral("lost phone"));
}

void TestConsole::deactivateCancelThenConfirm()
{
    TableView *users = waitForView(Table::Users);
    users->stateCombo()->setCurrentIndex(users->stateCombo()->findData(QStringLiteral("active")));
    QTRY_VERIFY_WITH_TIMEOUT(users->model()->filter().state == QLatin1String("active") && !users->model()->isLoading(),
                             timeout);
    selectFirstRow(users);
    const QString email = users->currentRowValues().value(column::UserEmail).toString();
    auto *deactivate = m_window->findChild<QAction *>(QStringLiteral("deactivateAction"));
    auto *reactivate = m_window->findChild<QAction *>(QStringLiteral("reactivateAction"));
    QTRY_VERIFY_WITH_TIMEOUT(deactivate->isVisible() && deactivate->isEnabled(), timeout);
    QVERIFY(!reactivate->isVisible());

    whenModal([](QDialog *dialog) { cancel(dialog); });
    deactivate->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->statusBar()->currentMessage().contains(QStringLiteral("Nothing")), timeout);
    UserRef user;
    QString error;
    QVERIFY(m_database.catalog().findUser(email, &user, &error));
    QVERIFY(user.active);

    QSignalSpy finished(m_window.get(), &MainWindow::actionFinished);
    whenModal([](QDialog *dialog) { confirmWithReason(dialog, QStringLiteral("left the company")); });
    deactivate->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, timeout);
    QVERIFY(m_database.catalog().findUser(email, &user, &error));
    QVERIFY(!user.active);
    // The active-only list drops the user at once.
    QTRY_VERIFY_WITH_TIMEOUT(
        users->model()->isRowLoaded(0) && users->model()->value(0, column::UserEmail).toString() != email, timeout);

    // And back, through the inactive list.
    users->stateCombo()->setCurrentIndex(users->stateCombo()->findData(QStringLiteral("inactive")));
    users->filterEdit()->setText(email);
    users->applyFilterNow();
    QTRY_VERIFY_WITH_TIMEOUT(users->model()->totalCount() == 1 && users->model()->isRowLoaded(0), timeout);
    selectFirstRow(users);
    QTRY_VERIFY_WITH_TIMEOUT(reactivate->isVisible() && reactivate->isEnabled(), timeout);
    whenModal([](QDialog *dialog) { confirmWithReason(dialog, QStringLiteral("back")); });
    reactivate->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, timeout);
    QVERIFY(m_database.catalog().findUser(email, &user, &error));
    QVERIFY(user.active);
}

void TestConsole::revokeUserSessions()
{
    TableView *users = waitForView(Table::Users);
    // A user with live sessions.
    users->model()->sort(users->model()->modelColumn(column::UserLiveFamilies), Qt::DescendingOrder);
    QTRY_VERIFY_WITH_TIMEOUT(!users->model()->isLoading() && users->model()->isRowLoaded(0), timeout);
    selectFirstRow(users);
    const qint64 userId = users->currentRowValues().value(column::UserId).toLongLong();
    QVERIFY(users->currentRowValues().value(column::UserLiveFamilies).toLongLong() > 0);

    QSignalSpy finished(m_window.get(), &MainWindow::actionFinished);
    whenModal([](QDialog *dialog) { confirmWithReason(dialog, QStringLiteral("account compromised")); });
    m_window->findChild<QAction *>(QStringLiteral("revokeUserAction"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, timeout);
    QVERIFY(finished.first().at(0).toBool());
    ListRequest live;
    live.table = Table::Families;
    live.userId = userId;
    live.state = QStringLiteral("active");
    QCOMPARE(m_database.count(live), qint64(0));
    // The row shows it without a manual refresh.
    QTRY_VERIFY_WITH_TIMEOUT(users->currentRowValues().value(column::UserLiveFamilies).toLongLong() == 0
                                 || users->model()->value(0, column::UserId).toLongLong() != userId,
                             timeout);
}

void TestConsole::readOnlyHidesEveryWrite()
{
    openWindow(m_database.readOnlySpec());
    auto *readOnly = m_window->findChild<QLabel *>(QStringLiteral("readOnlyLabel"));
    QVERIFY(readOnly->isVisible());
    const QStringList writing {QStringLiteral("revokeFamilyAction"), QStringLiteral("revokeUserAction"),
                               QStringLiteral("deactivateAction"), QStringLiteral("reactivateAction")};
    for (Table table : {Table::Users, Table::Devices, Table::Families, Table::Events, Table::Audit}) {
        TableView *view = waitForView(table);
        selectFirstRow(view);
        for (const QString &name : writing) {
            auto *action = m_window->findChild<QAction *>(name);
            QVERIFY2(!action->isVisible() && !action->isEnabled(), qPrintable(name));
        }
    }
    // Even a shortcut that reached the action would do nothing: no dialog, no change.
    TableView *sessions = waitForView(Table::Families);
    selectFirstRow(sessions);
    QSignalSpy finished(m_window.get(), &MainWindow::actionFinished);
    m_window->findChild<QAction *>(QStringLiteral("revokeFamilyAction"))->trigger();
    QTest::keyClick(sessions->tableView(), Qt::Key_Delete);
    QVERIFY(!QApplication::activeModalWidget());
    QCOMPARE(finished.count(), 0);
}

void TestConsole::replayArrivesLive()
{
    TableView *events = waitForView(Table::Events);
    const qint64 before = events->model()->totalCount();
    m_window->showView(Table::Users);
    QCOMPARE(m_window->unseenEventCount(), 0);

    // Another program (an auth server, rotorctl) records a replay on its own connection.
    const QString ip = QStringLiteral("203.0.113.66");
    recordEventElsewhere(m_database, ip);

    QTRY_COMPARE_WITH_TIMEOUT(m_window->unseenEventCount(), 1, timeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->isAlertVisible() && m_window->alertText().contains(QStringLiteral("203.0.113.66")), timeout);
    QVERIFY(!QApplication::activeModalWidget()); // an alert, never a blocking box

    // Only the visible list loads: the events list catches up as it is shown.
    m_window->showView(Table::Events);
    QCOMPARE(m_window->unseenEventCount(), 0);
    QVERIFY(!m_window->isAlertVisible());
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->totalCount(), before + 1, timeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        events->model()->isRowLoaded(0) && events->model()->value(0, column::EventIp).toString() == ip, timeout);
}

// A change made elsewhere reloads the visible list at once; a hidden list catches up when it is shown.
void TestConsole::hiddenViewCatchesUpWhenShown()
{
    TableView *sessions = waitForView(Table::Families);
    PagedTableModel *model = sessions->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->isRowLoaded(0), timeout);
    const auto rowOf = [model](qint64 id) {
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->isRowLoaded(row) && model->value(row, column::FamilyId).toLongLong() == id)
                return row;
        }
        return -1;
    };
    qint64 id = 0;
    for (int row = 0; row < model->rowCount() && model->isRowLoaded(row) && id == 0; ++row) {
        if (model->value(row, column::FamilyState).toString() == QLatin1String("active"))
            id = model->value(row, column::FamilyId).toLongLong();
    }
    QVERIFY(id > 0);
    m_window->showView(Table::Users);
    // The feed starts on its own thread; once it has reported an event written now, it is watching, and the
    // revocation below reaches it as a change (not as part of its first look).
    recordEventElsewhere(m_database, QStringLiteral("198.51.100.9"));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->unseenEventCount(), 1, timeout);

    // Revoked from another connection, as rotorctl in another terminal would; the feed notices while the
    // Sessions list is hidden (the family_revoked event it records raises the badge).
    const SystemClock clock;
    QString error;
    QVERIFY2(AdminService(m_database.db(), clock, Actor {QStringLiteral("elsewhere"), QStringLiteral("test")})
                 .revokeFamily(id, QStringLiteral("stolen laptop"), &error),
             qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->unseenEventCount(), 2, timeout);

    m_window->showView(Table::Families);
    QTRY_VERIFY_WITH_TIMEOUT(
        rowOf(id) >= 0 && model->value(rowOf(id), column::FamilyState).toString() == QLatin1String("revoked"), timeout);
}

void TestConsole::selectionFollowsRecordOnRefresh()
{
    // Newest first: a new event comes in above the selected one and pushes it down a row.
    TableView *events = waitForView(Table::Events);
    const qint64 before = events->model()->totalCount();
    selectFirstRow(events);
    QTest::keyClick(events->tableView(), Qt::Key_Down);
    QTest::keyClick(events->tableView(), Qt::Key_Down);
    QTRY_VERIFY_WITH_TIMEOUT(events->currentRow() == 2 && !events->currentRowValues().isEmpty(), timeout);
    const qint64 selectedId = events->currentRowValues().value(column::EventId).toLongLong();
    QTRY_VERIFY_WITH_TIMEOUT(events->detailPane()->headerText().contains(QString::number(selectedId)), timeout);

    recordEventElsewhere(m_database, QStringLiteral("198.51.100.77"));
    QTRY_COMPARE_WITH_TIMEOUT(events->model()->totalCount(), before + 1, timeout);
    QTRY_VERIFY_WITH_TIMEOUT(events->model()->isRowLoaded(0)
                                 && events->model()->value(0, column::EventIp).toString()
                                     == QLatin1String("198.51.100.77"),
                             timeout);
    // The same event, one row further down, is still the selected one, and the pane still shows it.
    QTRY_COMPARE_WITH_TIMEOUT(events->currentRowValues().value(column::EventId).toLongLong(), selectedId, timeout);
    QCOMPARE(events->currentRow(), 3);
    QCOMPARE(events->selectedRows(), QList<int> {3});
    QVERIFY(events->detailPane()->headerText().contains(QString::number(selectedId)));
    QVERIFY(!events->detailPane()->headerText().contains(QStringLiteral("198.51.100.77")));
}

void TestConsole::selectionClearedWhenRecordGone()
{
    TableView *sessions = waitForView(Table::Families);
    sessions->stateCombo()->setCurrentIndex(sessions->stateCombo()->findData(QStringLiteral("active")));
    QTRY_VERIFY_WITH_TIMEOUT(
        sessions->model()->filter().state == QLatin1String("active") && !sessions->model()->isLoading(), timeout);
    selectFirstRow(sessions);
    QTest::keyClick(sessions->tableView(), Qt::Key_Down);
    QTRY_VERIFY_WITH_TIMEOUT(sessions->currentRow() == 1 && !sessions->currentRowValues().isEmpty(), timeout);
    const qint64 familyId = sessions->currentRowValues().value(column::FamilyId).toLongLong();
    QTRY_VERIFY_WITH_TIMEOUT(sessions->detailPane()->headerText().contains(QStringLiteral("Session %1").arg(familyId)),
                             timeout);

    // Revoked by another console: it leaves the list of active sessions, and the selection with it.
    QString error;
    AdminService admin(m_database.db(), m_database.clock(), Actor::forConnection(m_database.spec()));
    QVERIFY2(admin.revokeFamily(familyId, QStringLiteral("elsewhere"), &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(sessions->currentRow() < 0, timeout);
    QVERIFY(sessions->selectedRows().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(sessions->detailPane()->headerText().isEmpty(), timeout);
    QVERIFY(sessions->model()->findLoadedRow(column::FamilyId, familyId) < 0);
}

void TestConsole::selectFamilyAndUser()
{
    ListRequest replays;
    replays.table = Table::Events;
    replays.kind = QLatin1String(event_kind::replayDetected);
    replays.limit = 1;
    const qint64 familyId = m_database.list(replays).first().value(column::EventFamily).toLongLong();
    m_window->selectFamily(familyId);
    TableView *sessions = m_window->view(Table::Families);
    QCOMPARE(m_window->currentView(), sessions);
    QTRY_COMPARE_WITH_TIMEOUT(sessions->currentRowValues().value(column::FamilyId).toLongLong(), familyId, timeout);
    auto *pane = qobject_cast<FamilyDetailPane *>(sessions->detailPane());
    QTRY_VERIFY_WITH_TIMEOUT(pane->isChainLoaded(), timeout);
    QCOMPARE(pane->timeline()->entryCount(TimelineWidget::EntryKind::Replay), 1);

    ListRequest someUser;
    someUser.table = Table::Users;
    someUser.offset = 150; // not on the first screen
    someUser.limit = 1;
    const QString email = m_database.list(someUser).first().value(column::UserEmail).toString();
    m_window->selectUser(email.toUpper()); // as typed on a command line
    TableView *users = m_window->view(Table::Users);
    QCOMPARE(m_window->currentView(), users);
    QTRY_COMPARE_WITH_TIMEOUT(users->currentRowValues().value(column::UserEmail).toString(), email, timeout);
    QTRY_VERIFY_WITH_TIMEOUT(users->detailPane()->headerText().contains(email.toHtmlEscaped()), timeout);

    m_window->selectUser(QStringLiteral("nobody@nowhere.invalid"));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->statusBar()->currentMessage().contains(QStringLiteral("nobody@nowhere")),
                             timeout);

    QCOMPARE(m_window->pageIds(),
             (QStringList {QStringLiteral("users"), QStringLiteral("devices"), QStringLiteral("sessions"),
                           QStringLiteral("events"), QStringLiteral("audit"), QStringLiteral("policy"),
                           QStringLiteral("dashboard"), QStringLiteral("simulator")}));
    QVERIFY(m_window->showPage(QStringLiteral("Audit")));
    QCOMPARE(m_window->currentView(), m_window->view(Table::Audit));
    QVERIFY(!m_window->showPage(QStringLiteral("tokens")));
}

void TestConsole::selectBeforeConnected()
{
    // As the command line does it: the view and the session are asked for before the database is open.
    m_window = std::make_unique<MainWindow>();
    ListRequest families;
    families.table = Table::Families;
    families.offset = 42;
    families.limit = 1;
    const qint64 familyId = m_database.list(families).first().value(column::FamilyId).toLongLong();
    m_window->showView(Table::Events);
    m_window->selectFamily(familyId);
    m_window->show();
    m_window->openConnection(m_database.spec());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->isConnected(), timeout);
    TableView *sessions = m_window->view(Table::Families);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->currentView(), sessions, timeout);
    QTRY_COMPARE_WITH_TIMEOUT(sessions->currentRowValues().value(column::FamilyId).toLongLong(), familyId, timeout);
}

void TestConsole::englishPluralForms()
{
    // Source strings are English; without the English plural forms a count of one reads "1 sessions".
    const QStringList loaded = translations::install(qApp, QLocale(QLocale::English, QLocale::UnitedStates));
    const auto uninstall = qScopeGuard([]() { qDeleteAll(qApp->findChildren<QTranslator *>()); });
    QVERIFY2(loaded.contains(QStringLiteral(":/i18n/rotor_en.qm")), qPrintable(loaded.join(QLatin1Char(' '))));
    QCOMPARE(Presentation::rowCountText(Table::Families, 2), QStringLiteral("2 sessions"));

    ListRequest families;
    families.table = Table::Families;
    families.limit = 1;
    const qint64 familyId = m_database.list(families).first().value(column::FamilyId).toLongLong();
    waitForView(Table::Families);
    m_window->openFamily(familyId);
    auto *count = m_window->findChild<QLabel *>(QStringLiteral("countLabel"));
    QTRY_COMPARE_WITH_TIMEOUT(count->text(), QStringLiteral("1 session"), timeout);

    // Every language is embedded the same way; whatever one lacks still reads as proper English, since the English
    // plurals are always installed beneath it.
    for (const char *language : {"de", "fr", "en"})
        QVERIFY(QFile::exists(QStringLiteral(":/i18n/rotor_%1.qm").arg(QLatin1String(language))));
    qDeleteAll(qApp->findChildren<QTranslator *>());
    const QStringList german = translations::install(qApp, QLocale(QLocale::German, QLocale::Germany));
    QVERIFY2(german.contains(QStringLiteral(":/i18n/rotor_en.qm")), qPrintable(german.join(QLatin1Char(' '))));
}

void TestConsole::columnsFitTheirContents()
{
    // A first start: no remembered column layout.
    m_window.reset();
    QSettings().remove(settings::headerStateKey(Table::Users));
    openWindow(m_database.spec());
    TableView *users = waitForView(Table::Users);
    QTRY_VERIFY_WITH_TIMEOUT(users->model()->isRowLoaded(0), timeout);
    const QHeaderView *header = users->tableView()->horizontalHeader();
    const QFontMetrics metrics(users->tableView()->font());
    const int emailColumn = users->model()->modelColumn(column::UserEmail);
    const int idColumn = users->model()->modelColumn(column::UserId);
    int widest = 0;
    for (int row = 0; row < qMin(users->model()->rowCount(), PagedTableModel::pageSize); ++row)
        widest = qMax(widest, metrics.horizontalAdvance(users->model()->value(row, column::UserEmail).toString()));
    QTRY_VERIFY2_WITH_TIMEOUT(header->sectionSize(emailColumn) > widest,
                              qPrintable(QStringLiteral("%1 <= %2").arg(header->sectionSize(emailColumn)).arg(widest)),
                              timeout);
    QVERIFY2(header->sectionSize(idColumn) < 100, qPrintable(QString::number(header->sectionSize(idColumn))));
    for (int column = 0; column < header->count() - 1; ++column)
        QVERIFY(header->sectionSize(column) <= TableView::maxFittedColumnWidth);

    // The user's own widths win over fitting, once remembered.
    users->tableView()->horizontalHeader()->resizeSection(emailColumn, 333);
    m_window.reset(); // the views remember their layout as they go
    openWindow(m_database.spec());
    users = waitForView(Table::Users);
    QTRY_VERIFY_WITH_TIMEOUT(users->model()->isRowLoaded(0), timeout);
    QCOMPARE(users->tableView()->horizontalHeader()->sectionSize(emailColumn), 333);
}

void TestConsole::windowRemembersGeometry()
{
    m_window.reset();
    QSettings settings;
    settings.remove(settings::windowGeometryKey());
    settings.remove(settings::windowStateKey());
    m_window = std::make_unique<MainWindow>();
    const QSize available = m_window->screen()->availableGeometry().size();
    QCOMPARE(m_window->size(), QSize(1280, 800).boundedTo(available));
    m_window->show();
    m_window->resize(900, 580);
    QTRY_COMPARE(m_window->size(), QSize(900, 580));
    m_window->close();
    QVERIFY(settings.contains(settings::windowGeometryKey()));
    QVERIFY(settings.contains(settings::windowStateKey()));
    m_window = std::make_unique<MainWindow>();
    QCOMPARE(m_window->size(), QSize(900, 580));
}

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
