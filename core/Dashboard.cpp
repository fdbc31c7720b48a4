#include "Dashboard.h"

#include "Clock.h"
#include "DashboardSql.h"
#include "Database.h"
#include "SecurityEvent.h"
#include "Verdict.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSqlQuery>

#include <numeric>

namespace rotor {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::Dashboard", text);
}

constexpr qint64 slotMs = DashboardRange::slotMs;

qint64 floorDiv(qint64 a, qint64 b)
{
    const qint64 q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The start of the hour holding ms in zone (its offset from UTC at that instant).
qint64 startOfHour(qint64 ms, const QTimeZone &zone)
{
    const qint64 offset = qint64(zone.offsetFromUtc(QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc()))) * 1000;
    return floorDiv(ms + offset, slotMs) * slotMs - offset;
}

qint64 startOfDay(const QDate &date, const QTimeZone &zone)
{
    return date.startOfDay(zone).toMSecsSinceEpoch();
}

DashboardRange make(qint64 since, qint64 until, DashboardRange::Bucket bucket, const QTimeZone &zone)
{
    DashboardRange range;
    range.since = since;
    range.until = until;
    range.bucket = bucket;
    if (bucket == DashboardRange::Bucket::Hour) {
        for (qint64 start = since; start < until; start += slotMs)
            range.bucketStarts.append(start);
        return range;
    }
    // Local midnights, each put on the hourly grid from since (they are on it already unless the zone moves its
    // clocks by less than an hour).
    QDate day = QDateTime::fromMSecsSinceEpoch(since, zone).date();
    for (qint64 start = since; start < until;) {
        range.bucketStarts.append(start);
        day = day.addDays(1);
        const qint64 next = startOfDay(day, zone);
        start = since + (next - since + slotMs / 2) / slotMs * slotMs;
    }
    return range;
}

bool runQuery(Database &db, QSqlQuery &query, const char *text, const QVariantMap &values, QString *error)
{
    return db.execute(query, QString::fromStdString(sql::dashboardStatement(text, db.isPostgres())), values, error);
}

qint64 sum(const QList<qint64> &values, int from, int to)
{
    return std::accumulate(values.cbegin() + from, values.cbegin() + to, qint64(0));
}

qint64 total(const QList<qint64> &values)
{
    return std::accumulate(values.cbegin(), values.cend(), qint64(0));
}

} // namespace

bool DashboardRange::operator==(const DashboardRange &other) const
{
    return since == other.since && until == other.until && bucket == other.bucket && bucketStarts == other.bucketStarts;
}

DashboardRange DashboardRange::between(qint64 since, qint64 until, const QTimeZone &zone, QString *error)
{
    QString problem;
    if (until <= since)
        problem = tr("the range must end after it starts");
    else if (until - since > maxSpanMs)
        problem = tr("the range can be at most %1 days long").arg(maxSpanMs / Policy::day);
    if (!problem.isEmpty()) {
        if (error)
            *error = problem;
        return {};
    }
    if (until - since <= hourlyUpToMs)
        return make(startOfHour(since, zone), until, Bucket::Hour, zone);
    return make(startOfDay(QDateTime::fromMSecsSinceEpoch(since, zone).date(), zone), until, Bucket::Day, zone);
}

DashboardRange DashboardRange::lastHours(int hours, qint64 nowMs, const QTimeZone &zone)
{
    return make(startOfHour(nowMs, zone) - qint64(qMax(hours, 1) - 1) * slotMs, nowMs, Bucket::Hour, zone);
}

DashboardRange DashboardRange::lastDays(int days, qint64 nowMs, const QTimeZone &zone)
{
    const QDate today = QDateTime::fromMSecsSinceEpoch(nowMs, zone).date();
    return make(startOfDay(today.addDays(-(qMax(days, 1) - 1)), zone), nowMs, Bucket::Day, zone);
}

qint64 DashboardFigures::totalRefreshes() const
{
    return total(refreshes);
}

qint64 DashboardFigures::totalSignIns() const
{
    return total(signIns);
}

qint64 DashboardFigures::totalReplays() const
{
    return total(replaysSecondParty) + total(replaysSameClient) + total(replaysUnjudged);
}

qint64 DashboardFigures::totalSecondParty() const
{
    return total(replaysSecondParty);
}

qint64 DashboardFigures::totalSameClient() const
{
    return total(replaysSameClient);
}

Dashboard::Dashboard(Database &db, const Clock &clock)
    : m_db(db)
    , m_clock(clock)
{ }

bool Dashboard::compute(const DashboardRange &range, const DashboardFigures *previous, DashboardFigures *figures,
                        QString *error)
{
    if (!range.isValid() || range.until - range.since > DashboardRange::maxSpanMs + Policy::day) {
        *error = tr("not a valid dashboard range");
        return false;
    }
    const qint64 now = m_clock.nowMs();
    const int slotCount = range.slotCount();
    DashboardFigures::SlotSeries bySlot;
    for (QList<qint64> *series : {&bySlot.refreshes, &bySlot.signIns, &bySlot.secondParty, &bySlot.sameClient,
                                  &bySlot.unjudged, &bySlot.started, &bySlot.ended})
        series->fill(0, slotCount);

    // What the previous figures settled: slots that ended before previous->computedAt - settleMs, on the same grid.
    int reused = 0;
    bool liveCarried = false;
    if (previous && previous->range.isValid() && previous->range.since <= range.since
        && (range.since - previous->range.since) % slotMs == 0) {
        const DashboardRange &old = previous->range;
        const DashboardFigures::SlotSeries &oldSlots = previous->bySlot;
        const int shift = int((range.since - old.since) / slotMs);
        const int oldComplete = int(qMin<qint64>((old.until - old.since) / slotMs, oldSlots.started.size()));
        const int oldSettled = int(
            qBound<qint64>(0, floorDiv(previous->computedAt - settleMs - old.since, slotMs), qint64(oldComplete)));
        if (shift <= oldSettled && oldSlots.refreshes.size() == oldSlots.started.size()) {
            reused = qMin<int>(oldSettled - shift, int((range.until - range.since) / slotMs));
            bySlot.liveAtSince = oldSlots.liveAtSince + sum(oldSlots.started, 0, shift) - sum(oldSlots.ended, 0, shift);
            using Slots = DashboardFigures::SlotSeries;
            for (QList<qint64> Slots::*series :
                 {&Slots::refreshes, &Slots::signIns, &Slots::secondParty, &Slots::sameClient, &Slots::unjudged,
                  &Slots::started, &Slots::ended}) {
                for (int i = 0; i < reused; ++i)
                    (bySlot.*series)[i] = (oldSlots.*series).at(shift + i);
            }
            liveCarried = true;
        }
    }
    const qint64 from = range.since + qint64(reused) * slotMs;
    const QVariantMap values {{QStringLiteral(":since"), range.since},
                              {QStringLiteral(":slot"), slotMs},
                              {QStringLiteral(":from"), from},
                              {QStringLiteral(":until"), range.until},
                              {QStringLiteral(":kind"), QString::fromLatin1(event_kind::replayDetected)},
                              {QStringLiteral(":limit"), topCount}};
    // A slot index from the database; rows outside the slots being read (a session started at the range's first
    // instant or at until, for one of the two series) count only where they belong.
    const auto slotOf = [&](const QVariant &value, int *slot) {
        *slot = int(value.toLongLong());
        return *slot >= reused && *slot < slotCount;
    };

    if (!m_db.beginRead(error))
        return false;
    const auto fail = [this]() {
        m_db.rollback();
        return false;
    };
    QSqlQuery query(m_db.handle());
    Database::Fetch fetched = Database::Fetch::End;
    if (!liveCarried) {
        if (!runQuery(m_db, query, sql::dashboardLiveAtStart, values, error)
            || m_db.fetch(&query, error) != Database::Fetch::Row)
            return fail();
        bySlot.liveAtSince = query.value(0).toLongLong();
    }
    if (from < range.until) {
        if (!runQuery(m_db, query, sql::dashboardRefreshes, values, error))
            return fail();
        while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
            int slot = 0;
            if (slotOf(query.value(0), &slot))
                bySlot.refreshes[slot] = query.value(1).toLongLong();
        }
        if (fetched == Database::Fetch::Failed || !runQuery(m_db, query, sql::dashboardReplays, values, error))
            return fail();
        while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
            int slot = 0;
            if (!slotOf(query.value(0), &slot))
                continue;
            const QVariant verdict = query.value(1);
            const std::optional<Verdict> judged = verdict.isNull() ? std::nullopt : verdictFromName(verdict.toString());
            QList<qint64> &series = !judged       ? bySlot.unjudged
                : *judged == Verdict::SecondParty ? bySlot.secondParty
                                                  : bySlot.sameClient;
            series[slot] += query.value(2).toLongLong();
        }
        if (fetched == Database::Fetch::Failed || !runQuery(m_db, query, sql::dashboardStarted, values, error))
            return fail();
        while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
            const qint64 count = query.value(2).toLongLong();
            int slot = 0;
            if (slotOf(query.value(0), &slot))
                bySlot.signIns[slot] += count;
            if (slotOf(query.value(1), &slot))
                bySlot.started[slot] += count;
        }
        if (fetched == Database::Fetch::Failed || !runQuery(m_db, query, sql::dashboardEnded, values, error))
            return fail();
        while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
            int slot = 0;
            if (slotOf(query.value(0), &slot))
                bySlot.ended[slot] += query.value(1).toLongLong();
        }
        if (fetched == Database::Fetch::Failed)
            return fail();
    }

    QList<DashboardTopUser> topUsers;
    if (!runQuery(m_db, query, sql::dashboardTopUsers, values, error))
        return fail();
    while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
        topUsers.append({query.value(0).toLongLong(), query.value(1).toString(), query.value(2).toLongLong(),
                         query.value(3).toLongLong(), query.value(4).toLongLong()});
    }
    QList<DashboardTopAddress> topAddresses;
    if (fetched == Database::Fetch::Failed || !runQuery(m_db, query, sql::dashboardTopAddresses, values, error))
        return fail();
    while ((fetched = m_db.fetch(&query, error)) == Database::Fetch::Row) {
        topAddresses.append({query.value(0).toString(), query.value(1).toLongLong(), query.value(2).toLongLong(),
                             query.value(3).toLongLong(), query.value(4).toLongLong()});
    }
    if (fetched == Database::Fetch::Failed)
        return fail();
    query.finish();
    if (!m_db.commit(error))
        return fail();

    DashboardFigures result;
    result.range = range;
    result.computedAt = now;
    result.slotsRead = slotCount - reused;
    result.slotsReused = reused;
    result.topUsers = std::move(topUsers);
    result.topAddresses = std::move(topAddresses);
    for (int bucket = 0; bucket < range.bucketCount(); ++bucket) {
        const int first = int((range.bucketStarts.at(bucket) - range.since) / slotMs);
        const int last = int((range.bucketEnd(bucket) - range.since + slotMs - 1) / slotMs);
        result.refreshes.append(sum(bySlot.refreshes, first, last));
        result.signIns.append(sum(bySlot.signIns, first, last));
        result.replaysSecondParty.append(sum(bySlot.secondParty, first, last));
        result.replaysSameClient.append(sum(bySlot.sameClient, first, last));
        result.replaysUnjudged.append(sum(bySlot.unjudged, first, last));
    }
    qint64 live = bySlot.liveAtSince;
    for (int slot = 0; slot < slotCount; ++slot) {
        result.liveSessionTimes.append(range.since + qint64(slot) * slotMs);
        result.liveSessions.append(live);
        live += bySlot.started.at(slot) - bySlot.ended.at(slot);
    }
    result.liveSessionTimes.append(range.until);
    result.liveSessions.append(live);
    result.bySlot = std::move(bySlot);
    *figures = std::move(result);
    return true;
}

} // namespace rotor
