// The dashboard's ranges: hour buckets up to two days and day buckets beyond, aligned to the zone's hours and
// midnights, a calendar day across a daylight-saving change, the current hour or day as the last (short) bucket.
#include "Dashboard.h"

#include <QDateTime>
#include <QtTest>

using namespace rotor;

namespace {

constexpr qint64 hour = Policy::hour;

qint64 at(const char *iso, const QTimeZone &zone)
{
    QDateTime time = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate);
    time.setTimeZone(zone);
    return time.toMSecsSinceEpoch();
}

} // namespace

class TestDashboardRange : public QObject
{
    Q_OBJECT

private slots:
    void lastHours()
    {
        const QTimeZone utc = QTimeZone::utc();
        const qint64 now = at("2024-05-10T14:25:00", utc);
        const DashboardRange range = DashboardRange::lastHours(24, now, utc);
        QCOMPARE(range.bucket, DashboardRange::Bucket::Hour);
        QCOMPARE(range.bucketCount(), 24);
        QCOMPARE(range.since, at("2024-05-09T15:00:00", utc));
        QCOMPARE(range.until, now);
        QCOMPARE(range.bucketStarts.last(), at("2024-05-10T14:00:00", utc));
        QCOMPARE(range.bucketEnd(23), now); // the current hour so far
        QCOMPARE(range.bucketEnd(0) - range.bucketStarts.first(), hour);
        QCOMPARE(range.slotCount(), 24);
    }

    void lastDays()
    {
        const QTimeZone utc = QTimeZone::utc();
        const qint64 now = at("2024-05-10T14:25:00", utc);
        const DashboardRange range = DashboardRange::lastDays(7, now, utc);
        QCOMPARE(range.bucket, DashboardRange::Bucket::Day);
        QCOMPARE(range.bucketCount(), 7);
        QCOMPARE(range.since, at("2024-05-04T00:00:00", utc));
        QCOMPARE(range.bucketStarts.last(), at("2024-05-10T00:00:00", utc));
        QCOMPARE(range.slotCount(), 6 * 24 + 15);
    }

    // Local midnights, not UTC ones; a day of 23 hours when the clocks go forward, 25 when they go back.
    void daysFollowTheZone_data()
    {
        QTest::addColumn<QString>("zone");
        QTest::addColumn<QString>("now");
        QTest::addColumn<QString>("changeDay");
        QTest::addColumn<int>("changeDayHours");
        QTest::newRow("Berlin, spring") << "Europe/Berlin"
                                        << "2024-04-02T09:00:00"
                                        << "2024-03-31" << 23;
        QTest::newRow("Berlin, autumn") << "Europe/Berlin"
                                        << "2024-10-29T09:00:00"
                                        << "2024-10-27" << 25;
        QTest::newRow("New York, spring") << "America/New_York"
                                          << "2024-03-12T09:00:00"
                                          << "2024-03-10" << 23;
        QTest::newRow("Kolkata, no change") << "Asia/Kolkata"
                                            << "2024-03-12T09:00:00"
                                            << "2024-03-10" << 24;
    }

    void daysFollowTheZone()
    {
        QFETCH(QString, zone);
        QFETCH(QString, now);
        QFETCH(QString, changeDay);
        QFETCH(int, changeDayHours);
        const QTimeZone timeZone(zone.toLatin1());
        if (!timeZone.isValid())
            QSKIP("this system has no time zone data for the zone");
        const DashboardRange range = DashboardRange::lastDays(7, at(qPrintable(now), timeZone), timeZone);
        QCOMPARE(range.bucketCount(), 7);
        for (int i = 0; i < range.bucketCount(); ++i) {
            const QDateTime start = QDateTime::fromMSecsSinceEpoch(range.bucketStarts.at(i), timeZone);
            QCOMPARE(start.time(), QTime(0, 0)); // every bucket starts at a local midnight
            QCOMPARE((range.bucketStarts.at(i) - range.since) % hour, qint64(0)); // on the hourly grid
            const qint64 hours = (range.bucketEnd(i) - range.bucketStarts.at(i)) / hour;
            if (start.date() == QDate::fromString(changeDay, Qt::ISODate))
                QCOMPARE(hours, qint64(changeDayHours));
            else if (i + 1 < range.bucketCount())
                QCOMPARE(hours, qint64(24));
        }
    }

    // A zone half an hour off UTC: hours start at :30 UTC.
    void hoursFollowTheZone()
    {
        const QTimeZone india(QByteArrayLiteral("Asia/Kolkata"));
        if (!india.isValid())
            QSKIP("this system has no time zone data for Asia/Kolkata");
        const qint64 now = at("2024-05-10T14:25:00", QTimeZone::utc());
        const DashboardRange range = DashboardRange::lastHours(3, now, india);
        QCOMPARE(range.since, at("2024-05-10T11:30:00", QTimeZone::utc()));
        QCOMPARE(range.bucketCount(), 3);
    }

    void betweenChoosesTheBucket_data()
    {
        QTest::addColumn<QString>("since");
        QTest::addColumn<QString>("until");
        QTest::addColumn<bool>("hourly");
        QTest::addColumn<QString>("alignedSince");
        QTest::addColumn<int>("buckets");
        QTest::newRow("an hour") << "2024-05-10T10:15:00"
                                 << "2024-05-10T11:15:00" << true << "2024-05-10T10:00:00" << 2;
        QTest::newRow("two days exactly") << "2024-05-08T10:00:00"
                                          << "2024-05-10T10:00:00" << true << "2024-05-08T10:00:00" << 48;
        QTest::newRow("two days and a minute") << "2024-05-08T10:00:00"
                                               << "2024-05-10T10:01:00" << false << "2024-05-08T00:00:00" << 3;
        QTest::newRow("ninety days") << "2024-02-11T00:00:00"
                                     << "2024-05-11T00:00:00" << false << "2024-02-11T00:00:00" << 90;
    }

    void betweenChoosesTheBucket()
    {
        QFETCH(QString, since);
        QFETCH(QString, until);
        QFETCH(bool, hourly);
        QFETCH(QString, alignedSince);
        QFETCH(int, buckets);
        const QTimeZone utc = QTimeZone::utc();
        QString error;
        const DashboardRange range
            = DashboardRange::between(at(qPrintable(since), utc), at(qPrintable(until), utc), utc, &error);
        QVERIFY2(range.isValid(), qPrintable(error));
        QCOMPARE(range.bucket == DashboardRange::Bucket::Hour, hourly);
        QCOMPARE(range.since, at(qPrintable(alignedSince), utc));
        QCOMPARE(range.until, at(qPrintable(until), utc));
        QCOMPARE(range.bucketCount(), buckets);
    }

    void invalidRanges()
    {
        QString error;
        QVERIFY(!DashboardRange::between(1000, 1000, QTimeZone::utc(), &error).isValid());
        QVERIFY(!error.isEmpty());
        error.clear();
        QVERIFY(!DashboardRange::between(0, DashboardRange::maxSpanMs + 1, QTimeZone::utc(), &error).isValid());
        QVERIFY(!error.isEmpty());
        QVERIFY(DashboardRange::between(0, DashboardRange::maxSpanMs, QTimeZone::utc(), &error).isValid());
    }
};

QTEST_GUILESS_MAIN(TestDashboardRange)
#include "tst_dashboardrange.moc"
