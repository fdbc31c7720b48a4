#include "ConnectionDialog.h"
#include "Database.h"
#include "RecentConnections.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace rotor;

namespace {

QByteArray fileDigest(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray("<absent>");
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// Runs statements on a plain SQLite connection of the test's own (to build files Rotor must refuse).
bool sqlite(const QString &path, const QStringList &statements)
{
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("test-raw"));
        db.setDatabaseName(path);
        ok = db.open();
        QSqlQuery query(db);
        for (const QString &statement : statements)
            ok = ok && query.exec(statement);
        query.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test-raw"));
    return ok;
}

template<typename T>
T *child(QWidget &dialog, const char *name)
{
    return dialog.findChild<T *>(QLatin1String(name));
}

} // namespace

class TestConnectionDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void refusesWithoutChangingAnything_data();
    void refusesWithoutChangingAnything();
    void serverDownIsExplained();
    void successAcceptsWithTheTestedSpec();
    void createsOnlyWhenAsked();
    void readOnlyCannotCreate();
    void recentConnectionsNeverHoldThePassword();
    void selectingARecentConnectionFillsTheForm();
    void failedAttemptsAreNotRemembered();
    void enterConnectsAndEscapeCancels();
    void explainsServerErrors();

private:
    // Clicks Connect and waits until the attempt is over (the busy indicator goes away).
    void connectAndWait(ConnectionDialog &dialog, int timeoutMs = 10000);

    QTemporaryDir m_dir;
    QString m_rotorFile;
};

void TestConnectionDialog::initTestCase()
{
    // Settings go to a throwaway test location, never to the user's own configuration.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("RotorTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_connectiondialog"));
    QVERIFY(QSettings().fileName().contains(QLatin1String("qttest")));
    QVERIFY(m_dir.isValid());
    m_rotorFile = m_dir.filePath(QStringLiteral("rotor.sqlite"));
    Database db(ConnectionSpec::sqlite(m_rotorFile));
    QString error;
    QVERIFY2(db.open(Database::OpenMode::CreateIfMissing, &error), qPrintable(error));
}

void TestConnectionDialog::init()
{
    RecentConnections::clear();
}

void TestConnectionDialog::connectAndWait(ConnectionDialog &dialog, int timeoutMs)
{
    auto *connectButton = child<QPushButton>(dialog, "connectButton");
    auto *busy = child<QProgressBar>(dialog, "busyIndicator");
    QVERIFY(connectButton && busy);
    QVERIFY(connectButton->isEnabled());
    QTest::mouseClick(connectButton, Qt::LeftButton);
    // The attempt runs on a worker: until it answers, the dialog shows it is busy and cannot connect twice.
    if (dialog.isVisible()) {
        QVERIFY(!connectButton->isEnabled());
        QVERIFY(busy->isVisible());
    }
    QTRY_VERIFY_WITH_TIMEOUT(!busy->isVisible(), timeoutMs);
}

void TestConnectionDialog::refusesWithoutChangingAnything_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("headline");
    QTest::newRow("missing file") << "missing"
                                  << "There is no database file at this path";
    QTest::newRow("not SQLite") << "text"
                                << "not a SQLite database at all";
    QTest::newRow("foreign SQLite") << "foreign"
                                    << "not a Rotor database";
    QTest::newRow("newer schema") << "newer"
                                  << "newer version of Rotor";
    QTest::newRow("corrupt") << "corrupt"
                             << "damaged";
}

void TestConnectionDialog::refusesWithoutChangingAnything()
{
    QFETCH(QString, kind);
    QFETCH(QString, headline);
    const QString path = m_dir.filePath(kind + QStringLiteral(".sqlite"));
    if (kind == QLatin1String("text")) {
        QVERIFY(writeFile(path, "id,email\n1,alice@example.com\n"));
    } else if (kind == QLatin1String("foreign")) {
        QVERIFY(sqlite(path,
                       {QStringLiteral("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"),
                        QStringLiteral("INSERT INTO notes (body) VALUES ('keep me')")}));
    } else if (kind == QLatin1String("newer")) {
        QVERIFY(QFile::copy(m_rotorFile, path));
        QVERIFY(sqlite(path, {QStringLiteral("PRAGMA user_version = 999")}));
    } else if (kind == QLatin1String("corrupt")) {
        QByteArray bytes("SQLite format 3", 16);
        bytes += QByteArray(4096, '\xAB');
        QVERIFY(writeFile(path, bytes));
    }
    const QByteArray before = fileDigest(path);

    ConnectionDialog dialog;
    dialog.setSpec(ConnectionSpec::sqlite(path));
    dialog.show();
    connectAndWait(dialog);

    auto *errorLabel = child<QLabel>(dialog, "errorLabel");
    QVERIFY(errorLabel->isVisible());
    QVERIFY2(errorLabel->text().contains(headline), qPrintable(errorLabel->text()));
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY(child<QPushButton>(dialog, "connectButton")->isEnabled());
    QCOMPARE(fileDigest(path), before);
    if (kind == QLatin1String("missing"))
        QVERIFY(!QFile::exists(path));
}

void TestConnectionDialog::serverDownIsExplained()
{
    // Nothing listens on port 1 of the loopback interface: the connection is refused at once.
    ConnectionSpec spec;
    spec.backend = Backend::Postgres;
    spec.host = QStringLiteral("127.0.0.1");
    spec.port = 1;
    spec.databaseName = QStringLiteral("rotor");
    spec.userName = QStringLiteral("rotor");
    spec.password = QStringLiteral("never-stored");
    ConnectionDialog dialog;
    dialog.setSpec(spec);
    dialog.show();
    QVERIFY(child<QRadioButton>(dialog, "postgresRadio")->isChecked());
    connectAndWait(dialog, 20000);
    auto *errorLabel = child<QLabel>(dialog, "errorLabel");
    QVERIFY(errorLabel->isVisible());
    QVERIFY2(errorLabel->text().contains(QLatin1String("cannot be reached")), qPrintable(errorLabel->text()));
    QVERIFY(!errorLabel->text().contains(QLatin1String("never-stored")));
    QVERIFY(dialog.isVisible());
    QVERIFY(RecentConnections::load().isEmpty());
}

void TestConnectionDialog::successAcceptsWithTheTestedSpec()
{
    ConnectionDialog dialog;
    dialog.setSpec(ConnectionSpec::sqlite(m_rotorFile, true));
    dialog.show();
    connectAndWait(dialog);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.isVisible());
    const ConnectionSpec spec = dialog.spec();
    QCOMPARE(spec.backend, Backend::Sqlite);
    QCOMPARE(spec.sqlitePath, m_rotorFile);
    QVERIFY(spec.readOnly);
    const QList<ConnectionSpec> recent = RecentConnections::load();
    QCOMPARE(recent.size(), 1);
    QCOMPARE(recent.first().sqlitePath, m_rotorFile);
    QVERIFY(recent.first().readOnly);
}

void TestConnectionDialog::createsOnlyWhenAsked()
{
    const QString path = m_dir.filePath(QStringLiteral("new/fresh.sqlite"));
    ConnectionDialog dialog;
    dialog.setSpec(ConnectionSpec::sqlite(path));
    dialog.show();
    connectAndWait(dialog);
    QVERIFY(dialog.isVisible());
    QVERIFY(!QFile::exists(path));

    child<QCheckBox>(dialog, "createCheck")->setChecked(true);
    connectAndWait(dialog);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(QFile::exists(path));
    Database db(ConnectionSpec::sqlite(path));
    QString error;
    QVERIFY2(db.open(Database::OpenMode::OpenExisting, &error), qPrintable(error));
    QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
}

void TestConnectionDialog::readOnlyCannotCreate()
{
    ConnectionDialog dialog;
    auto *create = child<QCheckBox>(dialog, "createCheck");
    auto *readOnly = child<QCheckBox>(dialog, "readOnlyCheck");
    create->setChecked(true);
    readOnly->setChecked(true);
    QVERIFY(!create->isEnabled());
    QVERIFY(!create->isChecked());
    readOnly->setChecked(false);
    QVERIFY(create->isEnabled());
}

void TestConnectionDialog::recentConnectionsNeverHoldThePassword()
{
    ConnectionSpec spec;
    spec.backend = Backend::Postgres;
    spec.host = QStringLiteral("db.example.com");
    spec.port = 6543;
    spec.databaseName = QStringLiteral("auth");
    spec.userName = QStringLiteral("admin");
    spec.password = QStringLiteral("pa55-w0rd-xyz");
    spec.sslMode = QStringLiteral("require");
    RecentConnections::remember(spec);
    RecentConnections::remember(ConnectionSpec::sqlite(m_rotorFile));

    const QString settingsFile = QSettings().fileName();
    QFile file(settingsFile);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(settingsFile));
    const QByteArray stored = file.readAll();
    QVERIFY(stored.contains("db.example.com"));
    QVERIFY(!stored.contains("pa55-w0rd-xyz"));

    const QList<ConnectionSpec> recent = RecentConnections::load();
    QCOMPARE(recent.size(), 2);
    QCOMPARE(recent.at(0).sqlitePath, m_rotorFile); // newest first
    const ConnectionSpec &loaded = recent.at(1);
    QCOMPARE(loaded.backend, Backend::Postgres);
    QCOMPARE(loaded.host, spec.host);
    QCOMPARE(loaded.port, spec.port);
    QCOMPARE(loaded.databaseName, spec.databaseName);
    QCOMPARE(loaded.userName, spec.userName);
    QCOMPARE(loaded.sslMode, spec.sslMode);
    QVERIFY(loaded.password.isEmpty());

    // Remembering again moves it to the front instead of adding a duplicate; the list is bounded.
    RecentConnections::remember(spec);
    QCOMPARE(RecentConnections::load().size(), 2);
    QCOMPARE(RecentConnections::load().first().host, spec.host);
    for (int i = 0; i < RecentConnections::maximumEntries + 3; ++i)
        RecentConnections::remember(ConnectionSpec::sqlite(m_dir.filePath(QStringLiteral("f%1.sqlite").arg(i))));
    QCOMPARE(RecentConnections::load().size(), RecentConnections::maximumEntries);
}

void TestConnectionDialog::selectingARecentConnectionFillsTheForm()
{
    ConnectionSpec postgres;
    postgres.backend = Backend::Postgres;
    postgres.host = QStringLiteral("db.example.com");
    postgres.port = 6543;
    postgres.databaseName = QStringLiteral("auth");
    postgres.userName = QStringLiteral("admin");
    postgres.sslMode = QStringLiteral("verify-full");
    postgres.readOnly = true;
    RecentConnections::remember(postgres);
    RecentConnections::remember(ConnectionSpec::sqlite(m_rotorFile));

    ConnectionDialog dialog;
    auto *list = child<QListWidget>(dialog, "recentList");
    QCOMPARE(list->count(), 2);
    // The newest is preselected.
    QCOMPARE(child<QLineEdit>(dialog, "pathEdit")->text(), m_rotorFile);
    QVERIFY(child<QRadioButton>(dialog, "sqliteRadio")->isChecked());

    list->setCurrentRow(1);
    QVERIFY(child<QRadioButton>(dialog, "postgresRadio")->isChecked());
    QCOMPARE(child<QLineEdit>(dialog, "hostEdit")->text(), postgres.host);
    QCOMPARE(child<QSpinBox>(dialog, "portSpin")->value(), 6543);
    QCOMPARE(child<QLineEdit>(dialog, "databaseEdit")->text(), postgres.databaseName);
    QCOMPARE(child<QLineEdit>(dialog, "userEdit")->text(), postgres.userName);
    QVERIFY(child<QLineEdit>(dialog, "passwordEdit")->text().isEmpty());
    QCOMPARE(child<QComboBox>(dialog, "sslModeCombo")->currentData().toString(), postgres.sslMode);
    QVERIFY(child<QCheckBox>(dialog, "readOnlyCheck")->isChecked());
    const ConnectionSpec spec = dialog.spec();
    QCOMPARE(spec.displayName(), postgres.displayName());
}

void TestConnectionDialog::failedAttemptsAreNotRemembered()
{
    ConnectionDialog dialog;
    dialog.setSpec(ConnectionSpec::sqlite(m_dir.filePath(QStringLiteral("absent.sqlite"))));
    dialog.show();
    connectAndWait(dialog);
    QVERIFY(dialog.isVisible());
    QVERIFY(RecentConnections::load().isEmpty());
}

void TestConnectionDialog::enterConnectsAndEscapeCancels()
{
    {
        ConnectionDialog dialog;
        dialog.setSpec(ConnectionSpec::sqlite(m_rotorFile));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        child<QLineEdit>(dialog, "pathEdit")->setFocus();
        QTest::keyClick(child<QLineEdit>(dialog, "pathEdit"), Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), 10000);
    }
    {
        ConnectionDialog dialog;
        dialog.setSpec(ConnectionSpec::sqlite(m_rotorFile));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::keyClick(&dialog, Qt::Key_Escape);
        QVERIFY(!dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
    }
}

void TestConnectionDialog::explainsServerErrors()
{
    ConnectionSpec spec;
    spec.backend = Backend::Postgres;
    const QString wrongPassword = ConnectionDialog::explainError(
        spec,
        QStringLiteral("cannot connect to postgresql://x@h:5432/db: FATAL:  password authentication failed "
                       "for user \"x\""));
    QVERIFY(wrongPassword.contains(QLatin1String("refused the user name or password")));
    QVERIFY(wrongPassword.contains(QLatin1String("password authentication failed")));
    const QString unknown = ConnectionDialog::explainError(spec, QStringLiteral("something <odd>"));
    QVERIFY(unknown.contains(QLatin1String("something &lt;odd&gt;")));
}

QTEST_MAIN(TestConnectionDialog)
#include "tst_connectiondialog.moc"
