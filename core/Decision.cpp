#include "Decision.h"

namespace rotor {

Outcome decide(const PresentedState &state, qint64 nowMs, qint64 graceMs)
{
    if (!state.wellFormed)
        return Outcome::Malformed;
    if (!state.found)
        return Outcome::Unknown;
    if (state.familyRevokedAt)
        return Outcome::FamilyRevoked;
    if (!state.userActive)
        return Outcome::UserInactive;
    if (nowMs >= state.familyExpiresAt)
        return Outcome::Expired;
    if (state.usedAt || state.revokedAt) {
        // A used token is accepted again only as the immediate predecessor of the live token, shortly after use:
        // a lost response or a second tab. Anything else means two parties hold the family: revoke it.
        const bool inGrace = graceMs > 0 && state.usedAt && !state.revokedAt && nowMs >= *state.usedAt
            && nowMs - *state.usedAt < graceMs;
        if (inGrace && state.hasSuccessor && state.successorLive && nowMs < state.successorExpiresAt
            && state.successorMatchesDerived)
            return Outcome::GraceReplay;
        return Outcome::Replay;
    }
    if (nowMs >= state.expiresAt)
        return Outcome::Expired;
    return Outcome::Rotate;
}

const char *outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Rotate:
        return "rotate";
    case Outcome::GraceReplay:
        return "grace_replay";
    case Outcome::Replay:
        return "replay";
    case Outcome::Expired:
        return "expired";
    case Outcome::FamilyRevoked:
        return "family_revoked";
    case Outcome::UserInactive:
        return "user_inactive";
    case Outcome::Unknown:
        return "unknown";
    case Outcome::Malformed:
        return "malformed";
    }
    return "unknown";
}

} // namespace rotor
