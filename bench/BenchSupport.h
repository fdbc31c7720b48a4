#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

// What every benchmark shares: timing, statistics, memory, machine facts, an aligned table, JSON output, and the
// plain-C helpers the floors use (base64url), so a floor never reaches for a framework in its timed path.
namespace bench {

using SteadyClock = std::chrono::steady_clock;

inline double microsecondsBetween(SteadyClock::time_point from, SteadyClock::time_point to)
{
    return std::chrono::duration<double, std::micro>(to - from).count();
}

// One repetition of one variant: per-operation latencies and the wall time of the whole run.
struct Summary
{
    int count = 0;
    double wallSeconds = 0;
    double perSecond = 0;
    double meanUs = 0;
    double p50Us = 0;
    double p99Us = 0;
    double maxUs = 0;
};

Summary summarize(std::vector<double> latenciesUs, double wallSeconds);
double median(std::vector<double> values);
// The nearest-rank percentile of sorted values, p in [0, 100].
double percentile(const std::vector<double> &sorted, double p);

// Walks a "--flag [value]" command line the same way for every benchmark. Flags in `switches` take no value,
// flags in `withValue` take one; handle(flag, value) applies one and returns an error, empty when fine.
// Returns -1 to go on, 0 after --help (usage printed), 2 after a usage error (printed, with the usage text).
int parseFlags(const char *program, const char *usage, const QStringList &arguments, const QStringList &switches,
               const QStringList &withValue, const std::function<QString(const QString &, const QString &)> &handle);
// A whole number of at least `minimum`.
bool parseCount(const QString &text, int minimum, int *out);

// Peak resident set size of this process so far (getrusage), in KiB.
long peakRssKb();
// Current resident set size, in KiB (/proc/self/statm).
long currentRssKb();

// nproc, CPU model, kernel, load average, Qt version: what a reader needs to judge a figure.
QJsonObject machineInfo();
// Creates the parent folder; prints a clear message and returns false on failure.
bool writeJson(const QString &path, const QJsonObject &object);

// A table with aligned columns: the first `leftColumns` columns left-aligned, the rest right-aligned.
class Table
{
public:
    Table(QStringList header, int leftColumns);
    void addRow(const QStringList &row);
    void print() const;

private:
    QList<QStringList> m_rows;
    int m_leftColumns;
};

QString fixed(double value, int decimals);
QString grouped(double value); // 12 345

// Plain base64url without padding (RFC 4648 section 5).
std::string base64UrlEncode(const unsigned char *data, size_t size);
// Strict decoding of exactly `outSize` bytes: rejects any other length, foreign characters and set trailing bits.
bool base64UrlDecode(std::string_view text, unsigned char *out, size_t outSize);

} // namespace bench
