#include "Catalog.h"
#include "Clock.h"
#include "Database.h"
#include "DemoBootstrap.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProgressDialog>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace rotor;

namespace {

QByteArray fileDigest(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray("<absent>");
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

qint64 countRows(const QString &path, Table table)
{
    Database db(ConnectionSpec::sqlite(path, true));
    QString error;
    if (!db.open(Database::OpenMode::OpenExisting, &error)) {
        qWarning("open failed: %s", qPrintable(error));
        return -1;
    }
    const SystemClock clock;
    Catalog catalog(db, clock);
    ListRequest request;
    request.table = table;
    qint64 count = -1;
    if (!catalog.count(request, &count, &error))
        qWarning("count failed: %s", qPrintable(error));
    return count;
}

} // namespace

class TestDemoBootstrap : public QObject
{
    Q_OBJECT

private slots:
    void createsAndSeedsOnce();
    void neverTouchesAnExistingFile();
    void cancelRemovesTheHalfMadeFile_data();
    void cancelRemovesTheHalfMadeFile();
    void failureIsReported();
    void defaultSizeIsAboutTwoThousandUsers();
};

void TestDemoBootstrap::createsAndSeedsOnce()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("share/rotor/demo.sqlite"));
    SeedOptions options;
    options.users = 300;
    bool sawProgress = false;
    // The progress dialog is up while the seeding runs and the event loop keeps turning.
    QTimer watcher;
    watcher.setInterval(5);
    connect(&watcher, &QTimer::timeout, this, [&]() {
        if (qobject_cast<QProgressDialog *>(QApplication::activeModalWidget()))
            sawProgress = true;
    });
    watcher.start();
    QString error;
    QVERIFY2(ensureDemoDatabase(nullptr, path, options, &error), qPrintable(error));
    watcher.stop();
    QVERIFY(sawProgress);
    QVERIFY(error.isEmpty());
    QCOMPARE(countRows(path, Table::Users), qint64(300));
    QVERIFY(countRows(path, Table::Families) > 0);
    QVERIFY(countRows(path, Table::Events) > 0);

    // A second start finds the file and changes nothing: no re-seeding over existing data.
    const QByteArray before = fileDigest(path);
    const QDateTime modified = QFileInfo(path).lastModified();
    QVERIFY2(ensureDemoDatabase(nullptr, path, options, &error), qPrintable(error));
    QCOMPARE(fileDigest(path), before);
    QCOMPARE(QFileInfo(path).lastModified(), modified);
    QCOMPARE(countRows(path, Table::Users), qint64(300));
}

void TestDemoBootstrap::neverTouchesAnExistingFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("demo.sqlite"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not even a database");
    }
    const QByteArray before = fileDigest(path);
    QString error;
    QVERIFY(ensureDemoDatabase(nullptr, path, &error));
    QCOMPARE(fileDigest(path), before);
}

void TestDemoBootstrap::cancelRemovesTheHalfMadeFile_data()
{
    QTest::addColumn<bool>("escape");
    QTest::newRow("cancel button") << false;
    QTest::newRow("escape key") << true;
}

void TestDemoBootstrap::cancelRemovesTheHalfMadeFile()
{
    QFETCH(bool, escape);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("demo.sqlite"));
    SeedOptions options;
    options.users = 200000; // far more than can be written before the cancel lands
    bool clicked = false;
    QTimer canceller;
    canceller.setInterval(5);
    connect(&canceller, &QTimer::timeout, this, [&]() {
        auto *dialog = qobject_cast<QProgressDialog *>(QApplication::activeModalWidget());
        if (!dialog || clicked)
            return;
        clicked = true;
        if (escape)
            QTest::keyClick(dialog, Qt::Key_Escape);
        else
            QTest::mouseClick(dialog->findChild<QPushButton *>(), Qt::LeftButton);
    });
    canceller.start();
    QString error;
    QVERIFY(!ensureDemoDatabase(nullptr, path, options, &error));
    canceller.stop();
    QVERIFY(clicked);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        QVERIFY2(!QFile::exists(path + QLatin1String(suffix)), suffix);
    QVERIFY(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden).isEmpty());
}

void TestDemoBootstrap::failureIsReported()
{
    QTemporaryDir dir;
    // The folder the database would go in is a file: nothing can be created.
    const QString blocker = dir.filePath(QStringLiteral("blocker"));
    {
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    const QString path = blocker + QStringLiteral("/demo.sqlite");
    QString error;
    QVERIFY(!ensureDemoDatabase(nullptr, path, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!QFile::exists(path));
}

void TestDemoBootstrap::defaultSizeIsAboutTwoThousandUsers()
{
    QCOMPARE(defaultDemoOptions().users, 2000);
    QCOMPARE(defaultDemoOptions().familiesPerUser, SeedOptions().familiesPerUser);
    QCOMPARE(defaultDemoOptions().chainLength, SeedOptions().chainLength);
}

QTEST_MAIN(TestDemoBootstrap)
#include "tst_demobootstrap.moc"
