// A session's detail pane in the console, offscreen: a revoked session says why in one selectable sentence that Copy
// puts on the clipboard (the very sentence Catalog::explainRevocation gives), and the timeline asks "what if this
// generation were presented?" on the detail worker, answering as core's WhatIf does without writing anything.
#include "AdminService.h"
#include "Clock.h"
#include "DetailPanes.h"
#include "MainWindow.h"
#include "PagedTableModel.h"
#include "SecurityEvent.h"
#include "TableView.h"
#include "TimelineWidget.h"
#include "UiTestDatabase.h"
#include "WhatIf.h"
#include "WhatIfDialog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCryptographicHash>
#include <QDateTimeEdit>
#include <QFile>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>

using namespace rotor;

namespace {

constexpr int timeout = 15000;

QByteArray fileDigest(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QByteArrayLiteral("absent");
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}

} // namespace

class TestSessionDetail : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void revokedSessionSaysWhy_data();
    void revokedSessionSaysWhy();
    void activeSessionIsNotRevoked();
    void whatIfFromTheTimeline_data();
    void whatIfFromTheTimeline();

private:
    void openWindow(const ConnectionSpec &spec);
    FamilyDetailPane *openSession(qint64 familyId);
    qint64 firstFamily(const QString &state, const QString &reason);
    QByteArray filesDigest();

    UiTestDatabase m_database;
    std::unique_ptr<MainWindow> m_window;
};

void TestSessionDetail::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(QStringLiteral("RotorTests"));
    QApplication::setApplicationName(QStringLiteral("tst_sessiondetail"));
    QSettings().clear();
    QString error;
    QVERIFY2(m_database.create(300, &error), qPrintable(error));
}

void TestSessionDetail::cleanup()
{
    m_window.reset();
}

void TestSessionDetail::openWindow(const ConnectionSpec &spec)
{
    m_window = std::make_unique<MainWindow>();
    m_window->show();
    m_window->openConnection(spec);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->isConnected(), timeout);
}

FamilyDetailPane *TestSessionDetail::openSession(qint64 familyId)
{
    m_window->openFamily(familyId);
    TableView *sessions = m_window->view(Table::Families);
    if (!QTest::qWaitFor(
            [&]() { return sessions->currentRowValues().value(column::FamilyId).toLongLong() == familyId; }, timeout))
        return nullptr;
    auto *pane = qobject_cast<FamilyDetailPane *>(sessions->detailPane());
    if (!pane || !QTest::qWaitFor([pane]() { return pane->isChainLoaded(); }, timeout))
        return nullptr;
    return pane;
}

qint64 TestSessionDetail::firstFamily(const QString &state, const QString &reason)
{
    ListRequest request;
    request.table = Table::Families;
    request.state = state;
    request.limit = -1;
    for (const QVariantList &row : m_database.list(request)) {
        if (reason.isEmpty() || row.value(column::FamilyRevokeReason).toString() == reason)
            return row.value(column::FamilyId).toLongLong();
    }
    return 0;
}

// The database file and its write-ahead log.
QByteArray TestSessionDetail::filesDigest()
{
    const QString path = m_database.spec().sqlitePath;
    return fileDigest(path) + '/' + fileDigest(path + QStringLiteral("-wal"));
}

void TestSessionDetail::revokedSessionSaysWhy_data()
{
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("says");
    QTest::newRow("replay") << QString::fromLatin1(revoke_reason::replay) << QStringLiteral("by replay detection");
    QTest::newRow("administrator") << QString::fromLatin1(revoke_reason::admin)
                                   << QStringLiteral("by the administrator");
    QTest::newRow("sign-out") << QString::fromLatin1(revoke_reason::logout) << QStringLiteral("by its own client");
}

void TestSessionDetail::revokedSessionSaysWhy()
{
    QFETCH(QString, reason);
    QFETCH(QString, says);
    const qint64 familyId = firstFamily(QStringLiteral("revoked"), reason);
    QVERIFY2(familyId > 0, "the demo data has a session revoked so");
    RevocationExplanation expected;
    QString error;
    QVERIFY2(m_database.catalog().explainRevocation(familyId, &expected, &error), qPrintable(error));
    QVERIFY(expected.revoked);
    QVERIFY2(expected.sentence.contains(says), qPrintable(expected.sentence));

    openWindow(m_database.spec());
    FamilyDetailPane *pane = openSession(familyId);
    QVERIFY(pane);
    QTRY_COMPARE_WITH_TIMEOUT(pane->revocationText(), expected.sentence, timeout);
    auto *text = pane->findChild<QLabel *>(QStringLiteral("revocationText"));
    QVERIFY(text && text->isVisible());
    QVERIFY(text->textInteractionFlags() & Qt::TextSelectableByMouse);
    QCOMPARE(text->textFormat(), Qt::PlainText); // an address or user agent is shown, never interpreted

    QGuiApplication::clipboard()->clear();
    auto *copy = pane->findChild<QPushButton *>(QStringLiteral("copyRevocationButton"));
    QVERIFY(copy && copy->isVisible());
    QTest::mouseClick(copy, Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), expected.sentence);
}

void TestSessionDetail::activeSessionIsNotRevoked()
{
    const qint64 familyId = firstFamily(QStringLiteral("active"), QString());
    QVERIFY(familyId > 0);
    openWindow(m_database.spec());
    FamilyDetailPane *pane = openSession(familyId);
    QVERIFY(pane);
    QVERIFY(pane->revocationText().isEmpty());
    QVERIFY(!pane->findChild<QPushButton *>(QStringLiteral("copyRevocationButton"))->isVisible());

    // Revoked while it is on screen: the refreshed pane says why.
    SystemClock clock;
    AdminService admin(m_database.db(), clock, {QStringLiteral("console-test"), QStringLiteral("test-host")});
    QString error;
    QVERIFY2(admin.revokeFamily(familyId, QStringLiteral("seen on screen"), &error), qPrintable(error));
    m_window->refreshAll();
    QTRY_VERIFY_WITH_TIMEOUT(pane->revocationText().contains(QStringLiteral("\u201cseen on screen\u201d")), timeout);
    QVERIFY2(pane->revocationText().contains(QStringLiteral("the administrator console-test from test-host")),
             qPrintable(pane->revocationText()));
}

void TestSessionDetail::whatIfFromTheTimeline_data()
{
    QTest::addColumn<bool>("readOnly");
    QTest::newRow("read-write") << false;
    QTest::newRow("read-only") << true; // it writes nothing, so a read-only console asks too
}

void TestSessionDetail::whatIfFromTheTimeline()
{
    QFETCH(bool, readOnly);
    // A live session with a used generation: its newest generation rotates, an older one is a replay.
    ListRequest request;
    request.table = Table::Families;
    request.state = QStringLiteral("active");
    request.limit = -1;
    qint64 familyId = 0;
    int newest = 0;
    for (const QVariantList &row : m_database.list(request)) {
        if (row.value(column::FamilyGeneration).toInt() >= 2) {
            familyId = row.value(column::FamilyId).toLongLong();
            newest = row.value(column::FamilyGeneration).toInt();
            break;
        }
    }
    QVERIFY(familyId > 0);
    openWindow(readOnly ? m_database.readOnlySpec() : m_database.spec());
    FamilyDetailPane *pane = openSession(familyId);
    QVERIFY(pane);
    TimelineWidget *timeline = pane->timeline();
    auto *button = pane->findChild<QPushButton *>(QStringLiteral("whatIfButton"));
    QVERIFY(button);
    QVERIFY(!button->isEnabled()); // nothing chosen yet

    const auto selectGeneration = [timeline](int generation) {
        for (int i = 0; i < timeline->count(); ++i) {
            QListWidgetItem *item = timeline->item(i);
            if (item->data(TimelineWidget::KindRole).toInt() == int(TimelineWidget::EntryKind::Generation)
                && item->data(Qt::UserRole).toInt() == generation) {
                timeline->setCurrentItem(item);
                return true;
            }
        }
        return false;
    };
    const QByteArray files = filesDigest();

    // The newest generation, now, from the button: the answer is core's, in the vocabulary's words.
    QVERIFY(selectGeneration(newest));
    QCOMPARE(timeline->currentGeneration(), newest);
    QVERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
    QPointer<WhatIfDialog> dialog = pane->whatIfDialog();
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->hasAnswer(), timeout);
    QCOMPARE(dialog->answer().judgement.outcome, Outcome::Rotate);
    QCOMPARE(dialog->answer().generation, newest);
    QVERIFY2(dialog->outcomeText().contains(QStringLiteral("<code>rotated</code>")), qPrintable(dialog->outcomeText()));
    QVERIFY2(dialog->answerText().contains(dialog->answer().explanation.mid(1)), qPrintable(dialog->answerText()));
    QVERIFY2(dialog->answerText().contains(QStringLiteral("Nothing was written")), qPrintable(dialog->answerText()));
    dialog->close();
    QTRY_VERIFY(dialog.isNull());

    // Generation 0 from the timeline's context-menu action, at a chosen instant: the answer equals core's WhatIf
    // asked on the test's own connection at that instant, word for word.
    QVERIFY(selectGeneration(0));
    QVERIFY(timeline->whatIfAction()->isEnabled());
    timeline->whatIfAction()->trigger();
    dialog = pane->whatIfDialog();
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->hasAnswer(), timeout); // "now" first, as it opens
    const qint64 at = (QDateTime::currentMSecsSinceEpoch() / 1000 + 3600) * 1000; // in an hour, whole seconds
    dialog->findChild<QRadioButton *>(QStringLiteral("atRadio"))->setChecked(true);
    auto *atEdit = dialog->findChild<QDateTimeEdit *>(QStringLiteral("atEdit"));
    QVERIFY(atEdit->isEnabled());
    atEdit->setDateTime(QDateTime::fromMSecsSinceEpoch(at));
    QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("askButton")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dialog->answer().atMs, at, timeout);
    SystemClock clock;
    WhatIf direct(m_database.db(), clock);
    WhatIfAnswer expected;
    QString error;
    QVERIFY2(direct.answer(familyId, 0, at, &expected, &error), qPrintable(error));
    QCOMPARE(dialog->answer().judgement.outcome, expected.judgement.outcome);
    QCOMPARE(dialog->answer().explanation, expected.explanation);
    QCOMPARE(dialog->answer().consequence, expected.consequence);
    QCOMPARE(expected.judgement.outcome, Outcome::Replay); // used long before: two parties
    QVERIFY2(dialog->outcomeText().contains(QStringLiteral("<code>replay_detected</code>")),
             qPrintable(dialog->outcomeText()));

    // Only the chain's generations can be asked about.
    auto *spin = dialog->findChild<QSpinBox *>(QStringLiteral("generationSpin"));
    QCOMPARE(spin->maximum(), newest);
    dialog->close();

    QCOMPARE(filesDigest(), files); // asking wrote nothing
    ListRequest same;
    same.table = Table::Families;
    same.familyId = familyId;
    QCOMPARE(m_database.list(same).first().value(column::FamilyState).toString(), QStringLiteral("active"));
}

QTEST_MAIN(TestSessionDetail)
#include "tst_sessiondetail.moc"
