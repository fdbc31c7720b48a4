#include "WhatIf.h"

#include "Clock.h"
#include "Database.h"
#include "PresentedRow.h"
#include "RotationSql.h"
#include "SecurityEvent.h"

#include <QCoreApplication>
#include <QSqlQuery>

namespace rotor {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::WhatIf", text);
}

// The session, its newest generation, the oldest one still stored, and the hash of the asked generation if stored.
const char chainSql[] = "SELECT f.current_generation, t.token_hash, "
                        "(SELECT min(o.generation) FROM refresh_tokens o WHERE o.family_id = f.id) "
                        "FROM token_families f "
                        "LEFT JOIN refresh_tokens t ON t.family_id = f.id AND t.generation = :generation "
                        "WHERE f.id = :family";

void describeConsequence(WhatIfAnswer *answer)
{
    const int generation = answer->generation;
    switch (answer->judgement.outcome) {
    case Outcome::Rotate:
        answer->consequence = tr("generation %1 would be consumed and generation %2 issued; no security event is "
                                 "recorded for a rotation")
                                  .arg(generation)
                                  .arg(generation + 1);
        return;
    case Outcome::GraceRetry:
        answer->recordsEvent = QString::fromLatin1(event_kind::graceRetry);
        answer->consequence = tr("the same generation %1 would be handed out again (no new token is made) and a "
                                 "grace_retry event recorded")
                                  .arg(generation + 1);
        return;
    case Outcome::Replay:
        answer->recordsEvent = QString::fromLatin1(event_kind::replayDetected);
        answer->revokesSession = !answer->state.familyRevokedAt.has_value();
        answer->consequence = answer->revokesSession
            ? tr("the whole session would be revoked (reason replay), its live token with it, and a replay_detected "
                 "event recorded with both sides' addresses")
            : tr("the session is already revoked; a replay_detected event would be recorded with both sides' "
                 "addresses");
        return;
    case Outcome::Expired:
        answer->recordsEvent = QString::fromLatin1(event_kind::tokenExpired);
        answer->consequence = tr("refused; a token_expired event would be recorded");
        return;
    case Outcome::TokenRevoked:
        answer->recordsEvent = QString::fromLatin1(event_kind::tokenRevoked);
        answer->consequence = tr("refused; a token_revoked event would be recorded");
        return;
    case Outcome::UserInactive:
        answer->recordsEvent = QString::fromLatin1(event_kind::userInactive);
        answer->consequence = tr("refused; a user_inactive event would be recorded");
        return;
    case Outcome::Unknown:
    case Outcome::Malformed:
        break; // a stored generation is always found and well-formed
    }
}

} // namespace

WhatIf::WhatIf(Database &db, const Clock &clock)
    : m_db(db)
    , m_clock(clock)
{ }

bool WhatIf::answer(qint64 familyId, int generation, std::optional<qint64> at, WhatIfAnswer *answer, QString *error)
{
    if (familyId <= 0) {
        *error = tr("a session id is a positive number");
        return false;
    }
    if (generation < 0) {
        *error = tr("a generation is 0 or more");
        return false;
    }
    // One snapshot for every read, and never a write transaction: the answer changes nothing it looks at.
    if (!m_db.beginRead(error))
        return false;
    const bool ok = read(familyId, generation, at, answer, error);
    m_db.rollback(); // nothing to keep
    return ok;
}

bool WhatIf::read(qint64 familyId, int generation, std::optional<qint64> at, WhatIfAnswer *answer, QString *error)
{
    *answer = {};
    answer->familyId = familyId;
    answer->generation = generation;
    if (!m_db.policy(&answer->policy, error))
        return false;
    QSqlQuery *query = m_db.run(chainSql, {{":generation", generation}, {":family", familyId}}, error);
    if (!query)
        return false;
    const Database::Fetch found = m_db.fetch(query, error);
    if (found != Database::Fetch::Row) {
        query->finish();
        if (found == Database::Fetch::End)
            *error = tr("no session with id %1").arg(familyId);
        return false;
    }
    answer->currentGeneration = query->value(0).toInt();
    const QByteArray hash = query->value(1).toByteArray();
    const bool anyStored = !query->value(2).isNull();
    const int oldestStored = query->value(2).toInt();
    query->finish();
    if (hash.isEmpty()) {
        if (generation > answer->currentGeneration)
            *error = tr("session %1 has no generation %2: its chain ends at generation %3")
                         .arg(familyId)
                         .arg(generation)
                         .arg(answer->currentGeneration);
        else if (!anyStored)
            *error = tr("the tokens of session %1 are no longer stored (retention removed them)").arg(familyId);
        else
            *error = tr("generation %1 of session %2 is no longer stored (retention removed it); generations %3 to %4 "
                        "are")
                         .arg(generation)
                         .arg(familyId)
                         .arg(oldestStored)
                         .arg(answer->currentGeneration);
        return false;
    }

    // The very read a refresh makes (sql::presentedState, readPresentedRow), by the generation's own hash.
    query = m_db.run(sql::presentedState, {{":hash", hash}}, error);
    if (!query)
        return false;
    const Database::Fetch fetched = m_db.fetch(query, error);
    if (fetched != Database::Fetch::Row) {
        query->finish();
        if (fetched == Database::Fetch::End) // removed between the two reads of one snapshot: cannot happen
            *error = tr("generation %1 of session %2 could not be read").arg(generation).arg(familyId);
        return false;
    }
    const PresentedRow row = readPresentedRow(*query, answer->policy);
    query->finish();
    answer->state = row.state;
    // The genuine token of this generation: its stored successor is the one derived from it. (Its hash is what
    // identifies it, so any other token presented would be unknown.) And no earlier attempt of this call exists.
    answer->state.successorMatchesDerived = answer->state.hasSuccessor;
    answer->state.claimedByCaller = false;

    answer->atMs = at ? *at : m_clock.nowMs();
    answer->judgement = judge(answer->state, answer->atMs, answer->policy.graceMs);
    answer->explanation = explain(answer->judgement, answer->state, answer->atMs, answer->policy.graceMs);
    describeConsequence(answer);
    return true;
}

} // namespace rotor
