// The Simulator page, offscreen: a scenario played step by step shows, after each step, the events and the session
// state the core recorded; a scratch run leaves the open database as it was (also on a read-only connection, where
// playing into the database is not offered); a run into the database lands its events there as a simulated user,
// which "Remove simulated data" deletes again; the transcript exports as text and JSON.
#include "MainWindow.h"
#include "SimulatorPage.h"
#include "UiTestDatabase.h"

#include <QApplication>
#include <QComboBox>
#include <QFileDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>

using namespace rotor;

namespace {

constexpr int timeout = 20000;

qint64 eventsOfKind(const QList<QVariantList> &events, const char *kind)
{
    qint64 n = 0;
    for (const QVariantList &event : events)
        n += event.value(column::EventKind).toString() == QLatin1String(kind);
    return n;
}

bool anyLiveToken(const QList<QVariantList> &tokens)
{
    for (const QVariantList &token : tokens) {
        if (token.value(column::TokenUsedAt).isNull() && token.value(column::TokenRevokedAt).isNull())
            return true;
    }
    return false;
}

} // namespace

class TestSimulator : public QObject
{
    Q_OBJECT

private:
    SimulatorPage *open(MainWindow &window, const ConnectionSpec &spec)
    {
        window.show();
        window.openConnection(spec);
        if (!QTest::qWaitFor([&]() { return window.isConnected(); }, timeout))
            return nullptr;
        if (!window.showPage(QStringLiteral("simulator")))
            return nullptr;
        return qobject_cast<SimulatorPage *>(window.page(QStringLiteral("simulator")));
    }

    static void choose(QComboBox *combo, const QVariant &data) { combo->setCurrentIndex(combo->findData(data)); }

    qint64 rowCount(Table table)
    {
        ListRequest request;
        request.table = table;
        return m_database.count(request);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("RotorTests"));
        QApplication::setApplicationName(QStringLiteral("tst_simulator"));
        QSettings().clear();
        QString error;
        QVERIFY2(m_database.create(10, &error), qPrintable(error));
    }

    void stepByStepInAScratchDatabase()
    {
        const qint64 users = rowCount(Table::Users), events = rowCount(Table::Events);
        MainWindow window;
        SimulatorPage *page = open(window, m_database.readOnlySpec());
        QVERIFY(page);
        auto *scenario = window.findChild<QComboBox *>(QStringLiteral("scenarioCombo"));
        auto *target = window.findChild<QComboBox *>(QStringLiteral("targetCombo"));
        auto *start = window.findChild<QPushButton *>(QStringLiteral("startButton"));
        auto *next = window.findChild<QPushButton *>(QStringLiteral("nextButton"));
        auto *table = window.findChild<QTableWidget *>(QStringLiteral("simulatorEvents"));
        auto *narrative = window.findChild<QTextBrowser *>(QStringLiteral("narrative"));
        QVERIFY(scenario && target && start && next && table && narrative);
        // Read-only: only the scratch database is offered.
        const auto *targets = qobject_cast<QStandardItemModel *>(target->model());
        QVERIFY(!targets->item(target->findData(int(ScenarioRun::Target::IntoDatabase)))->isEnabled());

        choose(scenario, QStringLiteral("stolen-token"));
        QSignalSpy shown(page, &SimulatorPage::stepShown);
        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, timeout);
        QVERIFY(page->steps().isEmpty());
        QVERIFY(next->isEnabled());

        // Step by step, as the page shows them: sign-in, a wait, the client's rotation, the copy, a wait, the
        // attacker's rotation, the grace window passing, then the client's copy gives the theft away.
        const QStringList expected {
            QStringLiteral("signed_in"), QStringLiteral("waited"),          QStringLiteral("rotated"),
            QStringLiteral("copied"),    QStringLiteral("waited"),          QStringLiteral("rotated"),
            QStringLiteral("waited"),    QStringLiteral("replay_detected"), QStringLiteral("token_revoked")};
        for (int i = 0; i < expected.size(); ++i) {
            QTRY_VERIFY_WITH_TIMEOUT(next->isEnabled(), timeout);
            QTest::keyClick(next, Qt::Key_F10); // the button's shortcut, as a person presses it
            QTRY_COMPARE_WITH_TIMEOUT(page->steps().size(), i + 1, timeout);
            const ScenarioStep &step = page->steps().last();
            QCOMPARE(step.outcome, expected.at(i));
            QVERIFY2(step.asExpected, qPrintable(step.toText()));
            if (step.outcome == QLatin1String("rotated")) {
                QVERIFY(anyLiveToken(page->tokens()));
                QCOMPARE(eventsOfKind(page->events(), "replay_detected"), 0);
            }
        }
        // After the replay: the session is revoked, nothing of it lives, and the event carries its verdict.
        QCOMPARE(eventsOfKind(page->events(), "replay_detected"), 1);
        QVERIFY(!anyLiveToken(page->tokens()));
        QCOMPARE(table->rowCount(), int(page->events().size()));
        bool verdictShown = false;
        for (int row = 0; row < table->rowCount(); ++row)
            verdictShown = verdictShown || table->item(row, 4)->text().contains(QStringLiteral("second party"));
        QVERIFY(verdictShown);
        QVERIFY(narrative->toPlainText().contains(QStringLiteral("outside the 10 s grace window")));
        QVERIFY(!narrative->toPlainText().contains(QStringLiteral("rtr_")));

        // Run to the end, then replay from the start.
        QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("runButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->isFinished() && !page->isBusy(), timeout);
        QCOMPARE(eventsOfKind(page->events(), "replay_detected"), 2);
        for (const ScenarioStep &step : page->steps())
            QVERIFY2(step.asExpected, qPrintable(step.toText()));
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("simulatorStatus"))
                    ->text()
                    .contains(QStringLiteral("every step")));
        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->steps().isEmpty() && !page->isBusy() && next->isEnabled(), timeout);

        // The open database is as it was.
        QCOMPARE(rowCount(Table::Users), users);
        QCOMPARE(rowCount(Table::Events), events);
    }

    void transcriptExports()
    {
        MainWindow window;
        SimulatorPage *page = open(window, m_database.spec());
        QVERIFY(page);
        choose(window.findChild<QComboBox *>(QStringLiteral("scenarioCombo")), QStringLiteral("second-tab"));
        QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("runButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->isFinished() && !page->isBusy(), timeout);
        QTemporaryDir dir;
        for (const QString &name : {QStringLiteral("second-tab.txt"), QStringLiteral("second-tab.json")}) {
            const QString path = dir.filePath(name);
            QTimer::singleShot(0, this, [path]() {
                auto *dialog = qobject_cast<QFileDialog *>(QApplication::activeModalWidget());
                QVERIFY(dialog);
                dialog->selectFile(path);
                QMetaObject::invokeMethod(dialog, "accept");
            });
            QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("exportTranscriptButton")),
                              Qt::LeftButton);
            QFile file(path);
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
            const QByteArray content = file.readAll();
            if (name.endsWith(QLatin1String(".json"))) {
                const QJsonObject json = QJsonDocument::fromJson(content).object();
                QCOMPARE(json.value(QStringLiteral("scenario")).toString(), QStringLiteral("second-tab"));
                QCOMPARE(json.value(QStringLiteral("steps")).toArray().size(), page->steps().size());
            } else {
                QVERIFY(content.contains("Two tabs at once"));
                QVERIFY(content.contains("grace_retry"));
            }
        }
    }

    void intoTheDatabaseAndRemovedAgain()
    {
        const qint64 users = rowCount(Table::Users);
        MainWindow window;
        SimulatorPage *page = open(window, m_database.spec());
        QVERIFY(page);
        choose(window.findChild<QComboBox *>(QStringLiteral("scenarioCombo")), QStringLiteral("revoked-while-in-use"));
        choose(window.findChild<QComboBox *>(QStringLiteral("targetCombo")), int(ScenarioRun::Target::IntoDatabase));
        QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("runButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->isFinished() && !page->isBusy(), 60000);
        for (const ScenarioStep &step : page->steps())
            QVERIFY2(step.asExpected, qPrintable(step.toText()));
        // In the open database, as any server's events would be.
        QCOMPARE(rowCount(Table::Users), users + 1);
        ListRequest revoked;
        revoked.table = Table::Events;
        revoked.kind = QStringLiteral("family_revoked");
        revoked.familyId = page->steps().first().familyId;
        QCOMPARE(m_database.count(revoked), 1);

        QTimer::singleShot(0, this, []() {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            QVERIFY(box);
            box->button(QMessageBox::Yes)->click();
        });
        QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("removeSimulatedButton")), Qt::LeftButton);
        auto *status = window.findChild<QLabel *>(QStringLiteral("simulatorStatus"));
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("Removed 1 simulated user")), timeout);
        QCOMPARE(rowCount(Table::Users), users);
        QCOMPARE(m_database.count(revoked), 0);
    }

private:
    UiTestDatabase m_database;
};

QTEST_MAIN(TestSimulator)
#include "tst_simulator.moc"
