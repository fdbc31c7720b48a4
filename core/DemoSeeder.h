#pragma once

#include <QString>

#include <functional>

namespace rotor {

class Clock;
class Database;

struct SeedOptions
{
    int users = 500;
    int familiesPerUser = 2; // on average
    int chainLength = 5; // refresh tokens per family, on average
    quint32 seed = 1; // the same seed gives the same data
};

struct SeedStats
{
    qint64 users = 0;
    qint64 devices = 0;
    qint64 families = 0;
    qint64 tokens = 0;
    qint64 events = 0;
    qint64 auditEntries = 0;
};

// Generates believable demo data: users with devices, sessions with chains of refreshes, some idle-expired, some
// revoked by an administrator or at sign-out, some struck by a replay, with their events and audit entries. Every
// invariant holds in what it writes. Raw tokens are never made: the hashes are random, so no seeded token can be
// presented. Bulk inserts are batched, so 100k users with 1M tokens take seconds, not minutes.
class DemoSeeder
{
public:
    DemoSeeder(Database &db, const Clock &clock);
    // progress(done, total) is called now and then with users written; returning false cancels (nothing is kept).
    bool seed(const SeedOptions &options, const std::function<bool(qint64, qint64)> &progress, SeedStats *stats,
              QString *error);

private:
    Database &m_db;
    const Clock &m_clock;
};

} // namespace rotor
