#include "BenchSupport.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSysInfo>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace bench {

double percentile(const std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    const size_t rank = size_t(std::ceil(p / 100.0 * double(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

Summary summarize(std::vector<double> latenciesUs, double wallSeconds)
{
    Summary summary;
    summary.count = int(latenciesUs.size());
    summary.wallSeconds = wallSeconds;
    if (latenciesUs.empty())
        return summary;
    std::sort(latenciesUs.begin(), latenciesUs.end());
    summary.perSecond = wallSeconds > 0 ? double(latenciesUs.size()) / wallSeconds : 0;
    summary.meanUs = std::accumulate(latenciesUs.begin(), latenciesUs.end(), 0.0) / double(latenciesUs.size());
    summary.p50Us = percentile(latenciesUs, 50);
    summary.p99Us = percentile(latenciesUs, 99);
    summary.maxUs = latenciesUs.back();
    return summary;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

long peakRssKb()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

long currentRssKb()
{
    long pages = 0, resident = 0;
    if (FILE *file = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(file, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        std::fclose(file);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

namespace {
QString cpuModel()
{
    QFile file(QStringLiteral("/proc/cpuinfo"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("unknown");
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("model name"))
            return QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
    }
    return QStringLiteral("unknown");
}

QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(file.readAll().trimmed());
}
} // namespace

QJsonObject machineInfo()
{
    QJsonObject machine;
    machine.insert(QStringLiteral("nproc"), int(sysconf(_SC_NPROCESSORS_ONLN)));
    machine.insert(QStringLiteral("cpu_model"), cpuModel());
    machine.insert(QStringLiteral("kernel"),
                   QString(QSysInfo::kernelType() + QLatin1Char(' ') + QSysInfo::kernelVersion()));
    machine.insert(QStringLiteral("os"), QSysInfo::prettyProductName());
    machine.insert(QStringLiteral("loadavg_at_start"), loadAverage());
    machine.insert(QStringLiteral("qt_version"), QString::fromLatin1(qVersion()));
    machine.insert(QStringLiteral("date_utc"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    return machine;
}

bool writeJson(const QString &path, const QJsonObject &object)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        std::fprintf(stderr, "cannot create the folder %s\n", qPrintable(info.absolutePath()));
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(QJsonDocument(object).toJson(QJsonDocument::Indented)) < 0) {
        std::fprintf(stderr, "cannot write %s: %s\n", qPrintable(path), qPrintable(file.errorString()));
        return false;
    }
    return true;
}

Table::Table(QStringList header, int leftColumns)
    : m_leftColumns(leftColumns)
{
    m_rows.append(std::move(header));
}

void Table::addRow(const QStringList &row)
{
    m_rows.append(row);
}

void Table::print() const
{
    QList<qsizetype> widths;
    for (const QStringList &row : m_rows) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (widths.size() <= i)
                widths.append(0);
            widths[i] = qMax(widths[i], row[i].size());
        }
    }
    for (qsizetype r = 0; r < m_rows.size(); ++r) {
        QString line;
        for (qsizetype i = 0; i < m_rows[r].size(); ++i) {
            const QString &cell = m_rows[r][i];
            if (i > 0)
                line += QStringLiteral("  ");
            line += i < m_leftColumns ? cell.leftJustified(widths[i]) : cell.rightJustified(widths[i]);
        }
        std::printf("%s\n", line.trimmed().toUtf8().constData());
        if (r == 0) {
            qsizetype total = 0;
            for (qsizetype width : widths)
                total += width + 2;
            std::printf("%s\n", QString(total - 2, QLatin1Char('-')).toUtf8().constData());
        }
    }
    std::fflush(stdout);
}

QString fixed(double value, int decimals)
{
    return QString::number(value, 'f', decimals);
}

QString grouped(double value)
{
    QString digits = QString::number(qint64(std::llround(value)));
    for (qsizetype i = digits.size() - 3; i > 0 && digits[i - 1].isDigit(); i -= 3)
        digits.insert(i, QLatin1Char(' '));
    return digits;
}

namespace {
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}
} // namespace

std::string base64UrlEncode(const unsigned char *data, size_t size)
{
    std::string out;
    out.reserve((size * 4 + 2) / 3);
    size_t i = 0;
    for (; i + 3 <= size; i += 3) {
        const unsigned v = unsigned(data[i]) << 16 | unsigned(data[i + 1]) << 8 | data[i + 2];
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
        out += alphabet[v & 63];
    }
    if (size - i == 1) {
        const unsigned v = unsigned(data[i]) << 16;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
    } else if (size - i == 2) {
        const unsigned v = unsigned(data[i]) << 16 | unsigned(data[i + 1]) << 8;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
    }
    return out;
}

bool base64UrlDecode(std::string_view text, unsigned char *out, size_t outSize)
{
    if (text.size() != (outSize * 4 + 2) / 3)
        return false;
    unsigned buffer = 0;
    int bits = 0;
    size_t written = 0;
    for (char c : text) {
        const int value = sextet(c);
        if (value < 0)
            return false;
        buffer = (buffer << 6) | unsigned(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[written++] = static_cast<unsigned char>(buffer >> bits);
            buffer &= (1u << bits) - 1;
        }
    }
    return written == outSize && buffer == 0; // leftover bits must be zero: one spelling per value
}

int parseFlags(const char *program, const char *usage, const QStringList &arguments, const QStringList &switches,
               const QStringList &withValue, const std::function<QString(const QString &, const QString &)> &handle)
{
    const auto usageError = [program, usage](const QString &why) {
        std::fprintf(stderr, "%s: %s\n\n%s", program, qPrintable(why), usage);
        return 2;
    };
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &flag = arguments[i];
        if (flag == QLatin1String("-h") || flag == QLatin1String("--help")) {
            std::printf("%s", usage);
            return 0;
        }
        QString value;
        if (withValue.contains(flag)) {
            if (i + 1 >= arguments.size())
                return usageError(QStringLiteral("%1 needs a value").arg(flag));
            value = arguments[++i];
        } else if (!switches.contains(flag)) {
            return usageError(QStringLiteral("unknown option %1").arg(flag));
        }
        const QString error = handle(flag, value);
        if (!error.isEmpty())
            return usageError(error);
    }
    return -1;
}

bool parseCount(const QString &text, int minimum, int *out)
{
    bool ok = false;
    const int parsed = text.toInt(&ok);
    if (!ok || parsed < minimum)
        return false;
    *out = parsed;
    return true;
}

} // namespace bench
