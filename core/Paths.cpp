#include "Paths.h"

#include <QStandardPaths>

namespace rotor::paths {

QString defaultDemoDatabase()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/rotor/demo.sqlite");
}

QString defaultKeyFile()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/rotor/master.key");
}

} // namespace rotor::paths
