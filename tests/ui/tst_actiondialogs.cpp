#include "ActionDialogs.h"

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>
#include <QTimer>

#include <functional>

using namespace rotor;

namespace {

// Runs step on the next modal dialog as soon as it is up (the dialogs block in exec()).
void whenDialogOpens(std::function<void(QDialog *)> step)
{
    auto *timer = new QTimer;
    timer->setInterval(10);
    QObject::connect(timer, &QTimer::timeout, [timer, step]() {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        if (!dialog || !dialog->isVisible())
            return;
        timer->stop();
        timer->deleteLater();
        step(dialog);
    });
    timer->start();
}

} // namespace

class TestActionDialogs : public QObject
{
    Q_OBJECT

private slots:
    void revokeUserShowsCountsAndDevices();
    void confirmStaysDisabledUntilAReason();
    void cancelReturnsFalse();
    void escapeReturnsFalse();
    void revokeFamilyNamesTheSession();
    void revokedFamilyCannotBeConfirmed();
    void setActiveOffersCommonReasons();
};

void TestActionDialogs::revokeUserShowsCountsAndDevices()
{
    RevocationPreview preview;
    preview.liveFamilies = 3;
    preview.devices = {QStringLiteral("Pixel 8"), QStringLiteral("Firefox on Linux")};
    QString summary;
    QString details;
    whenDialogOpens([&](QDialog *dialog) {
        summary = dialog->findChild<QLabel *>(QStringLiteral("summaryLabel"))->text();
        details = dialog->findChild<QLabel *>(QStringLiteral("detailsLabel"))->text();
        dialog->reject();
    });
    QString reason;
    QVERIFY(!dialogs::confirmRevokeUser(nullptr, QStringLiteral("alice@example.com"), preview, &reason));
    QVERIFY2(summary.contains(QLatin1String("Revoke 3 live sessions of alice@example.com")), qPrintable(summary));
    QVERIFY(summary.contains(QLatin1String("Pixel 8")));
    QVERIFY(summary.contains(QLatin1String("Firefox on Linux")));
    QVERIFY2(details.contains(QLatin1String("token version is bumped")), qPrintable(details));
}

void TestActionDialogs::confirmStaysDisabledUntilAReason()
{
    RevocationPreview preview;
    preview.liveFamilies = 1;
    preview.devices = {QStringLiteral("Pixel 8")};
    bool disabledAtFirst = false;
    bool disabledForBlanks = false;
    bool enabledWithReason = false;
    whenDialogOpens([&](QDialog *dialog) {
        auto *confirm = dialog->findChild<QPushButton *>(QStringLiteral("confirmButton"));
        auto *reason = dialog->findChild<QComboBox *>(QStringLiteral("reasonEdit"));
        disabledAtFirst = !confirm->isEnabled() && reason->currentText().isEmpty();
        QTest::keyClicks(reason, QStringLiteral("   "));
        disabledForBlanks = !confirm->isEnabled();
        // Enter with only blanks must not confirm either.
        QTest::keyClick(reason, Qt::Key_Return);
        if (!dialog->isVisible())
            return;
        reason->lineEdit()->clear();
        QTest::keyClicks(reason, QStringLiteral("Phone stolen on the train"));
        enabledWithReason = confirm->isEnabled();
        QTest::mouseClick(confirm, Qt::LeftButton);
    });
    QString reason;
    QVERIFY(dialogs::confirmRevokeUser(nullptr, QStringLiteral("bob@example.com"), preview, &reason));
    QVERIFY(disabledAtFirst);
    QVERIFY(disabledForBlanks);
    QVERIFY(enabledWithReason);
    QCOMPARE(reason, QStringLiteral("Phone stolen on the train"));
}

void TestActionDialogs::cancelReturnsFalse()
{
    RevocationPreview preview;
    preview.liveFamilies = 2;
    preview.devices = {QStringLiteral("Pixel 8")};
    whenDialogOpens([](QDialog *dialog) {
        QTest::keyClicks(dialog->findChild<QComboBox *>(QStringLiteral("reasonEdit")), QStringLiteral("typed"));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("cancelButton")), Qt::LeftButton);
    });
    QString reason = QStringLiteral("untouched");
    QVERIFY(!dialogs::confirmRevokeUser(nullptr, QStringLiteral("carol@example.com"), preview, &reason));
    QCOMPARE(reason, QStringLiteral("untouched"));
}

void TestActionDialogs::escapeReturnsFalse()
{
    whenDialogOpens([](QDialog *dialog) {
        QTest::keyClicks(dialog->findChild<QComboBox *>(QStringLiteral("reasonEdit")), QStringLiteral("typed"));
        QTest::keyClick(dialog, Qt::Key_Escape);
    });
    QString reason;
    QVERIFY(!dialogs::confirmSetActive(nullptr, QStringLiteral("dave@example.com"), false, &reason));
    QVERIFY(reason.isEmpty());
}

void TestActionDialogs::revokeFamilyNamesTheSession()
{
    RevocationPreview preview;
    preview.liveFamilies = 1;
    preview.devices = {QStringLiteral("Work laptop")};
    QString summary;
    whenDialogOpens([&](QDialog *dialog) {
        summary = dialog->findChild<QLabel *>(QStringLiteral("summaryLabel"))->text();
        auto *reason = dialog->findChild<QComboBox *>(QStringLiteral("reasonEdit"));
        QTest::keyClicks(reason, QStringLiteral("Suspicious refresh from abroad"));
        QTest::keyClick(reason, Qt::Key_Return); // Enter confirms once a reason is there
    });
    QString reason;
    QVERIFY(dialogs::confirmRevokeFamily(nullptr, 4242, QStringLiteral("erin@example.com"), preview, &reason));
    QCOMPARE(reason, QStringLiteral("Suspicious refresh from abroad"));
    QVERIFY2(summary.contains(QLocale().toString(4242)), qPrintable(summary));
    QVERIFY(summary.contains(QLatin1String("erin@example.com")));
    QVERIFY(summary.contains(QLatin1String("Work laptop")));
}

void TestActionDialogs::revokedFamilyCannotBeConfirmed()
{
    RevocationPreview preview; // no live session left
    preview.devices = {QStringLiteral("Pixel 8")};
    bool confirmable = true;
    QString summary;
    whenDialogOpens([&](QDialog *dialog) {
        summary = dialog->findChild<QLabel *>(QStringLiteral("summaryLabel"))->text();
        auto *confirm = dialog->findChild<QPushButton *>(QStringLiteral("confirmButton"));
        QTest::keyClicks(dialog->findChild<QComboBox *>(QStringLiteral("reasonEdit")), QStringLiteral("why not"));
        confirmable = confirm->isVisible() && confirm->isEnabled();
        dialog->reject();
    });
    QString reason;
    QVERIFY(!dialogs::confirmRevokeFamily(nullptr, 7, QStringLiteral("frank@example.com"), preview, &reason));
    QVERIFY(!confirmable);
    QVERIFY2(summary.contains(QLatin1String("no longer live")), qPrintable(summary));
}

void TestActionDialogs::setActiveOffersCommonReasons()
{
    QString summary;
    whenDialogOpens([&](QDialog *dialog) {
        summary = dialog->findChild<QLabel *>(QStringLiteral("summaryLabel"))->text();
        auto *reason = dialog->findChild<QComboBox *>(QStringLiteral("reasonEdit"));
        auto *confirm = dialog->findChild<QPushButton *>(QStringLiteral("confirmButton"));
        if (reason->count() < 2 || confirm->isEnabled())
            return dialog->reject();
        reason->setCurrentIndex(1);
        QTest::mouseClick(confirm, Qt::LeftButton);
    });
    QString reason;
    QVERIFY(dialogs::confirmSetActive(nullptr, QStringLiteral("gina@example.com"), true, &reason));
    QVERIFY(!reason.isEmpty());
    QVERIFY2(summary.contains(QLatin1String("Reactivate gina@example.com")), qPrintable(summary));
}

QTEST_MAIN(TestActionDialogs)
#include "tst_actiondialogs.moc"
