#include "AdminService.h"
#include "DatabaseWorker.h"
#include "PagedTableModel.h"
#include "Presentation.h"
#include "SecurityEvent.h"
#include "UiTestDatabase.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <functional>

using namespace rotor;

Q_DECLARE_METATYPE(rotor::Table)

// The lazy model against the Catalog it wraps: same rows, same order, same counts, whatever is asked in whatever
// order, with QAbstractItemModelTester watching every change it makes.
class TestPagedTableModel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void matchesCatalog_data();
    void matchesCatalog();
    void sortsInSql();
    void filtersInSql();
    void newestRequestWins();
    void refreshKeepsRowsAndPicksUpChanges();
    void changesCoalesceIntoOneReload();
    void failedRequestEmptiesTheList();
    void memoryStaysBounded();

private:
    // Asks for every row (as a view scrolling through would) and waits until all of them are there.
    void loadAll(PagedTableModel &model, const std::function<void(int row)> &check = {});

    UiTestDatabase m_database;
    std::unique_ptr<DatabaseWorker> m_pageWorker;
    std::unique_ptr<DatabaseWorker> m_countWorker;
};

void TestPagedTableModel::initTestCase()
{
    QString error;
    QVERIFY2(m_database.create(1000, &error), qPrintable(error));
    m_pageWorker = std::make_unique<DatabaseWorker>(m_database.spec());
    m_countWorker = std::make_unique<DatabaseWorker>(m_database.spec());
    bool opened = false;
    int answers = 0;
    for (DatabaseWorker *worker : {m_pageWorker.get(), m_countWorker.get()}) {
        worker->open(Database::OpenMode::OpenExisting, this, [&](bool ok, const QString &message) {
            opened = ok;
            error = message;
            ++answers;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(answers, 2, 10000);
    QVERIFY2(opened, qPrintable(error));
}

void TestPagedTableModel::cleanupTestCase()
{
    m_pageWorker.reset();
    m_countWorker.reset();
}

void TestPagedTableModel::loadAll(PagedTableModel &model, const std::function<void(int row)> &check)
{
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() >= 0, 10000);
    // A few pages at a time, as a view scrolling through would ask; each is checked while it is in the cache.
    const int batch = 4 * PagedTableModel::pageSize;
    for (int first = 0; first < model.rowCount(); first += batch) {
        const int end = qMin(model.rowCount(), first + batch);
        const auto allLoaded = [&] {
            bool loaded = true;
            for (int row = first; row < end; row += PagedTableModel::pageSize)
                loaded = !model.rowValues(row).isEmpty() && loaded;
            return loaded && !model.rowValues(end - 1).isEmpty() && model.isRowLoaded(first)
                && model.isRowLoaded(end - 1);
        };
        QTRY_VERIFY_WITH_TIMEOUT(allLoaded(), 10000);
        if (check) {
            for (int row = first; row < end; ++row)
                check(row);
        }
    }
}

void TestPagedTableModel::matchesCatalog_data()
{
    QTest::addColumn<Table>("table");
    QTest::newRow("users") << Table::Users;
    QTest::newRow("devices") << Table::Devices;
    QTest::newRow("sessions") << Table::Families;
    QTest::newRow("events") << Table::Events;
    QTest::newRow("audit") << Table::Audit;
    QTest::newRow("tokens") << Table::Tokens;
}

void TestPagedTableModel::matchesCatalog()
{
    QFETCH(Table, table);
    PagedTableModel model(table, m_pageWorker.get(), m_countWorker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy counted(&model, &PagedTableModel::countChanged);
    model.refresh();

    ListRequest request = model.currentRequest();
    const qint64 expectedCount = m_database.count(request);
    QVERIFY(expectedCount > 0);
    QTRY_COMPARE_WITH_TIMEOUT(model.totalCount(), expectedCount, 10000);
    QCOMPARE(model.rowCount(), int(expectedCount));
    QVERIFY(!counted.isEmpty());

    // Hidden columns are not shown; every visible one has a translated title.
    int visible = 0;
    for (const ColumnInfo &column : Catalog::columns(table))
        visible += column.hidden ? 0 : 1;
    QCOMPARE(model.columnCount(), visible);
    for (int column = 0; column < model.columnCount(); ++column)
        QCOMPARE(model.headerData(column, Qt::Horizontal).toString(),
                 Presentation::columnTitle(table, model.catalogColumn(column)));

    const QList<QVariantList> expected = m_database.list(request);
    QCOMPARE(expected.size(), model.rowCount());
    loadAll(model, [&](int row) {
        QCOMPARE(model.rowValues(row), expected.at(row));
        for (int column = 0; column < model.columnCount(); ++column) {
            const QModelIndex index = model.index(row, column);
            const QVariant raw = expected.at(row).at(model.catalogColumn(column));
            QCOMPARE(index.data(PagedTableModel::RawRole), raw);
            QCOMPARE(index.data().toString(), Presentation::displayText(table, model.catalogColumn(column), raw));
        }
    });
}

void TestPagedTableModel::sortsInSql()
{
    PagedTableModel model(Table::Users, m_pageWorker.get(), m_countWorker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() > 0, 10000);

    const int emailColumn = model.modelColumn(column::UserEmail);
    model.sort(emailColumn, Qt::DescendingOrder);
    ListRequest request = model.currentRequest();
    QCOMPARE(request.sortColumn, int(column::UserEmail));
    QVERIFY(request.descending);
    request.limit = PagedTableModel::pageSize;
    const QList<QVariantList> expected = m_database.list(request);
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(0) && model.rowValues(0) == expected.first(), 10000);
    for (int row = 0; row < expected.size(); ++row)
        QCOMPARE(model.rowValues(row), expected.at(row));
    QVERIFY(model.index(0, emailColumn).data().toString() > model.index(1, emailColumn).data().toString());
}

void TestPagedTableModel::filtersInSql()
{
    PagedTableModel model(Table::Families, m_pageWorker.get(), m_countWorker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() > 0, 10000);
    const qint64 everything = model.totalCount();

    for (const char *state : {"active", "revoked", "expired"}) {
        ListRequest filter;
        filter.state = QLatin1String(state);
        model.setFilter(filter);
        const qint64 expected = m_database.count(model.currentRequest());
        QVERIFY2(expected > 0 && expected < everything, state);
        QTRY_COMPARE_WITH_TIMEOUT(model.totalCount(), expected, 10000);
        loadAll(model,
                [&](int row) { QCOMPARE(model.value(row, column::FamilyState).toString(), QLatin1String(state)); });
    }

    ListRequest byText;
    byText.text = QStringLiteral("donald");
    model.setFilter(byText);
    const qint64 expected = m_database.count(model.currentRequest());
    QVERIFY(expected > 0);
    QTRY_COMPARE_WITH_TIMEOUT(model.totalCount(), expected, 10000);
}

void TestPagedTableModel::newestRequestWins()
{
    PagedTableModel model(Table::Events, m_pageWorker.get(), m_countWorker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh();

    // Three filters in a row, faster than any answer: only the last may ever be shown.
    ListRequest replays;
    replays.kind = QLatin1String(event_kind::replayDetected);
    ListRequest grace;
    grace.kind = QLatin1String(event_kind::graceRetry);
    ListRequest revoked;
    revoked.kind = QLatin1String(event_kind::familyRevoked);
    model.setFilter(replays);
    model.setFilter(grace);
    model.setFilter(revoked);

    const qint64 expected = m_database.count(model.currentRequest());
    QVERIFY(expected > 0);
    QVERIFY(expected != m_database.count([&] {
        ListRequest request = model.currentRequest();
        request.kind = replays.kind;
        return request;
    }()));
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() == expected && !model.isLoading(), 10000);
    const QList<QVariantList> rows = m_database.list(model.currentRequest());
    QCOMPARE(model.rowCount(), rows.size());
    loadAll(model, [&](int row) {
        QCOMPARE(model.value(row, column::EventKind).toString(), QLatin1String(event_kind::familyRevoked));
        QCOMPARE(model.rowValues(row), rows.at(row));
    });
}

void TestPagedTableModel::refreshKeepsRowsAndPicksUpChanges()
{
    PagedTableModel model(Table::Audit, m_pageWorker.get(), m_countWorker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() > 0 && model.isRowLoaded(0), 10000);
    const qint64 before = model.totalCount();

    // Another writer (as rotorctl in a terminal would be) adds an audit entry.
    QString error;
    AdminService admin(m_database.db(), m_database.clock(), Actor {QStringLiteral("tester"), QStringLiteral("here")});
    QVERIFY2(admin.setUserActive(1, false, QStringLiteral("model test"), &error), qPrintable(error));

    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    model.refresh();
    QVERIFY(!model.rowValues(0).isEmpty()); // the old rows stay on screen meanwhile
    QTRY_COMPARE_WITH_TIMEOUT(model.totalCount(), before + 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        model.isRowLoaded(0) && model.value(0, column::AuditReason).toString() == QLatin1String("model test"), 10000);
    QCOMPARE(resets.count(), 0);
    QVERIFY2(admin.setUserActive(1, true, QStringLiteral("model test done"), &error), qPrintable(error));
}

// Changes in the data never restart a load: twenty live changes make one reload, and a reload asked for while one
// runs follows it.
void TestPagedTableModel::changesCoalesceIntoOneReload()
{
    PagedTableModel model(Table::Users, m_pageWorker.get(), m_countWorker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() > 0 && model.isRowLoaded(0) && !model.isLoading(), 10000);
    QSignalSpy reloads(&model, &PagedTableModel::aboutToRefresh);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    for (int i = 0; i < 20; ++i)
        model.refreshSoon();
    QTRY_VERIFY_WITH_TIMEOUT(reloads.count() == 1 && !model.isLoading(), 10000);
    QCOMPARE(reloads.count(), 1);

    model.refresh(); // nothing runs: at once
    QCOMPARE(reloads.count(), 2);
    QVERIFY(model.isLoading());
    model.refresh();
    model.refreshSoon();
    QCOMPARE(reloads.count(), 2); // the running load is not restarted
    QVERIFY(!model.rowValues(0).isEmpty()); // and the rows stay meanwhile
    QTRY_VERIFY_WITH_TIMEOUT(reloads.count() == 3 && !model.isLoading(), 10000);
    QCOMPARE(reloads.count(), 3);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(model.rowValues(0), m_database.list(model.currentRequest()).first());
}

// A request that fails takes the old rows away (they belong to another request) and says why; the next request
// loads as usual.
void TestPagedTableModel::failedRequestEmptiesTheList()
{
    PagedTableModel model(Table::Families, m_pageWorker.get(), m_countWorker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() > 0 && model.isRowLoaded(0), 10000);
    QSignalSpy failed(&model, &PagedTableModel::failed);
    ListRequest bogus;
    bogus.state = QStringLiteral("bogus"); // the Catalog refuses it, as a database refuses a broken query
    model.setFilter(bogus);
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty() && !model.isLoading(), 10000);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.totalCount(), qint64(-1));
    QVERIFY2(model.errorString().contains(QStringLiteral("bogus")), qPrintable(model.errorString()));

    ListRequest active;
    active.state = QStringLiteral("active");
    model.setFilter(active);
    QTRY_COMPARE_WITH_TIMEOUT(model.totalCount(), m_database.count(model.currentRequest()), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(0) && !model.isLoading(), 10000);
    QVERIFY(model.errorString().isEmpty());
    QCOMPARE(model.rowValues(0), m_database.list(model.currentRequest()).first());
}

void TestPagedTableModel::memoryStaysBounded()
{
    PagedTableModel model(Table::Tokens, m_pageWorker.get(), m_countWorker.get());
    model.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(model.totalCount() > PagedTableModel::pageSize * (PagedTableModel::maxCachedPages + 2),
                             10000);
    loadAll(model);
    QVERIFY(model.cachedPageCount() <= PagedTableModel::maxCachedPages);
    // A page dropped from the cache is fetched again when it is looked at.
    QVERIFY(!model.isRowLoaded(0));
    QTRY_VERIFY_WITH_TIMEOUT(!model.rowValues(0).isEmpty() && model.isRowLoaded(0), 10000);
    QCOMPARE(model.rowValues(0), m_database.list(model.currentRequest()).first());
}

QTEST_MAIN(TestPagedTableModel)
#include "tst_pagedtablemodel.moc"
