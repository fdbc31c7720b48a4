// refresh_bench: the cost of one refresh-token rotation through Rotor, against its floor (the same SQL and crypto
// through the database's C API, no framework) and the ORM-style code it replaces, measured in the same run.
// See usageText below, and scripts/bench for the one command that runs every benchmark.

#include "BenchSupport.h"
#include "FloorCrypto.h"
#include "RefreshVariants.h"

#include "Clock.h"
#include "Crypto.h"
#include "Database.h"
#include "DemoSeeder.h"
#include "Jwt.h"
#include "Keys.h"
#include "RefreshToken.h"
#include "RotationService.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace {

using namespace bench;

const char usageText[] = R"(usage: refresh_bench [options]

Measures one refresh-token rotation per variant, each repetition running every variant in turn on the same
database, and reports the median over the repetitions:
  rotor  RotationService::refresh on a warm connection
  floor  the same SQL through the C API (sqlite3 / libpq), prepared once, with the same crypto per refresh
         (SHA-256 of the presented and successor token, HMAC successor derivation, HS256 JWT)
  naive  ORM style: SELECT token, SELECT family, SELECT user, UPDATE token, INSERT token, each prepared anew,
         no transaction around them
  flood  rotor, while another connection presents random (unknown) tokens without pause from 4 addresses;
         "x rotor" is its mean latency over rotor's in the same repetition (the flood's cost to real rotations)

Columns: refreshes/s over a repetition's wall time; mean, median and 99th percentile latency of one refresh;
"x floor" is mean latency (so inverse throughput) over the floor's in the same repetition, "x floor p50" the same
for the median, which SQLite's WAL checkpoints (an fsync now and then, on whichever variant is running) disturb less.

Options:
  --pg URI            also run on PostgreSQL (a throwaway database: the benchmark adds its rows to it)
  --no-sqlite         skip SQLite
  --users N           demo users seeded first, so indexes have a realistic size (default 10000)
  --families K        sessions per variant whose token chains are walked, round robin (default 500)
  --rotations N       refreshes per variant per repetition (default 3000)
  --warmup N          refreshes per variant before measuring (default 300)
  --reps R            repetitions; the median is reported (default 7)
  --variants LIST     comma-separated subset of rotor,floor,naive,flood (default all)
  --threads LIST      concurrency levels for rotor and its floor: caller threads on one SQLite file, connections
                      to PostgreSQL, each thread with its own connection (default 1,4,8; level 1 also runs naive
                      and flood, and the per-call cost of the grace, replay and unknown-token paths)
  --dir DIR           folder for the SQLite file (default: a fresh temporary folder, removed afterwards)
  --json FILE         results as JSON (default bench-results/refresh.json)
  -h, --help          this text
)";

struct Options
{
    QString pgUri;
    bool sqlite = true;
    int users = 10000;
    int families = 500;
    int rotations = 3000;
    int warmup = 300;
    int reps = 7;
    QStringList variants {QStringLiteral("rotor"), QStringLiteral("floor"), QStringLiteral("naive"),
                          QStringLiteral("flood")};
    QList<int> threads {1, 4, 8};
    QString dir;
    QString jsonPath = QStringLiteral("bench-results/refresh.json");
};

// Returns -1 to go on, or the exit code.
int parseArguments(const QStringList &arguments, Options *options)
{
    const auto wholeNumber = [](const QString &flag, const QString &value) {
        return QStringLiteral("%1 takes a whole number that makes sense, not '%2'").arg(flag, value);
    };
    const int parsed = parseFlags(
        "refresh_bench", usageText, arguments, {QStringLiteral("--no-sqlite")},
        {QStringLiteral("--pg"), QStringLiteral("--users"), QStringLiteral("--families"), QStringLiteral("--rotations"),
         QStringLiteral("--warmup"), QStringLiteral("--reps"), QStringLiteral("--variants"), QStringLiteral("--dir"),
         QStringLiteral("--json"), QStringLiteral("--threads")},
        [&](const QString &flag, const QString &value) -> QString {
            const std::pair<const char *, std::pair<int *, int>> counts[] = {{"--users", {&options->users, 0}},
                                                                             {"--families", {&options->families, 1}},
                                                                             {"--rotations", {&options->rotations, 1}},
                                                                             {"--warmup", {&options->warmup, 0}},
                                                                             {"--reps", {&options->reps, 1}}};
            for (const auto &[name, target] : counts) {
                if (flag == QLatin1String(name))
                    return parseCount(value, target.second, target.first) ? QString() : wholeNumber(flag, value);
            }
            if (flag == QLatin1String("--no-sqlite"))
                options->sqlite = false;
            else if (flag == QLatin1String("--pg"))
                options->pgUri = value;
            else if (flag == QLatin1String("--dir"))
                options->dir = value;
            else if (flag == QLatin1String("--json"))
                options->jsonPath = value;
            else if (flag == QLatin1String("--threads")) {
                options->threads.clear();
                for (const QString &level : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                    int count = 0;
                    if (!parseCount(level, 1, &count) || count > 64)
                        return QStringLiteral("--threads takes levels from 1 to 64, not '%1'").arg(level);
                    options->threads.append(count);
                }
                if (options->threads.isEmpty())
                    return QStringLiteral("--threads needs at least one level");
            } else if (flag == QLatin1String("--variants")) {
                options->variants = value.split(QLatin1Char(','), Qt::SkipEmptyParts);
                if (options->variants.isEmpty())
                    return QStringLiteral("--variants needs at least one of rotor, floor, naive, flood");
                for (const QString &name : std::as_const(options->variants)) {
                    if (name != QLatin1String("rotor") && name != QLatin1String("floor")
                        && name != QLatin1String("naive") && name != QLatin1String("flood"))
                        return QStringLiteral("unknown variant %1 (rotor, floor, naive, flood)").arg(name);
                }
            }
            return {};
        });
    if (parsed != -1)
        return parsed;
    if (!options->sqlite && options->pgUri.isEmpty()) {
        std::fprintf(stderr, "refresh_bench: nothing to run: --no-sqlite without --pg\n\n%s", usageText);
        return 2;
    }
    return -1;
}

struct VariantRun
{
    std::unique_ptr<Variant> variant;
    std::vector<QByteArray> tokens; // the live token of each of its sessions
    size_t next = 0;
    std::vector<Summary> reps;
};

bool runRotations(VariantRun &run, int count, Summary *summary, QString *error)
{
    std::vector<double> latencies;
    latencies.reserve(size_t(count));
    run.variant->beginRun();
    const auto begin = SteadyClock::now();
    for (int i = 0; i < count; ++i) {
        QByteArray &token = run.tokens[run.next];
        run.next = (run.next + 1) % run.tokens.size();
        const auto t0 = SteadyClock::now();
        if (!run.variant->rotate(&token, error)) {
            run.variant->endRun();
            return false;
        }
        latencies.push_back(microsecondsBetween(t0, SteadyClock::now()));
    }
    const double wall = microsecondsBetween(begin, SteadyClock::now()) / 1e6;
    run.variant->endRun();
    if (summary)
        *summary = summarize(std::move(latencies), wall);
    return true;
}

// Between two measured runs on SQLite, outside the timing: the WAL is checkpointed into the database and truncated, so
// that no variant pays for the writes of the one that ran before it (the flood's unsynced writes and the checkpoints
// they are owed above all: the variants take turns in a fixed cycle, so the same variant would always pay). Each run
// still pays for the checkpoints its own writes cause.
class Settler
{
public:
    explicit Settler(const rotor::ConnectionSpec &spec)
        : m_db(spec)
    {
        QString ignored;
        if (spec.backend == rotor::Backend::Sqlite)
            m_db.open(rotor::Database::OpenMode::OpenExisting, &ignored);
    }

    void settle()
    {
        QString ignored;
        if (m_db.isOpen())
            m_db.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"), &ignored);
    }

private:
    rotor::Database m_db;
};

// Seeds demo data and signs in the sessions each variant will rotate. Returns facts about the database.
bool prepareDatabase(const rotor::ConnectionSpec &spec, const Options &options, const rotor::Keys &keys,
                     const Client &client, std::vector<VariantRun> *runs, QJsonObject *setup, QString *error)
{
    rotor::Database db(spec);
    if (!db.open(rotor::Database::OpenMode::CreateIfMissing, error))
        return false;
    rotor::SystemClock clock;
    rotor::SeedOptions seedOptions;
    seedOptions.users = options.users;
    seedOptions.seed = quint32(QDateTime::currentMSecsSinceEpoch());
    rotor::SeedStats stats;
    auto t0 = SteadyClock::now();
    if (options.users > 0 && !rotor::DemoSeeder(db, clock).seed(seedOptions, nullptr, &stats, error))
        return false;
    setup->insert(QStringLiteral("seed_seconds"), microsecondsBetween(t0, SteadyClock::now()) / 1e6);
    if (db.isPostgres()) {
        // Statistics for the planner, as autovacuum would soon gather them on a live server; without them a plan
        // could change in the middle of the measurement.
        if (!db.exec(QStringLiteral("ANALYZE"), error))
            return false;
    }

    const int sessions = options.families * int(runs->size());
    QSqlQuery query(db.handle());
    QStringList emails;
    if (!query.exec(QStringLiteral("SELECT email FROM users WHERE active ORDER BY id DESC LIMIT %1").arg(sessions))) {
        *error = rotor::Database::describe(query.lastError());
        return false;
    }
    while (query.next())
        emails << query.value(0).toString();
    if (emails.isEmpty()) {
        *error = QStringLiteral("no active user to sign in (seed some with --users)");
        return false;
    }
    rotor::RotationService service(db, keys, clock);
    const QString stamp = QString::number(QDateTime::currentMSecsSinceEpoch(), 36);
    t0 = SteadyClock::now();
    for (size_t v = 0; v < runs->size(); ++v) {
        for (int i = 0; i < options.families; ++i) {
            rotor::DeviceInfo device;
            device.deviceKey = QStringLiteral("bench-%1-%2-%3").arg(stamp).arg(v).arg(i);
            device.deviceName = QStringLiteral("refresh_bench %1").arg((*runs)[v].variant->name());
            device.ip = QString::fromLatin1(client.ip);
            device.userAgent = QString::fromLatin1(client.userAgent);
            const rotor::LoginResult login
                = service.login(emails[(int(v) * options.families + i) % emails.size()], device);
            if (!login.ok()) {
                *error = QStringLiteral("sign-in failed: %1").arg(login.error);
                return false;
            }
            (*runs)[v].tokens.push_back(login.tokens.refreshToken);
        }
    }
    setup->insert(QStringLiteral("logins"), sessions);
    setup->insert(QStringLiteral("login_seconds"), microsecondsBetween(t0, SteadyClock::now()) / 1e6);
    for (const char *table : {"users", "token_families", "refresh_tokens"}) {
        if (query.exec(QStringLiteral("SELECT count(*) FROM ") + QLatin1String(table)) && query.next())
            setup->insert(QStringLiteral("rows_") + QLatin1String(table), query.value(0).toLongLong());
    }
    return true;
}

// The crypto of one refresh alone, Rotor's way and the floor's way: how much of the per-refresh cost is crypto.
QJsonObject measureCrypto(const rotor::Keys &keys, const floor::Keys &floorKeys, Table *table)
{
    constexpr int iterations = 20000;
    const QByteArray token = rotor::refresh_token::generate();
    const rotor::Policy policy;
    std::vector<double> rotorUs, floorUs;
    qsizetype sink = 0;
    for (int rep = 0; rep < 3; ++rep) {
        auto t0 = SteadyClock::now();
        for (int i = 0; i < iterations; ++i) {
            // What RotationService::refresh and issue() compute besides SQL.
            QByteArray secret;
            rotor::refresh_token::parse(token, &secret);
            const QByteArray successor = rotor::refresh_token::successorOf(token, keys.rotationKey());
            sink += rotor::refresh_token::hashOf(token).size() + rotor::refresh_token::hashOf(successor).size();
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            rotor::AccessClaims claims;
            claims.subject = QString::number(4242);
            claims.sessionId = QString::number(171717);
            claims.issuedAt = now / 1000;
            claims.expiresAt = (now + policy.accessTtlMs) / 1000;
            claims.jwtId = QString::fromLatin1(rotor::crypto::toBase64Url(rotor::crypto::randomBytes(16)));
            sink += rotor::jwt::signHs256(claims, keys.accessKey()).size();
        }
        rotorUs.push_back(microsecondsBetween(t0, SteadyClock::now()) / iterations);
        t0 = SteadyClock::now();
        floor::Rotation rotation;
        for (int i = 0; i < iterations; ++i) {
            floor::prepareRotation(std::string_view(token.constData(), size_t(token.size())), floorKeys, &rotation);
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            sink += qsizetype(floor::signAccessToken(4242, 171717, 0, now, policy.accessTtlMs, floorKeys).size());
        }
        floorUs.push_back(microsecondsBetween(t0, SteadyClock::now()) / iterations);
    }
    QJsonObject crypto;
    crypto.insert(QStringLiteral("iterations"), iterations);
    crypto.insert(QStringLiteral("rotor_us"), median(rotorUs));
    crypto.insert(QStringLiteral("floor_us"), median(floorUs));
    crypto.insert(QStringLiteral("checksum"), qint64(sink % 1000));
    table->addRow({QStringLiteral("crypto only"), QStringLiteral("rotor"), fixed(median(rotorUs), 2),
                   fixed(median(rotorUs) / median(floorUs), 2)});
    table->addRow(
        {QStringLiteral("crypto only"), QStringLiteral("floor"), fixed(median(floorUs), 2), QStringLiteral("1.00")});
    return crypto;
}

// One variant's repetitions at one concurrency level, as reported.
struct Measured
{
    QString name;
    QString method;
    std::vector<Summary> reps;
    QJsonObject extra;
    // Above one caller: the same variant on one of the level's callers alone, in the same repetitions (paired).
    std::vector<Summary> oneCaller;
};

std::pair<double, double> range(const std::vector<double> &values)
{
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    return values.empty() ? std::pair<double, double>(0, 0) : std::pair<double, double>(*low, *high);
}

// The table rows and JSON entries of one level: medians over the repetitions and their spread (min-max); ratios
// are paired within a repetition, since the floor ran moments apart on the same machine and database.
QJsonArray reportLevel(const QString &backend, int concurrency, const std::vector<Measured> &measured, Table *table)
{
    const Measured *floorRun = nullptr;
    const Measured *rotorRun = nullptr;
    for (const Measured &run : measured) {
        if (run.name == QLatin1String("floor"))
            floorRun = &run;
        if (run.name == QLatin1String("rotor"))
            rotorRun = &run;
    }
    QJsonArray variants;
    for (const Measured &run : measured) {
        std::vector<double> perSecond, mean, p50, p99, ratios, p50Ratios, throughputToRotor, toOneCaller;
        QJsonArray reps;
        for (size_t r = 0; r < run.reps.size(); ++r) {
            const Summary &s = run.reps[r];
            perSecond.push_back(s.perSecond);
            mean.push_back(s.meanUs);
            p50.push_back(s.p50Us);
            p99.push_back(s.p99Us);
            if (floorRun) {
                ratios.push_back(s.meanUs / floorRun->reps[r].meanUs);
                p50Ratios.push_back(s.p50Us / floorRun->reps[r].p50Us);
            }
            if (rotorRun)
                throughputToRotor.push_back(s.perSecond / rotorRun->reps[r].perSecond);
            if (r < run.oneCaller.size())
                toOneCaller.push_back(s.perSecond / run.oneCaller[r].perSecond);
            reps.append(QJsonObject {{QStringLiteral("refreshes_per_s"), s.perSecond},
                                     {QStringLiteral("mean_us"), s.meanUs},
                                     {QStringLiteral("p50_us"), s.p50Us},
                                     {QStringLiteral("p99_us"), s.p99Us},
                                     {QStringLiteral("max_us"), s.maxUs}});
        }
        const auto [slowest, fastest] = range(perSecond);
        QJsonObject entry {{QStringLiteral("variant"), run.name},
                           {QStringLiteral("method"), run.method},
                           {QStringLiteral("concurrency"), concurrency},
                           {QStringLiteral("refreshes_per_s"), median(perSecond)},
                           {QStringLiteral("refreshes_per_s_min"), slowest},
                           {QStringLiteral("refreshes_per_s_max"), fastest},
                           {QStringLiteral("mean_us"), median(mean)},
                           {QStringLiteral("p50_us"), median(p50)},
                           {QStringLiteral("p99_us"), median(p99)},
                           {QStringLiteral("repetitions"), reps}};
        QString ratioRange = QStringLiteral("-");
        if (floorRun) {
            const auto [low, high] = range(ratios);
            entry.insert(QStringLiteral("ratio_to_floor"), median(ratios));
            entry.insert(QStringLiteral("ratio_to_floor_min"), low);
            entry.insert(QStringLiteral("ratio_to_floor_max"), high);
            entry.insert(QStringLiteral("ratio_to_floor_p50"), median(p50Ratios));
            ratioRange = fixed(low, 2) + QLatin1Char('-') + fixed(high, 2);
        }
        QString scaling = QStringLiteral("-");
        if (!toOneCaller.empty()) {
            // The total rate over one caller's, paired within each repetition: a shared machine's slow and fast phases
            // fall on both alike.
            std::vector<double> oneCallerPerSecond;
            for (const Summary &s : run.oneCaller)
                oneCallerPerSecond.push_back(s.perSecond);
            const auto [low, high] = range(toOneCaller);
            entry.insert(QStringLiteral("one_caller_refreshes_per_s"), median(oneCallerPerSecond));
            entry.insert(QStringLiteral("throughput_to_one_caller_paired"), median(toOneCaller));
            entry.insert(QStringLiteral("throughput_to_one_caller_paired_min"), low);
            entry.insert(QStringLiteral("throughput_to_one_caller_paired_max"), high);
            scaling = fixed(median(toOneCaller), 2) + QStringLiteral(" (") + fixed(low, 2) + QLatin1Char('-')
                + fixed(high, 2) + QLatin1Char(')');
        }
        if (rotorRun && run.name == QLatin1String("flood")) {
            // Rotations per second under the flood over those without it, paired within each repetition.
            entry.insert(QStringLiteral("throughput_to_rotor"), median(throughputToRotor));
            std::printf("%s: under the flood, rotations run at %.2fx of rotor's rate (median of %zu repetitions)\n",
                        qPrintable(backend), median(throughputToRotor), throughputToRotor.size());
        }
        for (auto it = run.extra.begin(); it != run.extra.end(); ++it)
            entry.insert(it.key(), it.value());
        variants.append(entry);
        table->addRow({backend, QString::number(concurrency), run.name, grouped(median(perSecond)),
                       grouped(slowest) + QLatin1Char('-') + grouped(fastest), fixed(median(mean), 1),
                       fixed(median(p50), 1), fixed(median(p99), 1),
                       floorRun ? fixed(median(ratios), 2) : QStringLiteral("-"), ratioRange,
                       floorRun ? fixed(median(p50Ratios), 2) : QStringLiteral("-"), scaling});
    }
    return variants;
}

// Threads that each build their own instance of every variant (a Qt SQL connection is used only by the thread that
// opened it; each floor thread has its own C-API connection) and run their share of a repetition when told: all
// released at once, the wall time taken until the last one is done.
class Crew
{
public:
    using Factory = std::function<std::unique_ptr<Variant>()>;

    ~Crew()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
            ++m_generation;
        }
        m_wake.notify_all();
        for (std::thread &thread : m_threads)
            thread.join();
    }

    // tokens[thread][variant]: the live token of each session that thread walks for that variant.
    bool start(const std::vector<Factory> &factories, std::vector<std::vector<std::vector<QByteArray>>> tokens,
               int warmup, QString *error)
    {
        m_variantCount = factories.size();
        m_tokens = std::move(tokens);
        m_latencies.assign(m_tokens.size(), {});
        m_errors.assign(m_tokens.size(), QString());
        for (size_t t = 0; t < m_tokens.size(); ++t)
            m_threads.emplace_back([this, t, factories, warmup]() { work(t, factories, warmup); });
        std::unique_lock<std::mutex> lock(m_mutex);
        m_done.wait(lock, [this]() { return m_ready == m_threads.size(); });
        for (const QString &failure : m_errors) {
            if (!failure.isEmpty()) {
                *error = failure;
                return false;
            }
        }
        return true;
    }

    QString method(size_t variant) const { return m_methods.value(int(variant)); }

    // count rotations of one variant, shared out over the first callers threads (all of them by default).
    bool run(size_t variant, int count, Summary *summary, QString *error, size_t callers = 0)
    {
        const auto begin = SteadyClock::now();
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_variant = variant;
            m_callers = callers == 0 ? m_threads.size() : std::min(callers, m_threads.size());
            m_perThread = std::max(1, count / int(m_callers));
            m_finished = 0;
            ++m_generation;
        }
        m_wake.notify_all();
        std::unique_lock<std::mutex> lock(m_mutex);
        m_done.wait(lock, [this]() { return m_finished == m_threads.size(); });
        const double wall = microsecondsBetween(begin, SteadyClock::now()) / 1e6;
        std::vector<double> all;
        for (size_t t = 0; t < m_threads.size(); ++t) {
            if (!m_errors[t].isEmpty()) {
                *error = m_errors[t];
                return false;
            }
            all.insert(all.end(), m_latencies[t].begin(), m_latencies[t].end());
        }
        *summary = summarize(std::move(all), wall);
        return true;
    }

private:
    void work(size_t t, const std::vector<Factory> &factories, int warmup)
    {
        std::vector<std::unique_ptr<Variant>> variants;
        std::vector<size_t> next(factories.size(), 0);
        QString error;
        const auto rotate = [&](size_t v, std::vector<double> *latencies) {
            std::vector<QByteArray> &tokens = m_tokens[t][v];
            QByteArray &token = tokens[next[v]];
            next[v] = (next[v] + 1) % tokens.size();
            const auto t0 = SteadyClock::now();
            if (!variants[v]->rotate(&token, &error))
                return false;
            if (latencies)
                latencies->push_back(microsecondsBetween(t0, SteadyClock::now()));
            return true;
        };
        bool ok = true;
        for (size_t v = 0; v < factories.size() && ok; ++v) {
            variants.push_back(factories[v]());
            ok = variants.back()->start(&error);
            for (int i = 0; i < warmup / int(m_tokens.size()) + 1 && ok; ++i)
                ok = rotate(v, nullptr);
        }
        quint64 seen = 0;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (!ok)
                m_errors[t] = error;
            if (t == 0)
                for (const auto &variant : variants)
                    m_methods.append(variant->method());
            seen = m_generation;
            ++m_ready;
        }
        m_done.notify_all();
        for (;;) {
            size_t variant = 0;
            int count = 0;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait(lock, [&]() { return m_generation != seen; });
                seen = m_generation;
                if (m_stop)
                    return;
                variant = m_variant;
                count = t < m_callers ? m_perThread : 0;
                m_latencies[t].clear();
            }
            std::vector<double> latencies;
            latencies.reserve(size_t(count));
            for (int i = 0; i < count && ok && m_errors[t].isEmpty(); ++i)
                ok = rotate(variant, &latencies);
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_latencies[t] = std::move(latencies);
                if (!ok && m_errors[t].isEmpty())
                    m_errors[t] = error;
                ++m_finished;
            }
            m_done.notify_all();
        }
    }

    std::vector<std::thread> m_threads;
    size_t m_variantCount = 0;
    std::vector<std::vector<std::vector<QByteArray>>> m_tokens;
    std::vector<std::vector<double>> m_latencies;
    std::vector<QString> m_errors;
    QStringList m_methods;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    quint64 m_generation = 0;
    size_t m_ready = 0;
    size_t m_finished = 0;
    size_t m_variant = 0;
    size_t m_callers = 0;
    int m_perThread = 0;
    bool m_stop = false;
};

// Signs in count sessions for the benchmark (users taken round robin) and returns their refresh tokens.
bool signIn(const rotor::ConnectionSpec &spec, const rotor::Keys &keys, const Client &client, int count,
            const QString &label, std::vector<QByteArray> *tokens, QString *error)
{
    rotor::Database db(spec);
    if (!db.open(rotor::Database::OpenMode::OpenExisting, error))
        return false;
    QSqlQuery query(db.handle());
    QStringList emails;
    if (!query.exec(QStringLiteral("SELECT email FROM users WHERE active ORDER BY id DESC LIMIT %1").arg(count))) {
        *error = rotor::Database::describe(query.lastError());
        return false;
    }
    while (query.next())
        emails << query.value(0).toString();
    query.finish();
    if (emails.isEmpty()) {
        *error = QStringLiteral("no active user to sign in (seed some with --users)");
        return false;
    }
    rotor::SystemClock clock;
    rotor::RotationService service(db, keys, clock, rotor::Policy());
    const QString stamp = QString::number(QDateTime::currentMSecsSinceEpoch(), 36);
    for (int i = 0; i < count; ++i) {
        rotor::DeviceInfo device;
        device.deviceKey = QStringLiteral("bench-%1-%2-%3").arg(label, stamp).arg(i);
        device.deviceName = QStringLiteral("refresh_bench %1").arg(label);
        device.ip = QString::fromLatin1(client.ip);
        device.userAgent = QString::fromLatin1(client.userAgent);
        const rotor::LoginResult login = service.login(emails[i % emails.size()], device);
        if (!login.ok()) {
            *error = QStringLiteral("sign-in failed: %1").arg(login.error);
            return false;
        }
        tokens->push_back(login.tokens.refreshToken);
    }
    return true;
}

// Rotor and its floor with `threads` callers at once, each on its own connection.
bool runConcurrent(const QString &backend, const rotor::ConnectionSpec &spec, const QString &floorTarget, int threads,
                   const Options &options, const rotor::Keys &keys, const floor::Keys &floorKeys, Table *table,
                   QJsonArray *results, QString *error)
{
    const rotor::Policy policy;
    const Client client;
    const std::vector<Crew::Factory> factories {[=]() { return makeRotor(spec, keys, policy, client); },
                                                [=]() {
                                                    return backend == QLatin1String("sqlite")
                                                        ? makeSqliteFloor(floorTarget, floorKeys, policy, client)
                                                        : makePostgresFloor(floorTarget, floorKeys, policy, client);
                                                }};
    const int perThread = std::max(10, options.families / threads);
    std::vector<std::vector<std::vector<QByteArray>>> tokens(static_cast<size_t>(threads));
    for (int t = 0; t < threads; ++t) {
        for (size_t v = 0; v < factories.size(); ++v) {
            std::vector<QByteArray> sessions;
            if (!signIn(spec, keys, client, perThread, QStringLiteral("t%1v%2x%3").arg(t).arg(v).arg(threads),
                        &sessions, error))
                return false;
            tokens[size_t(t)].push_back(std::move(sessions));
        }
    }
    std::printf("%s: %d threads, measuring %d repetitions of %d refreshes per variant...\n", qPrintable(backend),
                threads, options.reps, options.rotations);
    std::fflush(stdout);
    Crew crew;
    if (!crew.start(factories, std::move(tokens), options.warmup, error))
        return false;
    Settler settler(spec);
    settler.settle();
    std::vector<Measured> measured {{QStringLiteral("rotor"), crew.method(0), {}, {}, {}},
                                    {QStringLiteral("floor"), crew.method(1), {}, {}, {}}};
    // Each repetition runs both variants with all the callers and with one of them alone, in a rotating order, so the
    // rate at this level is compared with the one-caller rate of the same moments.
    for (int rep = 0; rep < options.reps; ++rep) {
        for (size_t k = 0; k < 2 * measured.size(); ++k) {
            const size_t step = (size_t(rep) + k) % (2 * measured.size());
            const size_t v = step % measured.size();
            const bool alone = step >= measured.size();
            Summary summary;
            if (!crew.run(v, options.rotations, &summary, error, alone ? 1 : 0))
                return false;
            settler.settle();
            (alone ? measured[v].oneCaller : measured[v].reps).push_back(summary);
        }
    }
    results->append(QJsonObject {{QStringLiteral("backend"), backend},
                                 {QStringLiteral("concurrency"), threads},
                                 {QStringLiteral("variants"), reportLevel(backend, threads, measured, table)},
                                 {QStringLiteral("peak_rss_kb_after"), qint64(peakRssKb())}});
    return true;
}

// The other paths of a refresh, per call, at one caller: a grace retry, a replay, an unknown token (Rotor only:
// the floor implements the plain rotation).
QJsonObject measurePaths(const QString &backend, const rotor::ConnectionSpec &spec, const rotor::Keys &keys,
                         Table *table, QString *error)
{
    constexpr int calls = 300;
    rotor::Database db(spec);
    if (!db.open(rotor::Database::OpenMode::OpenExisting, error))
        return {};
    rotor::SystemClock clock;
    rotor::Policy noGrace;
    noGrace.graceMs = 0;
    rotor::RotationService withGrace(db, keys, clock, rotor::Policy());
    rotor::RotationService withoutGrace(db, keys, clock, noGrace);
    const Client client;
    const rotor::DeviceInfo device {QStringLiteral("bench-paths"), QString(), QString::fromLatin1(client.ip),
                                    QString::fromLatin1(client.userAgent)};
    QSqlQuery query(db.handle());
    if (!query.exec(QStringLiteral("SELECT email FROM users WHERE active ORDER BY id LIMIT 1")) || !query.next()) {
        *error = QStringLiteral("no user for the path measurement");
        return {};
    }
    const QString email = query.value(0).toString();
    query.finish();
    const auto usedToken = [&](rotor::RotationService &service) {
        const rotor::LoginResult login = service.login(email, device);
        return login.ok() && service.refresh(login.tokens.refreshToken, device).ok() ? login.tokens.refreshToken
                                                                                     : QByteArray();
    };
    struct Path
    {
        const char *name;
        rotor::RotationService *service;
        QByteArray token; // empty: a fresh random token each call
        rotor::Outcome expected;
    };
    const std::vector<Path> paths {{"grace_retry", &withGrace, usedToken(withGrace), rotor::Outcome::GraceRetry},
                                   {"replay_detected", &withoutGrace, usedToken(withoutGrace), rotor::Outcome::Replay},
                                   {"token_unknown", &withGrace, QByteArray(), rotor::Outcome::Unknown}};
    QJsonObject json;
    for (const Path &path : paths) {
        std::vector<double> latencies;
        const auto begin = SteadyClock::now();
        for (int i = 0; i < calls; ++i) {
            const QByteArray token = path.token.isEmpty() ? rotor::refresh_token::generate() : path.token;
            const auto t0 = SteadyClock::now();
            const rotor::RefreshResult result = path.service->refresh(token, device);
            latencies.push_back(microsecondsBetween(t0, SteadyClock::now()));
            if (result.storageFailed || result.outcome != path.expected) {
                *error = QStringLiteral("%1: got %2 (%3)")
                             .arg(QLatin1String(path.name), QLatin1String(rotor::outcomeName(result.outcome)),
                                  result.error);
                return {};
            }
        }
        const Summary s = summarize(std::move(latencies), microsecondsBetween(begin, SteadyClock::now()) / 1e6);
        json.insert(QLatin1String(path.name),
                    QJsonObject {{QStringLiteral("calls"), calls},
                                 {QStringLiteral("mean_us"), s.meanUs},
                                 {QStringLiteral("p50_us"), s.p50Us},
                                 {QStringLiteral("p99_us"), s.p99Us}});
        table->addRow({backend, QLatin1String(path.name), fixed(s.meanUs, 1), fixed(s.p50Us, 1), fixed(s.p99Us, 1)});
    }
    return json;
}

bool runBackend(const QString &backend, const rotor::ConnectionSpec &spec, const QString &floorTarget,
                const Options &options, const rotor::Keys &keys, const floor::Keys &floorKeys, Table *table,
                QJsonArray *results, QString *error)
{
    const rotor::Policy policy;
    const Client client;
    std::vector<VariantRun> runs;
    for (const QString &name : options.variants) {
        VariantRun run;
        if (name == QLatin1String("rotor"))
            run.variant = makeRotor(spec, keys, policy, client);
        else if (name == QLatin1String("floor"))
            run.variant = backend == QLatin1String("sqlite")
                ? makeSqliteFloor(floorTarget, floorKeys, policy, client)
                : makePostgresFloor(floorTarget, floorKeys, policy, client);
        else if (name == QLatin1String("flood"))
            run.variant = makeFlooded(spec, keys, policy, client);
        else
            run.variant = makeNaive(spec, keys, policy, client);
        runs.push_back(std::move(run));
    }
    std::printf("%s: seeding %d users and signing in %d sessions per variant...\n", qPrintable(backend), options.users,
                options.families);
    std::fflush(stdout);
    QJsonObject setup;
    if (!prepareDatabase(spec, options, keys, client, &runs, &setup, error))
        return false;
    for (VariantRun &run : runs) {
        if (!run.variant->start(error))
            return false;
        if (options.warmup > 0 && !runRotations(run, options.warmup, nullptr, error))
            return false;
    }
    std::printf("%s: measuring %d repetitions of %d refreshes per variant...\n", qPrintable(backend), options.reps,
                options.rotations);
    std::fflush(stdout);
    Settler settler(spec);
    settler.settle();
    for (int rep = 0; rep < options.reps; ++rep) {
        // Every repetition runs each variant once, starting with a different one, so slow phases of a shared
        // machine fall on all of them alike.
        for (size_t k = 0; k < runs.size(); ++k) {
            VariantRun &run = runs[(size_t(rep) + k) % runs.size()];
            Summary summary;
            if (!runRotations(run, options.rotations, &summary, error))
                return false;
            settler.settle();
            run.reps.push_back(summary);
        }
    }

    std::vector<Measured> measured;
    for (const VariantRun &run : runs)
        measured.push_back({run.variant->name(), run.variant->method(), run.reps, run.variant->extra(), {}});
    const QJsonArray variants = reportLevel(backend, 1, measured, table);
    // What the flood left in the events table: one row per address and minute, counting every presentation.
    {
        rotor::Database db(spec);
        if (db.open(rotor::Database::OpenMode::OpenExisting, error)) {
            QSqlQuery query(db.handle());
            if (query.exec(QStringLiteral("SELECT count(*), coalesce(sum(repeat_count), 0) FROM security_events "
                                          "WHERE kind = 'token_unknown' AND ip LIKE '198.18.0.%'"))
                && query.next()) {
                setup.insert(QStringLiteral("flood_event_rows"), query.value(0).toLongLong());
                setup.insert(QStringLiteral("flood_presentations_recorded"), query.value(1).toLongLong());
                std::printf("%s: the flood's unknown tokens: %lld recorded in %lld event rows\n", qPrintable(backend),
                            query.value(1).toLongLong(), query.value(0).toLongLong());
            }
        }
    }
    QJsonObject result {{QStringLiteral("backend"), backend},
                        {QStringLiteral("concurrency"), 1},
                        {QStringLiteral("setup"), setup},
                        {QStringLiteral("variants"), variants},
                        {QStringLiteral("peak_rss_kb_after"), qint64(peakRssKb())}};
    if (backend == QLatin1String("postgres")) {
        if (PGconn *conn = PQconnectdb(floorTarget.toUtf8().constData())) {
            if (PQstatus(conn) == CONNECTION_OK)
                result.insert(QStringLiteral("server_version"),
                              QString::fromUtf8(PQparameterStatus(conn, "server_version")));
            PQfinish(conn);
        }
    }
    results->append(result);
    return true;
}

// The concurrency levels above one, then the per-call paths, on a database runBackend prepared.
bool runLevelsAndPaths(const QString &backend, const rotor::ConnectionSpec &spec, const QString &floorTarget,
                       const Options &options, const rotor::Keys &keys, const floor::Keys &floorKeys, Table *table,
                       Table *pathsTable, QJsonArray *results, QJsonObject *paths, QString *error)
{
    for (int threads : options.threads) {
        if (threads > 1
            && !runConcurrent(backend, spec, floorTarget, threads, options, keys, floorKeys, table, results, error))
            return false;
    }
    const QJsonObject measured = measurePaths(backend, spec, keys, pathsTable, error);
    if (measured.isEmpty())
        return false;
    paths->insert(backend, measured);
    return true;
}

// Each level's total rate over the same variant's at one caller, as lines for the report (more callers must not make a
// server slower in total): paired within the level's repetitions, and against the median of the one-caller phase that
// ran before (throughput_to_one_caller in the JSON).
QStringList compareToOneCaller(QJsonArray *results)
{
    QStringList report;
    QHash<QString, double> oneCaller; // "backend/variant" -> refreshes/s in the one-caller phase
    for (const QJsonValue &result : std::as_const(*results)) {
        const QJsonObject level = result.toObject();
        if (level.value(QStringLiteral("concurrency")).toInt() != 1)
            continue;
        for (const QJsonValue &variant : level.value(QStringLiteral("variants")).toArray())
            oneCaller.insert(level.value(QStringLiteral("backend")).toString() + QLatin1Char('/')
                                 + variant.toObject().value(QStringLiteral("variant")).toString(),
                             variant.toObject().value(QStringLiteral("refreshes_per_s")).toDouble());
    }
    for (qsizetype i = 0; i < results->size(); ++i) {
        QJsonObject level = results->at(i).toObject();
        const int concurrency = level.value(QStringLiteral("concurrency")).toInt();
        if (concurrency == 1)
            continue;
        const QString backend = level.value(QStringLiteral("backend")).toString();
        QJsonArray variants = level.value(QStringLiteral("variants")).toArray();
        QStringList paired, phases;
        for (qsizetype v = 0; v < variants.size(); ++v) {
            QJsonObject variant = variants.at(v).toObject();
            const QString name = variant.value(QStringLiteral("variant")).toString();
            if (variant.contains(QStringLiteral("throughput_to_one_caller_paired")))
                paired << QStringLiteral("%1 %2x (%3-%4)")
                              .arg(
                                  name,
                                  fixed(variant.value(QStringLiteral("throughput_to_one_caller_paired")).toDouble(), 2),
                                  fixed(variant.value(QStringLiteral("throughput_to_one_caller_paired_min")).toDouble(),
                                        2),
                                  fixed(variant.value(QStringLiteral("throughput_to_one_caller_paired_max")).toDouble(),
                                        2));
            const double base = oneCaller.value(backend + QLatin1Char('/') + name);
            if (base <= 0)
                continue;
            const double ratio = variant.value(QStringLiteral("refreshes_per_s")).toDouble() / base;
            variant.insert(QStringLiteral("throughput_to_one_caller"), ratio);
            variants.replace(v, variant);
            phases << QStringLiteral("%1 %2x").arg(name, fixed(ratio, 2));
        }
        level.insert(QStringLiteral("variants"), variants);
        results->replace(i, level);
        report << QStringLiteral("%1, %2 callers: total rate over one caller's, paired within repetitions (median, "
                                 "min-max): %3; over the one-caller phase's median: %4")
                      .arg(backend)
                      .arg(concurrency)
                      .arg(paired.join(QLatin1String(", ")), phases.join(QLatin1String(", ")));
    }
    return report;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Options options;
    const int parsed = parseArguments(QCoreApplication::arguments().mid(1), &options);
    if (parsed >= 0)
        return parsed;

    QString error;
    rotor::Keys keys;
    if (!rotor::Keys::fromMaster(rotor::crypto::randomBytes(32), &keys, &error)) {
        std::fprintf(stderr, "refresh_bench: %s\n", qPrintable(error));
        return 1;
    }
    const floor::Keys floorKeys {keys.accessKey().toStdString(), keys.rotationKey().toStdString()};

    QJsonObject json {{QStringLiteral("benchmark"), QStringLiteral("refresh")},
                      {QStringLiteral("machine"), machineInfo()}};
    QJsonObject versions {{QStringLiteral("qt"), QString::fromLatin1(qVersion())},
                          {QStringLiteral("sqlite"), QString::fromLatin1(sqlite3_libversion())},
                          {QStringLiteral("libpq"), PQlibVersion()}};
    json.insert(QStringLiteral("parameters"),
                QJsonObject {{QStringLiteral("users"), options.users},
                             {QStringLiteral("families_per_variant"), options.families},
                             {QStringLiteral("rotations_per_rep"), options.rotations},
                             {QStringLiteral("warmup"), options.warmup},
                             {QStringLiteral("reps"), options.reps},
                             {QStringLiteral("variants"), QJsonArray::fromStringList(options.variants)},
                             {QStringLiteral("statistic"),
                              QStringLiteral("median over repetitions; ratio_to_floor (ratio_to_floor_p50) is the "
                                             "median of the per-repetition ratios of mean (median) latency to the "
                                             "floor's in the same repetition")},
                             {QStringLiteral("floor_crypto"),
                              QStringLiteral("included: the floor does the same crypto per refresh as Rotor, on "
                                             "OpenSSL directly")}});

    Table table({QStringLiteral("backend"), QStringLiteral("threads"), QStringLiteral("variant"),
                 QStringLiteral("refreshes/s"), QStringLiteral("min-max/s"), QStringLiteral("mean µs"),
                 QStringLiteral("p50 µs"), QStringLiteral("p99 µs"), QStringLiteral("x floor"),
                 QStringLiteral("x floor min-max"), QStringLiteral("x floor p50"), QStringLiteral("x 1 caller")},
                3);
    QJsonArray results;
    Table pathsTable({QStringLiteral("backend"), QStringLiteral("path (rotor, 1 thread)"), QStringLiteral("mean µs"),
                      QStringLiteral("p50 µs"), QStringLiteral("p99 µs")},
                     2);
    QJsonObject paths;

    if (options.sqlite) {
        QTemporaryDir temporary(QDir::temp().filePath(QStringLiteral("rotor-bench-XXXXXX")));
        const QString dir = options.dir.isEmpty() ? temporary.path() : options.dir;
        if (!QDir().mkpath(dir)) {
            std::fprintf(stderr, "refresh_bench: cannot create %s\n", qPrintable(dir));
            return 1;
        }
        const QString path = QDir(dir).filePath(QStringLiteral("refresh-bench-%1.sqlite").arg(getpid()));
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
            QFile::remove(path + suffix);
        const bool ok = runBackend(QStringLiteral("sqlite"), rotor::ConnectionSpec::sqlite(path), path, options, keys,
                                   floorKeys, &table, &results, &error)
            && runLevelsAndPaths(QStringLiteral("sqlite"), rotor::ConnectionSpec::sqlite(path), path, options, keys,
                                 floorKeys, &table, &pathsTable, &results, &paths, &error);
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
            QFile::remove(path + suffix);
        if (!ok) {
            std::fprintf(stderr, "refresh_bench: sqlite: %s\n", qPrintable(error));
            return 1;
        }
    }
    if (!options.pgUri.isEmpty()) {
        rotor::ConnectionSpec spec;
        if (!rotor::ConnectionSpec::parse(options.pgUri, &spec, &error) || spec.backend != rotor::Backend::Postgres) {
            std::fprintf(stderr, "refresh_bench: --pg: %s\n",
                         qPrintable(error.isEmpty() ? QStringLiteral("not a postgresql:// URI") : error));
            return 2;
        }
        if (!runBackend(QStringLiteral("postgres"), spec, options.pgUri, options, keys, floorKeys, &table, &results,
                        &error)
            || !runLevelsAndPaths(QStringLiteral("postgres"), spec, options.pgUri, options, keys, floorKeys, &table,
                                  &pathsTable, &results, &paths, &error)) {
            std::fprintf(stderr, "refresh_bench: postgres: %s\n", qPrintable(error));
            return 1;
        }
        if (!results.isEmpty())
            versions.insert(QStringLiteral("postgres_server"),
                            results.last().toObject().value(QStringLiteral("server_version")));
    }

    Table crypto(
        {QStringLiteral("part"), QStringLiteral("variant"), QStringLiteral("µs / refresh"), QStringLiteral("x floor")},
        2);
    json.insert(QStringLiteral("crypto"), measureCrypto(keys, floorKeys, &crypto));
    json.insert(QStringLiteral("versions"), versions);
    const QStringList scaling = compareToOneCaller(&results);
    json.insert(QStringLiteral("results"), results);
    json.insert(QStringLiteral("paths"), paths);
    json.insert(QStringLiteral("peak_rss_kb"), qint64(peakRssKb()));

    std::printf("\n");
    table.print();
    for (const QString &line : scaling)
        std::printf("%s\n", qPrintable(line));
    std::printf("\n");
    pathsTable.print();
    std::printf("\n");
    crypto.print();
    std::printf("\npeak RSS %.1f MiB; Qt %s, SQLite %s, libpq %d\n", double(peakRssKb()) / 1024, qVersion(),
                sqlite3_libversion(), PQlibVersion());
    if (!writeJson(options.jsonPath, json))
        return 1;
    std::printf("results written to %s\n", qPrintable(QFileInfo(options.jsonPath).absoluteFilePath()));
    return 0;
}
