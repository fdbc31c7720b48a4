#include "Presentation.h"

#include "SecurityEvent.h"

#include <QDateTime>
#include <QLocale>

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
    switch (table) {
    case Table::Users:
        switch (column::User(column)) {
        case column::UserId:
            return tr("ID");
        case column::UserEmail:
            return tr("Email");
        case column::UserName:
            return tr("Name");
        case column::UserActive:
            return tr("Status");
        case column::UserTokenVersion:
            return tr("Token version");
        case column::UserCreatedAt:
            return tr("Created");
        case column::UserDevices:
            return tr("Devices");
        case column::UserLiveFamilies:
            return tr("Live sessions");
        }
        break;
    case Table::Devices:
        switch (column::Device(column)) {
        case column::DeviceId:
            return tr("ID");
        case column::DeviceUser:
            return tr("User");
        case column::DeviceName:
            return tr("Name");
        case column::DeviceKey:
            return tr("Device key");
        case column::DeviceUserAgent:
            return tr("User agent");
        case column::DeviceFirstSeen:
            return tr("First seen");
        case column::DeviceLastSeen:
            return tr("Last seen");
        case column::DeviceLastIp:
            return tr("Last IP");
        case column::DeviceLiveFamilies:
            return tr("Live sessions");
        case column::DeviceUserId:
            return tr("User ID");
        }
        break;
    case Table::Families:
        switch (column::Family(column)) {
        case column::FamilyId:
            return tr("ID");
        case column::FamilyUser:
            return tr("User");
        case column::FamilyDevice:
            return tr("Device");
        case column::FamilyState:
            return tr("State");
        case column::FamilyGeneration:
            return tr("Generation");
        case column::FamilyCreatedAt:
            return tr("Signed in");
        case column::FamilyLastUsed:
            return tr("Last used");
        case column::FamilyExpiresAt:
            return tr("Expires");
        case column::FamilyRevokedAt:
            return tr("Revoked");
        case column::FamilyRevokeReason:
            return tr("Revoke reason");
        case column::FamilyRevokedBy:
            return tr("Revoked by");
        case column::FamilyLastIp:
            return tr("Last IP");
        case column::FamilyUserId:
            return tr("User ID");
        case column::FamilyDeviceId:
            return tr("Device ID");
        }
        break;
    case Table::Events:
        switch (column::Event(column)) {
        case column::EventId:
            return tr("ID");
        case column::EventTime:
            return tr("Time");
        case column::EventKind:
            return tr("Kind");
        case column::EventUser:
            return tr("User");
        case column::EventFamily:
            return tr("Session");
        case column::EventPresentedGeneration:
            return tr("Presented gen.");
        case column::EventCurrentGeneration:
            return tr("Current gen.");
        case column::EventIp:
            return tr("IP");
        case column::EventUserAgent:
            return tr("User agent");
        case column::EventDeviceKey:
            return tr("Device key");
        case column::EventOriginalIp:
            return tr("Original IP");
        case column::EventOriginalUserAgent:
            return tr("Original user agent");
        case column::EventDetail:
            return tr("Detail");
        case column::EventUserId:
            return tr("User ID");
        case column::EventRepeatCount:
            return tr("Count");
        }
        break;
    case Table::Audit:
        switch (column::Audit(column)) {
        case column::AuditId:
            return tr("Entry");
        case column::AuditTime:
            return tr("Time");
        case column::AuditActor:
            return tr("Operator");
        case column::AuditOrigin:
            return tr("From");
        case column::AuditAction:
            return tr("Action");
        case column::AuditTarget:
            return tr("Target");
        case column::AuditReason:
            return tr("Reason");
        case column::AuditHash:
            return tr("Entry hash");
        }
        break;
    case Table::Tokens:
        switch (column::Token(column)) {
        case column::TokenGeneration:
            return tr("Generation");
        case column::TokenIssuedAt:
            return tr("Issued");
        case column::TokenExpiresAt:
            return tr("Expires");
        case column::TokenUsedAt:
            return tr("Used");
        case column::TokenRevokedAt:
            return tr("Revoked");
        case column::TokenIp:
            return tr("IP");
        case column::TokenUserAgent:
            return tr("User agent");
        case column::TokenId:
            return tr("ID");
        }
        break;
    }
    return QString::fromLatin1(Catalog::columns(table).value(column).key);
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
    return QIcon(QStringLiteral(":/icons/%1.svg").arg(QLatin1String(name)));
}
} // namespace icons

} // namespace rotor
