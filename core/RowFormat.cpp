#include "RowFormat.h"

#include <QDateTime>

namespace rotor::row_format {

using Type = ColumnInfo::Type;

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString elapsed(qint64 ms)
{
    const qint64 span = qAbs(ms);
    const QString sign = ms < 0 ? QStringLiteral("-") : QString();
    constexpr qint64 second = 1000, minute = 60 * second, hour = 60 * minute, day = 24 * hour;
    auto two = [&](qint64 unit, const char *big, qint64 small, const char *smallName) {
        const qint64 rest = (span % unit) / small;
        return rest == 0 ? QStringLiteral("%1%2 %3").arg(sign).arg(span / unit).arg(QLatin1String(big))
                         : QStringLiteral("%1%2 %3 %4 %5")
                               .arg(sign)
                               .arg(span / unit)
                               .arg(QLatin1String(big))
                               .arg(rest)
                               .arg(QLatin1String(smallName));
    };
    if (span < second)
        return QStringLiteral("%1%2 ms").arg(sign).arg(span);
    if (span < minute)
        return QStringLiteral("%1%2 s").arg(sign).arg(QString::number(span / 1000.0, 'f', span % 1000 ? 1 : 0));
    if (span < hour)
        return two(minute, "min", second, "s");
    if (span < day)
        return two(hour, "h", minute, "min");
    return two(day, "d", hour, "h");
}

QJsonValue jsonValue(const ColumnInfo &column, const QVariant &value)
{
    if (value.isNull())
        return QJsonValue::Null;
    switch (column.type) {
    case Type::Integer:
        return value.toLongLong();
    case Type::Time:
        return isoTime(value.toLongLong());
    case Type::Bool:
        return value.toBool();
    case Type::Text:
    case Type::Hash:
        break;
    }
    return value.toString();
}

QJsonObject rowToJson(const QList<ColumnInfo> &columns, const QVariantList &row)
{
    QJsonObject object;
    for (int i = 0; i < columns.size(); ++i)
        object.insert(QLatin1String(columns.at(i).key), jsonValue(columns.at(i), row.value(i)));
    return object;
}

QJsonArray rowsToJson(Table table, const QList<QVariantList> &rows)
{
    const QList<ColumnInfo> &columns = Catalog::columns(table);
    QJsonArray array;
    for (const QVariantList &row : rows)
        array.append(rowToJson(columns, row));
    return array;
}

QString csvValue(const ColumnInfo &column, const QVariant &value)
{
    if (value.isNull())
        return QString();
    switch (column.type) {
    case Type::Integer:
        return QString::number(value.toLongLong());
    case Type::Time:
        return isoTime(value.toLongLong());
    case Type::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case Type::Text:
    case Type::Hash:
        break;
    }
    return value.toString();
}

QString csvField(const QString &text)
{
    const bool needsQuotes = text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"'))
        || text.contains(QLatin1Char('\r')) || text.contains(QLatin1Char('\n'));
    if (!needsQuotes)
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QByteArray csvRecord(const QStringList &fields)
{
    QString line;
    for (int i = 0; i < fields.size(); ++i) {
        if (i > 0)
            line += QLatin1Char(',');
        line += csvField(fields.at(i));
    }
    line += QLatin1String("\r\n");
    return line.toUtf8();
}

QByteArray csvHeader(const QList<ColumnInfo> &columns)
{
    QStringList keys;
    for (const ColumnInfo &column : columns)
        keys << QString::fromLatin1(column.key);
    return csvRecord(keys);
}

QByteArray csvRow(const QList<ColumnInfo> &columns, const QVariantList &row)
{
    QStringList fields;
    fields.reserve(columns.size());
    for (int i = 0; i < columns.size(); ++i)
        fields << csvValue(columns.at(i), row.value(i));
    return csvRecord(fields);
}

} // namespace rotor::row_format
