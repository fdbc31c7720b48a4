#pragma once

#include "Catalog.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

// How rotorctl prints: aligned text for people, JSON for scripts (the JSON value rules are the core's RowFormat,
// shared with the console's export).
namespace output {

QString rowsToText(rotor::Table table, const QList<QVariantList> &rows);
void printLine(const QString &text);
void printJson(const QJsonValue &value);

} // namespace output
