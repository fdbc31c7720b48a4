#include "Presentation.h"

#include "SecurityEvent.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHash>
#include <QLocale>
#include <QThread>

// Q_INIT_RESOURCE must be called from the global namespace.
static void initIconResources()
{
    Q_INIT_RESOURCE(icons);
}

namespace rotor {

namespace {

bool isIdentifier(Table table, int column)
{
    switch (table) {
    case Table::Users:
        return column == column::UserId;
    case Table::Devices:
        return column == column::DeviceId || column == column::DeviceUserId;
    case Table::Families:
        return column == column::FamilyId || column == column::FamilyUserId || column == column::FamilyDeviceId;
    case Table::Events:
        return column == column::EventId || column == column::EventFamily || column == column::EventUserId;
    case Table::Audit:
        return column == column::AuditId;
    case Table::Tokens:
        return column == column::TokenId || column == column::TokenGeneration;
    }
    return false;
}

} // namespace

QString Presentation::columnTitle(Table table, int column)
{
    const QList<ColumnInfo> &columns = Catalog::columns(table);
    if (column < 0 || column >= columns.size())
        return QString();
    return QCoreApplication::translate("rotor::Presentation", columns.at(column).title);
}

QString Presentation::formatTime(qint64 msSinceEpoch)
{
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(msSinceEpoch), QLocale::ShortFormat);
}

QString Presentation::formatLongTime(qint64 msSinceEpoch)
{
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(msSinceEpoch), QLocale::LongFormat);
}

QString Presentation::formatCount(qint64 count)
{
    return QLocale().toString(count);
}

QString Presentation::familyStateText(const QString &state)
{
    if (state == QLatin1String("active"))
        return tr("active");
    if (state == QLatin1String("revoked"))
        return tr("revoked");
    if (state == QLatin1String("expired"))
        return tr("expired");
    return state;
}

QString Presentation::eventKindText(const QString &kind)
{
    using namespace event_kind;
    if (kind == QLatin1String(replayDetected))
        return tr("replay detected");
    if (kind == QLatin1String(graceRetry))
        return tr("grace retry");
    if (kind == QLatin1String(tokenExpired))
        return tr("expired token");
    if (kind == QLatin1String(tokenUnknown))
        return tr("unknown token");
    if (kind == QLatin1String(tokenRevoked))
        return tr("token of a revoked session");
    if (kind == QLatin1String(userInactive))
        return tr("inactive user");
    if (kind == QLatin1String(familyRevoked))
        return tr("session revoked");
    if (kind == QLatin1String(userRevoked))
        return tr("user's sessions revoked");
    if (kind == QLatin1String(userDeactivated))
        return tr("user deactivated");
    if (kind == QLatin1String(userActivated))
        return tr("user reactivated");
    if (kind == QLatin1String(logout))
        return tr("signed out");
    return kind;
}

QStringList Presentation::eventKinds()
{
    using namespace event_kind;
    return {QLatin1String(replayDetected), QLatin1String(graceRetry),   QLatin1String(tokenExpired),
            QLatin1String(tokenUnknown),   QLatin1String(tokenRevoked), QLatin1String(userInactive),
            QLatin1String(familyRevoked),  QLatin1String(userRevoked),  QLatin1String(userDeactivated),
            QLatin1String(userActivated),  QLatin1String(logout)};
}

QString Presentation::revokeReasonText(const QString &reason)
{
    using namespace revoke_reason;
    if (reason == QLatin1String(replay))
        return tr("replay");
    if (reason == QLatin1String(admin))
        return tr("administrator");
    if (reason == QLatin1String(logout))
        return tr("signed out");
    if (reason == QLatin1String(userRevoked))
        return tr("all of the user's sessions revoked");
    if (reason == QLatin1String(userDeactivated))
        return tr("user deactivated");
    return reason;
}

QString Presentation::verdictText(const QString &verdict)
{
    if (verdict == QLatin1String("same_client"))
        return tr("likely the same client (a retry or race)");
    if (verdict == QLatin1String("second_party"))
        return tr("likely a second party (theft)");
    return verdict;
}

QString Presentation::displayText(Table table, int column, const QVariant &value)
{
    if (value.isNull())
        return QString();
    const QList<ColumnInfo> &columns = Catalog::columns(table);
    if (column < 0 || column >= columns.size())
        return value.toString();
    switch (columns.at(column).type) {
    case ColumnInfo::Type::Time:
        return formatTime(value.toLongLong());
    case ColumnInfo::Type::Bool:
        if (table == Table::Users && column == column::UserActive)
            return value.toBool() ? tr("active") : tr("inactive");
        return value.toBool() ? tr("yes") : tr("no");
    case ColumnInfo::Type::Integer:
        return isIdentifier(table, column) ? QString::number(value.toLongLong()) : formatCount(value.toLongLong());
    case ColumnInfo::Type::Hash:
        return value.toString().left(16) + QChar(0x2026);
    case ColumnInfo::Type::Text:
        break;
    }
    if (table == Table::Families && column == column::FamilyState)
        return familyStateText(value.toString());
    if (table == Table::Families && column == column::FamilyRevokeReason)
        return revokeReasonText(value.toString());
    if (table == Table::Events && column == column::EventKind)
        return eventKindText(value.toString());
    if (table == Table::Events && column == column::EventVerdict)
        return verdictText(value.toString());
    return value.toString();
}

QString Presentation::toolTip(Table table, int column, const QVariant &value)
{
    if (value.isNull())
        return QString();
    const QList<ColumnInfo> &columns = Catalog::columns(table);
    if (column < 0 || column >= columns.size())
        return QString();
    switch (columns.at(column).type) {
    case ColumnInfo::Type::Time:
        return formatLongTime(value.toLongLong());
    case ColumnInfo::Type::Hash:
    case ColumnInfo::Type::Text:
        return value.toString().isEmpty() ? QString() : displayText(table, column, value);
    case ColumnInfo::Type::Integer:
    case ColumnInfo::Type::Bool:
        break;
    }
    return QString();
}

QIcon Presentation::decoration(Table table, int column, const QVariant &value)
{
    if (table == Table::Families && column == column::FamilyState) {
        const QString state = value.toString();
        if (state == QLatin1String("active"))
            return icons::named("state-active");
        if (state == QLatin1String("revoked"))
            return icons::named("state-revoked");
        if (state == QLatin1String("expired"))
            return icons::named("state-expired");
    }
    if (table == Table::Users && column == column::UserActive && !value.isNull())
        return value.toBool() ? icons::named("state-active") : icons::named("user-inactive");
    if (table == Table::Events && column == column::EventKind
        && value.toString() == QLatin1String(event_kind::replayDetected))
        return icons::named("alert");
    if (table == Table::Events && column == column::EventVerdict && value.toString() == QLatin1String("second_party"))
        return icons::named("alert");
    return QIcon();
}

bool Presentation::isNumeric(Table table, int column)
{
    const QList<ColumnInfo> &columns = Catalog::columns(table);
    return column >= 0 && column < columns.size() && columns.at(column).type == ColumnInfo::Type::Integer;
}

QString Presentation::rowCountText(Table table, qint64 count)
{
    const int n = int(qMin<qint64>(count, std::numeric_limits<int>::max()));
    switch (table) {
    case Table::Users:
        return tr("%Ln users", "row count", n);
    case Table::Devices:
        return tr("%Ln devices", "row count", n);
    case Table::Families:
        return tr("%Ln sessions", "row count", n);
    case Table::Events:
        return tr("%Ln security events", "row count", n);
    case Table::Audit:
        return tr("%Ln audit entries", "row count", n);
    case Table::Tokens:
        return tr("%Ln refresh tokens", "row count", n);
    }
    return formatCount(count);
}

QString Presentation::tableTitle(Table table)
{
    switch (table) {
    case Table::Users:
        return tr("Users");
    case Table::Devices:
        return tr("Devices");
    case Table::Families:
        return tr("Sessions");
    case Table::Events:
        return tr("Security events");
    case Table::Audit:
        return tr("Audit log");
    case Table::Tokens:
        return tr("Refresh tokens");
    }
    return QString();
}

namespace icons {
QIcon named(const char *name)
{
    static const bool initialised = (initIconResources(), true);
    Q_UNUSED(initialised);
    // Built once per name and kept: models ask for status icons in data() on every paint, and a new QIcon would
    // render its SVG again each time. Icons belong to the GUI thread, so the cache needs no lock.
    Q_ASSERT(QCoreApplication::instance() && QThread::currentThread() == QCoreApplication::instance()->thread());
    static QHash<QByteArray, QIcon> cache;
    const QByteArray key(name);
    auto found = cache.constFind(key);
    if (found == cache.constEnd())
        found = cache.insert(key, QIcon(QStringLiteral(":/icons/%1.svg").arg(QLatin1String(name))));
    return *found;
}
} // namespace icons

} // namespace rotor
