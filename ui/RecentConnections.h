#pragma once

#include "ConnectionSpec.h"

#include <QList>

namespace rotor {

// The databases the console opened lately, newest first, kept in QSettings. Only what
// ConnectionSpec::displayName() shows is stored (a SQLite path, or a PostgreSQL URI without its password), plus
// the read-only flag: a password is never written to disk.
class RecentConnections
{
public:
    static constexpr int maximumEntries = 10;

    // The remembered connections, newest first; entries that no longer parse are skipped.
    static QList<ConnectionSpec> load();
    // Moves spec to the front (adding it if new) and drops the oldest beyond maximumEntries.
    static void remember(const ConnectionSpec &spec);
    static void forget(const ConnectionSpec &spec);
    static void clear();

private:
    static void save(const QList<ConnectionSpec> &specs);
};

} // namespace rotor
