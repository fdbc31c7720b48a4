#pragma once

#include <QtGlobal>

#include <optional>

namespace rotor {

enum class Outcome { Rotate, GraceReplay, Replay, Expired, FamilyRevoked, UserInactive, Unknown, Malformed };

// Everything the decision needs, as stored, about a presented token, its family, its user and its immediate
// successor (generation + 1), fetched in one read.
struct PresentedState
{
    bool wellFormed = true;
    bool found = false;

    int generation = 0;
    qint64 expiresAt = 0;
    std::optional<qint64> usedAt;
    std::optional<qint64> revokedAt;

    qint64 familyExpiresAt = 0;
    std::optional<qint64> familyRevokedAt;
    bool userActive = true;

    bool hasSuccessor = false;
    bool successorLive = false; // unused and unrevoked
    qint64 successorExpiresAt = 0;
    // The stored successor is the one derived from the presented token with the current rotation key.
    bool successorMatchesDerived = false;
};

// The one place that decides what a presented refresh token means. Pure: no I/O, no clock of its own.
// Instants are inclusive at expiry: a token whose expiresAt equals now is expired; the grace window is
// [usedAt, usedAt + graceMs).
Outcome decide(const PresentedState &state, qint64 nowMs, qint64 graceMs);

const char *outcomeName(Outcome outcome);

} // namespace rotor
