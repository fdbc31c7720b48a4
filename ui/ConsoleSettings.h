#pragma once

#include "Catalog.h"

#include <QString>

// Every key the console keeps in QSettings, in one place (no string keys scattered through the widgets).
namespace rotor::settings {

inline QString headerStateKey(Table table)
{
    return QStringLiteral("views/%1/header").arg(QLatin1String(Catalog::tableKey(table)));
}
inline QString splitterStateKey(Table table)
{
    return QStringLiteral("views/%1/splitter").arg(QLatin1String(Catalog::tableKey(table)));
}
inline QString windowGeometryKey()
{
    return QStringLiteral("mainWindow/geometry");
}
inline QString windowStateKey()
{
    return QStringLiteral("mainWindow/state");
}

} // namespace rotor::settings
