#pragma once

#include "Decision.h"
#include "Policy.h"

#include <QString>

#include <optional>

namespace rotor {

class Clock;
class Database;

// What presenting one generation of a session would do, asked of the stored state without presenting anything.
struct WhatIfAnswer
{
    qint64 familyId = 0;
    int generation = 0;
    int currentGeneration = 0; // the session's newest generation
    qint64 atMs = 0; // the instant judged
    Policy policy; // the stored policy it was judged under
    // The token of that generation as stored, read in one snapshot, with the family's end under the policy as a
    // refresh computes it. The genuine token of the generation is assumed to be presented: its successor is the one
    // derived from it (successorMatchesDerived), and no earlier attempt of this call consumed it (claimedByCaller).
    PresentedState state;
    Judgement judgement; // judge(state, atMs, policy.graceMs): the very decision a refresh takes
    QString explanation; // explain() of the judgement
    // What the presentation would then do beyond its outcome.
    bool revokesSession = false; // a replay of a session that is still live
    QString recordsEvent; // the kind of security event it would record; empty for a rotation
    QString consequence; // one sentence, in English
};

// "What would happen if generation N of this session were presented now (or at a chosen time)?" Answered by
// decide() (judge()) on the stored state under the stored policy, inside one read transaction: it writes nothing,
// opens no write transaction, and works on a read-only connection.
class WhatIf
{
public:
    WhatIf(Database &db, const Clock &clock);

    // at: the instant to judge at; nullopt for now by the clock. The state is today's either way: a chosen time
    // moves only the clock (what if the token came back then, with nothing else changed).
    // False with a clear message for a session or generation that is not stored, or a failed read.
    bool answer(qint64 familyId, int generation, std::optional<qint64> at, WhatIfAnswer *answer, QString *error);

private:
    bool read(qint64 familyId, int generation, std::optional<qint64> at, WhatIfAnswer *answer, QString *error);

    Database &m_db;
    const Clock &m_clock;
};

} // namespace rotor
