#include "SecurityEvent.h"

#include "Database.h"

#include <QSqlQuery>

namespace rotor::store {

namespace {
QVariant optional(const std::optional<qint64> &value)
{
    return value ? QVariant(*value) : QVariant(QMetaType::fromType<qint64>());
}
QVariant optional(const std::optional<int> &value)
{
    return value ? QVariant(*value) : QVariant(QMetaType::fromType<int>());
}

bool notifyPayload(Database &db, const QString &payload, QString *error)
{
    static const char sql[] = "SELECT pg_notify(:channel, :payload)";
    QSqlQuery *query = db.run(sql, {{":channel", QString::fromLatin1(notifyChannel)}, {":payload", payload}}, error);
    if (!query)
        return false;
    query->finish();
    return true;
}
} // namespace

bool announceEvent(Database &db, qint64 id, QString *error)
{
    return !db.isPostgres() || notifyPayload(db, QStringLiteral("event:%1").arg(id), error);
}

bool recordEvent(Database &db, const SecurityEvent &event, qint64 *id, QString *error)
{
    static const char sql[]
        = "INSERT INTO security_events (kind, occurred_at, user_id, family_id, device_id, "
          "presented_generation, current_generation, ip, user_agent, device_key, original_ip, "
          "original_user_agent, detail, verdict, verdict_rule, verdict_reason) VALUES (:kind, :at, :user, "
          ":family, :device, :presented, :current, :ip, :ua, :key, :oip, :oua, :detail, :verdict, "
          ":rule, :reason) RETURNING id";
    QSqlQuery *query
        = db.run(sql,
                 {{":kind", event.kind},
                  {":at", event.occurredAt},
                  {":user", optional(event.userId)},
                  {":family", optional(event.familyId)},
                  {":device", optional(event.deviceId)},
                  {":presented", optional(event.presentedGeneration)},
                  {":current", optional(event.currentGeneration)},
                  {":ip", event.ip},
                  {":ua", event.userAgent},
                  {":key", event.deviceKey},
                  {":oip", event.originalIp},
                  {":oua", event.originalUserAgent},
                  {":detail", event.detail},
                  {":verdict",
                   event.verdict ? QVariant(QString::fromLatin1(verdictName(event.verdict->verdict)))
                                 : QVariant(QMetaType::fromType<QString>())},
                  {":rule", event.verdict ? QVariant(replayVerdictRule) : QVariant(QMetaType::fromType<int>())},
                  {":reason", event.verdict ? event.verdict->reason : QString()}},
                 error);
    if (!query)
        return false;
    if (db.fetch(query, error) != Database::Fetch::Row) {
        query->finish();
        if (!db.lastError().isValid())
            *error = QStringLiteral("the new security event's id was not returned");
        return false;
    }
    const qint64 newId = query->value(0).toLongLong();
    query->finish();
    if (id)
        *id = newId;
    return announceEvent(db, newId, error);
}

bool revokeFamily(Database &db, qint64 familyId, qint64 nowMs, const QString &reason, const QString &revokedBy,
                  bool *changed, QString *error)
{
    static const char revokeFamilySql[] = "UPDATE token_families SET revoked_at = :now, revoke_reason = :reason, "
                                          "revoked_by = :by WHERE id = :family AND revoked_at IS NULL";
    static const char revokeTokensSql[] = "UPDATE refresh_tokens SET revoked_at = :now WHERE family_id = :family "
                                          "AND used_at IS NULL AND revoked_at IS NULL";
    QSqlQuery *query = db.run(revokeFamilySql,
                              {{":now", nowMs}, {":reason", reason}, {":by", revokedBy}, {":family", familyId}}, error);
    if (!query)
        return false;
    const bool familyChanged = query->numRowsAffected() > 0;
    if (changed)
        *changed = familyChanged;
    if (!familyChanged)
        return true;
    if (!db.run(revokeTokensSql, {{":now", nowMs}, {":family", familyId}}, error))
        return false;
    return !db.isPostgres() || notifyPayload(db, QStringLiteral("family:%1").arg(familyId), error);
}

} // namespace rotor::store
