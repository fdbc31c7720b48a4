#pragma once

#include <QList>
#include <QString>
#include <QVariant>

#include <optional>

namespace rotor {

class Clock;
class Database;

// The read side: what the console's lists and rotorctl show. Each table has a fixed set of columns; a request
// filters, sorts and pages it. Every value comes back typed the same way on both backends (times as ms since
// the epoch, flags as bool, hashes as hex text).
enum class Table { Users, Devices, Families, Events, Audit, Tokens };

namespace column {
enum User { UserId, UserEmail, UserName, UserActive, UserTokenVersion, UserCreatedAt, UserDevices, UserLiveFamilies };
enum Device {
    DeviceId,
    DeviceUser,
    DeviceName,
    DeviceKey,
    DeviceUserAgent,
    DeviceFirstSeen,
    DeviceLastSeen,
    DeviceLastIp,
    DeviceLiveFamilies,
    DeviceUserId
};
enum Family {
    FamilyId,
    FamilyUser,
    FamilyDevice,
    FamilyState,
    FamilyGeneration,
    FamilyCreatedAt,
    FamilyLastUsed,
    FamilyExpiresAt,
    FamilyRevokedAt,
    FamilyRevokeReason,
    FamilyRevokedBy,
    FamilyLastIp,
    FamilyUserId,
    FamilyDeviceId
};
enum Event {
    EventId,
    EventTime,
    EventKind,
    EventUser,
    EventFamily,
    EventPresentedGeneration,
    EventCurrentGeneration,
    EventIp,
    EventUserAgent,
    EventDeviceKey,
    EventOriginalIp,
    EventOriginalUserAgent,
    EventDetail,
    EventUserId,
    EventRepeatCount, // presentations an aggregated event stands for (unknown tokens); 1 for the others
    EventVerdict, // replays: same_client or second_party (core/Verdict.h); NULL for the others
    EventVerdictReason
};
enum Audit { AuditId, AuditTime, AuditActor, AuditOrigin, AuditAction, AuditTarget, AuditReason, AuditHash };
enum Token {
    TokenGeneration,
    TokenIssuedAt,
    TokenExpiresAt,
    TokenUsedAt,
    TokenRevokedAt,
    TokenIp,
    TokenUserAgent,
    TokenId
};
} // namespace column

struct ColumnInfo
{
    enum class Type { Integer, Text, Time, Bool, Hash };
    const char *key; // stable name for JSON and CSV
    Type type;
    bool hidden; // carried for links, not shown as a column
    const char *title; // as a person reads it, translated in the context "rotor::Presentation"
};

struct ListRequest
{
    Table table = Table::Users;
    QString text; // case-insensitive substring over the table's text columns; digits also match the id
    QString state; // Users: active|inactive; Families: active|revoked|expired
    QString kind; // Events: one event kind
    QString verdict; // Events: same_client|second_party (replays with that verdict)
    std::optional<qint64> since; // on the table's time column, inclusive
    std::optional<qint64> until; // exclusive
    qint64 userId = 0; // scope to one user / device / family (0: all)
    qint64 deviceId = 0;
    qint64 familyId = 0;
    int sortColumn = 0;
    bool descending = false;
    int offset = 0;
    int limit = 200; // < 0: all rows
};

struct UserRef
{
    qint64 id = 0;
    QString email;
    bool active = true;
};

// What a revocation would touch, shown before it is confirmed.
struct RevocationPreview
{
    qint64 liveFamilies = 0;
    QStringList devices; // names of the devices with a live session
};

// Why a session was revoked, in one sentence with its evidence: what revoked it, when, by whom or by which event, from
// where. For a session that is not revoked the sentence says so.
struct RevocationExplanation
{
    bool revoked = false;
    QString sentence; // English, through tr() in the context "rotor::Catalog"
    qint64 eventId = 0; // the security event that recorded the revocation, while it is still on record
    qint64 auditEntryId = 0; // an administrator's action: its audit entry
};

class Catalog
{
public:
    Catalog(Database &db, const Clock &clock);

    static const QList<ColumnInfo> &columns(Table table);
    static const char *tableKey(Table table);
    static bool validState(Table table, const QString &state);

    bool list(const ListRequest &request, QList<QVariantList> *rows, QString *error);
    bool count(const ListRequest &request, qint64 *count, QString *error);

    // The statement list() (count()) runs for a request at the time now, with its named values (":name"): what the
    // console benchmark's floor runs through the databases' own C APIs.
    struct Statement
    {
        QString sql;
        QVariantMap values; // every name the text uses, and possibly more
    };
    static bool listStatement(const ListRequest &request, qint64 now, Statement *statement, QString *error);
    static bool countStatement(const ListRequest &request, qint64 now, Statement *statement, QString *error);

    bool findUser(const QString &email, UserRef *user, QString *error);
    bool previewUserRevocation(qint64 userId, RevocationPreview *preview, QString *error);
    bool previewFamilyRevocation(qint64 familyId, RevocationPreview *preview, QString *error);
    // Times in the sentence are UTC, so it reads the same wherever it is pasted.
    bool explainRevocation(qint64 familyId, RevocationExplanation *explanation, QString *error);

private:
    Database &m_db;
    const Clock &m_clock;
};

} // namespace rotor
