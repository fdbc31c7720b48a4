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
// The recent connections: an array under this group, each entry with a location (never a password) and whether it
// was opened read-only.
inline QString recentConnectionsKey()
{
    return QStringLiteral("recentConnections");
}
inline QString recentLocationKey()
{
    return QStringLiteral("location");
}
inline QString recentReadOnlyKey()
{
    return QStringLiteral("readOnly");
}

} // namespace rotor::settings
