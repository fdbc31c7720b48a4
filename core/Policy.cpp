#include "Policy.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace rotor {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::Policy", text);
}
} // namespace

QString Policy::problem() const
{
    if (graceMs < 0 || graceMs > maxGraceMs)
        return tr("the grace window must be between 0 and %1").arg(formatDuration(maxGraceMs));
    if (refreshIdleTtlMs < minute)
        return tr("the idle lifetime must be at least 1m");
    if (familyLifetimeMs < refreshIdleTtlMs)
        return tr("the idle lifetime (%1) cannot be longer than the session lifetime (%2)")
            .arg(formatDuration(refreshIdleTtlMs), formatDuration(familyLifetimeMs));
    if (familyLifetimeMs > 3650 * day)
        return tr("the session lifetime must be at most 3650d");
    if (accessTtlMs < 10 * second || accessTtlMs > day)
        return tr("the access-token lifetime must be between 10s and 1d");
    if (accessTtlMs > familyLifetimeMs)
        return tr("the access-token lifetime cannot be longer than the session lifetime");
    if (eventsRetentionMs < day)
        return tr("security events must be kept at least 1d");
    return QString();
}

bool Policy::operator==(const Policy &other) const
{
    return accessTtlMs == other.accessTtlMs && refreshIdleTtlMs == other.refreshIdleTtlMs
        && familyLifetimeMs == other.familyLifetimeMs && graceMs == other.graceMs
        && eventsRetentionMs == other.eventsRetentionMs;
}

bool Policy::parseDuration(const QString &text, qint64 *ms, QString *error)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,9})(ms|s|m|h|d)?$"));
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch()) {
        *error = tr("'%1' is not a duration (seconds, or a number with ms, s, m, h or d: 10s, 15m, 30d)").arg(text);
        return false;
    }
    const qint64 value = match.captured(1).toLongLong();
    const QString unit = match.captured(2);
    const qint64 scale = unit == QLatin1String("ms") ? 1
        : unit == QLatin1String("m")                 ? minute
        : unit == QLatin1String("h")                 ? hour
        : unit == QLatin1String("d")                 ? day
                                                     : second;
    *ms = value * scale;
    return true;
}

QString Policy::formatDuration(qint64 ms)
{
    if (ms != 0 && ms % day == 0)
        return QStringLiteral("%1d").arg(ms / day);
    if (ms != 0 && ms % hour == 0)
        return QStringLiteral("%1h").arg(ms / hour);
    if (ms != 0 && ms % minute == 0)
        return QStringLiteral("%1m").arg(ms / minute);
    if (ms % second == 0)
        return QStringLiteral("%1s").arg(ms / second);
    return QStringLiteral("%1ms").arg(ms);
}

} // namespace rotor
