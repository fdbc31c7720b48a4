#include "ConnectionSpec.h"

#include <QCoreApplication>
#include <QUrl>
#include <QUrlQuery>

namespace rotor {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::ConnectionSpec", text);
}
} // namespace

ConnectionSpec ConnectionSpec::sqlite(const QString &path, bool readOnly)
{
    ConnectionSpec spec;
    spec.backend = Backend::Sqlite;
    spec.sqlitePath = path;
    spec.readOnly = readOnly;
    return spec;
}

bool ConnectionSpec::parse(const QString &text, ConnectionSpec *spec, QString *error)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        *error = tr("no database given");
        return false;
    }
    if (!trimmed.startsWith(QLatin1String("postgresql://")) && !trimmed.startsWith(QLatin1String("postgres://"))) {
        if (trimmed.contains(QLatin1String("://"))) {
            *error = tr("unsupported database URI (use a SQLite file path or postgresql://...)");
            return false;
        }
        *spec = sqlite(trimmed, spec->readOnly);
        return true;
    }
    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid()) {
        *error = tr("invalid PostgreSQL URI: %1").arg(url.errorString());
        return false;
    }
    ConnectionSpec parsed;
    parsed.backend = Backend::Postgres;
    parsed.readOnly = spec->readOnly;
    parsed.host = url.host().isEmpty() ? QStringLiteral("localhost") : url.host();
    parsed.port = url.port(5432);
    if (parsed.port <= 0 || parsed.port > 65535) {
        *error = tr("invalid port in PostgreSQL URI");
        return false;
    }
    parsed.userName = url.userName(QUrl::FullyDecoded);
    parsed.password = url.password(QUrl::FullyDecoded);
    parsed.databaseName = url.path(QUrl::FullyDecoded).mid(1);
    if (parsed.databaseName.contains(QLatin1Char('/'))) {
        *error = tr("invalid database name in PostgreSQL URI");
        return false;
    }
    if (parsed.databaseName.isEmpty())
        parsed.databaseName = parsed.userName.isEmpty() ? QStringLiteral("postgres") : parsed.userName;
    const QUrlQuery query(url);
    for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
        if (item.first == QLatin1String("sslmode")) {
            static const QStringList modes
                = {QStringLiteral("disable"), QStringLiteral("allow"),     QStringLiteral("prefer"),
                   QStringLiteral("require"), QStringLiteral("verify-ca"), QStringLiteral("verify-full")};
            if (!modes.contains(item.second)) {
                *error = tr("unknown sslmode '%1'").arg(item.second);
                return false;
            }
            parsed.sslMode = item.second;
        } else {
            *error = tr("unsupported PostgreSQL URI parameter '%1'").arg(item.first);
            return false;
        }
    }
    *spec = parsed;
    return true;
}

QString ConnectionSpec::displayName() const
{
    if (backend == Backend::Sqlite)
        return sqlitePath;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setHost(host);
    url.setPort(port);
    // Names are stored decoded; encode them again so that what is shown parses back to the same place.
    url.setUserName(userName, QUrl::DecodedMode);
    url.setPath(QLatin1Char('/') + databaseName, QUrl::DecodedMode);
    if (!sslMode.isEmpty())
        url.setQuery(QStringLiteral("sslmode=") + sslMode);
    return url.toString(QUrl::FullyEncoded);
}

} // namespace rotor
