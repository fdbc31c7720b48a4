#pragma once

#include "Catalog.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

// How rotorctl prints: aligned text for people, JSON for scripts.
namespace output {

QString isoTime(qint64 ms);
QJsonValue jsonValue(const rotor::ColumnInfo &column, const QVariant &value);
QJsonArray rowsToJson(rotor::Table table, const QList<QVariantList> &rows);
QString rowsToText(rotor::Table table, const QList<QVariantList> &rows);
void printLine(const QString &text);
void printJson(const QJsonValue &value);

} // namespace output
