#pragma once

#include <QString>

namespace rotor::paths {

// ~/.local/share/rotor/demo.sqlite: the database the console and rotorctl use when none is named.
QString defaultDemoDatabase();
// ~/.config/rotor/master.key
QString defaultKeyFile();

} // namespace rotor::paths
