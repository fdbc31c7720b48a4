// seed_bench: time and peak memory of rotor::DemoSeeder on SQLite, against its floor: as many rows of the same
// tables and shapes, generated in plain C++ and written through the sqlite3 C API with multi-row prepared INSERTs
// in one transaction. Each variant runs in a child process of its own, so its peak RSS is its own.

#include "BenchSupport.h"
#include "FloorCrypto.h"

#include "Clock.h"
#include "ConnectionSpec.h"
#include "Database.h"
#include "DemoSeeder.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <openssl/rand.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace bench;

const char usageText[] = R"(usage: seed_bench [options]

Times rotor::DemoSeeder filling a fresh SQLite database, and its floor: the same number of rows of every table,
of the same shapes, generated in plain C++ and written through the sqlite3 C API (multi-row prepared INSERTs of
200 rows, one transaction, the same schema, indexes and pragmas, and the 256 MiB page cache DemoSeeder sets for
its bulk load). Each run is a child process, so the peak RSS reported is that variant's own.

Options:
  --users N            demo users (default 100000, about 1M refresh tokens)
  --families-per-user N  average sessions per user (default 2)
  --chain-length N     average refresh tokens per session (default 5)
  --reps R             repetitions of each variant; the median is reported (default 1)
  --variants LIST      comma-separated subset of rotor,floor (default both; floor needs rotor's row counts)
  --dir DIR            folder for the SQLite files (default: a fresh temporary folder, removed afterwards)
  --json FILE          results as JSON (default bench-results/seed.json)
  -h, --help           this text
)";

struct Options
{
    rotor::SeedOptions seed;
    int reps = 1;
    bool floor = true;
    QString dir;
    QString jsonPath = QStringLiteral("bench-results/seed.json");
};

int parseArguments(const QStringList &arguments, Options *options)
{
    options->seed.users = 100000;
    return parseFlags(
        "seed_bench", usageText, arguments, {},
        {QStringLiteral("--users"), QStringLiteral("--families-per-user"), QStringLiteral("--chain-length"),
         QStringLiteral("--reps"), QStringLiteral("--variants"), QStringLiteral("--dir"), QStringLiteral("--json")},
        [&](const QString &flag, const QString &value) -> QString {
            const std::pair<const char *, std::pair<int *, int>> counts[]
                = {{"--users", {&options->seed.users, 1}},
                   {"--families-per-user", {&options->seed.familiesPerUser, 0}},
                   {"--chain-length", {&options->seed.chainLength, 1}},
                   {"--reps", {&options->reps, 1}}};
            for (const auto &[name, target] : counts) {
                if (flag == QLatin1String(name))
                    return parseCount(value, target.second, target.first)
                        ? QString()
                        : QStringLiteral("%1 takes a whole number that makes sense, not '%2'").arg(flag, value);
            }
            if (flag == QLatin1String("--dir")) {
                options->dir = value;
            } else if (flag == QLatin1String("--json")) {
                options->jsonPath = value;
            } else if (flag == QLatin1String("--variants")) {
                const QStringList names = value.split(QLatin1Char(','), Qt::SkipEmptyParts);
                for (const QString &name : names) {
                    if (name != QLatin1String("rotor") && name != QLatin1String("floor"))
                        return QStringLiteral("unknown variant %1 (rotor, floor)").arg(name);
                }
                if (!names.contains(QLatin1String("rotor")))
                    return QStringLiteral("the floor writes as many rows as rotor did: include rotor");
                options->floor = names.contains(QLatin1String("floor"));
            }
            return {};
        });
}

// ---------------------------------------------------------------------------------------------------------------
// The floor: plain structs of cells, sqlite3 prepared statements, one transaction.

struct Cell
{
    enum Kind : unsigned char { Null, Integer, Text, Blob };
    Kind kind = Null;
    std::int64_t integer = 0;
    std::string bytes;
};

// Multi-row INSERTs of rowsPerBatch rows through one statement prepared once; the remainder through one more.
class FloorBatch
{
public:
    FloorBatch(sqlite3 *db, std::string table, std::vector<std::string> columns, int rowsPerBatch)
        : m_db(db)
        , m_table(std::move(table))
        , m_columns(std::move(columns))
        , m_rowsPerBatch(rowsPerBatch)
    { }
    FloorBatch(const FloorBatch &) = delete;
    FloorBatch &operator=(const FloorBatch &) = delete;
    ~FloorBatch() { sqlite3_finalize(m_full); }

    FloorBatch &integer(std::int64_t value)
    {
        Cell &cell = next();
        cell.kind = Cell::Integer;
        cell.integer = value;
        return *this;
    }
    FloorBatch &text(std::string_view value)
    {
        Cell &cell = next();
        cell.kind = Cell::Text;
        cell.bytes.assign(value);
        return *this;
    }
    FloorBatch &blob(const unsigned char *data, size_t size)
    {
        Cell &cell = next();
        cell.kind = Cell::Blob;
        cell.bytes.assign(reinterpret_cast<const char *>(data), size);
        return *this;
    }
    FloorBatch &null()
    {
        next().kind = Cell::Null;
        return *this;
    }

    bool flush(std::string *error)
    {
        const size_t width = m_columns.size();
        const size_t rows = m_used / width;
        size_t written = 0;
        while (written < rows) {
            const size_t count = std::min(size_t(m_rowsPerBatch), rows - written);
            sqlite3_stmt *statement = nullptr;
            if (count == size_t(m_rowsPerBatch)) {
                if (!m_full && !prepare(count, &m_full, error))
                    return false;
                statement = m_full;
            } else if (!prepare(count, &statement, error)) {
                return false;
            }
            for (size_t i = 0; i < count * width; ++i) {
                const Cell &cell = m_cells[written * width + i];
                const int index = int(i) + 1;
                switch (cell.kind) {
                case Cell::Null:
                    sqlite3_bind_null(statement, index);
                    break;
                case Cell::Integer:
                    sqlite3_bind_int64(statement, index, cell.integer);
                    break;
                case Cell::Text:
                    sqlite3_bind_text(statement, index, cell.bytes.data(), int(cell.bytes.size()), SQLITE_STATIC);
                    break;
                case Cell::Blob:
                    sqlite3_bind_blob(statement, index, cell.bytes.data(), int(cell.bytes.size()), SQLITE_STATIC);
                    break;
                }
            }
            const int rc = sqlite3_step(statement);
            sqlite3_reset(statement);
            if (statement != m_full)
                sqlite3_finalize(statement);
            if (rc != SQLITE_DONE) {
                *error = "writing " + m_table + " failed: " + sqlite3_errmsg(m_db);
                return false;
            }
            written += count;
        }
        m_used = 0; // the cells (and their string buffers) are reused by the next rows
        return true;
    }

private:
    Cell &next()
    {
        if (m_used == m_cells.size())
            m_cells.emplace_back();
        return m_cells[m_used++];
    }

    bool prepare(size_t rows, sqlite3_stmt **statement, std::string *error)
    {
        std::string tuple = "(";
        for (size_t i = 0; i < m_columns.size(); ++i)
            tuple += i ? ",?" : "?";
        tuple += ')';
        std::string sql = "INSERT INTO " + m_table + " (";
        for (size_t i = 0; i < m_columns.size(); ++i)
            sql += (i ? "," : "") + m_columns[i];
        sql += ") VALUES ";
        for (size_t i = 0; i < rows; ++i)
            sql += (i ? "," : "") + tuple;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), int(sql.size()), statement, nullptr) != SQLITE_OK) {
            *error = "preparing an insert into " + m_table + ": " + sqlite3_errmsg(m_db);
            return false;
        }
        return true;
    }

    sqlite3 *m_db;
    std::string m_table;
    std::vector<std::string> m_columns;
    int m_rowsPerBatch;
    std::vector<Cell> m_cells;
    size_t m_used = 0;
    sqlite3_stmt *m_full = nullptr;
};

const std::array<const char *, 16> firstNames
    = {"Ada",   "Grace",  "Alan",    "Linus",  "Margaret", "Ken", "Barbara", "Dennis",
       "Radia", "Edsger", "Frances", "Donald", "Hedy",     "Tim", "Sophie",  "Whitfield"};
const std::array<const char *, 12> lastNames = {"Lovelace", "Hopper",  "Turing",  "Torvalds", "Hamilton", "Thompson",
                                                "Liskov",   "Ritchie", "Perlman", "Dijkstra", "Allen",    "Knuth"};
const std::array<std::pair<const char *, const char *>, 4> deviceKinds = {{
    {"Pixel 8", "RotorDemo/2.4 (Android 14; Pixel 8)"},
    {"Firefox on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"},
    {"Chrome on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"},
    {"CLI on Linux", "rotor-cli/1.3 (linux; x86_64)"},
}};

// The n-th share of total split over parts, so the shares add up to total exactly.
std::int64_t share(std::int64_t total, std::int64_t parts, std::int64_t n)
{
    return parts == 0 ? 0 : total * (n + 1) / parts - total * n / parts;
}

// Rotor's connection settings, and the page cache DemoSeeder gives itself for the bulk load.
const char floorPragmas[] = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -262144";
// Rows per multi-row INSERT: a plain C program has no reason to keep statements small.
// (Measured: 16 or 200 rows per statement make no difference to the floor; its time is SQLite's own.)
constexpr int floorRowsPerStatement = 200;

bool floorSeed(sqlite3 *db, const rotor::SeedStats &counts, std::string *error)
{
    constexpr std::int64_t minute = 60 * 1000, day = 24 * 60 * minute;
    const std::int64_t now
        = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
    std::mt19937_64 random(1);
    const auto pick = [&random](std::uint64_t bound) { return random() % bound; };
    char buffer[128];
    const auto ip = [&]() {
        std::snprintf(buffer, sizeof buffer, "198.51.100.%d", int(1 + pick(254)));
        return std::string(buffer);
    };

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
        *error = sqlite3_errmsg(db);
        return false;
    }
    FloorBatch users(db, "users", {"id", "email", "display_name", "active", "token_version", "created_at"},
                     floorRowsPerStatement);
    FloorBatch devices(
        db, "devices",
        {"id", "user_id", "device_key", "name", "user_agent", "first_seen_at", "last_seen_at", "last_ip"},
        floorRowsPerStatement);
    FloorBatch families(db, "token_families",
                        {"id", "user_id", "device_id", "created_at", "expires_at", "idle_expires_at", "last_used_at",
                         "current_generation", "revoked_at", "revoke_reason", "revoked_by"},
                        floorRowsPerStatement);
    FloorBatch tokens(db, "refresh_tokens",
                      {"id", "family_id", "parent_id", "generation", "token_hash", "issued_at", "expires_at", "used_at",
                       "revoked_at", "ip", "user_agent"},
                      floorRowsPerStatement);
    FloorBatch events(db, "security_events",
                      {"kind", "occurred_at", "user_id", "family_id", "device_id", "presented_generation",
                       "current_generation", "ip", "user_agent", "device_key", "original_ip", "original_user_agent",
                       "detail"},
                      floorRowsPerStatement);
    FloorBatch audit(db, "audit_log",
                     {"id", "occurred_at", "actor", "origin", "action", "target", "reason", "prev_hash", "entry_hash"},
                     floorRowsPerStatement);

    std::int64_t deviceId = 0, familyId = 0, tokenId = 0, auditId = 0;
    unsigned char auditHash[32] = {};
    std::vector<unsigned char> hashes;
    std::vector<std::int64_t> userDevices;
    const std::int64_t userCount = counts.users;
    for (std::int64_t n = 0; n < userCount; ++n) {
        const std::int64_t userId = n + 1;
        const std::int64_t created = now - day * std::int64_t(100 + pick(600));
        const bool active = pick(100) >= 3;
        std::string first = firstNames[pick(firstNames.size())];
        std::snprintf(buffer, sizeof buffer, "%s.%lld@demo.rotor.example", first.c_str(),
                      static_cast<long long>(userId));
        for (char *c = buffer; *c; ++c)
            *c = char(std::tolower(static_cast<unsigned char>(*c)));
        users.integer(userId).text(buffer).text(first + ' ' + lastNames[pick(lastNames.size())]).integer(active);
        users.integer(active ? 0 : 1).integer(created);

        for (std::int64_t a = share(counts.auditEntries, userCount, n); a > 0; --a) {
            // The hash chain: length-prefixed fields, like AdminService::auditEntryHash.
            ++auditId;
            const std::string target = "family:" + std::to_string(auditId);
            std::string data;
            const auto field = [&data](std::string_view bytes) {
                const unsigned char length[4]
                    = {static_cast<unsigned char>(bytes.size() >> 24), static_cast<unsigned char>(bytes.size() >> 16),
                       static_cast<unsigned char>(bytes.size() >> 8), static_cast<unsigned char>(bytes.size())};
                data.append(reinterpret_cast<const char *>(length), 4);
                data.append(bytes);
            };
            field(std::string_view(reinterpret_cast<const char *>(auditHash), 32));
            field(std::to_string(auditId));
            field(std::to_string(now - minute));
            field("admin");
            field("console.demo");
            field("revoke-family");
            field(target);
            field("lost device reported by the user");
            unsigned char entryHash[32];
            floor::sha256(data.data(), data.size(), entryHash);
            audit.integer(auditId).integer(now - minute).text("admin").text("console.demo").text("revoke-family");
            audit.text(target).text("lost device reported by the user").blob(auditHash, 32).blob(entryHash, 32);
            std::memcpy(auditHash, entryHash, 32);
        }

        userDevices.clear();
        for (std::int64_t d = share(counts.devices, userCount, n); d > 0; --d) {
            ++deviceId;
            const auto &kind = deviceKinds[pick(deviceKinds.size())];
            userDevices.push_back(deviceId);
            devices.integer(deviceId).integer(userId).text("dev-" + std::to_string(deviceId)).text(kind.first);
            devices.text(kind.second).integer(created + day).integer(now - minute * std::int64_t(pick(60 * 24 * 40)));
            devices.text(ip());
        }

        for (std::int64_t f = share(counts.families, userCount, n); f > 0; --f) {
            ++familyId;
            const std::int64_t device = userDevices.empty() ? 1 : userDevices[size_t(pick(userDevices.size()))];
            const auto &kind = deviceKinds[pick(deviceKinds.size())];
            const std::int64_t length = share(counts.tokens, counts.families, familyId - 1);
            const std::int64_t familyCreated = now - minute * std::int64_t(30 + pick(60 * 24 * 85));
            const std::int64_t familyExpires = familyCreated + 90 * day;
            const std::string homeIp = ip();
            hashes.resize(size_t(32 * length));
            RAND_bytes(hashes.data(), int(hashes.size()));
            std::int64_t issued = familyCreated;
            for (std::int64_t g = 0; g < length; ++g) {
                ++tokenId;
                const bool last = g + 1 == length;
                tokens.integer(tokenId).integer(familyId);
                g == 0 ? tokens.null() : tokens.integer(tokenId - 1);
                tokens.integer(g).blob(hashes.data() + 32 * g, 32).integer(issued);
                tokens.integer(std::min(issued + 30 * day, familyExpires));
                const std::int64_t nextUse = issued + minute * std::int64_t(20 + pick(60 * 24 * 3));
                last ? tokens.null() : tokens.integer(nextUse);
                tokens.null().text(homeIp).text(kind.second);
                if (!last)
                    issued = nextUse;
            }
            families.integer(familyId).integer(userId).integer(device).integer(familyCreated).integer(familyExpires);
            families.integer(std::min(issued + 30 * day, familyExpires)).integer(issued).integer(length - 1);
            families.null().null().null();
            for (std::int64_t e = share(counts.events, counts.families, familyId - 1); e > 0; --e) {
                events.text("replay_detected").integer(issued + minute).integer(userId).integer(familyId);
                events.integer(device).integer(0).integer(length - 1).text(ip()).text("python-requests/2.31.0");
                events.text("dev-stolen").text(homeIp).text(kind.second).text("");
            }
        }
        if ((n % 500 == 499 || n + 1 == userCount)
            && (!users.flush(error) || !devices.flush(error) || !families.flush(error) || !tokens.flush(error)
                || !events.flush(error) || !audit.flush(error))) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            return false;
        }
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        *error = sqlite3_errmsg(db);
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes: each does one seeding into its own fresh file and reports as one JSON document on a pipe.

QJsonObject countsJson(const rotor::SeedStats &stats)
{
    return {{QStringLiteral("users"), stats.users},       {QStringLiteral("devices"), stats.devices},
            {QStringLiteral("families"), stats.families}, {QStringLiteral("tokens"), stats.tokens},
            {QStringLiteral("events"), stats.events},     {QStringLiteral("audit_entries"), stats.auditEntries}};
}

qint64 totalRows(const rotor::SeedStats &stats)
{
    return stats.users + stats.devices + stats.families + stats.tokens + stats.events + stats.auditEntries;
}

QJsonObject runRotorChild(const Options &options, const QString &path)
{
    rotor::Database db(rotor::ConnectionSpec::sqlite(path));
    QString error;
    if (!db.open(rotor::Database::OpenMode::CreateIfMissing, &error))
        return {{QStringLiteral("error"), error}};
    const long rssBefore = currentRssKb();
    rotor::SystemClock clock;
    rotor::SeedStats stats;
    const auto t0 = SteadyClock::now();
    if (!rotor::DemoSeeder(db, clock).seed(options.seed, nullptr, &stats, &error))
        return {{QStringLiteral("error"), error}};
    const double seconds = microsecondsBetween(t0, SteadyClock::now()) / 1e6;
    db.close();
    return {{QStringLiteral("seconds"), seconds},
            {QStringLiteral("rows"), countsJson(stats)},
            {QStringLiteral("rss_before_kb"), qint64(rssBefore)},
            {QStringLiteral("file_bytes"), QFileInfo(path).size()}};
}

QJsonObject runFloorChild(const rotor::SeedStats &counts, const QString &path)
{
    QString error;
    {
        // The same schema, indexes and triggers as Rotor's (its migrations); not timed.
        rotor::Database schema(rotor::ConnectionSpec::sqlite(path));
        if (!schema.open(rotor::Database::OpenMode::CreateIfMissing, &error))
            return {{QStringLiteral("error"), error}};
    }
    sqlite3 *db = nullptr;
    if (sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK
        || sqlite3_exec(db, floorPragmas, nullptr, nullptr, nullptr) != SQLITE_OK) {
        const QString message = QString::fromUtf8(sqlite3_errmsg(db));
        sqlite3_close(db);
        return {{QStringLiteral("error"), message}};
    }
    const long rssBefore = currentRssKb();
    std::string floorError;
    const auto t0 = SteadyClock::now();
    const bool ok = floorSeed(db, counts, &floorError);
    const double seconds = microsecondsBetween(t0, SteadyClock::now()) / 1e6;
    sqlite3_close(db);
    if (!ok)
        return {{QStringLiteral("error"), QString::fromStdString(floorError)}};
    return {{QStringLiteral("seconds"), seconds},
            {QStringLiteral("rows"), countsJson(counts)},
            {QStringLiteral("rss_before_kb"), qint64(rssBefore)},
            {QStringLiteral("file_bytes"), QFileInfo(path).size()}};
}

// Runs work in a child process with its own QCoreApplication; returns its report plus its peak RSS (wait4).
QJsonObject inChild(int argc, char *argv[], const std::function<QJsonObject()> &work)
{
    int fds[2];
    if (pipe(fds) != 0)
        return {{QStringLiteral("error"), QStringLiteral("pipe failed")}};
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0)
        return {{QStringLiteral("error"), QStringLiteral("fork failed")}};
    if (pid == 0) {
        close(fds[0]);
        int status = 0;
        {
            QCoreApplication app(argc, argv);
            const QByteArray report = QJsonDocument(work()).toJson(QJsonDocument::Compact);
            status = write(fds[1], report.constData(), size_t(report.size())) == report.size() ? 0 : 1;
        }
        close(fds[1]);
        _exit(status);
    }
    close(fds[1]);
    QByteArray report;
    char chunk[4096];
    for (ssize_t got; (got = read(fds[0], chunk, sizeof chunk)) > 0;)
        report.append(chunk, qsizetype(got));
    close(fds[0]);
    int status = 0;
    rusage usage {};
    wait4(pid, &status, 0, &usage);
    QJsonObject result = QJsonDocument::fromJson(report).object();
    if (result.isEmpty())
        result.insert(QStringLiteral("error"), QStringLiteral("the child process failed (status %1)").arg(status));
    result.insert(QStringLiteral("peak_rss_kb"), qint64(usage.ru_maxrss));
    return result;
}

void removeDatabase(const QString &path)
{
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(path + suffix);
}

rotor::SeedStats statsFrom(const QJsonObject &rows)
{
    rotor::SeedStats stats;
    stats.users = rows.value(QStringLiteral("users")).toInteger();
    stats.devices = rows.value(QStringLiteral("devices")).toInteger();
    stats.families = rows.value(QStringLiteral("families")).toInteger();
    stats.tokens = rows.value(QStringLiteral("tokens")).toInteger();
    stats.events = rows.value(QStringLiteral("events")).toInteger();
    stats.auditEntries = rows.value(QStringLiteral("audit_entries")).toInteger();
    return stats;
}

} // namespace

int main(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 1; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    Options options;
    const int parsed = parseArguments(arguments, &options);
    if (parsed >= 0)
        return parsed;

    // No QCoreApplication here: the parent only forks, waits and reports; each child makes its own.
    QTemporaryDir temporary(QDir::temp().filePath(QStringLiteral("rotor-seed-bench-XXXXXX")));
    const QString dir = options.dir.isEmpty() ? temporary.path() : options.dir;
    if (!QDir().mkpath(dir)) {
        std::fprintf(stderr, "seed_bench: cannot create %s\n", qPrintable(dir));
        return 1;
    }
    const QString path = QDir(dir).filePath(QStringLiteral("seed-bench-%1.sqlite").arg(getpid()));

    std::printf("seeding %d users (%d sessions per user, %d tokens per session on average), %d repetition(s)\n",
                options.seed.users, options.seed.familiesPerUser, options.seed.chainLength, options.reps);
    QJsonArray rotorReps, floorReps;
    std::vector<double> rotorSeconds, floorSeconds, ratios, rotorRss, floorRss;
    rotor::SeedStats counts;
    for (int rep = 0; rep < options.reps; ++rep) {
        removeDatabase(path);
        const QJsonObject rotorResult = inChild(argc, argv, [&] { return runRotorChild(options, path); });
        removeDatabase(path);
        if (rotorResult.contains(QStringLiteral("error"))) {
            std::fprintf(stderr, "seed_bench: rotor: %s\n",
                         qPrintable(rotorResult.value(QStringLiteral("error")).toString()));
            return 1;
        }
        rotorReps.append(rotorResult);
        rotorSeconds.push_back(rotorResult.value(QStringLiteral("seconds")).toDouble());
        rotorRss.push_back(rotorResult.value(QStringLiteral("peak_rss_kb")).toDouble());
        counts = statsFrom(rotorResult.value(QStringLiteral("rows")).toObject());
        std::printf("  rep %d: rotor %.2f s", rep + 1, rotorSeconds.back());
        if (options.floor) {
            const QJsonObject floorResult = inChild(argc, argv, [&] { return runFloorChild(counts, path); });
            removeDatabase(path);
            if (floorResult.contains(QStringLiteral("error"))) {
                std::fprintf(stderr, "\nseed_bench: floor: %s\n",
                             qPrintable(floorResult.value(QStringLiteral("error")).toString()));
                return 1;
            }
            floorReps.append(floorResult);
            floorSeconds.push_back(floorResult.value(QStringLiteral("seconds")).toDouble());
            floorRss.push_back(floorResult.value(QStringLiteral("peak_rss_kb")).toDouble());
            ratios.push_back(rotorSeconds.back() / floorSeconds.back());
            std::printf(", floor %.2f s", floorSeconds.back());
        }
        std::printf("\n");
        std::fflush(stdout);
    }

    const double rows = double(totalRows(counts));
    Table table({QStringLiteral("variant"), QStringLiteral("seconds"), QStringLiteral("rows/s"),
                 QStringLiteral("tokens/s"), QStringLiteral("peak RSS MiB"), QStringLiteral("x floor")},
                1);
    table.addRow({QStringLiteral("rotor"), fixed(median(rotorSeconds), 2), grouped(rows / median(rotorSeconds)),
                  grouped(double(counts.tokens) / median(rotorSeconds)), fixed(median(rotorRss) / 1024, 1),
                  options.floor ? fixed(median(ratios), 2) : QStringLiteral("-")});
    QJsonArray variants;
    variants.append(QJsonObject {{QStringLiteral("variant"), QStringLiteral("rotor")},
                                 {QStringLiteral("method"), QStringLiteral("rotor::DemoSeeder::seed")},
                                 {QStringLiteral("seconds"), median(rotorSeconds)},
                                 {QStringLiteral("rows_per_s"), rows / median(rotorSeconds)},
                                 {QStringLiteral("peak_rss_kb"), median(rotorRss)},
                                 {QStringLiteral("repetitions"), rotorReps}});
    if (options.floor) {
        table.addRow({QStringLiteral("floor"), fixed(median(floorSeconds), 2), grouped(rows / median(floorSeconds)),
                      grouped(double(counts.tokens) / median(floorSeconds)), fixed(median(floorRss) / 1024, 1),
                      QStringLiteral("1.00")});
        QJsonObject rotorEntry = variants[0].toObject();
        rotorEntry.insert(QStringLiteral("ratio_to_floor"), median(ratios));
        variants[0] = rotorEntry;
        variants.append(
            QJsonObject {{QStringLiteral("variant"), QStringLiteral("floor")},
                         {QStringLiteral("method"),
                          QStringLiteral("plain C++ rows, sqlite3 C API, 200-row prepared INSERTs, one transaction, "
                                         "cache_size = -262144 like DemoSeeder")},
                         {QStringLiteral("seconds"), median(floorSeconds)},
                         {QStringLiteral("rows_per_s"), rows / median(floorSeconds)},
                         {QStringLiteral("peak_rss_kb"), median(floorRss)},
                         {QStringLiteral("repetitions"), floorReps}});
    }
    std::printf("\nrows: %lld users, %lld devices, %lld sessions, %lld tokens, %lld events, %lld audit entries\n\n",
                static_cast<long long>(counts.users), static_cast<long long>(counts.devices),
                static_cast<long long>(counts.families), static_cast<long long>(counts.tokens),
                static_cast<long long>(counts.events), static_cast<long long>(counts.auditEntries));
    table.print();

    QJsonObject json {{QStringLiteral("benchmark"), QStringLiteral("seed")},
                      {QStringLiteral("machine"), machineInfo()},
                      {QStringLiteral("versions"),
                       QJsonObject {{QStringLiteral("qt"), QString::fromLatin1(qVersion())},
                                    {QStringLiteral("sqlite"), QString::fromLatin1(sqlite3_libversion())}}},
                      {QStringLiteral("parameters"),
                       QJsonObject {{QStringLiteral("users"), options.seed.users},
                                    {QStringLiteral("families_per_user"), options.seed.familiesPerUser},
                                    {QStringLiteral("chain_length"), options.seed.chainLength},
                                    {QStringLiteral("reps"), options.reps},
                                    {QStringLiteral("statistic"),
                                     QStringLiteral("median over repetitions; peak RSS is each child "
                                                    "process's own (wait4 ru_maxrss)")}}},
                      {QStringLiteral("rows"), countsJson(counts)},
                      {QStringLiteral("results"), variants}};
    if (!writeJson(options.jsonPath, json))
        return 1;
    std::printf("results written to %s\n", qPrintable(QFileInfo(options.jsonPath).absoluteFilePath()));
    return 0;
}
