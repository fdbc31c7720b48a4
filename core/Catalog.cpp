#include "Catalog.h"

#include "Clock.h"
#include "Database.h"
#include "RowFormat.h"
#include "SecurityEvent.h"
#include "Verdict.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSqlQuery>
#include <QSqlRecord>

namespace rotor {

namespace {

using Type = ColumnInfo::Type;

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::Catalog", text);
}

// A family's state, computed from stored times and the clock (the database's own now() is never used).
constexpr char familyStateSql[] = "CASE WHEN f.revoked_at IS NOT NULL THEN 'revoked' "
                                  "WHEN f.expires_at <= :now OR f.idle_expires_at <= :now THEN 'expired' "
                                  "ELSE 'active' END";
constexpr char liveFamilySql[] = "f.revoked_at IS NULL AND f.expires_at > :now AND f.idle_expires_at > :now";

// A column, declared once: what the lists and exports know of it, and the SQL expression that reads it.
struct ColumnSpec
{
    ColumnInfo info;
    QString expression;
};

struct TableSpec
{
    TableSpec(std::initializer_list<ColumnSpec> columnSpecs, QString from_, QStringList textColumns_, QString idColumn_,
              QString timeColumn_)
        : from(std::move(from_))
        , textColumns(std::move(textColumns_))
        , idColumn(std::move(idColumn_))
        , timeColumn(std::move(timeColumn_))
    {
        for (const ColumnSpec &column : columnSpecs) {
            columns.append(column.info);
            expressions.append(column.expression);
        }
    }

    QList<ColumnInfo> columns; // derived from the one declaration, in order
    QStringList expressions;
    QString from;
    QStringList textColumns;
    QString idColumn;
    QString timeColumn;
};

const TableSpec &spec(Table table)
{
    static const QString live = QString::fromLatin1(liveFamilySql);
    static const QString state = QString::fromLatin1(familyStateSql);
    static const TableSpec users {
        {{{"id", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "ID")}, QStringLiteral("u.id")},
         {{"email", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Email")}, QStringLiteral("u.email")},
         {{"display_name", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Name")},
          QStringLiteral("u.display_name")},
         {{"active", Type::Bool, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Status")},
          QStringLiteral("u.active")},
         {{"token_version", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Token version")},
          QStringLiteral("u.token_version")},
         {{"created_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Created")},
          QStringLiteral("u.created_at")},
         {{"devices", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Devices")},
          QStringLiteral("(SELECT count(*) FROM devices d WHERE d.user_id = u.id)")},
         {{"live_sessions", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Live sessions")},
          QStringLiteral("(SELECT count(*) FROM token_families f WHERE f.user_id = u.id AND ") + live
              + QLatin1Char(')')}},
        QStringLiteral("users u"),
        {QStringLiteral("u.email"), QStringLiteral("u.display_name")},
        QStringLiteral("u.id"),
        QStringLiteral("u.created_at")};
    static const TableSpec devices {
        {{{"id", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "ID")}, QStringLiteral("d.id")},
         {{"user", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "User")}, QStringLiteral("u.email")},
         {{"name", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Name")}, QStringLiteral("d.name")},
         {{"device_key", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Device key")},
          QStringLiteral("d.device_key")},
         {{"user_agent", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "User agent")},
          QStringLiteral("d.user_agent")},
         {{"first_seen_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "First seen")},
          QStringLiteral("d.first_seen_at")},
         {{"last_seen_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Last seen")},
          QStringLiteral("d.last_seen_at")},
         {{"last_ip", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Last IP")},
          QStringLiteral("d.last_ip")},
         {{"live_sessions", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Live sessions")},
          QStringLiteral("(SELECT count(*) FROM token_families f WHERE f.device_id = d.id AND ") + live
              + QLatin1Char(')')},
         {{"user_id", Type::Integer, true, QT_TRANSLATE_NOOP("rotor::Presentation", "User ID")},
          QStringLiteral("d.user_id")}},
        QStringLiteral("devices d JOIN users u ON u.id = d.user_id"),
        {QStringLiteral("u.email"), QStringLiteral("d.name"), QStringLiteral("d.device_key"),
         QStringLiteral("d.user_agent"), QStringLiteral("d.last_ip")},
        QStringLiteral("d.id"),
        QStringLiteral("d.last_seen_at")};
    static const TableSpec families {
        {{{"id", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "ID")}, QStringLiteral("f.id")},
         {{"user", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "User")}, QStringLiteral("u.email")},
         {{"device", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Device")}, QStringLiteral("d.name")},
         {{"state", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "State")}, state},
         {{"generation", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Generation")},
          QStringLiteral("f.current_generation")},
         {{"created_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Signed in")},
          QStringLiteral("f.created_at")},
         {{"last_used_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Last used")},
          QStringLiteral("f.last_used_at")},
         {{"expires_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Expires")},
          QStringLiteral("CASE WHEN f.idle_expires_at < f.expires_at THEN f.idle_expires_at ELSE f.expires_at END")},
         {{"revoked_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Revoked")},
          QStringLiteral("f.revoked_at")},
         {{"revoke_reason", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Revoke reason")},
          QStringLiteral("f.revoke_reason")},
         {{"revoked_by", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Revoked by")},
          QStringLiteral("f.revoked_by")},
         {{"last_ip", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Last IP")},
          QStringLiteral("d.last_ip")},
         {{"user_id", Type::Integer, true, QT_TRANSLATE_NOOP("rotor::Presentation", "User ID")},
          QStringLiteral("f.user_id")},
         {{"device_id", Type::Integer, true, QT_TRANSLATE_NOOP("rotor::Presentation", "Device ID")},
          QStringLiteral("f.device_id")}},
        QStringLiteral("token_families f JOIN users u ON u.id = f.user_id JOIN devices d ON d.id = f.device_id"),
        {QStringLiteral("u.email"), QStringLiteral("d.name"), QStringLiteral("d.last_ip"),
         QStringLiteral("f.revoke_reason")},
        QStringLiteral("f.id"),
        QStringLiteral("f.created_at")};
    static const TableSpec events {
        {{{"id", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "ID")}, QStringLiteral("e.id")},
         {{"occurred_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Time")},
          QStringLiteral("e.occurred_at")},
         {{"kind", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Kind")}, QStringLiteral("e.kind")},
         {{"user", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "User")}, QStringLiteral("u.email")},
         {{"family_id", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Session")},
          QStringLiteral("e.family_id")},
         {{"presented_generation", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Presented gen.")},
          QStringLiteral("e.presented_generation")},
         {{"current_generation", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Current gen.")},
          QStringLiteral("e.current_generation")},
         {{"ip", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "IP")}, QStringLiteral("e.ip")},
         {{"user_agent", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "User agent")},
          QStringLiteral("e.user_agent")},
         {{"device_key", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Device key")},
          QStringLiteral("e.device_key")},
         {{"original_ip", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Original IP")},
          QStringLiteral("e.original_ip")},
         {{"original_user_agent", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Original user agent")},
          QStringLiteral("e.original_user_agent")},
         {{"detail", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Detail")},
          QStringLiteral("e.detail")},
         {{"user_id", Type::Integer, true, QT_TRANSLATE_NOOP("rotor::Presentation", "User ID")},
          QStringLiteral("e.user_id")},
         {{"repeat_count", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Count")},
          QStringLiteral("e.repeat_count")},
         {{"verdict", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Verdict")},
          QStringLiteral("e.verdict")},
         {{"verdict_reason", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Verdict evidence")},
          QStringLiteral("e.verdict_reason")}},
        QStringLiteral("security_events e LEFT JOIN users u ON u.id = e.user_id"),
        {QStringLiteral("e.kind"), QStringLiteral("u.email"), QStringLiteral("e.ip"), QStringLiteral("e.user_agent"),
         QStringLiteral("e.device_key"), QStringLiteral("e.detail")},
        QStringLiteral("e.id"),
        QStringLiteral("e.occurred_at")};
    static const TableSpec audit {
        {{{"id", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Entry")}, QStringLiteral("a.id")},
         {{"occurred_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Time")},
          QStringLiteral("a.occurred_at")},
         {{"actor", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Operator")},
          QStringLiteral("a.actor")},
         {{"origin", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "From")}, QStringLiteral("a.origin")},
         {{"action", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Action")},
          QStringLiteral("a.action")},
         {{"target", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Target")},
          QStringLiteral("a.target")},
         {{"reason", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Reason")},
          QStringLiteral("a.reason")},
         {{"entry_hash", Type::Hash, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Entry hash")},
          QStringLiteral("a.entry_hash")}},
        QStringLiteral("audit_log a"),
        {QStringLiteral("a.actor"), QStringLiteral("a.origin"), QStringLiteral("a.action"), QStringLiteral("a.target"),
         QStringLiteral("a.reason")},
        QStringLiteral("a.id"),
        QStringLiteral("a.occurred_at")};
    static const TableSpec tokens {
        {{{"generation", Type::Integer, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Generation")},
          QStringLiteral("t.generation")},
         {{"issued_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Issued")},
          QStringLiteral("t.issued_at")},
         {{"expires_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Expires")},
          QStringLiteral("t.expires_at")},
         {{"used_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Used")},
          QStringLiteral("t.used_at")},
         {{"revoked_at", Type::Time, false, QT_TRANSLATE_NOOP("rotor::Presentation", "Revoked")},
          QStringLiteral("t.revoked_at")},
         {{"ip", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "IP")}, QStringLiteral("t.ip")},
         {{"user_agent", Type::Text, false, QT_TRANSLATE_NOOP("rotor::Presentation", "User agent")},
          QStringLiteral("t.user_agent")},
         {{"id", Type::Integer, true, QT_TRANSLATE_NOOP("rotor::Presentation", "ID")}, QStringLiteral("t.id")}},
        QStringLiteral("refresh_tokens t"),
        {QStringLiteral("t.ip"), QStringLiteral("t.user_agent")},
        QStringLiteral("t.id"),
        QStringLiteral("t.issued_at")};
    switch (table) {
    case Table::Users:
        return users;
    case Table::Devices:
        return devices;
    case Table::Families:
        return families;
    case Table::Events:
        return events;
    case Table::Audit:
        return audit;
    case Table::Tokens:
        return tokens;
    }
    return users;
}

enum class Scope { User, Device, Family };

// The column that narrows a table to one user, device or session; empty where that makes no sense.
QString scopeColumn(Table table, Scope scope)
{
    switch (table) {
    case Table::Users:
        return scope == Scope::User ? QStringLiteral("u.id") : QString();
    case Table::Devices:
        return scope == Scope::User  ? QStringLiteral("d.user_id")
            : scope == Scope::Device ? QStringLiteral("d.id")
                                     : QString();
    case Table::Families:
        return scope == Scope::User  ? QStringLiteral("f.user_id")
            : scope == Scope::Device ? QStringLiteral("f.device_id")
                                     : QStringLiteral("f.id");
    case Table::Events:
        return scope == Scope::User  ? QStringLiteral("e.user_id")
            : scope == Scope::Device ? QStringLiteral("e.device_id")
                                     : QStringLiteral("e.family_id");
    case Table::Audit:
        return {};
    case Table::Tokens:
        return scope == Scope::Family ? QStringLiteral("t.family_id") : QString();
    }
    return {};
}

struct Built
{
    QString where;
    QVariantMap values;
};

bool buildWhere(const ListRequest &request, qint64 now, Built *built, QString *error)
{
    const TableSpec &table = spec(request.table);
    QStringList conditions;
    QVariantMap &values = built->values;
    const QString text = request.text.trimmed();
    if (!text.isEmpty()) {
        QString escaped = text.toLower();
        escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('%'), QLatin1String("\\%"))
            .replace(QLatin1Char('_'), QLatin1String("\\_"));
        values.insert(QStringLiteral(":text"), QString(QLatin1Char('%') + escaped + QLatin1Char('%')));
        QStringList any;
        for (const QString &column : table.textColumns)
            any << QStringLiteral("lower(%1) LIKE :text ESCAPE '\\'").arg(column);
        bool isNumber = false;
        const qint64 number = text.toLongLong(&isNumber);
        if (isNumber) {
            any << table.idColumn + QStringLiteral(" = :number");
            values.insert(QStringLiteral(":number"), number);
        }
        conditions << QLatin1Char('(') + any.join(QLatin1String(" OR ")) + QLatin1Char(')');
    }
    if (!request.state.isEmpty()) {
        if (!Catalog::validState(request.table, request.state)) {
            *error = QCoreApplication::translate("rotor::Catalog", "unknown state '%1'").arg(request.state);
            return false;
        }
        if (request.table == Table::Users) {
            conditions << QStringLiteral("u.active = :active");
            values.insert(QStringLiteral(":active"), request.state == QLatin1String("active"));
        } else {
            conditions << QString::fromLatin1(familyStateSql) + QStringLiteral(" = :state");
            values.insert(QStringLiteral(":state"), request.state);
        }
    }
    if (!request.kind.isEmpty() && request.table == Table::Events) {
        conditions << QStringLiteral("e.kind = :kind");
        values.insert(QStringLiteral(":kind"), request.kind);
    }
    if (!request.verdict.isEmpty() && request.table == Table::Events) {
        if (!verdictFromName(request.verdict)) {
            *error = QCoreApplication::translate("rotor::Catalog", "unknown verdict '%1' (same_client or second_party)")
                         .arg(request.verdict);
            return false;
        }
        conditions << QStringLiteral("e.verdict = :verdict");
        values.insert(QStringLiteral(":verdict"), request.verdict);
    }
    if (request.since) {
        conditions << table.timeColumn + QStringLiteral(" >= :since");
        values.insert(QStringLiteral(":since"), *request.since);
    }
    if (request.until) {
        conditions << table.timeColumn + QStringLiteral(" < :until");
        values.insert(QStringLiteral(":until"), *request.until);
    }
    const struct
    {
        qint64 id;
        const char *placeholder;
        QString column;
        const char *what;
    } scopes[] = {{request.userId, ":user", scopeColumn(request.table, Scope::User), "user"},
                  {request.deviceId, ":device", scopeColumn(request.table, Scope::Device), "device"},
                  {request.familyId, ":family", scopeColumn(request.table, Scope::Family), "session"}};
    for (const auto &scope : scopes) {
        if (scope.id <= 0)
            continue;
        if (scope.column.isEmpty()) {
            *error = QCoreApplication::translate("rotor::Catalog", "the %1 list cannot be narrowed to one %2")
                         .arg(QLatin1String(Catalog::tableKey(request.table)), QLatin1String(scope.what));
            return false;
        }
        conditions << scope.column + QStringLiteral(" = ") + QLatin1String(scope.placeholder);
        values.insert(QLatin1String(scope.placeholder), scope.id);
    }
    built->where
        = conditions.isEmpty() ? QString() : QStringLiteral(" WHERE ") + conditions.join(QLatin1String(" AND "));
    values.insert(QStringLiteral(":now"), now);
    return true;
}

} // namespace

Catalog::Catalog(Database &db, const Clock &clock)
    : m_db(db)
    , m_clock(clock)
{ }

const QList<ColumnInfo> &Catalog::columns(Table table)
{
    return spec(table).columns;
}

const char *Catalog::tableKey(Table table)
{
    switch (table) {
    case Table::Users:
        return "users";
    case Table::Devices:
        return "devices";
    case Table::Families:
        return "families";
    case Table::Events:
        return "events";
    case Table::Audit:
        return "audit";
    case Table::Tokens:
        return "tokens";
    }
    return "";
}

bool Catalog::validState(Table table, const QString &state)
{
    if (table == Table::Users)
        return state == QLatin1String("active") || state == QLatin1String("inactive");
    if (table == Table::Families)
        return state == QLatin1String("active") || state == QLatin1String("revoked")
            || state == QLatin1String("expired");
    return false;
}

bool Catalog::listStatement(const ListRequest &request, qint64 now, Statement *statement, QString *error)
{
    const TableSpec &table = spec(request.table);
    Built built;
    if (!buildWhere(request, now, &built, error))
        return false;
    const int sortColumn = qBound(0, request.sortColumn, int(table.expressions.size()) - 1);
    const QString direction = request.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    QString sql = QStringLiteral("SELECT ") + table.expressions.join(QLatin1String(", ")) + QStringLiteral(" FROM ")
        + table.from + built.where + QStringLiteral(" ORDER BY ") + table.expressions.at(sortColumn) + direction;
    if (table.expressions.at(sortColumn) != table.idColumn)
        sql += QStringLiteral(", ") + table.idColumn + direction; // stable pages
    if (request.limit >= 0) {
        sql += QStringLiteral(" LIMIT :limit OFFSET :offset");
        built.values.insert(QStringLiteral(":limit"), request.limit);
        built.values.insert(QStringLiteral(":offset"), qMax(0, request.offset));
    }
    statement->sql = sql;
    statement->values = built.values;
    return true;
}

bool Catalog::countStatement(const ListRequest &request, qint64 now, Statement *statement, QString *error)
{
    const TableSpec &table = spec(request.table);
    Built built;
    if (!buildWhere(request, now, &built, error))
        return false;
    statement->sql = QStringLiteral("SELECT count(*) FROM ") + table.from + built.where;
    statement->values = built.values;
    return true;
}

bool Catalog::list(const ListRequest &request, QList<QVariantList> *rows, QString *error)
{
    const TableSpec &table = spec(request.table);
    Statement statement;
    if (!listStatement(request, m_clock.nowMs(), &statement, error))
        return false;
    QSqlQuery query(m_db.handle());
    if (!m_db.execute(query, statement.sql, statement.values, error))
        return false;
    rows->clear();
    const int columnCount = int(table.columns.size());
    Database::Fetch fetched;
    while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
        QVariantList row;
        row.reserve(columnCount);
        for (int i = 0; i < columnCount; ++i) {
            const QVariant value = query.value(i);
            if (value.isNull()) {
                row.append(QVariant());
                continue;
            }
            switch (table.columns.at(i).type) {
            case Type::Integer:
            case Type::Time:
                row.append(value.toLongLong());
                break;
            case Type::Bool:
                row.append(value.toBool());
                break;
            case Type::Hash:
                row.append(QString::fromLatin1(value.toByteArray().toHex()));
                break;
            case Type::Text:
                row.append(value.toString());
                break;
            }
        }
        rows->append(row);
    }
    return fetched == Database::Fetch::End; // a list cut short by a failed read is an error, not a shorter list
}

bool Catalog::count(const ListRequest &request, qint64 *count, QString *error)
{
    Statement statement;
    if (!countStatement(request, m_clock.nowMs(), &statement, error))
        return false;
    QSqlQuery query(m_db.handle());
    if (!m_db.execute(query, statement.sql, statement.values, error))
        return false;
    if (m_db.fetch(&query, error) != Database::Fetch::Row)
        return false;
    *count = query.value(0).toLongLong();
    return true;
}

bool Catalog::findUser(const QString &email, UserRef *user, QString *error)
{
    QSqlQuery query(m_db.handle());
    if (!m_db.execute(query, QStringLiteral("SELECT id, email, active FROM users WHERE email = :email"),
                      {{QStringLiteral(":email"), email.trimmed().toLower()}}, error))
        return false;
    const Database::Fetch found = m_db.fetch(&query, error);
    if (found != Database::Fetch::Row) {
        if (found == Database::Fetch::End)
            *error = tr("no user with the email %1").arg(email.trimmed());
        return false;
    }
    user->id = query.value(0).toLongLong();
    user->email = query.value(1).toString();
    user->active = query.value(2).toBool();
    return true;
}

bool Catalog::previewUserRevocation(qint64 userId, RevocationPreview *preview, QString *error)
{
    QSqlQuery query(m_db.handle());
    // Live as the lists count it (unrevoked and unexpired), so the dialog and the Users view agree.
    const QString sql = QStringLiteral("SELECT d.name, count(*) FROM token_families f JOIN devices d ON d.id = "
                                       "f.device_id WHERE f.user_id = :user AND ")
        + QString::fromLatin1(liveFamilySql) + QStringLiteral(" GROUP BY d.id, d.name ORDER BY d.name");
    if (!m_db.execute(query, sql, {{QStringLiteral(":user"), userId}, {QStringLiteral(":now"), m_clock.nowMs()}},
                      error))
        return false;
    *preview = {};
    Database::Fetch fetched;
    while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
        preview->devices << query.value(0).toString();
        preview->liveFamilies += query.value(1).toLongLong();
    }
    return fetched == Database::Fetch::End;
}

bool Catalog::previewFamilyRevocation(qint64 familyId, RevocationPreview *preview, QString *error)
{
    QSqlQuery query(m_db.handle());
    const QString sql = QStringLiteral("SELECT d.name, f.revoked_at FROM token_families f JOIN devices d ON d.id = "
                                       "f.device_id WHERE f.id = :family");
    if (!m_db.execute(query, sql, {{QStringLiteral(":family"), familyId}}, error))
        return false;
    const Database::Fetch found = m_db.fetch(&query, error);
    if (found != Database::Fetch::Row) {
        if (found == Database::Fetch::End)
            *error = tr("no session with id %1").arg(familyId);
        return false;
    }
    *preview = {};
    preview->devices << query.value(0).toString();
    preview->liveFamilies = query.value(1).isNull() ? 1 : 0;
    return true;
}

namespace {

QString utcTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
        + QStringLiteral(" UTC");
}

// "203.0.113.9 (python-requests/2.31.0)"; an address that was never known, or was erased, says so.
QString whereFrom(const QString &ip, const QString &userAgent)
{
    const QString address = ip.isEmpty() ? tr("an unknown address") : ip;
    return userAgent.isEmpty() ? address : QStringLiteral("%1 (%2)").arg(address, userAgent);
}

QString verdictWords(const QString &verdict)
{
    if (verdict == QLatin1String(verdictName(Verdict::SameClient)))
        return tr("likely the same client (a retry or race)");
    if (verdict == QLatin1String(verdictName(Verdict::SecondParty)))
        return tr("likely a second party (theft)");
    return verdict;
}

// The event and audit entry a sentence rests on: "event 14, audit entry 7".
QString evidenceText(const RevocationExplanation &explanation)
{
    QStringList parts;
    if (explanation.eventId > 0)
        parts << tr("event %1").arg(explanation.eventId);
    if (explanation.auditEntryId > 0)
        parts << tr("audit entry %1").arg(explanation.auditEntryId);
    return parts.isEmpty() ? tr("the event that recorded it is no longer on record") : parts.join(QLatin1String(", "));
}

// One row of a query run with bindings, or nothing; false only for a failed read.
bool firstRow(Database &db, const char *sql, std::initializer_list<Database::Binding> values, QVariantList *row,
              QString *error)
{
    row->clear();
    QSqlQuery *query = db.run(sql, values, error);
    if (!query)
        return false;
    const Database::Fetch fetched = db.fetch(query, error);
    if (fetched == Database::Fetch::Row) {
        for (int i = 0; i < query->record().count(); ++i)
            row->append(query->value(i));
    }
    query->finish();
    return fetched != Database::Fetch::Failed;
}

} // namespace

bool Catalog::explainRevocation(qint64 familyId, RevocationExplanation *explanation, QString *error)
{
    static const char familySql[]
        = "SELECT f.revoked_at, f.revoke_reason, f.revoked_by, f.user_id, u.email, d.name, f.device_id, "
          "f.current_generation, f.expires_at, f.idle_expires_at, d.device_key FROM token_families f "
          "JOIN users u ON u.id = f.user_id JOIN devices d ON d.id = f.device_id WHERE f.id = :family";
    // The event a revocation recorded carries the revocation's own instant (one clock reading, one transaction).
    static const char familyEventSql[]
        = "SELECT e.id, e.presented_generation, e.current_generation, e.ip, e.user_agent, e.original_ip, "
          "e.original_user_agent, e.verdict, e.verdict_reason, t.used_at FROM security_events e "
          "LEFT JOIN refresh_tokens t ON t.family_id = e.family_id AND t.generation = e.presented_generation "
          "WHERE e.family_id = :family AND e.kind = :kind AND e.occurred_at = :at ORDER BY e.id LIMIT 1";
    static const char userEventSql[] = "SELECT e.id FROM security_events e WHERE e.user_id = :user AND e.family_id "
                                       "IS NULL AND e.kind = :kind AND e.occurred_at = :at ORDER BY e.id LIMIT 1";
    // Audit entries name a user by id since schema 4, by email before.
    static const char auditSql[]
        = "SELECT a.id, a.actor, a.origin, a.reason FROM audit_log a WHERE a.action = :action "
          "AND a.target IN (:target, :oldtarget) AND a.occurred_at = :at ORDER BY a.id LIMIT 1";

    *explanation = {};
    QVariantList family;
    if (!firstRow(m_db, familySql, {{":family", familyId}}, &family, error))
        return false;
    if (family.isEmpty()) {
        *error = tr("no session with id %1").arg(familyId);
        return false;
    }
    const qint64 userId = family.at(3).toLongLong();
    const QString email = family.at(4).toString();
    const QString deviceName = family.at(5).toString();
    // The device by its name, else by the key its client gave (an erased device's key names only its id).
    const QString deviceKey = family.at(10).toString();
    const QString device = !deviceName.isEmpty() ? deviceName
        : !deviceKey.isEmpty()                   ? tr("device %1").arg(deviceKey)
                                                 : tr("device %1").arg(family.at(6).toLongLong());
    const QString subject = tr("Session %1 (%2, %3)").arg(QString::number(familyId), email, device);
    if (family.at(0).isNull()) {
        // As the lists tell the state (an end stamped on the session, unrevoked).
        const qint64 end = qMin(family.at(8).toLongLong(), family.at(9).toLongLong());
        explanation->sentence = end <= m_clock.nowMs()
            ? tr("%1 is not revoked: it expired on %2.").arg(subject, utcTime(end))
            : tr("%1 is not revoked: it is active, at generation %2.")
                  .arg(subject, QString::number(family.at(7).toInt()));
        return true;
    }

    explanation->revoked = true;
    const qint64 revokedAt = family.at(0).toLongLong();
    const QString reason = family.at(1).toString();
    const QString revokedBy = family.at(2).toString();
    const QString when = tr("%1 was revoked on %2").arg(subject, utcTime(revokedAt));

    if (reason == QLatin1String(revoke_reason::replay)) {
        QVariantList event;
        if (!firstRow(
                m_db, familyEventSql,
                {{":family", familyId}, {":kind", QString::fromLatin1(event_kind::replayDetected)}, {":at", revokedAt}},
                &event, error))
            return false;
        if (event.isEmpty()) {
            explanation->sentence = tr("%1 by replay detection (%2).").arg(when, evidenceText(*explanation));
            return true;
        }
        explanation->eventId = event.at(0).toLongLong();
        const QString generation = event.at(1).toString();
        const QString presentedFrom = whereFrom(event.at(3).toString(), event.at(4).toString());
        QString what = event.at(9).isNull()
            ? tr("generation %1 was presented from %2").arg(generation, presentedFrom)
            : tr("generation %1 was presented again from %2 %3 after its use from %4")
                  .arg(generation, presentedFrom, row_format::elapsed(revokedAt - event.at(9).toLongLong()),
                       whereFrom(event.at(5).toString(), event.at(6).toString()));
        if (!event.at(2).isNull())
            what += tr(", while generation %1 was current").arg(event.at(2).toString());
        if (!event.at(7).isNull())
            what += QStringLiteral(" \u2014 ")
                + (event.at(8).toString().isEmpty()
                       ? verdictWords(event.at(7).toString())
                       : tr("%1: %2").arg(verdictWords(event.at(7).toString()), event.at(8).toString()));
        explanation->sentence = tr("%1 by replay detection: %2 (%3).").arg(when, what, evidenceText(*explanation));
        return true;
    }

    if (reason == QLatin1String(revoke_reason::logout)) {
        QVariantList event;
        if (!firstRow(m_db, familyEventSql,
                      {{":family", familyId}, {":kind", QString::fromLatin1(event_kind::logout)}, {":at", revokedAt}},
                      &event, error))
            return false;
        if (event.isEmpty()) {
            explanation->sentence
                = tr("%1 by its own client, which signed out (%2).").arg(when, evidenceText(*explanation));
            return true;
        }
        explanation->eventId = event.at(0).toLongLong();
        explanation->sentence
            = tr("%1 by its own client, which signed out from %2 (%3).")
                  .arg(when, whereFrom(event.at(3).toString(), event.at(4).toString()), evidenceText(*explanation));
        return true;
    }

    // An administrator's action: its event and its audit entry (who, from where, why).
    struct AdminAction
    {
        const char *reason;
        const char *eventKind;
        const char *auditAction;
        bool userWide;
        const char *deed; // %1: "the administrator alice from host"
    };
    static const AdminAction actions[] = {
        {revoke_reason::admin, event_kind::familyRevoked, "revoke-family", false,
         QT_TRANSLATE_NOOP("rotor::Catalog", "by %1")},
        {revoke_reason::userRevoked, event_kind::userRevoked, "revoke-user", true,
         QT_TRANSLATE_NOOP("rotor::Catalog", "when %1 revoked every session of the user")},
        {revoke_reason::userDeactivated, event_kind::userDeactivated, "deactivate-user", true,
         QT_TRANSLATE_NOOP("rotor::Catalog", "when %1 deactivated the user")},
        {revoke_reason::userErased, event_kind::userErased, "erase-user", true,
         QT_TRANSLATE_NOOP("rotor::Catalog", "when %1 erased the user's personal data")},
    };
    for (const AdminAction &action : actions) {
        if (reason != QLatin1String(action.reason))
            continue;
        QVariantList event, audit;
        const bool read = action.userWide
            ? firstRow(m_db, userEventSql,
                       {{":user", userId}, {":kind", QString::fromLatin1(action.eventKind)}, {":at", revokedAt}},
                       &event, error)
            : firstRow(m_db, familyEventSql,
                       {{":family", familyId}, {":kind", QString::fromLatin1(action.eventKind)}, {":at", revokedAt}},
                       &event, error);
        const QString target
            = action.userWide ? QStringLiteral("user:%1").arg(userId) : QStringLiteral("family:%1").arg(familyId);
        if (!read
            || !firstRow(m_db, auditSql,
                         {{":action", QString::fromLatin1(action.auditAction)},
                          {":target", target},
                          {":oldtarget", action.userWide ? email : target},
                          {":at", revokedAt}},
                         &audit, error))
            return false;
        if (!event.isEmpty())
            explanation->eventId = event.at(0).toLongLong();
        QString who, why;
        if (!audit.isEmpty()) {
            explanation->auditEntryId = audit.at(0).toLongLong();
            who = tr("the administrator %1 from %2").arg(audit.at(1).toString(), audit.at(2).toString());
            if (!audit.at(3).toString().isEmpty())
                why = tr(", giving the reason \u201c%1\u201d").arg(audit.at(3).toString());
        } else {
            who = revokedBy.isEmpty() ? tr("an administrator") : tr("the administrator %1").arg(revokedBy);
        }
        explanation->sentence
            = tr("%1 %2%3 (%4).").arg(when, tr(action.deed).arg(who), why, evidenceText(*explanation));
        return true;
    }

    // A reason this program does not know (written by a newer one): what is stored, as it is.
    explanation->sentence = tr("%1 (reason \u201c%2\u201d, by \u201c%3\u201d).").arg(when, reason, revokedBy);
    return true;
}

} // namespace rotor
