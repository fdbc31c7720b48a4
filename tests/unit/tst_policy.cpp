// The policy's durations as an administrator types them, and the bounds a stored policy must keep.
#include "Policy.h"

#include <QTest>

using namespace rotor;

class TestPolicy : public QObject
{
    Q_OBJECT

private slots:
    void parseDuration_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<qint64>("ms");
        QTest::newRow("plain seconds") << QStringLiteral("90") << true << qint64(90'000);
        QTest::newRow("zero") << QStringLiteral("0") << true << qint64(0);
        QTest::newRow("ms") << QStringLiteral("1500ms") << true << qint64(1500);
        QTest::newRow("s") << QStringLiteral("10s") << true << qint64(10'000);
        QTest::newRow("m") << QStringLiteral("15m") << true << 15 * Policy::minute;
        QTest::newRow("h") << QStringLiteral("12h") << true << 12 * Policy::hour;
        QTest::newRow("d") << QStringLiteral("30d") << true << 30 * Policy::day;
        QTest::newRow("spaces around") << QStringLiteral(" 5m ") << true << 5 * Policy::minute;
        QTest::newRow("empty") << QString() << false << qint64(0);
        QTest::newRow("negative") << QStringLiteral("-1s") << false << qint64(0);
        QTest::newRow("fraction") << QStringLiteral("1.5s") << false << qint64(0);
        QTest::newRow("unknown unit") << QStringLiteral("3w") << false << qint64(0);
        QTest::newRow("unit only") << QStringLiteral("s") << false << qint64(0);
        QTest::newRow("too many digits") << QStringLiteral("1234567890d") << false << qint64(0);
        QTest::newRow("space inside") << QStringLiteral("5 m") << false << qint64(0);
    }

    void parseDuration()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(qint64, ms);
        qint64 parsed = -1;
        QString error;
        QCOMPARE(Policy::parseDuration(text, &parsed, &error), valid);
        if (valid)
            QCOMPARE(parsed, ms);
        else
            QVERIFY(error.contains(text.isEmpty() ? QStringLiteral("''") : text));
    }

    void formatDurationRoundTrips_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QString>("text");
        QTest::newRow("0") << qint64(0) << QStringLiteral("0s");
        QTest::newRow("ms") << qint64(1500) << QStringLiteral("1500ms");
        QTest::newRow("s") << qint64(10'000) << QStringLiteral("10s");
        QTest::newRow("90 s") << qint64(90'000) << QStringLiteral("90s");
        QTest::newRow("m") << 15 * Policy::minute << QStringLiteral("15m");
        QTest::newRow("h") << 36 * Policy::hour << QStringLiteral("36h");
        QTest::newRow("d") << 90 * Policy::day << QStringLiteral("90d");
    }

    void formatDurationRoundTrips()
    {
        QFETCH(qint64, ms);
        QFETCH(QString, text);
        QCOMPARE(Policy::formatDuration(ms), text);
        qint64 back = -1;
        QString error;
        QVERIFY2(Policy::parseDuration(text, &back, &error), qPrintable(error));
        QCOMPARE(back, ms);
    }

    void bounds_data()
    {
        QTest::addColumn<Policy>("policy");
        QTest::addColumn<QString>("problem"); // a word of the message, or empty for a valid policy
        const Policy defaults;
        QTest::newRow("defaults") << defaults << QString();
        Policy p = defaults;
        p.graceMs = 0;
        QTest::newRow("grace 0") << p << QString();
        p.graceMs = Policy::maxGraceMs;
        QTest::newRow("grace 5m") << p << QString();
        p.graceMs = Policy::maxGraceMs + 1;
        QTest::newRow("grace over 5m") << p << QStringLiteral("grace");
        p.graceMs = -1;
        QTest::newRow("grace negative") << p << QStringLiteral("grace");
        p = defaults;
        p.refreshIdleTtlMs = p.familyLifetimeMs;
        QTest::newRow("idle == lifetime") << p << QString();
        p.refreshIdleTtlMs = p.familyLifetimeMs + 1;
        QTest::newRow("idle > lifetime") << p << QStringLiteral("idle");
        p = defaults;
        p.refreshIdleTtlMs = 0;
        QTest::newRow("idle 0") << p << QStringLiteral("idle");
        p = defaults;
        p.accessTtlMs = 5 * Policy::second;
        QTest::newRow("access 5s") << p << QStringLiteral("access");
        p.accessTtlMs = 2 * Policy::day;
        QTest::newRow("access 2d") << p << QStringLiteral("access");
        p = defaults;
        p.eventsRetentionMs = Policy::hour;
        QTest::newRow("events kept 1h") << p << QStringLiteral("events");
    }

    void bounds()
    {
        QFETCH(Policy, policy);
        QFETCH(QString, problem);
        if (problem.isEmpty())
            QVERIFY2(policy.problem().isEmpty(), qPrintable(policy.problem()));
        else
            QVERIFY2(policy.problem().contains(problem), qPrintable(policy.problem()));
    }
};

Q_DECLARE_METATYPE(rotor::Policy)

QTEST_GUILESS_MAIN(TestPolicy)
#include "tst_policy.moc"
