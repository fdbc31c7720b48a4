#pragma once

#include "Catalog.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

// How a Catalog row is written for machines: rotorctl's --json and the console's CSV/JSON export share these rules,
// so a value reads the same wherever it comes from. Times are ISO 8601 in UTC with milliseconds, flags are
// true/false, integers stay integers, SQL NULL is JSON null (an empty CSV field).
namespace rotor::row_format {

QString isoTime(qint64 ms);
// A span of time as a person reads it, to two units at most: "850 ms", "12.3 s", "4 min 10 s", "3 h 5 min", "2 d 4 h".
QString elapsed(qint64 ms);

QJsonValue jsonValue(const ColumnInfo &column, const QVariant &value);
// Every column of the table, hidden ones included, keyed by ColumnInfo::key.
QJsonObject rowToJson(const QList<ColumnInfo> &columns, const QVariantList &row);
QJsonArray rowsToJson(Table table, const QList<QVariantList> &rows);

// The text of one CSV cell, before quoting.
QString csvValue(const ColumnInfo &column, const QVariant &value);
// RFC 4180: a field holding a comma, a double quote, CR or LF is enclosed in double quotes, quotes doubled.
QString csvField(const QString &text);
// One record as UTF-8, fields quoted as needed, terminated by CRLF.
QByteArray csvRecord(const QStringList &fields);
QByteArray csvHeader(const QList<ColumnInfo> &columns);
QByteArray csvRow(const QList<ColumnInfo> &columns, const QVariantList &row);

} // namespace rotor::row_format
