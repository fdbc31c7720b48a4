#include "Decision.h"

namespace rotor {

bool usedConcurrently(const PresentedState &state, qint64 nowMs, qint64 graceMs)
{
    if (graceMs <= 0 || !state.usedAt)
        return false;
    const qint64 distance = nowMs >= *state.usedAt ? nowMs - *state.usedAt : *state.usedAt - nowMs;
    return distance < graceMs;
}

Outcome decide(const PresentedState &state, qint64 nowMs, qint64 graceMs)
{
    if (!state.wellFormed)
        return Outcome::Malformed;
    if (!state.found)
        return Outcome::Unknown;
    if (state.usedAt) {
        if (state.claimedByCaller)
            return state.familyRevokedAt ? Outcome::TokenRevoked : Outcome::Rotate;
        if (!usedConcurrently(state, nowMs, graceMs))
            return Outcome::Replay; // two parties hold the family, whatever state it is in
        if (state.familyRevokedAt)
            return Outcome::TokenRevoked;
        if (!state.userActive)
            return Outcome::UserInactive;
        if (nowMs >= state.familyExpiresAt)
            return Outcome::Expired;
        if (!state.revokedAt && state.hasSuccessor && state.successorLive && nowMs < state.successorExpiresAt
            && state.successorMatchesDerived)
            return Outcome::GraceRetry;
        // The successor moved on (used, or derived under another key): the family is held twice.
        return Outcome::Replay;
    }
    if (state.familyRevokedAt)
        return Outcome::TokenRevoked;
    if (state.revokedAt)
        return Outcome::Replay; // revoked on its own while its family lives: no one should still hold it
    if (!state.userActive)
        return Outcome::UserInactive;
    if (nowMs >= state.familyExpiresAt || nowMs >= state.expiresAt)
        return Outcome::Expired;
    return Outcome::Rotate;
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
