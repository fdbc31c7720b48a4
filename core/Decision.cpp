#include "Decision.h"

#include "RowFormat.h"

namespace rotor {

bool usedConcurrently(const PresentedState &state, qint64 nowMs, qint64 graceMs)
{
    if (graceMs <= 0 || !state.usedAt)
        return false;
    const qint64 distance = nowMs >= *state.usedAt ? nowMs - *state.usedAt : *state.usedAt - nowMs;
    return distance < graceMs;
}

Judgement judge(const PresentedState &state, qint64 nowMs, qint64 graceMs)
{
    if (!state.wellFormed)
        return {Outcome::Malformed, Reason::Malformed};
    if (!state.found)
        return {Outcome::Unknown, Reason::NotIssued};
    if (state.usedAt) {
        if (state.claimedByCaller)
            return state.familyRevokedAt ? Judgement {Outcome::TokenRevoked, Reason::ClaimedByCallerRevoked}
                                         : Judgement {Outcome::Rotate, Reason::ClaimedByCaller};
        if (!usedConcurrently(state, nowMs, graceMs)) // two parties hold the family, whatever state it is in
            return {Outcome::Replay, Reason::UsedOutsideGrace};
        if (state.familyRevokedAt)
            return {Outcome::TokenRevoked, Reason::UsedConcurrentlyFamilyRevoked};
        if (!state.userActive)
            return {Outcome::UserInactive, Reason::UsedConcurrentlyUserInactive};
        if (nowMs >= state.familyExpiresAt)
            return {Outcome::Expired, Reason::UsedConcurrentlyFamilyExpired};
        if (!state.revokedAt && state.hasSuccessor && state.successorLive && nowMs < state.successorExpiresAt
            && state.successorMatchesDerived)
            return {Outcome::GraceRetry, Reason::UsedConcurrentlySuccessorLive};
        // The successor moved on (used, or derived under another key): the family is held twice.
        return {Outcome::Replay, Reason::UsedConcurrentlySuccessorMovedOn};
    }
    if (state.familyRevokedAt)
        return {Outcome::TokenRevoked, Reason::FamilyRevoked};
    if (state.revokedAt) // revoked on its own while its family lives: no one should still hold it
        return {Outcome::Replay, Reason::RevokedAlone};
    if (!state.userActive)
        return {Outcome::UserInactive, Reason::UserInactive};
    if (nowMs >= state.familyExpiresAt)
        return {Outcome::Expired, Reason::FamilyExpired};
    if (nowMs >= state.expiresAt)
        return {Outcome::Expired, Reason::TokenExpired};
    return {Outcome::Rotate, Reason::Live};
}

Outcome decide(const PresentedState &state, qint64 nowMs, qint64 graceMs)
{
    return judge(state, nowMs, graceMs).outcome;
}

QString explain(const Judgement &judgement, const PresentedState &state, qint64 nowMs, qint64 graceMs)
{
    const QString generation = QStringLiteral("generation %1").arg(state.generation);
    const QString next = QStringLiteral("generation %1").arg(state.generation + 1);
    const qint64 sinceUse = state.usedAt ? nowMs - *state.usedAt : 0;
    const QString use = sinceUse >= 0
        ? QStringLiteral("%1 ago").arg(row_format::elapsed(sinceUse))
        : QStringLiteral("%1 later by its server's clock").arg(row_format::elapsed(-sinceUse));
    const QString window = graceMs > 0 ? QStringLiteral("the %1 grace window").arg(row_format::elapsed(graceMs))
                                       : QStringLiteral("the grace window (disabled)");
    switch (judgement.reason) {
    case Reason::Malformed:
        return QStringLiteral("not a Rotor refresh token: refused before the database is read, nothing recorded");
    case Reason::NotIssued:
        return QStringLiteral("no token with this hash was ever issued (or it was purged): refused and counted");
    case Reason::ClaimedByCaller:
        return QStringLiteral("%1 was consumed by this very call's earlier attempt, whose reply was lost: the same "
                              "%2 is returned")
            .arg(generation, next);
    case Reason::ClaimedByCallerRevoked:
        return QStringLiteral("%1 was consumed by this call's earlier attempt, but the session has been revoked since")
            .arg(generation);
    case Reason::UsedOutsideGrace:
        return QStringLiteral("%1 was already used %2, outside %3: two parties hold this session, so it is revoked")
            .arg(generation, use, window);
    case Reason::UsedConcurrentlyFamilyRevoked:
        return QStringLiteral("%1 was used %2, inside %3, but the session is revoked").arg(generation, use, window);
    case Reason::UsedConcurrentlyUserInactive:
        return QStringLiteral("%1 was used %2, inside %3, but the user is deactivated").arg(generation, use, window);
    case Reason::UsedConcurrentlyFamilyExpired:
        return QStringLiteral("%1 was used %2, inside %3, but the session has expired").arg(generation, use, window);
    case Reason::UsedConcurrentlySuccessorLive:
        return QStringLiteral("%1 was used %2, inside %3, and %4 is still unused: a concurrent retry, which receives "
                              "the identical %4")
            .arg(generation, use, window, next);
    case Reason::UsedConcurrentlySuccessorMovedOn:
        return QStringLiteral("%1 was used %2, inside %3, but %4 has moved on already: two parties hold this "
                              "session, so it is revoked")
            .arg(generation, use, window, next);
    case Reason::FamilyRevoked:
        return QStringLiteral("%1 belongs to a revoked session: refused").arg(generation);
    case Reason::RevokedAlone:
        return QStringLiteral("%1 was revoked on its own while its session lives: no one should still hold it, so the "
                              "session is revoked")
            .arg(generation);
    case Reason::UserInactive:
        return QStringLiteral("%1 is unused, but the user is deactivated: refused").arg(generation);
    case Reason::FamilyExpired:
        return QStringLiteral("%1 is unused, but the session ended %2 ago (its absolute lifetime): refused")
            .arg(generation, row_format::elapsed(nowMs - state.familyExpiresAt));
    case Reason::TokenExpired:
        return QStringLiteral("%1 is unused, but it expired %2 ago (idle lifetime): refused")
            .arg(generation, row_format::elapsed(nowMs - state.expiresAt));
    case Reason::Live:
        return QStringLiteral("%1 was live (unused, its session active): it is consumed and %2 issued")
            .arg(generation, next);
    }
    return QString();
}

namespace {
constexpr struct
{
    Outcome outcome;
    const char *name;
} names[] = {
    {Outcome::Rotate, "rotated"},
    {Outcome::GraceRetry, "grace_retry"},
    {Outcome::Replay, "replay_detected"},
    {Outcome::Expired, "token_expired"},
    {Outcome::TokenRevoked, "token_revoked"},
    {Outcome::UserInactive, "user_inactive"},
    {Outcome::Unknown, "token_unknown"},
    {Outcome::Malformed, "token_malformed"},
};
} // namespace

const char *outcomeName(Outcome outcome)
{
    for (const auto &entry : names) {
        if (entry.outcome == outcome)
            return entry.name;
    }
    Q_UNREACHABLE();
    return "";
}

} // namespace rotor
