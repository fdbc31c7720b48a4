// The Dashboard page on a seeded demo database, offscreen: what it draws (bars per bucket, a point per hour of live
// sessions, the totals, the top lists) is exactly core's figures for the same range and instant; another range redraws
// it; a write elsewhere reaches it live, incrementally; a top user opens Security events narrowed to that user; it
// loads nothing while hidden; a failing query or database shows an error with a retry, never a stuck "Loading".
#include "Clock.h"
#include "Dashboard.h"
#include "DashboardPage.h"
#include "DashboardView.h"
#include "Keys.h"
#include "MainWindow.h"
#include "PagedTableModel.h"
#include "Presentation.h"
#include "RotationService.h"
#include "TableView.h"
#include "UiTestDatabase.h"

#include <QAbstractBarSeries>
#include <QApplication>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QFrame>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>
#include <QTreeWidget>

using namespace rotor;

namespace {

constexpr int timeout = 20000;

// Core's own figures for the range and instant the page computed, on the test's own connection.
DashboardFigures coreFigures(Database &db, const DashboardFigures &shown)
{
    ManualClock clock(shown.computedAt);
    DashboardFigures figures;
    QString error;
    if (!Dashboard(db, clock).compute(shown.range, nullptr, &figures, &error))
        qFatal("core's dashboard failed: %s", qPrintable(error));
    return figures;
}

QList<qint64> barValues(QBarSet *set)
{
    QList<qint64> values;
    for (int i = 0; i < set->count(); ++i)
        values.append(qint64(set->at(i)));
    return values;
}

QAbstractBarSeries *barSeries(QChartView *view)
{
    const QList<QAbstractSeries *> series = view->chart()->series();
    return series.size() == 1 ? qobject_cast<QAbstractBarSeries *>(series.first()) : nullptr;
}

} // namespace

class TestDashboardPage : public QObject
{
    Q_OBJECT

private:
    // What the page draws against core's figures: bars, points, totals and lists.
    void compareDrawing(DashboardPage *page)
    {
        QVERIFY(page->hasFigures());
        const DashboardFigures &shown = page->figures();
        const DashboardFigures core = coreFigures(m_database.db(), shown);
        QCOMPARE(shown.refreshes, core.refreshes);
        QCOMPARE(shown.signIns, core.signIns);
        QCOMPARE(shown.replaysSecondParty, core.replaysSecondParty);
        QCOMPARE(shown.replaysSameClient, core.replaysSameClient);
        QCOMPARE(shown.liveSessions, core.liveSessions);
        const int buckets = core.range.bucketCount();

        DashboardView *view = page->view();
        QAbstractBarSeries *refreshes = barSeries(view->refreshesChart());
        QVERIFY(refreshes);
        QCOMPARE(refreshes->count(), 2);
        QCOMPARE(refreshes->barSets().at(0)->count(), buckets);
        QCOMPARE(barValues(refreshes->barSets().at(0)), core.refreshes);
        QCOMPARE(barValues(refreshes->barSets().at(1)), core.signIns);
        QAbstractBarSeries *replays = barSeries(view->replaysChart());
        QVERIFY(replays);
        QCOMPARE(replays->type(), QAbstractSeries::SeriesTypeStackedBar);
        QCOMPARE(replays->count(), 2); // no replay without a verdict in the demo data
        QCOMPARE(barValues(replays->barSets().at(0)), core.replaysSecondParty);
        QCOMPARE(barValues(replays->barSets().at(1)), core.replaysSameClient);
        const QList<QAbstractSeries *> lines = view->sessionsChart()->chart()->series();
        QCOMPARE(lines.size(), 1);
        auto *live = qobject_cast<QLineSeries *>(lines.first());
        QVERIFY(live);
        QCOMPARE(live->count(), core.range.slotCount() + 1); // every hour, and the end
        for (int i = 0; i < live->count(); ++i) {
            QCOMPARE(qint64(live->at(i).x()), core.liveSessionTimes.at(i));
            QCOMPARE(qint64(live->at(i).y()), core.liveSessions.at(i));
        }

        const QList<std::pair<const char *, qint64>> totals = {{"totalRefreshes", core.totalRefreshes()},
                                                               {"totalSignIns", core.totalSignIns()},
                                                               {"totalSecondParty", core.totalSecondParty()},
                                                               {"totalSameClient", core.totalSameClient()},
                                                               {"liveSessionsNow", core.liveAtEnd()}};
        for (const auto &[name, value] : totals) {
            auto *label = view->findChild<QLabel *>(QLatin1String(name));
            QVERIFY2(label, name);
            QCOMPARE(label->text(), Presentation::formatCount(value));
        }

        QTreeWidget *users = view->topUsers();
        QCOMPARE(users->topLevelItemCount(), qMax(1, int(core.topUsers.size()))); // or one "no replays" line
        for (int i = 0; i < core.topUsers.size(); ++i) {
            QCOMPARE(users->topLevelItem(i)->text(0), core.topUsers.at(i).email);
            QCOMPARE(users->topLevelItem(i)->text(1), Presentation::formatCount(core.topUsers.at(i).replays));
        }
        QTreeWidget *addresses = view->topAddresses();
        QCOMPARE(addresses->topLevelItemCount(), qMax(1, int(core.topAddresses.size())));
        for (int i = 0; i < core.topAddresses.size(); ++i)
            QCOMPARE(addresses->topLevelItem(i)->text(0), core.topAddresses.at(i).ip);
    }

    DashboardPage *openDashboard(MainWindow *window)
    {
        window->show();
        window->openConnection(m_database.spec());
        if (!QTest::qWaitFor([&]() { return window->isConnected(); }, timeout))
            return nullptr;
        auto *page = qobject_cast<DashboardPage *>(window->page(QStringLiteral("dashboard")));
        if (!page)
            return nullptr;
        QTest::keySequence(window, QKeySequence(QStringLiteral("Ctrl+7")));
        if (!QTest::qWaitFor([&]() { return page->hasFigures() && !page->isLoading(); }, timeout))
            return nullptr;
        return page;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("RotorTests"));
        QApplication::setApplicationName(QStringLiteral("tst_dashboardpage"));
        QSettings().clear();
        QString error;
        QVERIFY2(m_database.create(1000, &error), qPrintable(error));
    }

    void drawsCoreFigures()
    {
        MainWindow window;
        DashboardPage *page = openDashboard(&window);
        QVERIFY(page);
        QCOMPARE(window.currentPage(), page);
        QCOMPARE(page->figures().range.bucketCount(), 7); // the default: the last 7 days, per day
        QCOMPARE(page->figures().range.bucket, DashboardRange::Bucket::Day);
        QVERIFY(page->figures().totalRefreshes() > 0);
        QVERIFY(!page->figures().topUsers.isEmpty());
        compareDrawing(page);
        QVERIFY(!window.findChild<QLabel *>(QStringLiteral("dashboardLoading"))->isVisible());
        QVERIFY(!window.findChild<QFrame *>(QStringLiteral("dashboardError"))->isVisible());
        QCOMPARE(window.findChild<QLabel *>(QStringLiteral("countLabel"))->text(), page->statusText());
    }

    void otherRangesRedraw_data()
    {
        QTest::addColumn<int>("preset");
        QTest::addColumn<int>("buckets");
        QTest::newRow("24 hours") << int(DashboardPage::Preset::Last24Hours) << 24;
        QTest::newRow("30 days") << int(DashboardPage::Preset::Last30Days) << 30;
        QTest::newRow("90 days") << int(DashboardPage::Preset::Last90Days) << 90;
    }

    void otherRangesRedraw()
    {
        QFETCH(int, preset);
        QFETCH(int, buckets);
        MainWindow window;
        DashboardPage *page = openDashboard(&window);
        QVERIFY(page);
        page->setPreset(DashboardPage::Preset(preset));
        QTRY_COMPARE_WITH_TIMEOUT(page->hasFigures() ? page->figures().range.bucketCount() : 0, buckets, timeout);
        QTRY_VERIFY_WITH_TIMEOUT(!page->isLoading(), timeout);
        compareDrawing(page);
    }

    void customRange()
    {
        MainWindow window;
        DashboardPage *page = openDashboard(&window);
        QVERIFY(page);
        const QDateTime now = QDateTime::currentDateTime();
        page->setCustomRange(now.addDays(-20), now.addDays(-19).addSecs(3600));
        QTRY_VERIFY_WITH_TIMEOUT(page->figures().range.bucket == DashboardRange::Bucket::Hour && !page->isLoading(),
                                 timeout);
        QCOMPARE(page->figures().range.until, now.addDays(-19).addSecs(3600).toMSecsSinceEpoch());
        compareDrawing(page);
        // Backwards: said, and nothing is computed.
        page->setCustomRange(now, now.addDays(-1));
        QTRY_VERIFY_WITH_TIMEOUT(!page->errorText().isEmpty(), timeout);
        QVERIFY2(page->errorText().contains(QStringLiteral("after")), qPrintable(page->errorText()));
        QVERIFY(!page->isLoading());
        QVERIFY(!window.findChild<QPushButton *>(QStringLiteral("dashboardRetryButton"))->isVisible());
    }

    // A sign-in and refreshes written by someone else arrive through the change feed, incrementally.
    void followsTheChangeFeed()
    {
        MainWindow window;
        DashboardPage *page = openDashboard(&window);
        QVERIFY(page);
        const qint64 signInsBefore = page->figures().totalSignIns();
        const qint64 refreshesBefore = page->figures().totalRefreshes();
        Keys keys;
        QString error;
        QVERIFY2(Keys::fromMaster(QByteArray(32, 'k'), &keys, &error), qPrintable(error));
        SystemClock clock;
        RotationService rotation(m_database.db(), keys, clock);
        ListRequest anyUser;
        anyUser.table = Table::Users;
        anyUser.state = QStringLiteral("active");
        anyUser.limit = 1;
        const QString email = m_database.list(anyUser).first().value(column::UserEmail).toString();
        const DeviceInfo device {QStringLiteral("live-test"), QStringLiteral("Live test"), QStringLiteral("192.0.2.9"),
                                 QStringLiteral("LiveTest/1")};
        const LoginResult login = rotation.login(email, device);
        QVERIFY2(login.ok(), qPrintable(login.error));
        const RefreshResult rotated = rotation.refresh(login.tokens.refreshToken, device);
        QVERIFY2(rotated.ok(), qPrintable(rotated.error));
        QTRY_VERIFY_WITH_TIMEOUT(page->figures().totalSignIns() == signInsBefore + 1
                                     && page->figures().totalRefreshes() == refreshesBefore + 1,
                                 timeout);
        QVERIFY(page->figures().slotsReused > 0); // only the last hours were read again
        QTRY_VERIFY_WITH_TIMEOUT(!page->isLoading(), timeout);
        compareDrawing(page);
    }

    void topUserOpensTheirEvents()
    {
        MainWindow window;
        DashboardPage *page = openDashboard(&window);
        QVERIFY(page);
        QTreeWidget *users = page->view()->topUsers();
        QVERIFY(!page->figures().topUsers.isEmpty());
        const DashboardTopUser top = page->figures().topUsers.first();
        users->setFocus();
        users->setCurrentItem(users->topLevelItem(0));
        QTest::keyClick(users, Qt::Key_Return);
        QCOMPARE(window.currentPage(), window.page(QStringLiteral("events")));
        TableView *events = window.view(Table::Events);
        QVERIFY(events);
        auto *scope = events->findChild<QLabel *>(QStringLiteral("scopeLabel"));
        QVERIFY(scope && scope->isVisible());
        QVERIFY2(scope->text().contains(top.email), qPrintable(scope->text()));
        // The list holds that user's events only, the replays among them.
        ListRequest request;
        request.table = Table::Events;
        request.userId = top.userId;
        QTRY_COMPARE_WITH_TIMEOUT(events->model()->totalCount(), m_database.count(request), timeout);
    }

    // Hidden, a change marks it for later; shown, it reloads.
    void loadsOnlyWhileVisible()
    {
        MainWindow window;
        DashboardPage *page = openDashboard(&window);
        QVERIFY(page);
        window.showPage(QStringLiteral("users"));
        QVERIFY(!page->widget()->isVisible());
        QSignalSpy loads(page, &DashboardPage::loadFinished);
        window.refreshAll();
        QVERIFY(!page->isLoading());
        QVERIFY(page->isStale());
        window.showPage(QStringLiteral("dashboard"));
        QTRY_VERIFY_WITH_TIMEOUT(!loads.isEmpty(), timeout);
        QVERIFY(!page->isStale());
    }

    // A query that fails: the error and a retry, the last figures kept; the retry works once the cause is gone.
    void failedLoadOffersRetry()
    {
        MainWindow window;
        DashboardPage *page = openDashboard(&window);
        QVERIFY(page);
        QSqlQuery alter(m_database.db().handle());
        QVERIFY2(alter.exec(QStringLiteral("ALTER TABLE security_events RENAME TO security_events_away")),
                 qPrintable(alter.lastError().text()));
        page->recompute();
        QTRY_VERIFY_WITH_TIMEOUT(!page->errorText().isEmpty(), timeout);
        QVERIFY2(page->errorText().contains(QStringLiteral("security_events")), qPrintable(page->errorText()));
        auto *errorBar = window.findChild<QFrame *>(QStringLiteral("dashboardError"));
        auto *retry = window.findChild<QPushButton *>(QStringLiteral("dashboardRetryButton"));
        QVERIFY(errorBar->isVisible() && retry->isVisible());
        QVERIFY(!window.findChild<QLabel *>(QStringLiteral("dashboardLoading"))->isVisible());
        QVERIFY(!page->isLoading());
        QVERIFY(page->hasFigures()); // the last figures stay on screen
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("dashboardStatus"))->text().contains(QStringLiteral("not")));

        QVERIFY2(alter.exec(QStringLiteral("ALTER TABLE security_events_away RENAME TO security_events")),
                 qPrintable(alter.lastError().text()));
        QSignalSpy loads(page, &DashboardPage::loadFinished);
        QTest::mouseClick(retry, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!loads.isEmpty() && page->errorText().isEmpty(), timeout);
        QVERIFY(!errorBar->isVisible());
        compareDrawing(page);
    }

    // A database that cannot be opened: explained, with a retry, not "Loading" for ever.
    void unopenableDatabase()
    {
        QTemporaryDir dir;
        DashboardPage page;
        page.attach({ConnectionSpec::sqlite(dir.filePath(QStringLiteral("missing.sqlite"))), nullptr, nullptr});
        page.widget()->show();
        page.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!page.errorText().isEmpty(), timeout);
        // The reason, whichever of the open or the computation behind it reports it first.
        QVERIFY2(page.errorText().contains(QStringLiteral("missing.sqlite")), qPrintable(page.errorText()));
        QVERIFY(!page.isLoading());
        QVERIFY(!page.widget()->findChild<QLabel *>(QStringLiteral("dashboardLoading"))->isVisible());
        auto *retry = page.widget()->findChild<QPushButton *>(QStringLiteral("dashboardRetryButton"));
        QVERIFY(retry->isVisible());
        QSignalSpy loads(&page, &DashboardPage::loadFinished);
        QTest::mouseClick(retry, Qt::LeftButton); // still missing: the same answer, again
        QTRY_VERIFY_WITH_TIMEOUT(!loads.isEmpty(), timeout);
        QVERIFY(!page.errorText().isEmpty());
        QVERIFY(!page.isLoading());
        page.detach();
    }

private:
    UiTestDatabase m_database;
};

QTEST_MAIN(TestDashboardPage)
#include "tst_dashboardpage.moc"
