// The console while other processes write, on SQLite and on PostgreSQL, the way production runs: the writers are
// separate processes (rotor-test-driver rotate) on their own clocks. What is on screen (rows, the detail pane, the
// timeline) keeps following continuous writes; a newer request interrupts the query still running for the old one,
// and closing never waits for it; the window holds four connections whatever is shown; a load that fails says so,
// with a retry, instead of leaving the old rows under the new filter.
#include "AdminService.h"
#include "DatabaseWorker.h"
#include "DemoSeeder.h"
#include "DetailPanes.h"
#include "MainWindow.h"
#include "PagedTableModel.h"
#include "TableView.h"
#include "TestSupport.h"
#include "TimelineWidget.h"

#include <QApplication>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSqlDatabase>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace rotor;
using namespace rotor::test;

namespace {

constexpr int timeout = 20000;
// Each writer's refreshes per second: two of them are the 50 commits a second of the issue.
constexpr int writerRate = 25;

// A process that keeps rotating one session of its own, as a busy auth server would.
class Writer
{
public:
    ~Writer() { stop(); }

    bool start(const QString &location, const QString &email, QString *error)
    {
        m_process.setProcessEnvironment(driverEnvironment());
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start(driverPath(), {QStringLiteral("rotate"), location, email, QString::number(writerRate)});
        if (!m_process.waitForStarted(10000)) {
            *error = m_process.errorString();
            return false;
        }
        // Its first line names the session it signed in.
        while (!m_process.canReadLine()) {
            if (!m_process.waitForReadyRead(30000)) {
                *error = QStringLiteral("the writer said nothing: %1").arg(QString::fromUtf8(m_process.readAll()));
                return false;
            }
        }
        const QByteArray line = m_process.readLine().trimmed();
        if (!line.startsWith("family ")) {
            *error = QString::fromUtf8(line);
            return false;
        }
        m_familyId = line.mid(7).toLongLong();
        return m_familyId > 0;
    }
    bool isWriting() const { return m_process.state() == QProcess::Running; }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();
        m_process.waitForFinished(10000);
    }
    qint64 familyId() const { return m_familyId; }

private:
    QProcess m_process;
    qint64 m_familyId = 0;
};

// Connections this process holds to the database: on SQLite its open Qt SQL connections (one per Database; the
// file's descriptors are no measure, SQLite keeps closed ones for reuse while the file is locked), on PostgreSQL the
// server's backends for this database (other than the counting one).
int connectionsTo(const ConnectionSpec &spec, Database &counter)
{
    if (spec.backend == Backend::Sqlite)
        return int(QSqlDatabase::connectionNames().size());
    return int(count(counter,
                     QStringLiteral("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                    "current_database() AND pid <> pg_backend_pid()")));
}

} // namespace

class TestLiveConsole : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void listFollowsContinuousWrites();
    void selectedSessionFollowsWrites();
    void newerRequestInterruptsRunningQuery();
    void windowHoldsFourConnections();
    void failedLoadSaysSoWithRetry();
    void workerThatCannotOpenSaysSo();

private:
    void openWindow();
    // Runs statements on a worker's own connection (what only that connection sees: temporary views).
    void execOnWorker(DatabaseWorker *worker, const QStringList &statements);
    // Shadows the users table on a worker's connection with a temporary view that is endless while the switch's
    // slow is 1, and fails while its fail is 1: the console's own list query, slow or failing on demand.
    void shadowUsers(DatabaseWorker *worker);
    void setSwitch(int slow, int fail);
    // PostgreSQL: the statements other connections to the database are running now, as pid@query_start.
    QStringList runningUserQueries();

    ScratchDatabase m_scratch;
    std::unique_ptr<Database> m_db;
    SystemClock m_clock;
    std::unique_ptr<Writer> m_writers[2];
    std::unique_ptr<MainWindow> m_window;
};

void TestLiveConsole::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(QStringLiteral("RotorTests"));
    QApplication::setApplicationName(QStringLiteral("tst_liveconsole"));
    QSettings().clear();
    QVERIFY2(!driverPath().isEmpty(), "ROTOR_TEST_DRIVER is not set");
    QString error;
    QVERIFY2(m_scratch.create(&error), qPrintable(error));
    m_db = openDatabase(m_scratch.spec(), &error);
    QVERIFY2(m_db, qPrintable(error));
    ManualClock seedClock(QDateTime::currentMSecsSinceEpoch());
    DemoSeeder seeder(*m_db, seedClock);
    SeedOptions options;
    options.users = 200;
    SeedStats stats;
    QVERIFY2(seeder.seed(options, {}, &stats, &error), qPrintable(error));
    AdminService admin(*m_db, m_clock, {QStringLiteral("tester"), QStringLiteral("tst_liveconsole")});
    for (const char *email : {"writer1@example.com", "writer2@example.com"}) {
        qint64 id = 0;
        QVERIFY2(admin.addUser(QLatin1String(email), QStringLiteral("Writer"), &id, &error), qPrintable(error));
    }
    // The switch the shadowing views of the interruption and failure tests read.
    QVERIFY2(
        m_db->exec(QStringLiteral("CREATE TABLE console_test_switch (slow integer NOT NULL, fail integer NOT NULL)"),
                   &error)
            && m_db->exec(QStringLiteral("INSERT INTO console_test_switch VALUES (0, 0)"), &error),
        qPrintable(error));
}

void TestLiveConsole::cleanup()
{
    m_window.reset();
    for (auto &writer : m_writers)
        writer.reset();
    setSwitch(0, 0);
}

void TestLiveConsole::openWindow()
{
    m_window = std::make_unique<MainWindow>();
    m_window->show();
    m_window->openConnection(m_scratch.spec());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->isConnected(), timeout);
}

void TestLiveConsole::setSwitch(int slow, int fail)
{
    QString error;
    QVERIFY2(
        m_db->exec(QStringLiteral("UPDATE console_test_switch SET slow = %1, fail = %2").arg(slow).arg(fail), &error),
        qPrintable(error));
}

void TestLiveConsole::execOnWorker(DatabaseWorker *worker, const QStringList &statements)
{
    bool done = false;
    QString error;
    worker->run<QString>(
        this,
        [statements](Database &db) {
            QString failure;
            for (const QString &statement : statements) {
                if (!db.exec(statement, &failure))
                    break;
            }
            return failure;
        },
        [&](const QString &failure) {
            error = failure;
            done = true;
        });
    QTRY_VERIFY_WITH_TIMEOUT(done, timeout);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestLiveConsole::shadowUsers(DatabaseWorker *worker)
{
    if (m_scratch.backend() == Backend::Sqlite) {
        // Endless: a recursive count that only stops when interrupted. Failing: json() of an email is an error.
        execOnWorker(
            worker,
            {QStringLiteral("CREATE TEMP VIEW users AS WITH RECURSIVE endless(i) AS (SELECT 1 WHERE (SELECT slow "
                            "FROM main.console_test_switch) = 1 UNION ALL SELECT i + 1 FROM endless) "
                            "SELECT id, email, display_name, active, token_version, created_at FROM main.users "
                            "WHERE CASE WHEN (SELECT fail FROM main.console_test_switch) = 1 "
                            "THEN json(email) IS NOT NULL ELSE 1 END "
                            "UNION ALL SELECT -i, 'endless', '', 1, 0, 0 FROM endless")});
        return;
    }
    // Endless: an hour's pg_sleep, which a cancel request stops. Failing: an email is no integer.
    execOnWorker(
        worker,
        {QStringLiteral("CREATE TEMP VIEW users AS WITH pause AS MATERIALIZED (SELECT pg_sleep(CASE WHEN s.slow = "
                        "1 THEN 3600 ELSE 0 END) FROM public.console_test_switch s) "
                        "SELECT u.id, u.email, u.display_name, u.active, u.token_version, u.created_at "
                        "FROM public.users u CROSS JOIN pause WHERE CASE WHEN (SELECT fail FROM "
                        "public.console_test_switch) = 1 THEN CAST(u.email AS integer) > 0 ELSE true END")});
}

QStringList TestLiveConsole::runningUserQueries()
{
    QList<QVariantList> rows;
    QString error;
    if (!queryRows(*m_db,
                   QStringLiteral("SELECT pid, CAST(query_start AS text) FROM pg_stat_activity WHERE datname = "
                                  "current_database() AND state = 'active' AND pid <> pg_backend_pid()"),
                   {}, &rows, &error))
        qWarning("pg_stat_activity: %s", qPrintable(error));
    QStringList running;
    for (const QVariantList &row : rows)
        running << row.value(0).toString() + QLatin1Char('@') + row.value(1).toString();
    return running;
}

// Two other processes rotate two sessions, 50 commits a second together; the Sessions list, filtered to them, shows
// their generations moving on while the writes go on.
void TestLiveConsole::listFollowsContinuousWrites()
{
    QString error;
    for (int i = 0; i < 2; ++i) {
        m_writers[i] = std::make_unique<Writer>();
        QVERIFY2(m_writers[i]->start(m_scratch.location(), QStringLiteral("writer%1@example.com").arg(i + 1), &error),
                 qPrintable(error));
    }
    openWindow();
    m_window->showView(Table::Families);
    TableView *sessions = m_window->view(Table::Families);
    QVERIFY(sessions);
    QTest::keyClicks(sessions->filterEdit(), QStringLiteral("writer"));
    PagedTableModel *model = sessions->model();
    const auto generationOf = [model](qint64 familyId) {
        const int row = model->findLoadedRow(column::FamilyId, familyId);
        return row < 0 ? -1 : model->value(row, column::FamilyGeneration).toInt();
    };
    QTRY_VERIFY_WITH_TIMEOUT(model->filter().text == QLatin1String("writer") && model->totalCount() == 2, timeout);
    auto *updated = m_window->findChild<QLabel *>(QStringLiteral("updatedLabel"));
    QVERIFY(updated);
    // Round after round the rows move on while the writers keep writing: the list keeps up, it is not refreshed
    // once and then starved.
    for (int round = 0; round < 3; ++round) {
        const int first = generationOf(m_writers[0]->familyId());
        const int second = generationOf(m_writers[1]->familyId());
        const QString stamp = updated->text();
        QTRY_VERIFY_WITH_TIMEOUT(
            generationOf(m_writers[0]->familyId()) > first && generationOf(m_writers[1]->familyId()) > second, timeout);
        QTRY_VERIFY_WITH_TIMEOUT(updated->text() != stamp, timeout);
        QVERIFY(m_writers[0]->isWriting() && m_writers[1]->isWriting());
    }
    // The selection stays where it was, and so does the filter.
    QVERIFY(sessions->currentRow() >= 0);
    QCOMPARE(model->filter().text, QStringLiteral("writer"));
    QCOMPARE(model->totalCount(), qint64(2));
}

// As `rotor-console --select-family ID` opened while another process keeps refreshing that session: the row, the
// detail pane and the timeline follow.
void TestLiveConsole::selectedSessionFollowsWrites()
{
    QString error;
    m_writers[0] = std::make_unique<Writer>();
    QVERIFY2(m_writers[0]->start(m_scratch.location(), QStringLiteral("writer1@example.com"), &error),
             qPrintable(error));
    const qint64 familyId = m_writers[0]->familyId();
    m_window = std::make_unique<MainWindow>();
    m_window->selectFamily(familyId); // before the connection opens, as the command line does
    m_window->show();
    m_window->openConnection(m_scratch.spec());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->isConnected(), timeout);
    TableView *sessions = m_window->view(Table::Families);
    QTRY_COMPARE_WITH_TIMEOUT(sessions->currentRowValues().value(column::FamilyId).toLongLong(), familyId, timeout);
    auto *pane = qobject_cast<FamilyDetailPane *>(sessions->detailPane());
    QVERIFY(pane);
    QTRY_VERIFY_WITH_TIMEOUT(pane->isChainLoaded(), timeout);
    for (int round = 0; round < 3; ++round) {
        const int shown = sessions->currentRowValues().value(column::FamilyGeneration).toInt();
        const int entries = pane->timeline()->entryCount(TimelineWidget::EntryKind::Generation);
        QTRY_VERIFY_WITH_TIMEOUT(sessions->currentRowValues().value(column::FamilyGeneration).toInt() > shown, timeout);
        const int now = sessions->currentRowValues().value(column::FamilyGeneration).toInt();
        QTRY_VERIFY_WITH_TIMEOUT(pane->headerText().contains(QString::number(now)), timeout);
        QTRY_VERIFY_WITH_TIMEOUT(pane->timeline()->entryCount(TimelineWidget::EntryKind::Generation) > entries,
                                 timeout);
        QVERIFY(m_writers[0]->isWriting());
    }
    QCOMPARE(sessions->currentRowValues().value(column::FamilyId).toLongLong(), familyId);
}

// A list's query that would never end (the users table shadowed by an endless view on the list's own connections):
// a newer filter interrupts it, its own query runs and shows its rows; the old statement really stopped (on
// PostgreSQL it left pg_stat_activity). Then closing the list while such a query runs does not wait for it.
void TestLiveConsole::newerRequestInterruptsRunningQuery()
{
    const bool postgres = m_scratch.backend() == Backend::Postgres;
    auto rows = std::make_unique<DatabaseWorker>(m_scratch.spec());
    auto counts = std::make_unique<DatabaseWorker>(m_scratch.spec());
    for (DatabaseWorker *worker : {rows.get(), counts.get()}) {
        worker->open(Database::OpenMode::OpenExisting, nullptr, [](bool, const QString &) {});
        shadowUsers(worker);
    }
    auto view = std::make_unique<TableView>(Table::Users, rows.get(), counts.get());
    view->show();
    setSwitch(1, 0);
    QTest::keyClicks(view->filterEdit(), QStringLiteral("d"));
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->filter().text == QLatin1String("d"), timeout);
    QVERIFY(view->model()->isLoading());
    QStringList endless;
    if (postgres) {
        // Both queries of the filter (its count and its first rows) are running, and would for an hour.
        QTRY_VERIFY_WITH_TIMEOUT((endless = runningUserQueries()).size() == 2, timeout);
    }

    // The user types on; the data is back to normal for the new query only.
    setSwitch(0, 0);
    QTest::keyClicks(view->filterEdit(), QStringLiteral("o"));
    ListRequest expected;
    expected.table = Table::Users;
    expected.text = QStringLiteral("do");
    Catalog catalog(*m_db, m_clock);
    qint64 matching = -1;
    QString error;
    QVERIFY2(catalog.count(expected, &matching, &error), qPrintable(error));
    QVERIFY(matching > 0);
    // Only possible if the endless statements stopped: each worker runs one statement at a time.
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->totalCount(), matching, timeout);
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->isRowLoaded(0), timeout);
    QVERIFY(rows->interruptions() >= 1);
    QVERIFY(counts->interruptions() >= 1);
    if (postgres) {
        QTRY_VERIFY_WITH_TIMEOUT(
            [&]() {
                const QStringList running = runningUserQueries();
                return std::none_of(endless.cbegin(), endless.cend(),
                                    [&](const QString &old) { return running.contains(old); });
            }(),
            timeout);
    }

    // Closing while an endless query runs: the view and its workers go at once (waiting would be for an hour).
    setSwitch(1, 0);
    QTest::keyClicks(view->filterEdit(), QStringLiteral("n"));
    QTRY_VERIFY_WITH_TIMEOUT(view->model()->filter().text == QLatin1String("don"), timeout);
    if (postgres)
        QTRY_VERIFY_WITH_TIMEOUT((endless = runningUserQueries()).size() == 2, timeout);
    view.reset();
    rows.reset();
    counts.reset();
    if (postgres)
        QTRY_VERIFY_WITH_TIMEOUT(runningUserQueries().isEmpty(), timeout);
}

// One window, every page shown and used (rows, detail panes, a revocation's preview): four connections to the
// database, never more. (Before, every list had two of its own: thirteen.)
void TestLiveConsole::windowHoldsFourConnections()
{
    const int before = connectionsTo(m_scratch.spec(), *m_db);
    openWindow();
    // The change feed opens last, once the window knows the newest event.
    QTRY_COMPARE_WITH_TIMEOUT(connectionsTo(m_scratch.spec(), *m_db) - before, 4, timeout);
    for (Table table : {Table::Users, Table::Devices, Table::Families, Table::Events, Table::Audit}) {
        m_window->showView(table);
        TableView *view = m_window->view(table);
        QTRY_VERIFY_WITH_TIMEOUT(view->model()->isRowLoaded(0) && !view->model()->isLoading(), timeout);
        view->tableView()->selectRow(1);
        QTRY_VERIFY_WITH_TIMEOUT(!view->currentRowValues().isEmpty(), timeout);
        if (table == Table::Families) {
            auto *pane = qobject_cast<FamilyDetailPane *>(view->detailPane());
            QTRY_VERIFY_WITH_TIMEOUT(pane->isChainLoaded(), timeout);
        }
        QCOMPARE(connectionsTo(m_scratch.spec(), *m_db) - before, 4);
    }
    QVERIFY(m_window->showPage(QStringLiteral("policy")));
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->findChild<QLineEdit *>(QStringLiteral("graceEdit"))->text().isEmpty(), timeout);
    QCOMPARE(connectionsTo(m_scratch.spec(), *m_db) - before, 4);
    m_window.reset();
    QTRY_COMPARE_WITH_TIMEOUT(connectionsTo(m_scratch.spec(), *m_db), before, timeout);
}

// A filter whose query fails: the list empties and says why, with a retry (never the old rows under the new filter);
// a refresh that fails keeps the rows of the same request and says they are not current.
void TestLiveConsole::failedLoadSaysSoWithRetry()
{
    auto rows = std::make_unique<DatabaseWorker>(m_scratch.spec());
    auto counts = std::make_unique<DatabaseWorker>(m_scratch.spec());
    for (DatabaseWorker *worker : {rows.get(), counts.get()}) {
        worker->open(Database::OpenMode::OpenExisting, nullptr, [](bool, const QString &) {});
        shadowUsers(worker);
    }
    TableView view(Table::Users, rows.get(), counts.get());
    view.show();
    view.load();
    PagedTableModel *model = view.model();
    QTRY_VERIFY_WITH_TIMEOUT(model->totalCount() > 0 && model->isRowLoaded(0), timeout);
    auto *retry = view.findChild<QPushButton *>(QStringLiteral("retryButton"));
    QVERIFY(retry && !retry->isVisible());

    setSwitch(0, 1);
    QTest::keyClicks(view.filterEdit(), QStringLiteral("example"));
    QTRY_VERIFY_WITH_TIMEOUT(!view.loadProblemText().isEmpty(), timeout);
    QVERIFY2(view.loadProblemText().contains(QStringLiteral("could not be loaded")),
             qPrintable(view.loadProblemText()));
    QCOMPARE(model->rowCount(), 0);
    QCOMPARE(model->totalCount(), qint64(-1));
    QVERIFY(retry->isVisible());

    setSwitch(0, 0);
    QTest::mouseClick(retry, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(model->totalCount() > 0 && model->isRowLoaded(0), timeout);
    QTRY_VERIFY_WITH_TIMEOUT(view.loadProblemText().isEmpty(), timeout);
    QVERIFY(!retry->isVisible());
    QCOMPARE(model->filter().text, QStringLiteral("example"));

    // The same request fails on a refresh: its rows stay, said to be old.
    const int shown = model->rowCount();
    setSwitch(0, 1);
    model->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(view.loadProblemText().contains(QStringLiteral("could not be refreshed")), timeout);
    QCOMPARE(model->rowCount(), shown);
    QVERIFY(!model->rowValues(0).isEmpty());
    setSwitch(0, 0);
    QTest::mouseClick(retry, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(view.loadProblemText().isEmpty(), timeout);
}

// A list whose connection cannot be opened says why where the rows would be, rather than "loading" forever.
void TestLiveConsole::workerThatCannotOpenSaysSo()
{
    ConnectionSpec broken = m_scratch.spec();
    if (broken.backend == Backend::Sqlite)
        broken.sqlitePath = QDir::temp().filePath(QStringLiteral("rotor-no-such-dir/none.sqlite"));
    else
        broken.databaseName = QStringLiteral("rotor_no_such_database");
    DatabaseWorker rows(broken);
    DatabaseWorker counts(broken);
    for (DatabaseWorker *worker : {&rows, &counts})
        worker->open(Database::OpenMode::OpenExisting, nullptr, [](bool, const QString &) {});
    TableView view(Table::Users, &rows, &counts);
    view.show();
    view.load();
    QTRY_VERIFY_WITH_TIMEOUT(!view.loadProblemText().isEmpty(), timeout);
    QVERIFY(!view.model()->isLoading());
    const QString expected
        = broken.backend == Backend::Sqlite ? QStringLiteral("none.sqlite") : QStringLiteral("rotor_no_such_database");
    QVERIFY2(view.loadProblemText().contains(expected), qPrintable(view.loadProblemText()));
}

QTEST_MAIN(TestLiveConsole)
#include "tst_liveconsole.moc"
