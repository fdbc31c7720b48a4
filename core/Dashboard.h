#pragma once

#include "Policy.h"

#include <QList>
#include <QString>
#include <QTimeZone>

namespace rotor {

class Clock;
class Database;

// A dashboard's range: [since, until) cut into buckets of an hour (ranges up to two days) or a day (longer ones).
// Day buckets start at local midnights of the zone the range was made in, so a day is a calendar day even across a
// change to or from daylight-saving time (it then lasts 23 or 25 hours). The last bucket ends at until and may be
// shorter than the others (the current hour or day).
struct DashboardRange
{
    enum class Bucket { Hour, Day };

    // The grain the database is asked for: every bucket is a whole number of slots from since. Hour buckets are one
    // slot; a day bucket is the slots between two local midnights.
    static constexpr qint64 slotMs = Policy::hour;
    static constexpr qint64 hourlyUpToMs = 2 * Policy::day; // longer ranges are shown per day
    static constexpr qint64 maxSpanMs = 400 * Policy::day;

    qint64 since = 0; // inclusive: the first bucket's start
    qint64 until = 0; // exclusive: the last bucket's end
    Bucket bucket = Bucket::Hour;
    QList<qint64> bucketStarts; // ascending, the first is since; bucket i is [bucketStarts[i], bucketEnd(i))

    bool isValid() const { return since < until && !bucketStarts.isEmpty(); }
    int bucketCount() const { return int(bucketStarts.size()); }
    qint64 bucketEnd(int i) const { return i + 1 < bucketStarts.size() ? bucketStarts.at(i + 1) : until; }
    // Slots from since to until, the last one possibly shorter.
    int slotCount() const { return int((until - since + slotMs - 1) / slotMs); }
    bool operator==(const DashboardRange &other) const;
    bool operator!=(const DashboardRange &other) const { return !(*this == other); }

    // [since, until) with since moved back to the start of its hour (up to two days) or of its day in zone. Invalid
    // (and error set) when until is not after since or the range is longer than maxSpanMs.
    static DashboardRange between(qint64 since, qint64 until, const QTimeZone &zone, QString *error = nullptr);
    // The last `hours` hours or `days` days ending at now, the current one included: 24 hours is the 23 whole hours
    // before the current one and the current one so far; 7 days is six calendar days and today so far.
    static DashboardRange lastHours(int hours, qint64 nowMs, const QTimeZone &zone);
    static DashboardRange lastDays(int days, qint64 nowMs, const QTimeZone &zone);
};

struct DashboardTopUser
{
    qint64 userId = 0;
    QString email;
    qint64 replays = 0;
    qint64 secondParty = 0; // of which judged a second party
    qint64 lastAt = 0; // the last one in the range
};

struct DashboardTopAddress
{
    QString ip;
    qint64 replays = 0;
    qint64 secondParty = 0;
    qint64 users = 0; // distinct users struck from it
    qint64 lastAt = 0;
};

// What the dashboard shows for a range. Per bucket: refreshes (tokens issued by a rotation: generation > 0), sign-ins
// (sessions started) and replay detections by verdict. Live sessions are sampled at every slot boundary (each hour
// from since) and at until: a session is live at t when it started at or before t and had not ended by t, its end
// being the earliest of its revocation, absolute expiry and idle expiry (the stored stamps the Sessions list judges
// by, so the last point, at until = now, is the list's count of active sessions).
struct DashboardFigures
{
    DashboardRange range;
    qint64 computedAt = 0; // the clock's time when the figures were read

    QList<qint64> refreshes; // per bucket
    QList<qint64> signIns;
    QList<qint64> replaysSecondParty;
    QList<qint64> replaysSameClient;
    QList<qint64> replaysUnjudged; // replays without a verdict (none are recorded since schema version 5)
    QList<qint64> liveSessionTimes; // since, since + 1 h, ..., and until
    QList<qint64> liveSessions; // at each of liveSessionTimes

    QList<DashboardTopUser> topUsers; // most replays first, at most Dashboard::topCount
    QList<DashboardTopAddress> topAddresses;

    qint64 totalRefreshes() const;
    qint64 totalSignIns() const;
    qint64 totalReplays() const;
    qint64 totalSecondParty() const;
    qint64 totalSameClient() const;
    qint64 liveAtEnd() const { return liveSessions.isEmpty() ? 0 : liveSessions.last(); }

    // How they were computed: slots read from the database, slots carried over from the previous figures.
    int slotsRead = 0;
    int slotsReused = 0;

    // Per slot, what an incremental computation carries over (the buckets above are sums of these).
    struct SlotSeries
    {
        QList<qint64> refreshes, signIns, secondParty, sameClient, unjudged;
        QList<qint64> started; // sessions live from within the slot on (created_at - 1 in the slot)
        QList<qint64> ended; // sessions no longer live from within the slot on (end - 1 in the slot)
        qint64 liveAtSince = 0;
    } bySlot;
};

// Computes a range's figures in a handful of aggregate queries (DashboardSql.h), each a GROUP BY on slot arithmetic
// over a time column, read in one snapshot. On a database of 100k users and 1M tokens the last 7 days take 0.1 to
// 0.2 s, within a few percent of the same SQL through the C API (bench/DashboardBench.cpp).
//
// Incremental: given the figures computed before (for the same range or a later one on the same hourly grid, such
// as "the last 7 days" a few seconds on), only the slots that can have changed are read again: those from the slot
// holding previous.computedAt - settleMs on. Rows are stamped with their writer's clock when written, so a row stamped
// earlier than that was committed and read by then, and what lies in the older slots cannot have changed. The
// sessions' series carries its count over at the first slot read. Read again every time: the top lists (a few
// milliseconds, index range scans over the range's replays; a top list cannot be merged from parts) and the
// sessions started and ended in the slots read, which scan token_families (a session's end is the earliest of three
// columns that no index orders; an index on it would be written by every refresh).
//
// Not seen by an incremental computation: rows written with a time older than settleMs (a demo seeding, a server
// whose clock lags further) and rows removed by a purge (RetentionService). A full computation (previous = nullptr)
// sees everything; the console makes one when the range changes, on request, and every fullEveryMs.
class Dashboard
{
public:
    static constexpr qint64 settleMs = 5 * Policy::minute;
    static constexpr qint64 fullEveryMs = 10 * Policy::minute;
    static constexpr int topCount = 10;

    Dashboard(Database &db, const Clock &clock);

    // The figures of range; previous (optional) are figures computed earlier, whose settled slots are reused when
    // they are on the same grid. False with error set if a query failed (figures are then left as they were).
    bool compute(const DashboardRange &range, const DashboardFigures *previous, DashboardFigures *figures,
                 QString *error);

private:
    Database &m_db;
    const Clock &m_clock;
};

} // namespace rotor
