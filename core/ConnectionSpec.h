#pragma once

#include <QString>

namespace rotor {

enum class Backend { Sqlite, Postgres };

// Where a database is: a SQLite file path, or a libpq-style URI
// postgresql://[user[:password]@][host][:port][/dbname][?sslmode=...]
struct ConnectionSpec
{
    Backend backend = Backend::Sqlite;
    QString sqlitePath;
    QString host;
    int port = 5432;
    QString databaseName;
    QString userName;
    QString password;
    QString sslMode;
    bool readOnly = false;

    static bool parse(const QString &text, ConnectionSpec *spec, QString *error);
    static ConnectionSpec sqlite(const QString &path, bool readOnly = false);
    // The same location as text, without the password: safe to show, log and remember.
    QString displayName() const;
};

} // namespace rotor
