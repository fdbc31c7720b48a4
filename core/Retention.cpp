#include "Retention.h"

#include "Clock.h"
#include "Database.h"

#include <QCoreApplication>
#include <QSqlQuery>

namespace rotor {

namespace {

// The conditions, written once and used both to count (a dry run) and to delete, in this order: events, tokens,
// sessions, devices. Each holds before and after the steps ahead of it, so a dry run counts exactly what a purge
// removes. Parameters: :now, :lifetime, :revokedBefore (now - lifetime), :eventCutoff (now - events retention).
const char finishedFamily[]
    = "((f.revoked_at IS NOT NULL AND f.revoked_at <= :revokedBefore) OR (f.revoked_at IS NULL AND CASE WHEN "
      "f.expires_at < f.created_at + :lifetime THEN f.expires_at ELSE f.created_at + :lifetime END <= :now))";
const char oldEvent[] = "e.occurred_at < :eventCutoff";

QString goneFamily()
{
    return QLatin1String(finishedFamily)
        + QStringLiteral(" AND f.last_used_at < :eventCutoff AND NOT EXISTS (SELECT 1 FROM security_events e WHERE "
                         "e.family_id = f.id AND NOT (%1))")
              .arg(QLatin1String(oldEvent));
}

QString goneDevice()
{
    return QStringLiteral("d.last_seen_at < :eventCutoff AND NOT EXISTS (SELECT 1 FROM token_families f WHERE "
                          "f.device_id = d.id AND NOT (%1)) AND NOT EXISTS (SELECT 1 FROM security_events e WHERE "
                          "e.device_id = d.id AND NOT (%2))")
        .arg(goneFamily(), QLatin1String(oldEvent));
}

struct Step
{
    qint64 PurgeReport::*counter;
    QString count; // SELECT count(*) ...
    QString remove; // DELETE ... one batch (:batch rows at most)
};

QList<Step> steps()
{
    const QString finished = QLatin1String(finishedFamily);
    return {
        {&PurgeReport::events,
         QStringLiteral("SELECT count(*) FROM security_events e WHERE %1").arg(QLatin1String(oldEvent)),
         QStringLiteral("DELETE FROM security_events WHERE id IN (SELECT e.id FROM security_events e WHERE %1 "
                        "LIMIT :batch)")
             .arg(QLatin1String(oldEvent))},
        {&PurgeReport::tokens,
         QStringLiteral("SELECT count(*) FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id WHERE %1")
             .arg(finished),
         // Whole sessions at a time: a token's parent goes with it.
         QStringLiteral("DELETE FROM refresh_tokens WHERE family_id IN (SELECT f.id FROM token_families f WHERE %1 "
                        "AND EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id) LIMIT :batch)")
             .arg(finished)},
        {&PurgeReport::families, QStringLiteral("SELECT count(*) FROM token_families f WHERE %1").arg(goneFamily()),
         QStringLiteral("DELETE FROM token_families WHERE id IN (SELECT f.id FROM token_families f WHERE %1 AND NOT "
                        "EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id) LIMIT :batch)")
             .arg(goneFamily())},
        {&PurgeReport::devices, QStringLiteral("SELECT count(*) FROM devices d WHERE %1").arg(goneDevice()),
         QStringLiteral("DELETE FROM devices WHERE id IN (SELECT d.id FROM devices d WHERE %1 LIMIT :batch)")
             .arg(goneDevice())},
    };
}

} // namespace

RetentionService::RetentionService(Database &db, const Clock &clock, const Actor &actor)
    : m_db(db)
    , m_clock(clock)
    , m_actor(actor)
{ }

bool RetentionService::purge(bool dryRun, PurgeReport *report, QString *error, int batchSize)
{
    *report = {};
    report->dryRun = dryRun;
    if (!dryRun && m_db.refuseIfReadOnly(error))
        return false;
    Policy policy;
    if (!m_db.policy(&policy, error))
        return false;
    const qint64 now = m_clock.nowMs();
    const QVariantMap values {{QStringLiteral(":now"), now},
                              {QStringLiteral(":lifetime"), policy.familyLifetimeMs},
                              {QStringLiteral(":revokedBefore"), now - policy.familyLifetimeMs},
                              {QStringLiteral(":eventCutoff"), now - policy.eventsRetentionMs},
                              {QStringLiteral(":batch"), batchSize}};
    for (const Step &step : steps()) {
        if (dryRun) {
            QSqlQuery query(m_db.handle());
            if (!m_db.execute(query, step.count, values, error) || m_db.fetch(&query, error) != Database::Fetch::Row)
                return false;
            report->*step.counter = query.value(0).toLongLong();
            continue;
        }
        for (;;) {
            qint64 removed = 0;
            const bool ok = m_db.transact(
                [&](QString *stepError) {
                    QSqlQuery query(m_db.handle());
                    if (!m_db.execute(query, step.remove, values, stepError))
                        return Database::Step::Abort;
                    removed = query.numRowsAffected();
                    return Database::Step::Commit;
                },
                error);
            if (!ok)
                return false;
            report->*step.counter += removed;
            if (removed == 0)
                break;
        }
    }
    if (dryRun || report->total() == 0)
        return true;
    return m_db.transact(
        [&](QString *stepError) {
            const QString what = QStringLiteral("tokens:%1 events:%2 sessions:%3 devices:%4")
                                     .arg(report->tokens)
                                     .arg(report->events)
                                     .arg(report->families)
                                     .arg(report->devices);
            return AdminService::appendAudit(m_db, now, m_actor, QStringLiteral("purge"), what,
                                             QStringLiteral("retention: sessions %1, events %2")
                                                 .arg(Policy::formatDuration(policy.familyLifetimeMs),
                                                      Policy::formatDuration(policy.eventsRetentionMs)),
                                             stepError)
                ? Database::Step::Commit
                : Database::Step::Abort;
        },
        error);
}

} // namespace rotor
