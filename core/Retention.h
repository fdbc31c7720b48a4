#pragma once

#include "AdminService.h"

#include <QString>

namespace rotor {

class Clock;
class Database;

struct PurgeReport
{
    bool dryRun = false;
    qint64 tokens = 0;
    qint64 events = 0;
    qint64 families = 0;
    qint64 devices = 0;
    qint64 total() const { return tokens + events + families + devices; }
};

// Removes what can no longer matter, under the stored policy, so the database does not grow for ever and replay
// detection is never weakened:
// - the token rows of a session past its absolute lifetime, or revoked longer than the lifetime ago (a token of a
//   live session is never removed, so its replay is always still caught);
// - security events older than the policy's events retention;
// - sessions whose tokens are gone, last used before that retention and named by no remaining event, and devices
//   left without sessions or events, last seen before it. Users are never removed (erasure is AdminService's).
// Works in batches, each its own short transaction, so servers keep rotating while it runs. A server can call it
// on a schedule; rotorctl purge runs it once. Audited when it removed anything.
class RetentionService
{
public:
    RetentionService(Database &db, const Clock &clock, const Actor &actor);

    // dryRun: counts what would go, writes nothing.
    bool purge(bool dryRun, PurgeReport *report, QString *error, int batchSize = 2000);

private:
    Database &m_db;
    const Clock &m_clock;
    Actor m_actor;
};

} // namespace rotor
