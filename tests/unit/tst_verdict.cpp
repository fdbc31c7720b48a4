// The replay verdict rule (core/Verdict.h), as a table: each row is the evidence of one replay and the verdict the
// rule must give, with a word its reason must contain so a reason cannot drift from the rule that gave it.
#include "RowFormat.h"
#include "Verdict.h"

#include <QTest>

using namespace rotor;

Q_DECLARE_METATYPE(rotor::Verdict)

namespace {
constexpr qint64 second = 1000;
constexpr qint64 minute = 60 * second;
const QString home = QStringLiteral("198.51.100.4");
const QString away = QStringLiteral("203.0.113.9");
const QString firefox = QStringLiteral("Firefox/128.0");
const QString script = QStringLiteral("python-requests/2.31.0");
const QString laptop = QStringLiteral("laptop-1");
} // namespace

class TestVerdict : public QObject
{
    Q_OBJECT

private slots:
    void classify_data()
    {
        QTest::addColumn<QString>("ip");
        QTest::addColumn<QString>("userAgent");
        QTest::addColumn<QString>("deviceKey");
        QTest::addColumn<QString>("originalIp");
        QTest::addColumn<QString>("originalUserAgent");
        QTest::addColumn<qint64>("sinceMs"); // < 0: unknown
        QTest::addColumn<Verdict>("verdict");
        QTest::addColumn<QString>("reasonHas");

        // Device keys differ: another device, whatever else matches.
        QTest::newRow("other device, same everything else")
            << home << firefox << QStringLiteral("phone-9") << home << firefox << 12 * second << Verdict::SecondParty
            << QStringLiteral("phone-9");
        // Another client program.
        QTest::newRow("other program, other address")
            << away << script << laptop << home << firefox << 3 * minute << Verdict::SecondParty << away;
        QTest::newRow("other program, same address") << home << script << laptop << home << firefox << 15 * second
                                                     << Verdict::SecondParty << QStringLiteral("same address");
        // Same program from another address: a network change only if it came back quickly.
        QTest::newRow("new address within a minute") << away << firefox << laptop << home << firefox << 40 * second
                                                     << Verdict::SameClient << QStringLiteral("changing networks");
        QTest::newRow("new address at exactly a minute")
            << away << firefox << laptop << home << firefox << networkChangeMs << Verdict::SameClient
            << QStringLiteral("1 min");
        QTest::newRow("new address after a minute")
            << away << firefox << laptop << home << firefox << networkChangeMs + 1 << Verdict::SecondParty
            << QStringLiteral("longer than a client retries");
        QTest::newRow("new address, time unknown") << away << firefox << laptop << home << firefox << qint64(-1)
                                                   << Verdict::SecondParty << QStringLiteral("unknown time");
        // Nothing differs: a retry, unless it came back long after.
        QTest::newRow("retry 12 s after use") << home << firefox << laptop << home << firefox << 12 * second
                                              << Verdict::SameClient << QStringLiteral("12 s after");
        QTest::newRow("retry at the horizon") << home << firefox << laptop << home << firefox << retryHorizonMs
                                              << Verdict::SameClient << QStringLiteral("retry");
        QTest::newRow("same client, hours later") << home << firefox << laptop << home << firefox << 3 * 60 * minute
                                                  << Verdict::SecondParty << QStringLiteral("stored copy");
        QTest::newRow("same client, time unknown") << home << firefox << laptop << home << firefox << qint64(-1)
                                                   << Verdict::SameClient << QStringLiteral("no longer on record");
        // Unknown values never count as differences.
        QTest::newRow("nothing recorded about the first use")
            << away << script << QString() << QString() << QString() << 20 * second << Verdict::SameClient
            << QStringLiteral("retry");
        QTest::newRow("no device key presented") << home << firefox << QString() << home << firefox << 20 * second
                                                 << Verdict::SameClient << QStringLiteral("retry");
        // A clock running ahead on the first server: the distance counts, not its sign.
        QTest::newRow("first use later by its clock") << home << firefox << laptop << home << firefox << -(20 * second)
                                                      << Verdict::SameClient << QStringLiteral("retry");
    }

    void classify()
    {
        QFETCH(QString, ip);
        QFETCH(QString, userAgent);
        QFETCH(QString, deviceKey);
        QFETCH(QString, originalIp);
        QFETCH(QString, originalUserAgent);
        QFETCH(qint64, sinceMs);
        QFETCH(Verdict, verdict);
        QFETCH(QString, reasonHas);
        ReplayEvidence evidence;
        evidence.ip = ip;
        evidence.userAgent = userAgent;
        evidence.deviceKey = deviceKey;
        evidence.originalIp = originalIp;
        evidence.originalUserAgent = originalUserAgent;
        evidence.sessionDeviceKey = laptop;
        if (sinceMs != -1)
            evidence.sinceFirstUseMs = sinceMs;
        const VerdictResult result = classifyReplay(evidence);
        QCOMPARE(verdictName(result.verdict), verdictName(verdict));
        QVERIFY2(result.reason.contains(reasonHas), qPrintable(result.reason));
    }

    void names()
    {
        for (Verdict verdict : {Verdict::SameClient, Verdict::SecondParty})
            QCOMPARE(verdictFromName(QString::fromLatin1(verdictName(verdict))), verdict);
        QVERIFY(!verdictFromName(QStringLiteral("theft")));
        QVERIFY(!verdictFromName(QString()));
    }

    void elapsed_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QString>("text");
        QTest::newRow("ms") << qint64(850) << QStringLiteral("850 ms");
        QTest::newRow("whole seconds") << 12 * second << QStringLiteral("12 s");
        QTest::newRow("tenths") << qint64(12'340) << QStringLiteral("12.3 s");
        QTest::newRow("minutes") << 4 * minute + 10 * second << QStringLiteral("4 min 10 s");
        QTest::newRow("whole minute") << minute << QStringLiteral("1 min");
        QTest::newRow("hours") << 3 * 60 * minute + 5 * minute << QStringLiteral("3 h 5 min");
        QTest::newRow("days") << 2 * 24 * 60 * minute + 4 * 60 * minute << QStringLiteral("2 d 4 h");
        QTest::newRow("negative") << -(3 * second) << QStringLiteral("-3 s");
    }

    void elapsed()
    {
        QFETCH(qint64, ms);
        QFETCH(QString, text);
        QCOMPARE(row_format::elapsed(ms), text);
    }
};

QTEST_GUILESS_MAIN(TestVerdict)
#include "tst_verdict.moc"
