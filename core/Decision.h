#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>

namespace rotor {

// What a presented refresh token means. Each outcome's name (outcomeName()) is also the kind of the security event
// it records, so one word means one thing in the API, the database, rotorctl and the console.
enum class Outcome {
    Rotate, // "rotated": the token was live; it is consumed and its successor issued
    GraceRetry, // "grace_retry": the immediate predecessor of the live token, presented concurrently with its use
    Replay, // "replay_detected": an already used token presented again; the family is revoked
    Expired, // "token_expired"
    TokenRevoked, // "token_revoked": a token of a revoked family
    UserInactive, // "user_inactive"
    Unknown, // "token_unknown": well-formed, never issued (or purged)
    Malformed, // "token_malformed": refused before any database access; records nothing
};

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
    // The token was consumed by this very call: an earlier attempt of it committed, and its reply was lost.
    bool claimedByCaller = false;

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
//
// Instants are inclusive at expiry: a token whose expiresAt equals now is expired.
//
// A used token is judged as used, whatever state its family or user is in: a replay is caught even in a revoked,
// expired or deactivated session. It is a concurrent presentation, not a replay, when its use lies less than the
// grace window away from now on either side: usedAt may be later than now when this caller read its clock before
// waiting for a lock that the winner held, or when the winner's server clock runs a little ahead. The window caps
// both sides, so a server with a fast clock cannot widen anyone's grace. A concurrent presentation gets the
// identical successor while that successor is live (GraceRetry), or the refusal its session's state calls for.
bool usedConcurrently(const PresentedState &state, qint64 nowMs, qint64 graceMs);
Outcome decide(const PresentedState &state, qint64 nowMs, qint64 graceMs);

// Which rule of decide() gave its outcome: the branch taken, so an explanation can never drift from the decision.
enum class Reason {
    Malformed,
    NotIssued,
    ClaimedByCaller, // this call's own earlier attempt consumed it (its reply was lost)
    ClaimedByCallerRevoked,
    UsedOutsideGrace,
    UsedConcurrentlyFamilyRevoked,
    UsedConcurrentlyUserInactive,
    UsedConcurrentlyFamilyExpired,
    UsedConcurrentlySuccessorLive, // the grace retry
    UsedConcurrentlySuccessorMovedOn,
    FamilyRevoked,
    RevokedAlone,
    UserInactive,
    FamilyExpired,
    TokenExpired,
    Live,
};

struct Judgement
{
    Outcome outcome = Outcome::Malformed;
    Reason reason = Reason::Malformed;
};

// decide() with the rule that gave the outcome; decide(s, n, g) == judge(s, n, g).outcome.
Judgement judge(const PresentedState &state, qint64 nowMs, qint64 graceMs);
// One sentence, in English, saying what the judgement found in state at nowMs and what it does ("generation 2 was
// already used 12.3 s ago, outside the 10 s grace window: ..."). The simulator and what-if narrate with it.
QString explain(const Judgement &judgement, const PresentedState &state, qint64 nowMs, qint64 graceMs);

const char *outcomeName(Outcome outcome);

} // namespace rotor
