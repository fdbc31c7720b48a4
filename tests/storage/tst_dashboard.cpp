// The dashboard's figures: every series, total and top list of rotor::Dashboard equals what the test counts itself,
// with SQL and C++ of its own, over a week of sign-ins, rotations, replays of both verdicts, revocations, a logout and
// an idle expiry played through the services on a clock that only moves when told; edges on purpose (a sign-in and a
// revocation exactly on a slot boundary). An incremental computation gives exactly what a full one gives, reading only
// the slots that can have changed.
#include "Catalog.h"
#include "Dashboard.h"
#include "RefreshToken.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QDateTime>
#include <QMap>
#include <QtTest>

#include <algorithm>

using namespace rotor;
using namespace rotor::test;

namespace {

constexpr qint64 hour = Policy::hour;
constexpr qint64 minute = Policy::minute;
const QTimeZone utc = QTimeZone::utc();

qint64 at(const char *isoUtc)
{
    return QDateTime::fromString(QString::fromLatin1(isoUtc), Qt::ISODate).toMSecsSinceEpoch();
}

DeviceInfo thief()
{
    return {QStringLiteral("stolen"), QStringLiteral("?"), QStringLiteral("203.0.113.66"),
            QStringLiteral("python-requests/2.31")};
}

} // namespace

class TestDashboard : public StorageSuite
{
    Q_OBJECT

private:
    struct Session
    {
        QList<QByteArray> tokens; // every generation issued, in order
        qint64 familyId = 0;
        DeviceInfo device;
    };

    // What the test did, counted as it did it: the figures must agree with these too.
    int m_rotations = 0;

    void moveTo(qint64 ms)
    {
        QVERIFY(ms >= m_fx->clock.nowMs());
        m_fx->clock.setNowMs(ms);
    }

    Session signIn(const QString &email, const QString &deviceName)
    {
        Session session;
        session.device = StorageFixture::device(deviceName);
        const LoginResult login = m_fx->rotation->login(email, session.device);
        if (!login.ok())
            qFatal("login failed: %s", qPrintable(login.error));
        session.tokens << login.tokens.refreshToken;
        session.familyId = login.tokens.familyId;
        return session;
    }

    void rotate(Session *session)
    {
        const RefreshResult result = m_fx->rotation->refresh(session->tokens.last(), session->device);
        if (!result.ok() || result.outcome != Outcome::Rotate)
            qFatal("rotation failed: %s", qPrintable(result.error));
        session->tokens << result.tokens.refreshToken;
        ++m_rotations;
    }

    // Presents an already used generation: a replay, judged from who presents it.
    std::optional<VerdictResult> replay(const Session &session, int generation, const DeviceInfo &presenter)
    {
        const RefreshResult result = m_fx->rotation->refresh(session.tokens.at(generation), presenter);
        if (result.outcome != Outcome::Replay)
            qFatal("expected a replay, got %s", outcomeName(result.outcome));
        return result.verdict;
    }

    // A week of traffic, 14-21 November 2023 (UTC); the fixture's clock starts on the 14th at 22:13:20.
    void playWeek()
    {
        m_rotations = 0;
        QString error;
        Policy policy;
        policy.refreshIdleTtlMs = 2 * Policy::day; // carol's session idles out inside the week
        policy.familyLifetimeMs = 30 * Policy::day;
        QVERIFY2(m_fx->admin->setPolicy(policy, QStringLiteral("short idle"), &error), qPrintable(error));
        m_fx->db->forgetPolicy();
        m_fx->rotation = std::make_unique<RotationService>(*m_fx->db, m_fx->keys, m_fx->clock); // the stored policy
        for (const char *name : {"alice", "bob", "carol", "dave", "erin", "frank"})
            QVERIFY2(m_fx->addUser(QStringLiteral("%1@example.org").arg(QLatin1String(name)), &error) > 0,
                     qPrintable(error));
        const auto email = [](const char *name) { return QStringLiteral("%1@example.org").arg(QLatin1String(name)); };

        // Before the week: three sessions that are live when it starts.
        Session alice = signIn(email("alice"), QStringLiteral("alice-phone"));
        Session bob = signIn(email("bob"), QStringLiteral("bob-laptop"));
        signIn(email("carol"), QStringLiteral("carol-tablet")); // never refreshed: idles out on the 16th, 22:13:20
        moveTo(at("2023-11-14T23:00:00Z"));
        rotate(&alice);

        // A sign-in exactly on the first slot boundary of the week.
        moveTo(at("2023-11-15T00:00:00Z"));
        Session dave = signIn(email("dave"), QStringLiteral("dave-desk"));
        moveTo(at("2023-11-15T01:00:00Z")); // a rotation on a boundary too
        rotate(&alice);
        moveTo(at("2023-11-15T01:30:00Z"));
        rotate(&alice);
        moveTo(at("2023-11-15T02:15:00Z"));
        rotate(&alice);
        // Alice's own phone presents the token it used a minute ago: the same client, retrying.
        moveTo(at("2023-11-15T02:16:00Z"));
        const std::optional<VerdictResult> retry = replay(alice, 3, alice.device);
        QVERIFY(retry && retry->verdict == Verdict::SameClient);

        moveTo(at("2023-11-16T10:00:00Z")); // a revocation exactly on a boundary
        QVERIFY2(m_fx->admin->revokeFamily(bob.familyId, QStringLiteral("lost laptop"), &error), qPrintable(error));
        moveTo(at("2023-11-16T12:00:00Z"));
        rotate(&dave);

        moveTo(at("2023-11-17T09:00:00Z"));
        Session erin = signIn(email("erin"), QStringLiteral("erin-phone"));
        moveTo(at("2023-11-17T09:20:00Z"));
        rotate(&erin);
        moveTo(at("2023-11-17T18:00:00Z"));
        const std::optional<VerdictResult> stolen = replay(erin, 0, thief());
        QVERIFY(stolen && stolen->verdict == Verdict::SecondParty);

        moveTo(at("2023-11-18T06:00:00Z"));
        rotate(&dave);
        moveTo(at("2023-11-18T12:00:00Z"));
        Session frank = signIn(email("frank"), QStringLiteral("frank-pc"));
        moveTo(at("2023-11-18T12:30:00Z"));
        const LogoutResult logout = m_fx->rotation->logout(frank.tokens.last(), frank.device);
        QCOMPARE(int(logout.status), int(LogoutResult::Status::Revoked));

        for (const char *time : {"2023-11-19T08:00:00Z", "2023-11-19T08:40:00Z", "2023-11-19T13:05:00Z",
                                 "2023-11-20T07:59:59Z", "2023-11-20T14:10:00Z"}) {
            moveTo(at(time));
            rotate(&dave);
        }
        // The same thief, a second victim, exactly on a boundary.
        moveTo(at("2023-11-20T15:00:00Z"));
        const std::optional<VerdictResult> stolenAgain = replay(dave, 1, thief());
        QVERIFY(stolenAgain && stolenAgain->verdict == Verdict::SecondParty);
        moveTo(at("2023-11-20T16:00:00Z"));
        m_dave = signIn(email("dave"), QStringLiteral("dave-desk"));
        moveTo(at("2023-11-21T09:45:00Z"));
        rotate(&m_dave);
        moveTo(at("2023-11-21T12:34:56Z"));
    }

    Session m_dave; // dave's second session, live at the end of the week

    qint64 countOf(const QString &sql, const QVariantList &args)
    {
        QString error;
        const QVariant value = scalar(*m_fx->db, sql, args, &error);
        if (!value.isValid())
            qFatal("%s", qPrintable(error));
        return value.toLongLong();
    }

    // Every figure against the test's own counts: per bucket with plain COUNTs over [start, end), sessions live at
    // each point from the definition written out, the top lists aggregated here from the raw replay rows.
    void compareWithDatabase(const DashboardFigures &figures)
    {
        const DashboardRange &range = figures.range;
        QCOMPARE(figures.refreshes.size(), range.bucketCount());
        QCOMPARE(figures.signIns.size(), range.bucketCount());
        QCOMPARE(figures.replaysSecondParty.size(), range.bucketCount());
        QCOMPARE(figures.replaysSameClient.size(), range.bucketCount());
        for (int i = 0; i < range.bucketCount(); ++i) {
            const QVariantList bucket {range.bucketStarts.at(i), range.bucketEnd(i)};
            const QByteArray where = QByteArray::number(i);
            QVERIFY2(figures.refreshes.at(i)
                         == countOf(QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE generation > 0 AND "
                                                   "issued_at >= ? AND issued_at < ?"),
                                    bucket),
                     where.constData());
            const qint64 signIns = countOf(
                QStringLiteral("SELECT count(*) FROM token_families WHERE created_at >= ? AND created_at < ?"), bucket);
            QVERIFY2(figures.signIns.at(i) == signIns, where);
            // Every sign-in issued a generation 0 at the same instant: a second, independent count.
            QVERIFY2(signIns
                         == countOf(QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE generation = 0 AND "
                                                   "issued_at >= ? AND issued_at < ?"),
                                    bucket),
                     where.constData());
            for (const auto &[verdict, series] : {std::pair {"second_party", &figures.replaysSecondParty},
                                                  std::pair {"same_client", &figures.replaysSameClient}}) {
                QVERIFY2(series->at(i)
                             == countOf(QStringLiteral("SELECT count(*) FROM security_events WHERE kind = "
                                                       "'replay_detected' AND verdict = ? AND occurred_at >= ? AND "
                                                       "occurred_at < ?"),
                                        {QString::fromLatin1(verdict), bucket.at(0), bucket.at(1)}),
                         QByteArray(where + ' ' + verdict).constData());
            }
            QCOMPARE(figures.replaysUnjudged.at(i), qint64(0));
        }

        // Live at t: signed in at or before t, and neither revoked nor expired (absolute or idle) by t.
        QCOMPARE(figures.liveSessionTimes.size(), range.slotCount() + 1);
        QCOMPARE(figures.liveSessions.size(), figures.liveSessionTimes.size());
        QCOMPARE(figures.liveSessionTimes.first(), range.since);
        QCOMPARE(figures.liveSessionTimes.last(), range.until);
        for (int i = 0; i < figures.liveSessionTimes.size(); ++i) {
            const qint64 t = figures.liveSessionTimes.at(i);
            const qint64 live = countOf(QStringLiteral("SELECT count(*) FROM token_families WHERE created_at <= ? AND "
                                                       "(revoked_at IS NULL OR revoked_at > ?) AND expires_at > ? "
                                                       "AND idle_expires_at > ?"),
                                        {t, t, t, t});
            QVERIFY2(figures.liveSessions.at(i) == live,
                     qPrintable(QStringLiteral("at %1: %2, counted %3")
                                    .arg(QDateTime::fromMSecsSinceEpoch(t, utc).toString(Qt::ISODate))
                                    .arg(figures.liveSessions.at(i))
                                    .arg(live)));
        }

        // The top lists, from the raw rows.
        QList<QVariantList> rows;
        QString error;
        QVERIFY2(queryRows(*m_fx->db,
                           QStringLiteral("SELECT e.id, e.user_id, u.email, e.ip, e.verdict, e.occurred_at FROM "
                                          "security_events e JOIN users u ON u.id = e.user_id WHERE e.kind = ? AND "
                                          "e.occurred_at >= ? AND e.occurred_at < ? ORDER BY e.id"),
                           {QString::fromLatin1(event_kind::replayDetected), range.since, range.until}, &rows, &error),
                 qPrintable(error));
        QMap<qint64, DashboardTopUser> users;
        QMap<QString, DashboardTopAddress> addresses;
        QMap<QString, QSet<qint64>> usersOfAddress;
        QMap<QString, qint64> firstSeen;
        for (const QVariantList &row : std::as_const(rows)) {
            const qint64 userId = row.at(1).toLongLong();
            const bool second = row.at(4).toString() == QLatin1String("second_party");
            const qint64 when = row.at(5).toLongLong();
            DashboardTopUser &user = users[userId];
            user.userId = userId;
            user.email = row.at(2).toString();
            ++user.replays;
            user.secondParty += second ? 1 : 0;
            user.lastAt = qMax(user.lastAt, when);
            const QString ip = row.at(3).toString();
            if (ip.isEmpty())
                continue;
            DashboardTopAddress &address = addresses[ip];
            address.ip = ip;
            ++address.replays;
            address.secondParty += second ? 1 : 0;
            address.lastAt = qMax(address.lastAt, when);
            usersOfAddress[ip].insert(userId);
            if (!firstSeen.contains(ip))
                firstSeen.insert(ip, row.at(0).toLongLong());
        }
        QList<DashboardTopUser> expectedUsers = users.values();
        std::sort(expectedUsers.begin(), expectedUsers.end(), [](const auto &a, const auto &b) {
            return a.replays != b.replays ? a.replays > b.replays : a.userId < b.userId;
        });
        QList<DashboardTopAddress> expectedAddresses = addresses.values();
        for (DashboardTopAddress &address : expectedAddresses)
            address.users = usersOfAddress.value(address.ip).size();
        std::sort(expectedAddresses.begin(), expectedAddresses.end(), [&](const auto &a, const auto &b) {
            return a.replays != b.replays ? a.replays > b.replays : firstSeen.value(a.ip) < firstSeen.value(b.ip);
        });
        expectedUsers = expectedUsers.mid(0, Dashboard::topCount);
        expectedAddresses = expectedAddresses.mid(0, Dashboard::topCount);
        QCOMPARE(figures.topUsers.size(), expectedUsers.size());
        for (int i = 0; i < expectedUsers.size(); ++i) {
            QCOMPARE(figures.topUsers.at(i).userId, expectedUsers.at(i).userId);
            QCOMPARE(figures.topUsers.at(i).email, expectedUsers.at(i).email);
            QCOMPARE(figures.topUsers.at(i).replays, expectedUsers.at(i).replays);
            QCOMPARE(figures.topUsers.at(i).secondParty, expectedUsers.at(i).secondParty);
            QCOMPARE(figures.topUsers.at(i).lastAt, expectedUsers.at(i).lastAt);
        }
        QCOMPARE(figures.topAddresses.size(), expectedAddresses.size());
        for (int i = 0; i < expectedAddresses.size(); ++i) {
            QCOMPARE(figures.topAddresses.at(i).ip, expectedAddresses.at(i).ip);
            QCOMPARE(figures.topAddresses.at(i).replays, expectedAddresses.at(i).replays);
            QCOMPARE(figures.topAddresses.at(i).secondParty, expectedAddresses.at(i).secondParty);
            QCOMPARE(figures.topAddresses.at(i).users, expectedAddresses.at(i).users);
            QCOMPARE(figures.topAddresses.at(i).lastAt, expectedAddresses.at(i).lastAt);
        }
    }

    static void compareFigures(const DashboardFigures &actual, const DashboardFigures &expected)
    {
        QCOMPARE(actual.range, expected.range);
        QCOMPARE(actual.refreshes, expected.refreshes);
        QCOMPARE(actual.signIns, expected.signIns);
        QCOMPARE(actual.replaysSecondParty, expected.replaysSecondParty);
        QCOMPARE(actual.replaysSameClient, expected.replaysSameClient);
        QCOMPARE(actual.replaysUnjudged, expected.replaysUnjudged);
        QCOMPARE(actual.liveSessionTimes, expected.liveSessionTimes);
        QCOMPARE(actual.liveSessions, expected.liveSessions);
        QCOMPARE(actual.topUsers.size(), expected.topUsers.size());
        for (int i = 0; i < actual.topUsers.size(); ++i) {
            QCOMPARE(actual.topUsers.at(i).userId, expected.topUsers.at(i).userId);
            QCOMPARE(actual.topUsers.at(i).replays, expected.topUsers.at(i).replays);
        }
        QCOMPARE(actual.topAddresses.size(), expected.topAddresses.size());
        for (int i = 0; i < actual.topAddresses.size(); ++i) {
            QCOMPARE(actual.topAddresses.at(i).ip, expected.topAddresses.at(i).ip);
            QCOMPARE(actual.topAddresses.at(i).replays, expected.topAddresses.at(i).replays);
        }
    }

    DashboardFigures computed(const DashboardRange &range, const DashboardFigures *previous = nullptr)
    {
        DashboardFigures figures;
        QString error;
        if (!Dashboard(*m_fx->db, m_fx->clock).compute(range, previous, &figures, &error))
            qFatal("dashboard failed: %s", qPrintable(error));
        return figures;
    }

private slots:
    void weekMatchesTheDatabase()
    {
        playWeek();
        const DashboardRange week = DashboardRange::lastDays(7, m_fx->clock.nowMs(), utc);
        QCOMPARE(week.since, at("2023-11-15T00:00:00Z"));
        const DashboardFigures figures = computed(week);
        compareWithDatabase(figures);

        // And with what the week did, as counted while doing it.
        QCOMPARE(figures.totalRefreshes(), qint64(m_rotations - 1)); // one of alice's was on the 14th
        QCOMPARE(figures.totalSignIns(), qint64(4)); // dave (at the first instant), erin, frank, dave again
        QCOMPARE(figures.totalSameClient(), qint64(1));
        QCOMPARE(figures.totalSecondParty(), qint64(2));
        QCOMPARE(figures.liveSessions.first(), qint64(4)); // alice, bob, carol, and dave from its first instant
        QCOMPARE(figures.liveAtEnd(), qint64(1)); // dave's second session
        QCOMPARE(figures.slotsRead, week.slotCount());
        QCOMPARE(figures.slotsReused, 0);
        // The end of the week is now: the Sessions list's active count.
        Catalog catalog(*m_fx->db, m_fx->clock);
        ListRequest active;
        active.table = Table::Families;
        active.state = QStringLiteral("active");
        qint64 listed = -1;
        QString error;
        QVERIFY2(catalog.count(active, &listed, &error), qPrintable(error));
        QCOMPARE(figures.liveAtEnd(), listed);

        QCOMPARE(figures.topUsers.size(), 3);
        QCOMPARE(figures.topUsers.first().email, QStringLiteral("alice@example.org")); // ties: the lower id
        QCOMPARE(figures.topAddresses.first().ip, thief().ip);
        QCOMPARE(figures.topAddresses.first().replays, qint64(2));
        QCOMPARE(figures.topAddresses.first().users, qint64(2));
        QCOMPARE(figures.topAddresses.first().secondParty, qint64(2));
    }

    void otherRangesMatchTheDatabase_data()
    {
        QTest::addColumn<qint64>("since");
        QTest::addColumn<qint64>("until");
        QTest::addColumn<int>("buckets");
        QTest::newRow("last 24 hours, per hour") << qint64(0) << qint64(0) << 24;
        QTest::newRow("a day and a half, per hour, from mid-hour")
            << at("2023-11-15T00:30:00Z") << at("2023-11-16T12:00:00Z") << 36;
        QTest::newRow("three days from mid-day, per day")
            << at("2023-11-16T09:59:59Z") << at("2023-11-19T08:40:00Z") << 4;
        QTest::newRow("ending on a revocation's instant")
            << at("2023-11-14T22:00:00Z") << at("2023-11-16T10:00:00Z") << 36;
        QTest::newRow("the whole month") << at("2023-11-01T00:00:00Z") << at("2023-11-21T12:34:56Z") << 21;
    }

    void otherRangesMatchTheDatabase()
    {
        QFETCH(qint64, since);
        QFETCH(qint64, until);
        QFETCH(int, buckets);
        playWeek();
        QString error;
        const DashboardRange range = since == 0 ? DashboardRange::lastHours(24, m_fx->clock.nowMs(), utc)
                                                : DashboardRange::between(since, until, utc, &error);
        QVERIFY2(range.isValid(), qPrintable(error));
        QCOMPARE(range.bucketCount(), buckets);
        compareWithDatabase(computed(range));
    }

    // A live update: the same figures as a full computation, from the slots that can have changed alone.
    void incrementalEqualsFull()
    {
        playWeek();
        const DashboardFigures before = computed(DashboardRange::lastDays(7, m_fx->clock.nowMs(), utc));

        // Twenty minutes of traffic: rotations, a sign-in, a replay that revokes the live session.
        moveTo(m_fx->clock.nowMs() + 5 * minute);
        rotate(&m_dave);
        moveTo(m_fx->clock.nowMs() + 5 * minute);
        Session frank = signIn(QStringLiteral("frank@example.org"), QStringLiteral("frank-pc"));
        rotate(&frank);
        moveTo(m_fx->clock.nowMs() + 10 * minute);
        replay(m_dave, 1, thief());
        moveTo(m_fx->clock.nowMs() + minute); // a range ends before now: what happens at now is in the next one

        const DashboardRange week = DashboardRange::lastDays(7, m_fx->clock.nowMs(), utc);
        const DashboardFigures incremental = computed(week, &before);
        const DashboardFigures full = computed(week);
        compareFigures(incremental, full);
        compareWithDatabase(incremental);
        // Settled: every slot up to the hour before.computedAt - 5 min fell in (12:00 on the 21st).
        QCOMPARE(incremental.slotsReused, int((at("2023-11-21T12:00:00Z") - week.since) / hour));
        QCOMPARE(incremental.slotsRead, 1);
        QCOMPARE(full.slotsReused, 0);

        // What incremental means: a row stamped long ago by some other means (an import) is not read again until a
        // full computation.
        QString error;
        QVERIFY2(execOn(m_fx->scratch.spec(),
                        {QStringLiteral("INSERT INTO security_events (kind, occurred_at, user_id, ip, verdict) VALUES "
                                        "('replay_detected', %1, 1, '192.0.2.1', 'second_party')")
                             .arg(at("2023-11-16T05:00:00Z"))},
                        &error),
                 qPrintable(error));
        moveTo(m_fx->clock.nowMs() + minute);
        const DashboardRange later = DashboardRange::lastDays(7, m_fx->clock.nowMs(), utc);
        const DashboardFigures missed = computed(later, &full);
        QCOMPARE(missed.totalSecondParty(), full.totalSecondParty());
        const DashboardFigures seen = computed(later);
        QCOMPARE(seen.totalSecondParty(), full.totalSecondParty() + 1);
        compareWithDatabase(seen);
    }

    // A rolling range: "the last 24 hours" two hours on starts two slots later; the count of live sessions is carried
    // across the slots left behind (dave's replay, at 15:00 exactly, ends a session in one of them).
    void rollingRangeCarriesTheLiveCount()
    {
        playWeek();
        moveTo(at("2023-11-21T13:20:00Z"));
        const DashboardRange first = DashboardRange::lastHours(24, m_fx->clock.nowMs(), utc);
        QCOMPARE(first.since, at("2023-11-20T14:00:00Z"));
        const DashboardFigures before = computed(first);
        moveTo(at("2023-11-21T14:00:00Z"));
        rotate(&m_dave);
        moveTo(at("2023-11-21T15:20:00Z"));
        const DashboardRange second = DashboardRange::lastHours(24, m_fx->clock.nowMs(), utc);
        QCOMPARE(second.since, at("2023-11-20T16:00:00Z"));
        const DashboardFigures incremental = computed(second, &before);
        QVERIFY(incremental.slotsReused > 0);
        compareFigures(incremental, computed(second));
        compareWithDatabase(incremental);
    }

    // A previous computation on another grid, or one starting later, is not reused.
    void unrelatedPreviousIsNotReused()
    {
        playWeek();
        const qint64 now = m_fx->clock.nowMs();
        const DashboardFigures week = computed(DashboardRange::lastDays(7, now, utc));
        const DashboardRange month = DashboardRange::lastDays(30, now, utc);
        const DashboardFigures fromWeek = computed(month, &week); // starts earlier: nothing to carry
        QCOMPARE(fromWeek.slotsReused, 0);
        compareFigures(fromWeek, computed(month));
        QString error;
        const DashboardRange offGrid
            = DashboardRange::between(now - 47 * hour - 30 * minute, now, QTimeZone(30 * 60), &error);
        QVERIFY2(offGrid.isValid(), qPrintable(error));
        QCOMPARE(computed(offGrid, &week).slotsReused, 0);
    }

    void invalidRangeIsRefused()
    {
        DashboardFigures figures;
        QString error;
        QVERIFY(!Dashboard(*m_fx->db, m_fx->clock).compute(DashboardRange(), nullptr, &figures, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(!DashboardRange::between(10, 10, utc, &error).isValid());
        QVERIFY2(error.contains(QStringLiteral("after")), qPrintable(error));
        QVERIFY(!DashboardRange::between(0, 500 * Policy::day, utc, &error).isValid());
        QVERIFY2(error.contains(QStringLiteral("400")), qPrintable(error));
    }

    // An empty database: zeros everywhere, nothing in the lists.
    void emptyDatabase()
    {
        const DashboardFigures figures = computed(DashboardRange::lastDays(7, m_fx->clock.nowMs(), utc));
        QCOMPARE(figures.range.bucketCount(), 7);
        QCOMPARE(figures.totalRefreshes(), qint64(0));
        QCOMPARE(figures.totalReplays(), qint64(0));
        QCOMPARE(figures.liveAtEnd(), qint64(0));
        QVERIFY(figures.topUsers.isEmpty());
        QVERIFY(figures.topAddresses.isEmpty());
        compareWithDatabase(figures);
    }
};

QTEST_GUILESS_MAIN(TestDashboard)
#include "tst_dashboard.moc"
