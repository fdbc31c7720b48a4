// console_bench: the console as a person uses it, timed from the input event to the first painted rows, on a
// database of 100k users and about 1M refresh tokens, on SQLite and PostgreSQL. It drives the real MainWindow
// (offscreen) and times: opening the database to the first rows of each list, a typed filter to its result, a sort
// change, a jump to the last row, a 50-generation session's timeline; how old the screen is while another process
// commits 50 rotations a second; the console's peak RSS. Its floor, in the same run: the same list queries (the
// Catalog's own SQL text and values) through sqlite3 / libpq directly, with no framework, so the ratios hold on a
// noisy machine. The console runs in a child process of its own (its RSS is its own), as do the seeding and the
// writer.

#include "BenchSupport.h"

#include "AdminService.h"
#include "Catalog.h"
#include "Clock.h"
#include "ConnectionSpec.h"
#include "Database.h"
#include "DemoSeeder.h"
#include "DetailPanes.h"
#include "Keys.h"
#include "MainWindow.h"
#include "PagedTableModel.h"
#include "RotationService.h"
#include "TableView.h"
#include "TimelineWidget.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <cstdio>
#include <functional>
#include <map>
#include <memory>

namespace {

using namespace bench;
using List = rotor::Table; // bench::Table is the printed table
using rotor::Catalog;
using rotor::ListRequest;
using rotor::PagedTableModel;
namespace column = rotor::column;

const char usageText[] = R"(usage: console_bench [options]

Drives rotor-console's real main window offscreen on a seeded database (100k users, about 1M refresh tokens) and
times, from the input event to the first painted rows: opening the database to each list's first rows, a typed
filter, a sort change, a jump to the last row, a 50-generation session's timeline; then how old the screen is while
another process commits 50 rotations a second, and the console's peak RSS. Its floor is the same list queries (the
Catalog's SQL text and values) through sqlite3 / libpq directly, in the same run.

Options:
  --users N          demo users (default 100000: about 200k sessions and 1M refresh tokens)
  --reps R           repetitions of each console measurement; the median is reported (default 3)
  --live-seconds S   how long the screen's age is sampled under writes (default 10)
  --write-rate N     the other process's commits a second (default 50)
  --pg URI           also run on PostgreSQL (creates and drops a database rotor_console_bench there)
  --no-sqlite        PostgreSQL only
  --dir DIR          folder for the SQLite file (default: a fresh temporary folder, removed afterwards)
  --json FILE        results as JSON (default bench-results/console.json)
  -h, --help         this text
)";

constexpr int timeoutMs = 120000;
constexpr int typingIntervalMs = 120; // a person typing fast
const QString writerEmail = QStringLiteral("benchwriter@example.com");
const QString timelineEmail = QStringLiteral("benchtimeline@example.com");

struct Options
{
    int users = 100000;
    int reps = 3;
    int liveSeconds = 10;
    int writeRate = 50;
    bool sqlite = true;
    QString pgUri;
    QString dir;
    QString jsonPath = QStringLiteral("bench-results/console.json");
};

// ------------------------------------------------------------------------------------------------------------------
// What the console is asked, and what the floor runs for it: the same requests.

QString pageId(List table)
{
    switch (table) {
    case List::Users:
        return QStringLiteral("users");
    case List::Devices:
        return QStringLiteral("devices");
    case List::Families:
        return QStringLiteral("sessions");
    case List::Events:
        return QStringLiteral("events");
    case List::Audit:
        return QStringLiteral("audit");
    case List::Tokens:
        break;
    }
    return QString();
}

// A list's request as the console first asks it: no filter, its default order, the first page.
ListRequest defaultRequest(List table)
{
    ListRequest request;
    request.table = table;
    request.descending = table == List::Events || table == List::Audit;
    request.limit = PagedTableModel::pageSize;
    return request;
}

// What a person types into each list's filter, and the column header clicked to sort it.
QString typedFilter(List table)
{
    return table == List::Users ? QStringLiteral("liskov") : QStringLiteral("grace");
}
int sortColumn(List table)
{
    return table == List::Users ? int(column::UserEmail) : int(column::FamilyLastUsed);
}

// ------------------------------------------------------------------------------------------------------------------
// The floor: a statement through the database's C API, every row and column read.

class Floor
{
public:
    virtual ~Floor() = default;
    // Runs the statement and reads every value of every row; *rows gets the number of rows, *first (if given) the
    // first value of the first row as a number (a count).
    virtual bool run(const Catalog::Statement &statement, qint64 *rows, QString *error, qint64 *first = nullptr) = 0;
    // Closes the connection and opens a new one (what opening a database costs the floor).
    virtual bool reopen() = 0;

    // The same statements the console's Catalog runs for these requests (list and count), in ms.
    double time(const QList<std::pair<ListRequest, bool>> &requests, bool reconnect, QString *error)
    {
        const auto start = SteadyClock::now();
        if (reconnect && !reopen()) {
            *error = QStringLiteral("the floor cannot reconnect");
            return -1;
        }
        for (const auto &[request, isCount] : requests) {
            Catalog::Statement statement;
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            if (!(isCount ? Catalog::countStatement(request, now, &statement, error)
                          : Catalog::listStatement(request, now, &statement, error)))
                return -1;
            qint64 rows = 0;
            if (!run(statement, &rows, error))
                return -1;
        }
        return microsecondsBetween(start, SteadyClock::now()) / 1000.0;
    }
};

// The names the statement text uses, in order of appearance (a name may appear more than once).
QStringList namesIn(const QString &sql)
{
    QStringList names;
    for (int i = 0; i < sql.size(); ++i) {
        if (sql.at(i) != QLatin1Char(':') || i + 1 >= sql.size() || !sql.at(i + 1).isLower())
            continue;
        int end = i + 1;
        while (end < sql.size() && (sql.at(end).isLower() || sql.at(end) == QLatin1Char('_')))
            ++end;
        names << sql.mid(i, end - i);
        i = end - 1;
    }
    return names;
}

class SqliteFloor final : public Floor
{
public:
    explicit SqliteFloor(const QString &path)
        : m_path(path.toUtf8())
    {
        reopen();
    }
    ~SqliteFloor() override { sqlite3_close(m_db); }
    bool isOpen() const { return m_db; }
    bool reopen() override
    {
        sqlite3_close(m_db);
        if (sqlite3_open_v2(m_path.constData(), &m_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            sqlite3_close(m_db);
            m_db = nullptr;
        }
        return m_db;
    }

    bool run(const Catalog::Statement &statement, qint64 *rows, QString *error, qint64 *first) override
    {
        const QByteArray sql = statement.sql.toUtf8();
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.constData(), int(sql.size()), &stmt, nullptr) != SQLITE_OK) {
            *error = QString::fromUtf8(sqlite3_errmsg(m_db));
            return false;
        }
        std::vector<QByteArray> texts; // alive until the statement ran
        for (auto it = statement.values.cbegin(); it != statement.values.cend(); ++it) {
            const int index = sqlite3_bind_parameter_index(stmt, it.key().toUtf8().constData());
            if (index == 0)
                continue;
            const QVariant &value = it.value();
            if (value.typeId() == QMetaType::QString) {
                texts.push_back(value.toString().toUtf8());
                sqlite3_bind_text(stmt, index, texts.back().constData(), int(texts.back().size()), SQLITE_STATIC);
            } else if (value.typeId() == QMetaType::Bool) {
                sqlite3_bind_int(stmt, index, value.toBool() ? 1 : 0);
            } else {
                sqlite3_bind_int64(stmt, index, value.toLongLong());
            }
        }
        int rc;
        const int columns = sqlite3_column_count(stmt);
        qint64 bytes = 0;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            if (first && *rows == 0)
                *first = sqlite3_column_int64(stmt, 0);
            ++*rows;
            for (int c = 0; c < columns; ++c)
                bytes += sqlite3_column_bytes(stmt, c); // reads each value, as the console does
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE) {
            *error = QString::fromUtf8(sqlite3_errmsg(m_db));
            return false;
        }
        return bytes >= 0;
    }

private:
    QByteArray m_path;
    sqlite3 *m_db = nullptr;
};

class PostgresFloor final : public Floor
{
public:
    explicit PostgresFloor(const QByteArray &conninfo)
        : m_conninfo(conninfo)
        , m_conn(PQconnectdb(conninfo.constData()))
    { }
    ~PostgresFloor() override { PQfinish(m_conn); }
    bool isOpen() const { return PQstatus(m_conn) == CONNECTION_OK; }
    bool reopen() override
    {
        PQfinish(m_conn);
        m_conn = PQconnectdb(m_conninfo.constData());
        return isOpen();
    }

    bool run(const Catalog::Statement &statement, qint64 *rows, QString *error, qint64 *first) override
    {
        // Named values to $1, $2, ... (each name once), bound as text: one round trip, PQexecParams.
        QString sql = statement.sql;
        QStringList order;
        for (const QString &name : namesIn(statement.sql)) {
            if (!order.contains(name))
                order << name;
        }
        // Longest names first, so :until is not taken for a prefix of another name.
        QStringList byLength = order;
        std::sort(byLength.begin(), byLength.end(),
                  [](const QString &a, const QString &b) { return a.size() > b.size(); });
        for (const QString &name : byLength)
            sql.replace(name, QStringLiteral("$%1").arg(order.indexOf(name) + 1));
        std::vector<QByteArray> texts;
        for (const QString &name : order) {
            const QVariant value = statement.values.value(name);
            texts.push_back(value.typeId() == QMetaType::Bool ? QByteArray(value.toBool() ? "true" : "false")
                                                              : value.toString().toUtf8());
        }
        std::vector<const char *> values;
        for (const QByteArray &text : texts)
            values.push_back(text.constData());
        PGresult *result = PQexecParams(m_conn, sql.toUtf8().constData(), int(values.size()), nullptr, values.data(),
                                        nullptr, nullptr, 0);
        if (PQresultStatus(result) != PGRES_TUPLES_OK) {
            *error = QString::fromUtf8(PQresultErrorMessage(result));
            PQclear(result);
            return false;
        }
        qint64 bytes = 0;
        *rows = PQntuples(result);
        if (first && *rows > 0)
            *first = QByteArray(PQgetvalue(result, 0, 0)).toLongLong();
        for (int r = 0; r < PQntuples(result); ++r) {
            for (int c = 0; c < PQnfields(result); ++c)
                bytes += PQgetlength(result, r, c);
        }
        PQclear(result);
        return bytes >= 0;
    }

private:
    QByteArray m_conninfo;
    PGconn *m_conn;
};

QByteArray conninfoOf(const rotor::ConnectionSpec &spec)
{
    QStringList parts {QStringLiteral("host=") + spec.host, QStringLiteral("port=%1").arg(spec.port),
                       QStringLiteral("dbname=") + spec.databaseName};
    if (!spec.userName.isEmpty())
        parts << QStringLiteral("user=") + spec.userName;
    if (!spec.password.isEmpty())
        parts << QStringLiteral("password=") + spec.password;
    return parts.join(QLatin1Char(' ')).toUtf8();
}

QString locationOf(const rotor::ConnectionSpec &spec)
{
    if (spec.backend == rotor::Backend::Sqlite)
        return spec.sqlitePath;
    QString uri = QStringLiteral("postgresql://");
    if (!spec.userName.isEmpty()) {
        uri += spec.userName;
        if (!spec.password.isEmpty())
            uri += QLatin1Char(':') + spec.password;
        uri += QLatin1Char('@');
    }
    return uri + QStringLiteral("%1:%2/%3").arg(spec.host).arg(spec.port).arg(spec.databaseName);
}

// ------------------------------------------------------------------------------------------------------------------
// Child: seeding (its memory is not the console's).

int childSeed(const QString &location, int users)
{
    rotor::ConnectionSpec spec;
    QString error;
    rotor::Keys keys;
    if (!rotor::ConnectionSpec::parse(location, &spec, &error)
        || !rotor::Keys::fromMaster(QByteArray(32, 'b'), &keys, &error)) {
        std::fprintf(stderr, "console_bench seed: %s\n", qPrintable(error));
        return 1;
    }
    rotor::Database db(spec);
    if (!db.open(rotor::Database::OpenMode::CreateIfMissing, &error)) {
        std::fprintf(stderr, "console_bench seed: %s\n", qPrintable(error));
        return 1;
    }
    const rotor::SystemClock clock;
    rotor::DemoSeeder seeder(db, clock);
    rotor::SeedOptions options;
    options.users = users;
    rotor::SeedStats stats;
    if (!seeder.seed(options, {}, &stats, &error)) {
        std::fprintf(stderr, "console_bench seed: %s\n", qPrintable(error));
        return 1;
    }
    // The writer's user, and a session with a chain of 50 refreshes for the timeline.
    rotor::AdminService admin(db, clock, {QStringLiteral("bench"), QStringLiteral("console_bench")});
    qint64 id = 0;
    if (!admin.addUser(writerEmail, QStringLiteral("Bench Writer"), &id, &error)
        || !admin.addUser(timelineEmail, QStringLiteral("Bench Timeline"), &id, &error)) {
        std::fprintf(stderr, "console_bench seed: %s\n", qPrintable(error));
        return 1;
    }
    rotor::RotationService rotation(db, keys, clock);
    const rotor::DeviceInfo device {QStringLiteral("bench-phone"), QStringLiteral("Bench phone"),
                                    QStringLiteral("10.7.0.1"), QStringLiteral("BenchAgent/1")};
    const rotor::LoginResult login = rotation.login(timelineEmail, device);
    if (!login.ok()) {
        std::fprintf(stderr, "console_bench seed: %s\n", qPrintable(login.error));
        return 1;
    }
    QByteArray token = login.tokens.refreshToken;
    for (int i = 0; i < 50; ++i) {
        const rotor::RefreshResult step = rotation.refresh(token, device);
        if (!step.ok()) {
            std::fprintf(stderr, "console_bench seed: refresh: %s\n", qPrintable(step.error));
            return 1;
        }
        token = step.tokens.refreshToken;
    }
    // A deployment's statistics are current (autovacuum on PostgreSQL); the planner is given the same here.
    if (!db.exec(QStringLiteral("ANALYZE"), &error)) {
        std::fprintf(stderr, "console_bench seed: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("seeded %lld users, %lld sessions, %lld refresh tokens, %lld events, %lld audit entries\n", stats.users,
                stats.families, stats.tokens, stats.events, stats.auditEntries);
    std::printf("family50 %lld\n", login.tokens.familyId);
    return 0;
}

// ------------------------------------------------------------------------------------------------------------------
// Child: the other process, committing rotations at a steady rate; says "g GENERATION MS" after each commit.

int childWrite(const QString &location, int perSecond)
{
    rotor::ConnectionSpec spec;
    QString error;
    rotor::Keys keys;
    if (!rotor::ConnectionSpec::parse(location, &spec, &error)
        || !rotor::Keys::fromMaster(QByteArray(32, 'b'), &keys, &error)) {
        std::fprintf(stderr, "console_bench write: %s\n", qPrintable(error));
        return 1;
    }
    rotor::Database db(spec);
    if (!db.open(rotor::Database::OpenMode::OpenExisting, &error)) {
        std::fprintf(stderr, "console_bench write: %s\n", qPrintable(error));
        return 1;
    }
    const rotor::SystemClock clock;
    rotor::RotationService rotation(db, keys, clock);
    const rotor::DeviceInfo device {QStringLiteral("bench-writer"), QStringLiteral("Bench writer"),
                                    QStringLiteral("10.7.0.2"), QStringLiteral("BenchWriter/1")};
    const rotor::LoginResult login = rotation.login(writerEmail, device);
    if (!login.ok()) {
        std::fprintf(stderr, "console_bench write: %s\n", qPrintable(login.error));
        return 1;
    }
    std::printf("family %lld\n", login.tokens.familyId);
    std::fflush(stdout);
    QByteArray token = login.tokens.refreshToken;
    const qint64 intervalNs = 1'000'000'000LL / qMax(1, perSecond);
    QElapsedTimer paced;
    paced.start();
    for (qint64 done = 1;; ++done) {
        const rotor::RefreshResult step = rotation.refresh(token, device);
        if (!step.ok()) {
            std::fprintf(stderr, "console_bench write: refresh: %s\n", qPrintable(step.error));
            return 1;
        }
        token = step.tokens.refreshToken;
        std::printf("g %d %lld\n", step.tokens.generation, QDateTime::currentMSecsSinceEpoch());
        std::fflush(stdout);
        const qint64 ahead = done * intervalNs - paced.nsecsElapsed();
        if (ahead > 0)
            QThread::usleep(quint64(ahead / 1000));
    }
}

// ------------------------------------------------------------------------------------------------------------------
// Child: the console.

// Times from an input to the end of the first paint of a widget at which ready() holds: an application-wide event
// filter sees every paint; the end of that paint is the next pass of the event loop.
class PaintProbe : public QObject
{
public:
    PaintProbe(std::function<QWidget *()> target, std::function<bool()> ready)
        : m_target(std::move(target))
        , m_ready(std::move(ready))
    { }

    // ms from input() to the painted result, or -1 if it did not come within timeoutMs.
    double measure(const std::function<void()> &input, int timeout = timeoutMs)
    {
        QEventLoop loop;
        m_loop = &loop;
        qApp->installEventFilter(this);
        QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
        const SteadyClock::time_point start = SteadyClock::now();
        input();
        if (!m_done)
            loop.exec();
        qApp->removeEventFilter(this);
        m_loop = nullptr;
        return m_done ? microsecondsBetween(start, m_end) / 1000.0 : -1;
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() != QEvent::Paint || m_painted)
            return false;
        QWidget *widget = m_target();
        if (!widget || watched != widget || !m_ready())
            return false;
        m_painted = true;
        QTimer::singleShot(0, this, [this]() {
            m_end = SteadyClock::now();
            m_done = true;
            if (m_loop)
                m_loop->quit();
        });
        return false;
    }

private:
    std::function<QWidget *()> m_target;
    std::function<bool()> m_ready;
    QEventLoop *m_loop = nullptr;
    bool m_painted = false;
    bool m_done = false;
    SteadyClock::time_point m_end;
};

// Runs the event loop until done() or the timeout; false on the timeout.
bool waitFor(const std::function<bool()> &done, int timeout = timeoutMs)
{
    return QTest::qWaitFor(done, timeout);
}

// Rows of the model's current request are there to be painted from its first visible row.
bool rowsReady(const PagedTableModel *model, int row = 0)
{
    return model->totalCount() >= 0 && !model->isLoading() && (model->rowCount() == 0 || model->isRowLoaded(row));
}

struct ConsoleRun
{
    QJsonObject measurements; // name -> [ms per repetition]
    QJsonObject live;
    QStringList problems;

    void add(const QString &name, double ms)
    {
        QJsonArray values = measurements.value(name).toArray();
        values.append(ms);
        measurements.insert(name, values);
        if (ms < 0)
            problems << name + QStringLiteral(": no result within the timeout");
    }
};

std::unique_ptr<rotor::MainWindow> newWindow()
{
    auto window = std::make_unique<rotor::MainWindow>();
    window->setWindowState(Qt::WindowNoState);
    window->resize(1280, 800);
    window->show();
    return window;
}

void measureOpen(const rotor::ConnectionSpec &spec, int reps, ConsoleRun *run)
{
    for (List table : {List::Users, List::Devices, List::Families, List::Events, List::Audit}) {
        for (int rep = 0; rep < reps; ++rep) {
            auto window = newWindow();
            window->showPage(pageId(table));
            rotor::MainWindow *w = window.get();
            PaintProbe probe(
                [w, table]() -> QWidget * {
                    rotor::TableView *view = w->view(table);
                    return view ? view->tableView()->viewport() : nullptr;
                },
                [w, table]() { return rowsReady(w->view(table)->model()); });
            run->add(QStringLiteral("open %1").arg(pageId(table)), probe.measure([&]() { w->openConnection(spec); }));
        }
    }
}

// Types text into the list's filter as a person does; the last key is the one timed.
double typeFilter(rotor::TableView *view, const QString &text)
{
    view->filterEdit()->setFocus();
    for (int i = 0; i + 1 < text.size(); ++i) {
        QTest::keyClick(view->filterEdit(), text.at(i).toLatin1());
        QTest::qWait(typingIntervalMs);
    }
    PagedTableModel *model = view->model();
    PaintProbe probe([view]() { return view->tableView()->viewport(); },
                     [model, text]() { return model->filter().text == text && rowsReady(model); });
    return probe.measure([&]() { QTest::keyClick(view->filterEdit(), text.back().toLatin1()); });
}

void clearFilter(rotor::TableView *view)
{
    view->filterEdit()->clear();
    waitFor([view]() { return view->model()->filter().text.isEmpty() && rowsReady(view->model()); });
}

double clickHeader(rotor::TableView *view, int catalogColumn, Qt::SortOrder order)
{
    PagedTableModel *model = view->model();
    QHeaderView *header = view->tableView()->horizontalHeader();
    const int section = model->modelColumn(catalogColumn);
    view->tableView()->scrollTo(model->index(0, section));
    const QPoint at(header->sectionViewportPosition(section) + header->sectionSize(section) / 2, header->height() / 2);
    PaintProbe probe([view]() { return view->tableView()->viewport(); },
                     [model, catalogColumn, order]() {
                         return model->sortCatalogColumn() == catalogColumn && model->sortOrder() == order
                             && rowsReady(model);
                     });
    return probe.measure([&]() { QTest::mouseClick(header->viewport(), Qt::LeftButton, Qt::NoModifier, at); });
}

double jumpToEnd(rotor::TableView *view)
{
    PagedTableModel *model = view->model();
    view->tableView()->setFocus();
    PaintProbe probe([view]() { return view->tableView()->viewport(); },
                     [model]() { return model->rowCount() > 0 && rowsReady(model, model->rowCount() - 1); });
    const double ms = probe.measure([&]() { QTest::keyClick(view->tableView(), Qt::Key_End, Qt::ControlModifier); });
    QTest::keyClick(view->tableView(), Qt::Key_Home, Qt::ControlModifier);
    waitFor([model]() { return rowsReady(model); });
    return ms;
}

void measureList(rotor::MainWindow *window, List table, int reps, ConsoleRun *run)
{
    window->showPage(pageId(table));
    rotor::TableView *view = window->view(table);
    waitFor([view]() { return rowsReady(view->model()); });
    const QString name = pageId(table);
    for (int rep = 0; rep < reps; ++rep) {
        run->add(QStringLiteral("filter %1").arg(name), typeFilter(view, typedFilter(table)));
        clearFilter(view);
    }
    for (int rep = 0; rep < reps; ++rep)
        run->add(QStringLiteral("jump %1").arg(name), jumpToEnd(view));
    // The first click sorts ascending, each next one reverses; every click is a new sort.
    for (int rep = 0; rep < reps; ++rep) {
        const Qt::SortOrder order = rep % 2 == 0 ? Qt::AscendingOrder : Qt::DescendingOrder;
        run->add(QStringLiteral("sort %1").arg(name), clickHeader(view, sortColumn(table), order));
        run->add(QStringLiteral("jump %1 sorted").arg(name), jumpToEnd(view));
    }
}

void measureTimeline(rotor::MainWindow *window, qint64 familyId, int reps, ConsoleRun *run)
{
    window->showPage(pageId(List::Families));
    rotor::TableView *view = window->view(List::Families);
    auto *pane = qobject_cast<rotor::FamilyDetailPane *>(view->detailPane());
    for (int rep = 0; rep < reps; ++rep) {
        view->clearScope(); // another session selected first
        waitFor([view, familyId]() {
            return rowsReady(view->model()) && view->currentRow() >= 0
                && view->currentRowValues().value(column::FamilyId).toLongLong() != familyId;
        });
        PaintProbe probe([pane]() { return pane->timeline()->viewport(); },
                         [pane]() {
                             return pane->isChainLoaded()
                                 && pane->timeline()->entryCount(rotor::TimelineWidget::EntryKind::Generation) == 51;
                         });
        run->add(QStringLiteral("timeline 50 generations"), probe.measure([&]() { window->openFamily(familyId); }));
    }
}

// How old the screen is while another process commits writeRate rotations a second: sampled every 50 ms, the
// time since the first commit the screen does not show yet (0 when it shows the newest).
void measureLive(rotor::MainWindow *window, const QString &location, int seconds, int writeRate, ConsoleRun *run)
{
    window->showPage(pageId(List::Families));
    rotor::TableView *view = window->view(List::Families);
    view->clearScope();
    view->filterEdit()->setText(QStringLiteral("benchwriter"));
    QProcess writer;
    writer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    writer.start(QCoreApplication::applicationFilePath(),
                 {QStringLiteral("--child-write"), location, QString::number(writeRate)});
    std::map<int, qint64> committed; // generation -> ms since the epoch
    qint64 familyId = 0;
    QObject::connect(&writer, &QProcess::readyReadStandardOutput, &writer, [&]() {
        while (writer.canReadLine()) {
            const QList<QByteArray> words = writer.readLine().trimmed().split(' ');
            if (words.value(0) == "family")
                familyId = words.value(1).toLongLong();
            else if (words.value(0) == "g")
                committed[words.value(1).toInt()] = words.value(2).toLongLong();
        }
    });
    PagedTableModel *model = view->model();
    auto *pane = qobject_cast<rotor::FamilyDetailPane *>(view->detailPane());
    const auto shownGeneration = [&]() {
        const int row = familyId > 0 ? model->findLoadedRow(column::FamilyId, familyId) : -1;
        return row < 0 ? -1 : model->value(row, column::FamilyGeneration).toInt();
    };
    if (!waitFor([&]() { return shownGeneration() > 0; })) {
        run->problems << QStringLiteral("live: the writer's session never showed (family %1, %2 commits, %3 rows, "
                                        "filter '%4', chain loaded %5)")
                             .arg(familyId)
                             .arg(committed.size())
                             .arg(model->rowCount())
                             .arg(model->filter().text)
                             .arg(pane->isChainLoaded());
        writer.kill();
        writer.waitForFinished();
        return;
    }
    // The writer's session, selected: its row and its timeline are what the person watches.
    view->tableView()->selectRow(model->findLoadedRow(column::FamilyId, familyId));
    if (!waitFor([&]() {
            return view->currentRowValues().value(column::FamilyId).toLongLong() == familyId && pane->isChainLoaded();
        })) {
        run->problems << QStringLiteral("live: the writer's session could not be selected");
    }
    const auto ageOf = [&](int shown, qint64 now) -> double {
        const auto next = committed.find(shown + 1);
        return next == committed.end() || next->second > now ? 0.0 : double(now - next->second);
    };
    std::vector<double> listAges;
    std::vector<double> timelineAges;
    rusage before {};
    getrusage(RUSAGE_SELF, &before);
    QElapsedTimer wall;
    wall.start();
    const int committedBefore = int(committed.size());
    QTimer sampler;
    sampler.setInterval(50);
    QObject::connect(&sampler, &QTimer::timeout, &sampler, [&]() {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        listAges.push_back(ageOf(shownGeneration(), now));
        timelineAges.push_back(
            ageOf(pane->timeline()->entryCount(rotor::TimelineWidget::EntryKind::Generation) - 1, now));
    });
    sampler.start();
    QTest::qWait(seconds * 1000);
    sampler.stop();
    rusage after {};
    getrusage(RUSAGE_SELF, &after);
    const double cpuSeconds = double(after.ru_utime.tv_sec - before.ru_utime.tv_sec)
        + double(after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6
        + double(after.ru_stime.tv_sec - before.ru_stime.tv_sec)
        + double(after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
    const double wallSeconds = double(wall.elapsed()) / 1000.0;
    const int commits = int(committed.size()) - committedBefore;
    writer.kill();
    writer.waitForFinished();
    const auto stats = [](std::vector<double> ages) {
        std::sort(ages.begin(), ages.end());
        if (ages.empty())
            ages.push_back(-1);
        return QJsonObject {{QStringLiteral("p50_ms"), percentile(ages, 50)},
                            {QStringLiteral("p95_ms"), percentile(ages, 95)},
                            {QStringLiteral("max_ms"), ages.empty() ? 0.0 : ages.back()},
                            {QStringLiteral("samples"), int(ages.size())}};
    };
    run->live = QJsonObject {{QStringLiteral("list_age"), stats(listAges)},
                             {QStringLiteral("timeline_age"), stats(timelineAges)},
                             {QStringLiteral("console_cpu_percent"), 100.0 * cpuSeconds / wallSeconds},
                             {QStringLiteral("commits"), commits},
                             {QStringLiteral("commits_per_second"), double(commits) / wallSeconds},
                             {QStringLiteral("seconds"), wallSeconds}};
}

int childConsole(const QString &location, qint64 family50, int reps, int liveSeconds, int writeRate, int argc,
                 char *argv[])
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    qputenv("QT_LOGGING_RULES", "qt.qpa.*=false");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // a first start's settings, never the user's
    QApplication::setOrganizationName(QStringLiteral("RotorBench"));
    QApplication::setApplicationName(QStringLiteral("console_bench"));
    QSettings().clear();
    rotor::ConnectionSpec spec;
    QString error;
    if (!rotor::ConnectionSpec::parse(location, &spec, &error)) {
        std::fprintf(stderr, "console_bench console: %s\n", qPrintable(error));
        return 1;
    }
    ConsoleRun run;
    measureOpen(spec, reps, &run);
    {
        auto window = newWindow();
        window->openConnection(spec);
        waitFor([&]() { return window->isConnected(); });
        measureList(window.get(), List::Users, reps, &run);
        measureList(window.get(), List::Families, reps, &run);
        measureTimeline(window.get(), family50, reps, &run);
        measureLive(window.get(), location, liveSeconds, writeRate, &run);
    }
    const QJsonObject result {{QStringLiteral("measurements"), run.measurements},
                              {QStringLiteral("live"), run.live},
                              {QStringLiteral("problems"), QJsonArray::fromStringList(run.problems)},
                              {QStringLiteral("peak_rss_kb"), qint64(peakRssKb())}};
    std::printf("result %s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return 0;
}

// ------------------------------------------------------------------------------------------------------------------
// The parent: prepares each backend, runs the children and the floor, prints and writes the results.

bool runChild(const QStringList &arguments, QByteArray *output, QString *error)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(), arguments);
    if (!child.waitForStarted(30000) || !child.waitForFinished(-1) || child.exitStatus() != QProcess::NormalExit
        || child.exitCode() != 0) {
        *error = QStringLiteral("%1 failed (exit %2)").arg(arguments.value(0)).arg(child.exitCode());
        return false;
    }
    *output = child.readAllStandardOutput();
    return true;
}

QString lineAfter(const QByteArray &output, const QByteArray &prefix)
{
    for (const QByteArray &line : output.split('\n')) {
        if (line.startsWith(prefix))
            return QString::fromUtf8(line.mid(prefix.size()));
    }
    return QString();
}

struct Target
{
    QString measurement;
    double targetMs;
};

// The floor's ms for a measurement: the statements the console runs for it, median of several runs.
double floorFor(Floor &floor, const QString &name, qint64 family50, const QHash<List, qint64> &counts, QString *error)
{
    QList<std::pair<ListRequest, bool>> requests;
    const auto listAndCount = [&](const ListRequest &request) {
        requests << std::make_pair(request, true) << std::make_pair(request, false);
    };
    const QStringList words = name.split(QLatin1Char(' '));
    List table = List::Users;
    for (List candidate : {List::Users, List::Devices, List::Families, List::Events, List::Audit}) {
        if (words.value(1) == pageId(candidate))
            table = candidate;
    }
    ListRequest request = defaultRequest(table);
    if (words.value(0) == QLatin1String("open")) {
        listAndCount(request);
    } else if (words.value(0) == QLatin1String("filter")) {
        request.text = typedFilter(table);
        listAndCount(request);
    } else if (words.value(0) == QLatin1String("sort")) {
        request.sortColumn = sortColumn(table);
        listAndCount(request);
    } else if (words.value(0) == QLatin1String("jump")) {
        if (words.value(2) == QLatin1String("sorted"))
            request.sortColumn = sortColumn(table);
        request.offset = int(qMax<qint64>(0, counts.value(table) - PagedTableModel::pageSize));
        requests << std::make_pair(request, false);
    } else if (words.value(0) == QLatin1String("timeline")) {
        ListRequest family = defaultRequest(List::Families);
        family.familyId = family50;
        listAndCount(family);
        ListRequest tokens;
        tokens.table = List::Tokens;
        tokens.familyId = family50;
        tokens.sortColumn = column::TokenGeneration;
        tokens.limit = -1;
        ListRequest events;
        events.table = List::Events;
        events.familyId = family50;
        events.sortColumn = column::EventId;
        events.limit = -1;
        requests << std::make_pair(tokens, false) << std::make_pair(events, false);
    }
    // Opening a list opens the database: the floor opens a connection too.
    const bool reconnect = words.value(0) == QLatin1String("open");
    std::vector<double> times;
    for (int rep = 0; rep < 5; ++rep) {
        const double ms = floor.time(requests, reconnect, error);
        if (ms < 0)
            return -1;
        times.push_back(ms);
    }
    return median(times);
}

double targetFor(const QString &name)
{
    if (name.startsWith(QLatin1String("filter")))
        return 150;
    return 300; // first rows, sort, jump, and the timeline's first paint
}

bool runBackend(const QString &backend, const rotor::ConnectionSpec &spec, const Options &options,
                const std::function<std::unique_ptr<Floor>()> &openFloor, bench::Table *table, bench::Table *liveTable,
                QJsonArray *results, QString *error)
{
    const QString location = locationOf(spec);
    std::printf("== %s: seeding %d users (a child process)\n", qPrintable(backend), options.users);
    std::fflush(stdout);
    QByteArray output;
    QElapsedTimer seeding;
    seeding.start();
    if (!runChild({QStringLiteral("--child-seed"), location, QString::number(options.users)}, &output, error))
        return false;
    std::printf("%s", lineAfter(output, "seeded").prepend(QStringLiteral("seeded")).toUtf8().constData());
    std::printf(" in %.1f s\n", double(seeding.elapsed()) / 1000.0);
    const qint64 family50 = lineAfter(output, "family50 ").toLongLong();

    std::unique_ptr<Floor> floor = openFloor();
    if (!floor) {
        *error = QStringLiteral("the floor cannot open the database");
        return false;
    }
    QHash<List, qint64> counts; // where the last page is
    for (List t : {List::Users, List::Families}) {
        Catalog::Statement statement;
        qint64 rows = 0;
        qint64 count = 0;
        if (!Catalog::countStatement(defaultRequest(t), QDateTime::currentMSecsSinceEpoch(), &statement, error)
            || !floor->run(statement, &rows, error, &count))
            return false;
        counts.insert(t, count);
    }

    std::printf("== %s: the console (a child process, offscreen)\n", qPrintable(backend));
    std::fflush(stdout);
    if (!runChild({QStringLiteral("--child-console"), location, QString::number(family50),
                   QString::number(options.reps), QString::number(options.liveSeconds),
                   QString::number(options.writeRate)},
                  &output, error))
        return false;
    const QJsonObject console = QJsonDocument::fromJson(lineAfter(output, "result ").toUtf8()).object();
    if (console.isEmpty()) {
        *error = QStringLiteral("the console child gave no result");
        return false;
    }
    for (const QJsonValue &problem : console.value(QStringLiteral("problems")).toArray())
        std::printf("problem: %s\n", qPrintable(problem.toString()));

    const QJsonObject measurements = console.value(QStringLiteral("measurements")).toObject();
    QStringList names = measurements.keys();
    const auto rank = [](const QString &name) {
        const QStringList order {QStringLiteral("open"), QStringLiteral("filter"), QStringLiteral("sort"),
                                 QStringLiteral("jump"), QStringLiteral("timeline")};
        return order.indexOf(name.section(QLatin1Char(' '), 0, 0));
    };
    std::stable_sort(names.begin(), names.end(), [&](const QString &a, const QString &b) {
        return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
    });
    for (const QString &name : names) {
        std::vector<double> values;
        QJsonArray all;
        for (const QJsonValue &value : measurements.value(name).toArray()) {
            values.push_back(value.toDouble());
            all.append(value);
        }
        const double consoleMs = median(values);
        const double floorMs = floorFor(*floor, name, family50, counts, error);
        if (floorMs < 0)
            return false;
        const double target = targetFor(name);
        const bool met = consoleMs >= 0 && consoleMs < target;
        table->addRow({backend, name, fixed(consoleMs, 1), fixed(floorMs, 1),
                       floorMs > 0 ? fixed(consoleMs / floorMs, 2) : QStringLiteral("-"),
                       QStringLiteral("< %1").arg(target), met ? QStringLiteral("yes") : QStringLiteral("NO")});
        results->append(QJsonObject {{QStringLiteral("backend"), backend},
                                     {QStringLiteral("measurement"), name},
                                     {QStringLiteral("console_ms"), consoleMs},
                                     {QStringLiteral("console_ms_each"), all},
                                     {QStringLiteral("floor_ms"), floorMs},
                                     {QStringLiteral("ratio_to_floor"), floorMs > 0 ? consoleMs / floorMs : 0.0},
                                     {QStringLiteral("target_ms"), target},
                                     {QStringLiteral("met"), met}});
    }
    const QJsonObject live = console.value(QStringLiteral("live")).toObject();
    const qint64 rssKb = console.value(QStringLiteral("peak_rss_kb")).toInteger();
    const auto age = [&](const char *which, const char *stat) {
        return live.value(QLatin1String(which)).toObject().value(QLatin1String(stat)).toDouble();
    };
    liveTable->addRow({backend, fixed(live.value(QStringLiteral("commits_per_second")).toDouble(), 1),
                       fixed(age("list_age", "p50_ms"), 0), fixed(age("list_age", "p95_ms"), 0),
                       fixed(age("list_age", "max_ms"), 0), fixed(age("timeline_age", "p95_ms"), 0),
                       fixed(live.value(QStringLiteral("console_cpu_percent")).toDouble(), 1),
                       fixed(double(rssKb) / 1024.0, 1)});
    results->append(QJsonObject {{QStringLiteral("backend"), backend},
                                 {QStringLiteral("measurement"), QStringLiteral("live")},
                                 {QStringLiteral("live"), live},
                                 {QStringLiteral("target_ms"), 1000},
                                 {QStringLiteral("met"), age("list_age", "p95_ms") < 1000},
                                 {QStringLiteral("console_peak_rss_kb"), rssKb},
                                 {QStringLiteral("rss_target_kb"), 250 * 1024},
                                 {QStringLiteral("rss_met"), rssKb < 250 * 1024}});
    return true;
}

int parseArguments(const QStringList &arguments, Options *options)
{
    return parseFlags("console_bench", usageText, arguments, {QStringLiteral("--no-sqlite")},
                      {QStringLiteral("--users"), QStringLiteral("--reps"), QStringLiteral("--live-seconds"),
                       QStringLiteral("--write-rate"), QStringLiteral("--pg"), QStringLiteral("--dir"),
                       QStringLiteral("--json")},
                      [&](const QString &flag, const QString &value) -> QString {
                          const std::pair<const char *, std::pair<int *, int>> counts[]
                              = {{"--users", {&options->users, 10}},
                                 {"--reps", {&options->reps, 1}},
                                 {"--live-seconds", {&options->liveSeconds, 1}},
                                 {"--write-rate", {&options->writeRate, 1}}};
                          for (const auto &[name, target] : counts) {
                              if (flag == QLatin1String(name))
                                  return parseCount(value, target.second, target.first)
                                      ? QString()
                                      : QStringLiteral("%1 needs a number of at least %2").arg(flag).arg(target.second);
                          }
                          if (flag == QLatin1String("--no-sqlite"))
                              options->sqlite = false;
                          else if (flag == QLatin1String("--pg"))
                              options->pgUri = value;
                          else if (flag == QLatin1String("--dir"))
                              options->dir = value;
                          else if (flag == QLatin1String("--json"))
                              options->jsonPath = value;
                          return QString();
                      });
}

} // namespace

int main(int argc, char *argv[])
{
    // The children first: each is this program with a role.
    if (argc >= 2 && qstrcmp(argv[1], "--child-console") == 0 && argc == 7)
        return childConsole(QString::fromLocal8Bit(argv[2]), QByteArray(argv[3]).toLongLong(), atoi(argv[4]),
                            atoi(argv[5]), atoi(argv[6]), argc, argv);
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.value(1) == QLatin1String("--child-seed") && arguments.size() == 4)
        return childSeed(arguments.at(2), arguments.at(3).toInt());
    if (arguments.value(1) == QLatin1String("--child-write") && arguments.size() == 4)
        return childWrite(arguments.at(2), arguments.at(3).toInt());

    Options options;
    const int parsed = parseArguments(arguments.mid(1), &options);
    if (parsed >= 0)
        return parsed;
    if (!options.sqlite && options.pgUri.isEmpty()) {
        std::fprintf(stderr, "console_bench: nothing to run: --no-sqlite without --pg\n\n%s", usageText);
        return 2;
    }

    QJsonObject json {{QStringLiteral("benchmark"), QStringLiteral("console")},
                      {QStringLiteral("machine"), machineInfo()},
                      {QStringLiteral("versions"),
                       QJsonObject {{QStringLiteral("qt"), QString::fromLatin1(qVersion())},
                                    {QStringLiteral("sqlite"), QString::fromLatin1(sqlite3_libversion())},
                                    {QStringLiteral("libpq"), PQlibVersion()}}},
                      {QStringLiteral("parameters"),
                       QJsonObject {{QStringLiteral("users"), options.users},
                                    {QStringLiteral("reps"), options.reps},
                                    {QStringLiteral("live_seconds"), options.liveSeconds},
                                    {QStringLiteral("write_rate"), options.writeRate},
                                    {QStringLiteral("statistic"),
                                     QStringLiteral("console: median over repetitions, from the input event to the "
                                                    "end of the first paint showing the result; floor: median of 5 "
                                                    "runs of the same statements through the C API, one after the "
                                                    "other")}}}};
    bench::Table table({QStringLiteral("backend"), QStringLiteral("measurement"), QStringLiteral("console ms"),
                        QStringLiteral("floor ms"), QStringLiteral("x floor"), QStringLiteral("target ms"),
                        QStringLiteral("met")},
                       2);
    bench::Table liveTable({QStringLiteral("backend"), QStringLiteral("commits/s"), QStringLiteral("screen age p50 ms"),
                            QStringLiteral("p95 ms"), QStringLiteral("max ms"), QStringLiteral("timeline age p95 ms"),
                            QStringLiteral("console CPU %"), QStringLiteral("console peak RSS MiB")},
                           1);
    QJsonArray results;
    QString error;

    if (options.sqlite) {
        QTemporaryDir temporary(QDir::temp().filePath(QStringLiteral("rotor-console-bench-XXXXXX")));
        const QString dir = options.dir.isEmpty() ? temporary.path() : options.dir;
        QDir().mkpath(dir);
        const QString path = QDir(dir).filePath(QStringLiteral("console-bench.sqlite"));
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
            QFile::remove(path + suffix);
        const auto openFloor = [path]() -> std::unique_ptr<Floor> {
            auto floor = std::make_unique<SqliteFloor>(path);
            return floor->isOpen() ? std::move(floor) : nullptr;
        };
        if (!runBackend(QStringLiteral("sqlite"), rotor::ConnectionSpec::sqlite(path), options, openFloor, &table,
                        &liveTable, &results, &error)) {
            std::fprintf(stderr, "console_bench: sqlite: %s\n", qPrintable(error));
            return 1;
        }
    }
    if (!options.pgUri.isEmpty()) {
        rotor::ConnectionSpec server;
        if (!rotor::ConnectionSpec::parse(options.pgUri, &server, &error)
            || server.backend != rotor::Backend::Postgres) {
            std::fprintf(stderr, "console_bench: --pg: %s\n",
                         qPrintable(error.isEmpty() ? QStringLiteral("not a postgresql:// URI") : error));
            return 2;
        }
        rotor::ConnectionSpec spec = server;
        spec.databaseName = QStringLiteral("rotor_console_bench");
        const auto admin = [&](const char *sql) {
            PGconn *conn = PQconnectdb(conninfoOf(server).constData());
            PGresult *result = PQexec(conn, sql);
            const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
            if (!ok)
                error = QString::fromUtf8(PQerrorMessage(conn));
            PQclear(result);
            PQfinish(conn);
            return ok;
        };
        if (!admin("DROP DATABASE IF EXISTS rotor_console_bench") || !admin("CREATE DATABASE rotor_console_bench")) {
            std::fprintf(stderr, "console_bench: postgres: %s\n", qPrintable(error));
            return 1;
        }
        const auto openFloor = [spec]() -> std::unique_ptr<Floor> {
            auto floor = std::make_unique<PostgresFloor>(conninfoOf(spec));
            return floor->isOpen() ? std::move(floor) : nullptr;
        };
        const bool ok
            = runBackend(QStringLiteral("postgres"), spec, options, openFloor, &table, &liveTable, &results, &error);
        admin("DROP DATABASE IF EXISTS rotor_console_bench");
        if (!ok) {
            std::fprintf(stderr, "console_bench: postgres: %s\n", qPrintable(error));
            return 1;
        }
    }
    json.insert(QStringLiteral("results"), results);
    std::printf("\n");
    table.print();
    std::printf("\nUnder %d commits/s from another process (screen age: the time since the first commit the screen "
                "does not show yet, sampled every 50 ms for %d s):\n",
                options.writeRate, options.liveSeconds);
    liveTable.print();
    if (!writeJson(options.jsonPath, json))
        return 1;
    std::printf("results written to %s\n", qPrintable(QFileInfo(options.jsonPath).absoluteFilePath()));
    return 0;
}
