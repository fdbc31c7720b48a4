// dashboard_bench: how long the console's dashboard takes for its default range (the last 7 days) on a database of
// 100k demo users (about 1M refresh tokens), against its floor (the same SQL through the database's C API, no Qt),
// on SQLite and PostgreSQL; what drawing the figures costs; and what the index the dashboard added to refresh_tokens
// costs the refresh path. See usageText below, and scripts/bench for the one command that runs every benchmark.

#include "BenchSupport.h"

#include "AdminService.h"
#include "Clock.h"
#include "ConnectionSpec.h"
#include "Dashboard.h"
#include "DashboardSql.h"
#include "DashboardView.h"
#include "Database.h"
#include "DemoSeeder.h"
#include "Keys.h"
#include "RotationService.h"
#include "RotationSql.h"
#include "SecurityEvent.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QPixmap>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QUrl>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <unistd.h>

namespace {

using namespace bench;

const char usageText[] = R"(usage: dashboard_bench [options]

Times the dashboard's default range (the last 7 days, per day) on a database seeded with DemoSeeder (seeding is not
timed), each repetition running every variant in turn:
  rotor full         rotor::Dashboard::compute reading everything (a new range, Recompute), on a warm connection
  floor              the same SQL (core/DashboardSql.h) through the C API (sqlite3 prepared once; libpq
                     PQexecParams, planned with each call's values), in one read transaction, rows read into plain
                     arrays and summed the same way
  rotor incremental  rotor::Dashboard::compute from the figures of the full one, after a sign-in and 20 refreshes
                     were written (a live update: only the slots that can have changed are read again)
  draw               DashboardView::showFigures with the full figures and a paint of the whole view (1280x800,
                     offscreen, software rendering)
  full + draw        the two above, per repetition: the time from asking to seeing
Medians over the repetitions with their spread (min-max); "x floor" is rotor's time over the floor's in the same
repetition. The floor's totals are checked against rotor's.

Then what the index the dashboard added (refresh_tokens_refreshed, schema 6) buys and costs: the seeded database is
copied and the copy loses the index; the full computation runs on both in turn ("rotor full, without the index"),
then RotationService::refresh does, in short rounds that alternate which goes first, so a machine busy with something
else weighs on both alike.

Options:
  --pg URI            also run on PostgreSQL (the benchmark creates databases of its own on that server and drops
                      them at the end)
  --no-sqlite         skip SQLite
  --users N           demo users seeded (default 100000, about 1M refresh tokens)
  --reps R            repetitions (default 7)
  --days D            the range: the last D days, per day (default 7, the console's default)
  --index-rotations N refreshes per side and round for the index's cost (default 1000; 0 skips it)
  --index-rounds R    rounds for the index's cost (default 21)
  --dir DIR           folder for the SQLite files (default: a fresh temporary folder, removed afterwards)
  --json FILE         results as JSON (default bench-results/dashboard.json)
  -h, --help          this text
)";

struct Options
{
    QString pgUri;
    bool sqlite = true;
    int users = 100000;
    int reps = 7;
    int days = 7;
    int indexRotations = 1000;
    int indexRounds = 21;
    QString dir;
    QString jsonPath = QStringLiteral("bench-results/dashboard.json");
};

int parseArguments(const QStringList &arguments, Options *options)
{
    const int parsed = parseFlags(
        "dashboard_bench", usageText, arguments, {QStringLiteral("--no-sqlite")},
        {QStringLiteral("--pg"), QStringLiteral("--users"), QStringLiteral("--reps"), QStringLiteral("--days"),
         QStringLiteral("--index-rotations"), QStringLiteral("--index-rounds"), QStringLiteral("--dir"),
         QStringLiteral("--json")},
        [&](const QString &flag, const QString &value) -> QString {
            const std::pair<const char *, std::pair<int *, int>> counts[]
                = {{"--users", {&options->users, 1}},
                   {"--reps", {&options->reps, 1}},
                   {"--days", {&options->days, 1}},
                   {"--index-rotations", {&options->indexRotations, 0}},
                   {"--index-rounds", {&options->indexRounds, 1}}};
            for (const auto &[name, target] : counts) {
                if (flag == QLatin1String(name))
                    return parseCount(value, target.second, target.first)
                        ? QString()
                        : QStringLiteral("%1 takes a whole number that makes sense, not '%2'").arg(flag, value);
            }
            if (flag == QLatin1String("--no-sqlite"))
                options->sqlite = false;
            else if (flag == QLatin1String("--pg"))
                options->pgUri = value;
            else if (flag == QLatin1String("--dir"))
                options->dir = value;
            else if (flag == QLatin1String("--json"))
                options->jsonPath = value;
            return {};
        });
    if (parsed < 0 && !options->sqlite && options->pgUri.isEmpty()) {
        std::fprintf(stderr, "dashboard_bench: nothing to run (--no-sqlite without --pg)\n");
        return 2;
    }
    if (parsed < 0 && options->days * rotor::Policy::day > rotor::DashboardRange::maxSpanMs) {
        std::fprintf(stderr, "dashboard_bench: --days is at most %lld\n",
                     static_cast<long long>(rotor::DashboardRange::maxSpanMs / rotor::Policy::day));
        return 2;
    }
    return parsed;
}

double msSince(SteadyClock::time_point start)
{
    return microsecondsBetween(start, SteadyClock::now()) / 1000.0;
}

// ---------------------------------------------------------------------------------------------------------------
// The floor: the very statements rotor::Dashboard runs, through the C API, their rows summed into plain arrays the
// way Dashboard does (per slot, then per bucket).

struct FloorParameters
{
    std::int64_t since = 0;
    std::int64_t slot = 0;
    std::int64_t from = 0;
    std::int64_t until = 0;
    std::string kind = rotor::event_kind::replayDetected;
    std::int64_t limit = rotor::Dashboard::topCount;

    std::string text(const std::string &name) const
    {
        if (name == "since")
            return std::to_string(since);
        if (name == "slot")
            return std::to_string(slot);
        if (name == "from")
            return std::to_string(from);
        if (name == "until")
            return std::to_string(until);
        if (name == "limit")
            return std::to_string(limit);
        return kind;
    }
};

struct FloorFigures
{
    std::int64_t liveAtStart = 0;
    std::vector<std::int64_t> refreshes, signIns, secondParty, sameClient, unjudged, started, ended;
    std::vector<std::int64_t> bucketRefreshes, bucketSignIns, bucketReplays;
    std::vector<std::pair<std::int64_t, std::int64_t>> topUsers; // id, replays
    std::vector<std::pair<std::string, std::int64_t>> topAddresses;

    void reset(int slotCount)
    {
        for (auto *series : {&refreshes, &signIns, &secondParty, &sameClient, &unjudged, &started, &ended})
            series->assign(size_t(slotCount), 0);
        topUsers.clear();
        topAddresses.clear();
    }
    void add(std::vector<std::int64_t> *series, std::int64_t slot, std::int64_t count)
    {
        if (slot >= 0 && slot < std::int64_t(series->size()))
            (*series)[size_t(slot)] += count;
    }
    // Per bucket, from the range's bucket starts (slot indexes), as Dashboard sums them.
    void sumBuckets(const std::vector<int> &firstSlots)
    {
        bucketRefreshes.clear();
        bucketSignIns.clear();
        bucketReplays.clear();
        for (size_t b = 0; b < firstSlots.size(); ++b) {
            const int first = firstSlots[b];
            const int last = b + 1 < firstSlots.size() ? firstSlots[b + 1] : int(refreshes.size());
            std::int64_t r = 0, s = 0, p = 0;
            for (int i = first; i < last; ++i) {
                r += refreshes[size_t(i)];
                s += signIns[size_t(i)];
                p += secondParty[size_t(i)] + sameClient[size_t(i)] + unjudged[size_t(i)];
            }
            bucketRefreshes.push_back(r);
            bucketSignIns.push_back(s);
            bucketReplays.push_back(p);
        }
    }
    std::int64_t liveAtEnd() const
    {
        std::int64_t live = liveAtStart;
        for (size_t i = 0; i < started.size(); ++i)
            live += started[i] - ended[i];
        return live;
    }
    static std::int64_t total(const std::vector<std::int64_t> &values)
    {
        std::int64_t sum = 0;
        for (std::int64_t value : values)
            sum += value;
        return sum;
    }
};

// Which statement a row set belongs to, in the order Dashboard runs them.
enum class Statement { LiveAtStart, Refreshes, Replays, Started, Ended, TopUsers, TopAddresses };
const std::pair<Statement, const char *> statements[] = {{Statement::LiveAtStart, rotor::sql::dashboardLiveAtStart},
                                                         {Statement::Refreshes, rotor::sql::dashboardRefreshes},
                                                         {Statement::Replays, rotor::sql::dashboardReplays},
                                                         {Statement::Started, rotor::sql::dashboardStarted},
                                                         {Statement::Ended, rotor::sql::dashboardEnded},
                                                         {Statement::TopUsers, rotor::sql::dashboardTopUsers},
                                                         {Statement::TopAddresses, rotor::sql::dashboardTopAddresses}};

// One row of a statement's result, columns as text or integers, into the figures.
template<typename Column>
void takeRow(Statement statement, const Column &column, FloorFigures *figures)
{
    switch (statement) {
    case Statement::LiveAtStart:
        figures->liveAtStart = column.integer(0);
        break;
    case Statement::Refreshes:
        figures->add(&figures->refreshes, column.integer(0), column.integer(1));
        break;
    case Statement::Replays: {
        const std::string verdict = column.isNull(1) ? std::string() : column.text(1);
        auto *series = verdict == "second_party" ? &figures->secondParty
            : verdict == "same_client"           ? &figures->sameClient
                                                 : &figures->unjudged;
        figures->add(series, column.integer(0), column.integer(2));
        break;
    }
    case Statement::Started:
        figures->add(&figures->signIns, column.integer(0), column.integer(2));
        figures->add(&figures->started, column.integer(1), column.integer(2));
        break;
    case Statement::Ended:
        figures->add(&figures->ended, column.integer(0), column.integer(1));
        break;
    case Statement::TopUsers:
        figures->topUsers.emplace_back(column.integer(0), column.integer(2));
        break;
    case Statement::TopAddresses:
        figures->topAddresses.emplace_back(column.text(0), column.integer(1));
        break;
    }
}

class SqliteFloor
{
public:
    ~SqliteFloor()
    {
        for (sqlite3_stmt *statement : m_statements)
            sqlite3_finalize(statement);
        sqlite3_close(m_db);
    }

    bool open(const QString &path, std::string *error)
    {
        if (sqlite3_open_v2(path.toUtf8().constData(), &m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK
            || sqlite3_exec(m_db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", nullptr, nullptr, nullptr)
                != SQLITE_OK) {
            *error = sqlite3_errmsg(m_db);
            return false;
        }
        for (const auto &[which, text] : statements) {
            const std::string sql = rotor::sql::dashboardStatement(text, false);
            sqlite3_stmt *statement = nullptr;
            if (sqlite3_prepare_v2(m_db, sql.c_str(), int(sql.size()), &statement, nullptr) != SQLITE_OK) {
                *error = sqlite3_errmsg(m_db);
                return false;
            }
            m_statements.push_back(statement);
        }
        return true;
    }

    bool compute(const FloorParameters &parameters, int slotCount, FloorFigures *figures, std::string *error)
    {
        struct Column
        {
            sqlite3_stmt *statement;
            std::int64_t integer(int i) const { return sqlite3_column_int64(statement, i); }
            bool isNull(int i) const { return sqlite3_column_type(statement, i) == SQLITE_NULL; }
            std::string text(int i) const
            {
                const auto *bytes = sqlite3_column_text(statement, i);
                return bytes ? std::string(reinterpret_cast<const char *>(bytes)) : std::string();
            }
        };
        figures->reset(slotCount);
        if (sqlite3_exec(m_db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
            *error = sqlite3_errmsg(m_db);
            return false;
        }
        for (size_t s = 0; s < m_statements.size(); ++s) {
            sqlite3_stmt *statement = m_statements[s];
            for (int i = 1; i <= sqlite3_bind_parameter_count(statement); ++i) {
                const std::string name = sqlite3_bind_parameter_name(statement, i) + 1; // without ':'
                if (name == "kind")
                    sqlite3_bind_text(statement, i, parameters.kind.c_str(), -1, SQLITE_STATIC);
                else
                    sqlite3_bind_int64(statement, i, std::stoll(parameters.text(name)));
            }
            int rc;
            while ((rc = sqlite3_step(statement)) == SQLITE_ROW)
                takeRow(statements[s].first, Column {statement}, figures);
            sqlite3_reset(statement);
            if (rc != SQLITE_DONE) {
                *error = sqlite3_errmsg(m_db);
                sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
                return false;
            }
        }
        return sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
    }

private:
    sqlite3 *m_db = nullptr;
    std::vector<sqlite3_stmt *> m_statements;
};

class PostgresFloor
{
public:
    ~PostgresFloor() { PQfinish(m_conn); }

    bool open(const QString &uri, std::string *error)
    {
        m_conn = PQconnectdb(uri.toUtf8().constData());
        if (PQstatus(m_conn) != CONNECTION_OK) {
            *error = PQerrorMessage(m_conn);
            return false;
        }
        // Planned with each call's values (PQexecParams, as QPSQL's PREPARE per call is): a plan made once for any
        // range would not be the floor of a range query.
        for (const auto &[which, text] : statements) {
            std::vector<std::string> names;
            m_texts.push_back(rotor::sql::positional(rotor::sql::dashboardStatement(text, true).c_str(), &names));
            m_names.push_back(names);
        }
        return true;
    }

    bool compute(const FloorParameters &parameters, int slotCount, FloorFigures *figures, std::string *error)
    {
        struct Column
        {
            PGresult *result;
            int row;
            std::int64_t integer(int i) const { return std::strtoll(PQgetvalue(result, row, i), nullptr, 10); }
            bool isNull(int i) const { return PQgetisnull(result, row, i) != 0; }
            std::string text(int i) const { return PQgetvalue(result, row, i); }
        };
        figures->reset(slotCount);
        if (!command("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error))
            return false;
        for (size_t s = 0; s < m_names.size(); ++s) {
            std::vector<std::string> values;
            for (const std::string &name : m_names[s])
                values.push_back(parameters.text(name));
            std::vector<const char *> pointers;
            for (const std::string &value : values)
                pointers.push_back(value.c_str());
            PGresult *result = PQexecParams(m_conn, m_texts[s].c_str(), int(pointers.size()), nullptr, pointers.data(),
                                            nullptr, nullptr, 0);
            if (PQresultStatus(result) != PGRES_TUPLES_OK) {
                *error = PQerrorMessage(m_conn);
                PQclear(result);
                command("ROLLBACK", error);
                return false;
            }
            for (int row = 0; row < PQntuples(result); ++row)
                takeRow(statements[s].first, Column {result, row}, figures);
            PQclear(result);
        }
        return command("COMMIT", error);
    }

private:
    bool command(const char *sql, std::string *error)
    {
        PGresult *result = PQexec(m_conn, sql);
        const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
        if (!ok)
            *error = PQerrorMessage(m_conn);
        return ok;
    }

    PGconn *m_conn = nullptr;
    std::vector<std::string> m_texts;
    std::vector<std::vector<std::string>> m_names;
};

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL: databases of the benchmark's own on the given server.

bool pgCommand(const QString &uri, const QString &sql, QString *error)
{
    PGconn *conn = PQconnectdb(uri.toUtf8().constData());
    bool ok = PQstatus(conn) == CONNECTION_OK;
    if (ok) {
        PGresult *result = PQexec(conn, sql.toUtf8().constData());
        ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
    }
    if (!ok)
        *error = QString::fromUtf8(PQerrorMessage(conn)).trimmed();
    PQfinish(conn);
    return ok;
}

QString withDatabase(const QString &uri, const QString &name)
{
    QUrl url(uri);
    url.setPath(QLatin1Char('/') + name);
    return url.toString();
}

// ---------------------------------------------------------------------------------------------------------------

struct Series
{
    std::vector<double> values;
    double medianValue() const { return median(values); }
    double low() const { return values.empty() ? 0 : *std::min_element(values.begin(), values.end()); }
    double high() const { return values.empty() ? 0 : *std::max_element(values.begin(), values.end()); }
    QJsonArray json() const
    {
        QJsonArray array;
        for (double value : values)
            array.append(value);
        return array;
    }
};

struct Location
{
    QString backend; // "sqlite", "postgres"
    rotor::ConnectionSpec spec;
    QString floorTarget; // a file path or a libpq URI
};

// Signs in sessions for the refresh paths (the demo data's tokens are random hashes: none can be presented).
struct Sessions
{
    QList<QByteArray> tokens;
    int next = 0;
};

bool signIn(rotor::RotationService &rotation, const QString &email, int count, Sessions *sessions, QString *error)
{
    for (int i = 0; i < count; ++i) {
        const rotor::LoginResult login
            = rotation.login(email,
                             {QStringLiteral("bench-%1").arg(i), QStringLiteral("Bench %1").arg(i),
                              QStringLiteral("192.0.2.7"), QStringLiteral("dashboard_bench/1")});
        if (!login.ok()) {
            *error = login.error;
            return false;
        }
        sessions->tokens.append(login.tokens.refreshToken);
    }
    return true;
}

bool refreshSome(rotor::RotationService &rotation, Sessions *sessions, int count, QString *error)
{
    const rotor::DeviceInfo device {QStringLiteral("bench"), QStringLiteral("Bench"), QStringLiteral("192.0.2.7"),
                                    QStringLiteral("dashboard_bench/1")};
    for (int i = 0; i < count; ++i) {
        QByteArray &token = sessions->tokens[sessions->next];
        sessions->next = (sessions->next + 1) % int(sessions->tokens.size());
        const rotor::RefreshResult result = rotation.refresh(token, device);
        if (!result.ok()) {
            *error = result.error.isEmpty() ? QString::fromLatin1(rotor::outcomeName(result.outcome)) : result.error;
            return false;
        }
        token = result.tokens.refreshToken;
    }
    return true;
}

QJsonObject entry(const QString &backend, const QString &variant, const Series &series, const Series *ratio)
{
    QJsonObject object {{QStringLiteral("backend"), backend},
                        {QStringLiteral("variant"), variant},
                        {QStringLiteral("median_ms"), series.medianValue()},
                        {QStringLiteral("min_ms"), series.low()},
                        {QStringLiteral("max_ms"), series.high()},
                        {QStringLiteral("repetitions_ms"), series.json()}};
    if (ratio) {
        object.insert(QStringLiteral("x_floor"), ratio->medianValue());
        object.insert(QStringLiteral("x_floor_min"), ratio->low());
        object.insert(QStringLiteral("x_floor_max"), ratio->high());
    }
    return object;
}

QString spread(const Series &series, int decimals)
{
    return fixed(series.low(), decimals) + QLatin1Char('-') + fixed(series.high(), decimals);
}

bool runBackend(const Options &options, const Location &location, const rotor::Keys &keys, Table *table,
                Table *indexTable, QJsonArray *results, QJsonArray *indexResults, QJsonObject *rows)
{
    const QString name
        = location.backend == QLatin1String("postgres") ? QStringLiteral("PostgreSQL") : QStringLiteral("SQLite");
    QString error;
    rotor::SystemClock clock;
    const QTimeZone zone = QTimeZone::systemTimeZone();
    {
        auto db = std::make_unique<rotor::Database>(location.spec);
        if (!db->open(rotor::Database::OpenMode::CreateIfMissing, &error)) {
            std::fprintf(stderr, "dashboard_bench: %s: %s\n", qPrintable(name), qPrintable(error));
            return false;
        }
        std::printf("== %s: seeding %d users (not timed)\n", qPrintable(name), options.users);
        std::fflush(stdout);
        rotor::SeedOptions seed;
        seed.users = options.users;
        rotor::SeedStats stats;
        const auto seedStart = SteadyClock::now();
        if (!rotor::DemoSeeder(*db, clock).seed(seed, nullptr, &stats, &error)) {
            std::fprintf(stderr, "dashboard_bench: seeding: %s\n", qPrintable(error));
            return false;
        }
        std::printf("   %lld users, %lld sessions, %lld tokens, %lld events in %.1f s\n",
                    static_cast<long long>(stats.users), static_cast<long long>(stats.families),
                    static_cast<long long>(stats.tokens), static_cast<long long>(stats.events),
                    msSince(seedStart) / 1000);
        rows->insert(location.backend,
                     QJsonObject {{QStringLiteral("users"), stats.users},
                                  {QStringLiteral("families"), stats.families},
                                  {QStringLiteral("tokens"), stats.tokens},
                                  {QStringLiteral("events"), stats.events}});
        qint64 userId = 0;
        if (!rotor::AdminService(*db, clock, {QStringLiteral("bench"), QStringLiteral("bench")})
                 .addUser(QStringLiteral("bench@dashboard.example"), QStringLiteral("Bench"), &userId, &error)) {
            std::fprintf(stderr, "dashboard_bench: %s\n", qPrintable(error));
            return false;
        }
    }
    // PostgreSQL after a bulk load: the statistics and visibility map autovacuum would have made by now.
    if (location.backend == QLatin1String("postgres")
        && !pgCommand(location.floorTarget, QStringLiteral("VACUUM ANALYZE"), &error)) {
        std::fprintf(stderr, "dashboard_bench: VACUUM ANALYZE: %s\n", qPrintable(error));
        return false;
    }

    rotor::Database db(location.spec);
    if (!db.open(rotor::Database::OpenMode::OpenExisting, &error)) {
        std::fprintf(stderr, "dashboard_bench: %s\n", qPrintable(error));
        return false;
    }
    rotor::RotationService rotation(db, keys, clock);
    Sessions writer;
    if (!signIn(rotation, QStringLiteral("bench@dashboard.example"), 20, &writer, &error)) {
        std::fprintf(stderr, "dashboard_bench: sign-in: %s\n", qPrintable(error));
        return false;
    }
    std::string floorError;
    std::unique_ptr<SqliteFloor> sqliteFloor;
    std::unique_ptr<PostgresFloor> postgresFloor;
    if (location.backend == QLatin1String("postgres")) {
        postgresFloor = std::make_unique<PostgresFloor>();
        if (!postgresFloor->open(location.floorTarget, &floorError)) {
            std::fprintf(stderr, "dashboard_bench: floor: %s\n", floorError.c_str());
            return false;
        }
    } else {
        sqliteFloor = std::make_unique<SqliteFloor>();
        if (!sqliteFloor->open(location.floorTarget, &floorError)) {
            std::fprintf(stderr, "dashboard_bench: floor: %s\n", floorError.c_str());
            return false;
        }
    }

    rotor::DashboardView view;
    view.resize(1280, 800);
    Series full, floor, incremental, draw, fullAndDraw, ratio;
    int slotsRead = 0;
    int slotsTotal = 0;
    rotor::DashboardFigures shown;
    // One round untimed first (caches warm, statements prepared, fonts loaded), then the repetitions.
    for (int rep = -1; rep < options.reps; ++rep) {
        rotor::Dashboard dashboard(db, clock);
        const rotor::DashboardRange range = rotor::DashboardRange::lastDays(options.days, clock.nowMs(), zone);

        rotor::DashboardFigures figures;
        auto start = SteadyClock::now();
        if (!dashboard.compute(range, nullptr, &figures, &error)) {
            std::fprintf(stderr, "dashboard_bench: rotor: %s\n", qPrintable(error));
            return false;
        }
        const double fullMs = msSince(start);

        FloorParameters parameters;
        parameters.since = range.since;
        parameters.slot = rotor::DashboardRange::slotMs;
        parameters.from = range.since;
        parameters.until = range.until;
        std::vector<int> firstSlots;
        for (qint64 bucketStart : range.bucketStarts)
            firstSlots.push_back(int((bucketStart - range.since) / rotor::DashboardRange::slotMs));
        FloorFigures floorFigures;
        start = SteadyClock::now();
        const bool floorOk = sqliteFloor
            ? sqliteFloor->compute(parameters, range.slotCount(), &floorFigures, &floorError)
            : postgresFloor->compute(parameters, range.slotCount(), &floorFigures, &floorError);
        if (floorOk)
            floorFigures.sumBuckets(firstSlots);
        const double floorMs = msSince(start);
        if (!floorOk) {
            std::fprintf(stderr, "dashboard_bench: floor: %s\n", floorError.c_str());
            return false;
        }
        // The floor did the same work: the same figures.
        if (FloorFigures::total(floorFigures.bucketRefreshes) != figures.totalRefreshes()
            || FloorFigures::total(floorFigures.bucketSignIns) != figures.totalSignIns()
            || FloorFigures::total(floorFigures.bucketReplays) != figures.totalReplays()
            || floorFigures.liveAtEnd() != figures.liveAtEnd()
            || floorFigures.topUsers.size() != size_t(figures.topUsers.size())
            || (!figures.topUsers.isEmpty()
                && floorFigures.topUsers.front().first != figures.topUsers.first().userId)) {
            std::fprintf(stderr, "dashboard_bench: the floor's figures differ from rotor's\n");
            return false;
        }

        start = SteadyClock::now();
        view.showFigures(figures);
        const QPixmap picture = view.grab();
        const double drawMs = msSince(start);
        if (picture.isNull()) {
            std::fprintf(stderr, "dashboard_bench: nothing was drawn\n");
            return false;
        }

        // A live update: a sign-in and 20 refreshes land, then the figures follow.
        Sessions fresh;
        if (!signIn(rotation, QStringLiteral("bench@dashboard.example"), 1, &fresh, &error)
            || !refreshSome(rotation, &writer, 20, &error)) {
            std::fprintf(stderr, "dashboard_bench: writes: %s\n", qPrintable(error));
            return false;
        }
        const rotor::DashboardRange later = rotor::DashboardRange::lastDays(options.days, clock.nowMs(), zone);
        rotor::DashboardFigures updated;
        start = SteadyClock::now();
        if (!dashboard.compute(later, &figures, &updated, &error)) {
            std::fprintf(stderr, "dashboard_bench: rotor incremental: %s\n", qPrintable(error));
            return false;
        }
        const double incrementalMs = msSince(start);
        if (updated.totalSignIns() != figures.totalSignIns() + 1) {
            std::fprintf(stderr, "dashboard_bench: the incremental figures missed the new sign-in\n");
            return false;
        }
        if (rep < 0)
            continue;
        full.values.push_back(fullMs);
        floor.values.push_back(floorMs);
        ratio.values.push_back(fullMs / floorMs);
        incremental.values.push_back(incrementalMs);
        draw.values.push_back(drawMs);
        fullAndDraw.values.push_back(fullMs + drawMs);
        slotsRead = updated.slotsRead;
        slotsTotal = updated.slotsRead + updated.slotsReused;
        shown = figures;
        std::printf("   rep %d: full %.1f ms, floor %.1f ms, incremental %.1f ms, draw %.1f ms\n", rep + 1, fullMs,
                    floorMs, incrementalMs, drawMs);
        std::fflush(stdout);
    }
    std::printf("   range: the last %d days, %d buckets, %d hourly slots; %lld refreshes, %lld sign-ins, %lld "
                "replays, %lld sessions live at the end; an incremental update read %d of %d slots\n",
                options.days, shown.range.bucketCount(), shown.range.slotCount(),
                static_cast<long long>(shown.totalRefreshes()), static_cast<long long>(shown.totalSignIns()),
                static_cast<long long>(shown.totalReplays()), static_cast<long long>(shown.liveAtEnd()), slotsRead,
                slotsTotal);

    table->addRow({name, QStringLiteral("rotor full"), fixed(full.medianValue(), 1), spread(full, 1),
                   fixed(ratio.medianValue(), 2), spread(ratio, 2)});
    table->addRow({name, QStringLiteral("floor"), fixed(floor.medianValue(), 1), spread(floor, 1),
                   QStringLiteral("1.00"), QString()});
    table->addRow({name, QStringLiteral("rotor incremental"), fixed(incremental.medianValue(), 1),
                   spread(incremental, 1), QString(), QString()});
    table->addRow({name, QStringLiteral("draw"), fixed(draw.medianValue(), 1), spread(draw, 1), QString(), QString()});
    table->addRow({name, QStringLiteral("full + draw"), fixed(fullAndDraw.medianValue(), 1), spread(fullAndDraw, 1),
                   QString(), QString()});
    results->append(entry(location.backend, QStringLiteral("rotor_full"), full, &ratio));
    results->append(entry(location.backend, QStringLiteral("floor"), floor, nullptr));
    QJsonObject incrementalEntry = entry(location.backend, QStringLiteral("rotor_incremental"), incremental, nullptr);
    incrementalEntry.insert(QStringLiteral("slots_read"), slotsRead);
    incrementalEntry.insert(QStringLiteral("slots_total"), slotsTotal);
    results->append(incrementalEntry);
    results->append(entry(location.backend, QStringLiteral("draw"), draw, nullptr));
    results->append(entry(location.backend, QStringLiteral("full_and_draw"), fullAndDraw, nullptr));

    if (options.indexRotations == 0)
        return true;

    // The index's cost on the refresh path: the same database with and without it, refreshes interleaved.
    std::printf("== %s: the cost of refresh_tokens_refreshed on the refresh path\n", qPrintable(name));
    std::fflush(stdout);
    sqliteFloor.reset();
    postgresFloor.reset();
    db.close();
    rotor::ConnectionSpec bareSpec = location.spec;
    QString bareFloorTarget;
    if (location.backend == QLatin1String("postgres")) {
        const QString bare = location.spec.databaseName + QStringLiteral("_noindex");
        if (!pgCommand(withDatabase(location.floorTarget, QStringLiteral("postgres")),
                       QStringLiteral("CREATE DATABASE %1 TEMPLATE %2").arg(bare, location.spec.databaseName),
                       &error)) {
            std::fprintf(stderr, "dashboard_bench: copying the database: %s\n", qPrintable(error));
            return false;
        }
        bareSpec.databaseName = bare;
        bareFloorTarget = withDatabase(location.floorTarget, bare);
    } else {
        bareFloorTarget = location.spec.sqlitePath + QStringLiteral(".noindex");
        QFile::remove(bareFloorTarget);
        if (!QFile::copy(location.spec.sqlitePath, bareFloorTarget)) {
            std::fprintf(stderr, "dashboard_bench: copying the database failed\n");
            return false;
        }
        bareSpec.sqlitePath = bareFloorTarget;
    }
    struct Side
    {
        QString label;
        std::unique_ptr<rotor::Database> db;
        std::unique_ptr<rotor::RotationService> rotation;
        Sessions sessions;
        Series us;
    };
    Side sides[2];
    sides[0].label = QStringLiteral("with the index");
    sides[1].label = QStringLiteral("without");
    const rotor::ConnectionSpec specs[2] = {location.spec, bareSpec};
    for (int i = 0; i < 2; ++i) {
        sides[i].db = std::make_unique<rotor::Database>(specs[i]);
        if (!sides[i].db->open(rotor::Database::OpenMode::OpenExisting, &error)
            || (i == 1 && !sides[i].db->exec(QStringLiteral("DROP INDEX refresh_tokens_refreshed"), &error))) {
            std::fprintf(stderr, "dashboard_bench: %s\n", qPrintable(error));
            return false;
        }
        sides[i].rotation = std::make_unique<rotor::RotationService>(*sides[i].db, keys, clock);
        if (!signIn(*sides[i].rotation, QStringLiteral("bench@dashboard.example"), 200, &sides[i].sessions, &error)
            || !refreshSome(*sides[i].rotation, &sides[i].sessions, qMax(100, options.indexRotations / 10), &error)) {
            std::fprintf(stderr, "dashboard_bench: %s\n", qPrintable(error));
            return false;
        }
    }
    // What the index buys: the same full computation on both, interleaved.
    Series fullWith, fullWithout;
    for (int rep = -1; rep < options.reps; ++rep) {
        for (int turn = 0; turn < 2; ++turn) {
            const int i = (rep + 2 + turn) % 2;
            rotor::DashboardFigures figures;
            const auto start = SteadyClock::now();
            if (!rotor::Dashboard(*sides[i].db, clock)
                     .compute(rotor::DashboardRange::lastDays(options.days, clock.nowMs(), zone), nullptr, &figures,
                              &error)) {
                std::fprintf(stderr, "dashboard_bench: %s\n", qPrintable(error));
                return false;
            }
            if (rep >= 0)
                (i == 0 ? fullWith : fullWithout).values.push_back(msSince(start));
        }
    }
    std::printf("   the dashboard in full: %.1f ms with the index, %.1f ms without (medians)\n", fullWith.medianValue(),
                fullWithout.medianValue());
    table->addRow({name, QStringLiteral("rotor full, without the index"), fixed(fullWithout.medianValue(), 1),
                   spread(fullWithout, 1), QString(), QString()});
    results->append(entry(location.backend, QStringLiteral("rotor_full_without_index"), fullWithout, nullptr));
    results->append(entry(location.backend, QStringLiteral("rotor_full_with_index_same_run"), fullWith, nullptr));

    Series indexRatio;
    for (int rep = 0; rep < options.indexRounds; ++rep) {
        double us[2] = {0, 0};
        for (int turn = 0; turn < 2; ++turn) {
            const int i = (rep + turn) % 2; // each goes first in every other repetition
            const auto start = SteadyClock::now();
            if (!refreshSome(*sides[i].rotation, &sides[i].sessions, options.indexRotations, &error)) {
                std::fprintf(stderr, "dashboard_bench: refresh: %s\n", qPrintable(error));
                return false;
            }
            us[i] = msSince(start) * 1000.0 / options.indexRotations;
            sides[i].us.values.push_back(us[i]);
        }
        indexRatio.values.push_back(us[0] / us[1]);
        std::printf("   round %d: %.1f us per refresh with the index, %.1f us without\n", rep + 1, us[0], us[1]);
        std::fflush(stdout);
    }
    indexTable->addRow({name, fixed(sides[0].us.medianValue(), 1), spread(sides[0].us, 1),
                        fixed(sides[1].us.medianValue(), 1), spread(sides[1].us, 1), fixed(indexRatio.medianValue(), 3),
                        spread(indexRatio, 3)});
    indexResults->append(QJsonObject {{QStringLiteral("backend"), location.backend},
                                      {QStringLiteral("rotations_per_round"), options.indexRotations},
                                      {QStringLiteral("rounds"), options.indexRounds},
                                      {QStringLiteral("with_index_us"), sides[0].us.medianValue()},
                                      {QStringLiteral("with_index_us_reps"), sides[0].us.json()},
                                      {QStringLiteral("without_index_us"), sides[1].us.medianValue()},
                                      {QStringLiteral("without_index_us_reps"), sides[1].us.json()},
                                      {QStringLiteral("ratio"), indexRatio.medianValue()},
                                      {QStringLiteral("ratio_min"), indexRatio.low()},
                                      {QStringLiteral("ratio_max"), indexRatio.high()}});
    for (Side &side : sides) {
        side.rotation.reset();
        side.db.reset();
    }
    if (location.backend == QLatin1String("postgres")
        && !pgCommand(withDatabase(location.floorTarget, QStringLiteral("postgres")),
                      QStringLiteral("DROP DATABASE %1").arg(bareSpec.databaseName), &error))
        std::fprintf(stderr, "dashboard_bench: dropping %s: %s\n", qPrintable(bareSpec.databaseName),
                     qPrintable(error));
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    // The view is drawn offscreen: no display needed, and the same software rendering everywhere.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStringList arguments = QApplication::arguments();
    arguments.removeFirst();
    Options options;
    const int parsed = parseArguments(arguments, &options);
    if (parsed >= 0)
        return parsed;

    QByteArray master(32, '\0');
    RAND_bytes(reinterpret_cast<unsigned char *>(master.data()), int(master.size()));
    rotor::Keys keys;
    QString error;
    if (!rotor::Keys::fromMaster(master, &keys, &error)) {
        std::fprintf(stderr, "dashboard_bench: %s\n", qPrintable(error));
        return 1;
    }

    QTemporaryDir temporary(QDir::temp().filePath(QStringLiteral("rotor-dashboard-bench-XXXXXX")));
    const QString dir = options.dir.isEmpty() ? temporary.path() : options.dir;
    if (!QDir().mkpath(dir)) {
        std::fprintf(stderr, "dashboard_bench: cannot create %s\n", qPrintable(dir));
        return 1;
    }

    Table table({QStringLiteral("backend"), QStringLiteral("variant"), QStringLiteral("median ms"),
                 QStringLiteral("min-max ms"), QStringLiteral("x floor"), QStringLiteral("x floor min-max")},
                2);
    Table indexTable({QStringLiteral("backend"), QStringLiteral("us/refresh with index"), QStringLiteral("min-max"),
                      QStringLiteral("without"), QStringLiteral("min-max"), QStringLiteral("with / without"),
                      QStringLiteral("min-max")},
                     1);
    QJsonArray results, indexResults;
    QJsonObject rows;
    bool ok = true;
    if (options.sqlite) {
        const QString path = QDir(dir).filePath(QStringLiteral("dashboard-bench-%1.sqlite").arg(getpid()));
        for (const QString &suffix :
             {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral(".noindex"),
              QStringLiteral(".noindex-wal"), QStringLiteral(".noindex-shm")})
            QFile::remove(path + suffix);
        ok = runBackend(options, {QStringLiteral("sqlite"), rotor::ConnectionSpec::sqlite(path), path}, keys, &table,
                        &indexTable, &results, &indexResults, &rows);
        for (const QString &suffix :
             {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral(".noindex"),
              QStringLiteral(".noindex-wal"), QStringLiteral(".noindex-shm")})
            QFile::remove(path + suffix);
    }
    if (ok && !options.pgUri.isEmpty()) {
        rotor::ConnectionSpec server;
        if (!rotor::ConnectionSpec::parse(options.pgUri, &server, &error)
            || server.backend != rotor::Backend::Postgres) {
            std::fprintf(stderr, "dashboard_bench: --pg takes a postgresql:// URI (%s)\n", qPrintable(error));
            return 2;
        }
        const QString name = QStringLiteral("rotor_dashboard_bench_%1").arg(getpid());
        if (!pgCommand(options.pgUri, QStringLiteral("CREATE DATABASE %1").arg(name), &error)) {
            std::fprintf(stderr, "dashboard_bench: %s\n", qPrintable(error));
            return 1;
        }
        const QString uri = withDatabase(options.pgUri, name);
        rotor::ConnectionSpec spec;
        rotor::ConnectionSpec::parse(uri, &spec, &error);
        ok = runBackend(options, {QStringLiteral("postgres"), spec, uri}, keys, &table, &indexTable, &results,
                        &indexResults, &rows);
        if (!pgCommand(options.pgUri, QStringLiteral("DROP DATABASE %1").arg(name), &error))
            std::fprintf(stderr, "dashboard_bench: dropping %s: %s\n", qPrintable(name), qPrintable(error));
    }
    if (!ok)
        return 1;

    std::printf("\nThe last %d days (the console's default range), %d repetitions:\n\n", options.days, options.reps);
    table.print();
    if (options.indexRotations > 0) {
        std::printf("\nThe index refresh_tokens_refreshed on the refresh path (%d rounds of %d refreshes per side, "
                    "interleaved; medians over the rounds):\n\n",
                    options.indexRounds, options.indexRotations);
        indexTable.print();
    }

    const QJsonObject json {
        {QStringLiteral("benchmark"), QStringLiteral("dashboard")},
        {QStringLiteral("machine"), machineInfo()},
        {QStringLiteral("versions"),
         QJsonObject {{QStringLiteral("qt"), QString::fromLatin1(qVersion())},
                      {QStringLiteral("sqlite"), QString::fromLatin1(sqlite3_libversion())},
                      {QStringLiteral("libpq"), PQlibVersion()}}},
        {QStringLiteral("parameters"),
         QJsonObject {{QStringLiteral("users"), options.users},
                      {QStringLiteral("reps"), options.reps},
                      {QStringLiteral("days"), options.days},
                      {QStringLiteral("index_rotations"), options.indexRotations},
                      {QStringLiteral("index_rounds"), options.indexRounds},
                      {QStringLiteral("statistic"),
                       QStringLiteral("median over repetitions with min-max; x floor is rotor's time over the "
                                      "floor's in the same repetition")}}},
        {QStringLiteral("rows"), rows},
        {QStringLiteral("results"), results},
        {QStringLiteral("index_cost"), indexResults}};
    if (!writeJson(options.jsonPath, json))
        return 1;
    std::printf("\nresults written to %s\n", qPrintable(QFileInfo(options.jsonPath).absoluteFilePath()));
    return 0;
}
