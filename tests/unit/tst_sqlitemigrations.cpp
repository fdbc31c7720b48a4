#include "ConnectionSpec.h"
#include "Database.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace rotor;

namespace {

constexpr qint64 rotorApplicationId = 0x524F5452; // 'ROTR'

// A connection of the test's own, outside Rotor's code, to build and inspect files directly.
class RawSqlite
{
public:
    explicit RawSqlite(const QString &path, bool readOnly = false)
        : m_name(QStringLiteral("raw-%1").arg(++s_counter))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        if (readOnly) {
            // immutable: looking must not leave -wal/-shm files behind (a plain read-only connection would).
            QUrl uri = QUrl::fromLocalFile(path);
            uri.setQuery(QStringLiteral("immutable=1"));
            db.setDatabaseName(uri.toString(QUrl::FullyEncoded));
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
        } else {
            db.setDatabaseName(path);
        }
        m_ok = db.open();
    }
    ~RawSqlite()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    bool ok() const { return m_ok; }
    bool exec(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        if (!query.exec(sql)) {
            qWarning("%s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
            return false;
        }
        return true;
    }
    QVariant value(const QString &sql)
    {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        if (!query.exec(sql) || !query.next())
            return {};
        return query.value(0);
    }

private:
    static inline int s_counter = 0;
    QString m_name;
    bool m_ok = false;
};

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray("<unreadable>");
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

QStringList sideFiles(const QString &path)
{
    QStringList present;
    for (const char *suffix : {"-wal", "-shm", "-journal"}) {
        if (QFile::exists(path + QLatin1String(suffix)))
            present << QLatin1String(suffix);
    }
    return present;
}

bool writeBytes(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

QByteArray readBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The file header's read and write format versions are 2 once a database is in WAL mode (and stay so on disk).
bool isWalFile(const QString &path)
{
    const QByteArray header = readBytes(path).left(20);
    return header.size() == 20 && header.at(18) == 2 && header.at(19) == 2;
}

} // namespace

class TestSqliteMigrations : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void freshFileGetsLatestSchema();
    void exactTargetVersions();
    void upgradeFromEveryVersion_data();
    void upgradeFromEveryVersion();
    void newerSchemaRefused();
    void foreignSqliteFileRefused_data();
    void foreignSqliteFileRefused();
    void nonSqliteFileRefused_data();
    void nonSqliteFileRefused();
    void corruptRotorFileRefused_data();
    void corruptRotorFileRefused();
    void emptySqliteDatabaseWithoutTables();
    void zeroByteFile();
    void openExistingMissingCreatesNothing();
    void folderRefused();
    void readOnlyOldVersionRefusesUpgrade();
    void readOnlyLatestLeavesFileAlone();

private:
    QString path(const QString &name) const { return m_dir->filePath(name); }
    // Creates a Rotor file at the given schema version (-1: latest) holding one user, then closes it.
    bool createRotorFile(const QString &file, int version, QString *error);
    // Opens the file every way a program could and checks each attempt fails with `message`, leaving the file
    // byte-identical and no side file behind that was not there before.
    void verifyRefusedUntouched(const QString &file, const QString &message);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestSqliteMigrations::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestSqliteMigrations::cleanup()
{
    m_dir.reset();
}

bool TestSqliteMigrations::createRotorFile(const QString &file, int version, QString *error)
{
    Database db(ConnectionSpec::sqlite(file));
    if (!db.open(Database::OpenMode::CreateIfMissing, error, version))
        return false;
    if (version < 0 || version >= 1) {
        if (!db.exec(QStringLiteral("INSERT INTO users (email, display_name, created_at) "
                                    "VALUES ('keep@example.com', 'Keep Me', 1700000000000)"),
                     error))
            return false;
    }
    db.close();
    return true;
}

void TestSqliteMigrations::verifyRefusedUntouched(const QString &file, const QString &message)
{
    const QByteArray before = fileHash(file);
    const qint64 sizeBefore = QFileInfo(file).size();
    const QStringList sideBefore = sideFiles(file);
    struct Attempt
    {
        const char *name;
        Database::OpenMode mode;
        bool readOnly;
    };
    const Attempt attempts[] = {{"CreateIfMissing", Database::OpenMode::CreateIfMissing, false},
                                {"OpenExisting", Database::OpenMode::OpenExisting, false},
                                {"read-only", Database::OpenMode::OpenExisting, true}};
    for (const Attempt &attempt : attempts) {
        Database db(ConnectionSpec::sqlite(file, attempt.readOnly));
        QString error;
        QVERIFY2(!db.open(attempt.mode, &error), attempt.name);
        QVERIFY(!db.isOpen());
        QVERIFY2(error.contains(message), qPrintable(QLatin1String(attempt.name) + QLatin1String(": ") + error));
        QVERIFY2(!error.contains(QLatin1Char('\n')), qPrintable(error));
        QCOMPARE(QFileInfo(file).size(), sizeBefore);
        QCOMPARE(fileHash(file), before);
        QCOMPARE(sideFiles(file), sideBefore);
    }
}

void TestSqliteMigrations::freshFileGetsLatestSchema()
{
    QVERIFY(Database::latestSchemaVersion() >= 2);
    const QString file = path(QStringLiteral("sub/folder/fresh.sqlite"));
    {
        Database db(ConnectionSpec::sqlite(file));
        QString error;
        QVERIFY2(db.open(Database::OpenMode::CreateIfMissing, &error), qPrintable(error));
        QVERIFY(db.isOpen());
        QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
        QSqlQuery query(db.handle());
        QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode")) && query.next());
        QCOMPARE(query.value(0).toString(), QStringLiteral("wal"));
        QVERIFY(query.exec(QStringLiteral("PRAGMA foreign_keys")) && query.next());
        QCOMPARE(query.value(0).toInt(), 1);
    }
    QVERIFY(QFileInfo::exists(file));
    RawSqlite raw(file, true);
    QVERIFY(raw.ok());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), Database::latestSchemaVersion());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA application_id")).toLongLong(), rotorApplicationId);
    QVERIFY(isWalFile(file));
    for (const char *table : {"users", "devices", "token_families", "refresh_tokens", "security_events", "audit_log"}) {
        QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%1'")
                               .arg(QLatin1String(table)))
                     .toInt(),
                 1);
    }
}

void TestSqliteMigrations::exactTargetVersions()
{
    for (int v = 0; v <= Database::latestSchemaVersion(); ++v) {
        const QString file = path(QStringLiteral("v%1.sqlite").arg(v));
        Database db(ConnectionSpec::sqlite(file));
        QString error;
        QVERIFY2(db.open(Database::OpenMode::CreateIfMissing, &error, v), qPrintable(error));
        QCOMPARE(db.schemaVersion(), v);
        QSqlQuery query(db.handle());
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version")) && query.next());
        QCOMPARE(query.value(0).toInt(), v);
    }
}

void TestSqliteMigrations::upgradeFromEveryVersion_data()
{
    QTest::addColumn<int>("from");
    for (int v = 0; v < Database::latestSchemaVersion(); ++v)
        QTest::addRow("from version %d", v) << v;
}

void TestSqliteMigrations::upgradeFromEveryVersion()
{
    QFETCH(int, from);
    const QString file = path(QStringLiteral("old.sqlite"));
    QString error;
    QVERIFY2(createRotorFile(file, from, &error), qPrintable(error));
    {
        RawSqlite raw(file, true);
        QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), from);
    }
    QVERIFY(sideFiles(file).isEmpty());

    for (const auto mode : {Database::OpenMode::OpenExisting, Database::OpenMode::CreateIfMissing}) {
        if (from == 0 && mode == Database::OpenMode::OpenExisting)
            continue; // a version-0 file has no tables yet: only creating may fill it (see emptySqliteDatabase...)
        const QString copy = path(QStringLiteral("copy.sqlite"));
        QFile::remove(copy);
        QVERIFY(QFile::copy(file, copy));
        Database db(ConnectionSpec::sqlite(copy));
        QVERIFY2(db.open(mode, &error), qPrintable(error));
        QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
        db.close();

        RawSqlite raw(copy, true);
        QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), Database::latestSchemaVersion());
        QCOMPARE(raw.value(QStringLiteral("PRAGMA application_id")).toLongLong(), rotorApplicationId);
        QVERIFY(isWalFile(copy));
        // The indexes of version 2 are there, whatever version the file started at.
        QCOMPARE(
            raw.value(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'security_events_kind_time'"))
                .toInt(),
            1);
        QCOMPARE(raw.value(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
        if (from >= 1) {
            QCOMPARE(raw.value(QStringLiteral("SELECT count(*) FROM users")).toInt(), 1);
            QCOMPARE(
                raw.value(QStringLiteral("SELECT display_name FROM users WHERE email = 'keep@example.com'")).toString(),
                QStringLiteral("Keep Me"));
        }
    }

    // Opening the upgraded file again changes nothing.
    const QString copy = path(QStringLiteral("copy.sqlite"));
    const QByteArray upgraded = fileHash(copy);
    {
        Database db(ConnectionSpec::sqlite(copy));
        QVERIFY2(db.open(Database::OpenMode::OpenExisting, &error), qPrintable(error));
        QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
    }
    QCOMPARE(fileHash(copy), upgraded);
}

void TestSqliteMigrations::newerSchemaRefused()
{
    const QString file = path(QStringLiteral("newer.sqlite"));
    QString error;
    QVERIFY2(createRotorFile(file, -1, &error), qPrintable(error));
    {
        RawSqlite raw(file);
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version = %1").arg(Database::latestSchemaVersion() + 1)));
    }
    {
        RawSqlite raw(file, true);
        QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), Database::latestSchemaVersion() + 1);
        QCOMPARE(raw.value(QStringLiteral("PRAGMA application_id")).toLongLong(), rotorApplicationId);
    }
    QVERIFY(sideFiles(file).isEmpty());
    verifyRefusedUntouched(file, QStringLiteral("newer"));
    Database db(ConnectionSpec::sqlite(file));
    QVERIFY(!db.open(Database::OpenMode::OpenExisting, &error));
    QVERIFY2(error.contains(QStringLiteral("schema version %1").arg(Database::latestSchemaVersion() + 1)),
             qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("left untouched")), qPrintable(error));
}

void TestSqliteMigrations::foreignSqliteFileRefused_data()
{
    QTest::addColumn<QString>("journalMode");
    QTest::addColumn<int>("userVersion");
    QTest::newRow("rollback journal") << QStringLiteral("delete") << 0;
    QTest::newRow("WAL") << QStringLiteral("wal") << 0;
    QTest::newRow("WAL, user_version of Rotor's schema") << QStringLiteral("wal") << 1;
}

void TestSqliteMigrations::foreignSqliteFileRefused()
{
    QFETCH(QString, journalMode);
    QFETCH(int, userVersion);
    const QString file = path(QStringLiteral("music.db"));
    {
        RawSqlite raw(file);
        QVERIFY(raw.ok());
        QVERIFY(raw.exec(QStringLiteral("PRAGMA journal_mode = ") + journalMode));
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT)")));
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO songs (title) VALUES ('So What')")));
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version = %1").arg(userVersion)));
    }
    QVERIFY(sideFiles(file).isEmpty());
    verifyRefusedUntouched(file, QStringLiteral("not a Rotor database"));
}

void TestSqliteMigrations::nonSqliteFileRefused_data()
{
    QTest::addColumn<QByteArray>("content");
    QByteArray random(8192, Qt::Uninitialized);
    QRandomGenerator generator(42);
    for (char &c : random)
        c = char(generator.bounded(256));
    QTest::newRow("random bytes") << random;
    QTest::newRow("text file") << QByteArray("# my notes\nbuy milk\nrotate the keys\n");
    QTest::newRow("one byte") << QByteArray("x");
    QTest::newRow("almost the magic") << QByteArray("SQLite format 2\0", 16) + QByteArray(4080, '\0');
    QTest::newRow("magic, then nothing") << QByteArray("SQLite format 3\0", 16);
}

void TestSqliteMigrations::nonSqliteFileRefused()
{
    QFETCH(QByteArray, content);
    const QString file = path(QStringLiteral("notes.sqlite"));
    QVERIFY(writeBytes(file, content));
    // Either message is fine as long as the file is refused and left as it was.
    const QString message = content.startsWith(QByteArrayView("SQLite format 3\0", 16))
        ? QStringLiteral("corrupt")
        : QStringLiteral("not a SQLite");
    verifyRefusedUntouched(file, message);
    QCOMPARE(readBytes(file), content);
}

void TestSqliteMigrations::corruptRotorFileRefused_data()
{
    QTest::addColumn<QString>("damage");
    QTest::newRow("sqlite_master page overwritten") << QStringLiteral("master-page");
    QTest::newRow("sqlite_master page type byte") << QStringLiteral("master-type");
    QTest::newRow("truncated to half") << QStringLiteral("half");
    QTest::newRow("truncated to one page") << QStringLiteral("one-page");
    QTest::newRow("truncated inside the first page") << QStringLiteral("partial-page");
}

void TestSqliteMigrations::corruptRotorFileRefused()
{
    QFETCH(QString, damage);
    const QString file = path(QStringLiteral("corrupt.sqlite"));
    QString error;
    QVERIFY2(createRotorFile(file, -1, &error), qPrintable(error));
    QVERIFY(sideFiles(file).isEmpty());
    QByteArray bytes = readBytes(file);
    const int pageSize = (quint8(bytes.at(16)) << 8) | quint8(bytes.at(17));
    QVERIFY(pageSize >= 512);
    QVERIFY2(bytes.size() >= 4 * pageSize, "the test file should span several pages");
    if (damage == QLatin1String("master-page")) {
        // Page 1 after the 100-byte file header is the b-tree page of sqlite_master.
        for (int i = 100; i < pageSize; ++i)
            bytes[i] = char(0xA5);
    } else if (damage == QLatin1String("master-type")) {
        bytes[100] = char(0x07); // not a valid b-tree page type
    } else if (damage == QLatin1String("half")) {
        bytes.truncate(bytes.size() / 2 / pageSize * pageSize);
    } else if (damage == QLatin1String("one-page")) {
        bytes.truncate(pageSize);
    } else {
        bytes.truncate(pageSize / 2);
    }
    QVERIFY(writeBytes(file, bytes));
    verifyRefusedUntouched(file, QStringLiteral("corrupt"));
    QCOMPARE(readBytes(file), bytes);
}

void TestSqliteMigrations::emptySqliteDatabaseWithoutTables()
{
    // A SQLite file with no tables at all: existing data cannot be at stake.
    const QString file = path(QStringLiteral("blank.sqlite"));
    {
        RawSqlite raw(file);
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version = 0")));
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE t (x)")));
        QVERIFY(raw.exec(QStringLiteral("DROP TABLE t")));
    }
    QVERIFY(QFileInfo(file).size() > 0);
    // Opening an existing database does not adopt it...
    {
        const QByteArray before = fileHash(file);
        Database db(ConnectionSpec::sqlite(file));
        QString error;
        QVERIFY(!db.open(Database::OpenMode::OpenExisting, &error));
        QVERIFY2(error.contains(QLatin1String("not a Rotor database")), qPrintable(error));
        QCOMPARE(fileHash(file), before);
        QVERIFY(sideFiles(file).isEmpty());
    }
    // ...creating one does.
    Database db(ConnectionSpec::sqlite(file));
    QString error;
    QVERIFY2(db.open(Database::OpenMode::CreateIfMissing, &error), qPrintable(error));
    QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
}

void TestSqliteMigrations::zeroByteFile()
{
    // A 0-byte file (touch, mktemp) is an empty SQLite database: same rules as one without tables.
    const QString file = path(QStringLiteral("zero.sqlite"));
    QVERIFY(writeBytes(file, QByteArray()));
    {
        Database db(ConnectionSpec::sqlite(file));
        QString error;
        QVERIFY(!db.open(Database::OpenMode::OpenExisting, &error));
        QVERIFY2(error.contains(QLatin1String("not a Rotor database")), qPrintable(error));
        QCOMPARE(QFileInfo(file).size(), 0);
        QVERIFY(sideFiles(file).isEmpty());
    }
    {
        Database db(ConnectionSpec::sqlite(file, true));
        QString error;
        QVERIFY(!db.open(Database::OpenMode::OpenExisting, &error));
        QCOMPARE(QFileInfo(file).size(), 0);
        QVERIFY(sideFiles(file).isEmpty());
    }
    {
        Database db(ConnectionSpec::sqlite(file));
        QString error;
        QVERIFY2(db.open(Database::OpenMode::CreateIfMissing, &error), qPrintable(error));
        QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
    }
    RawSqlite raw(file, true);
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), Database::latestSchemaVersion());
    QCOMPARE(raw.value(QStringLiteral("PRAGMA application_id")).toLongLong(), rotorApplicationId);
}

void TestSqliteMigrations::openExistingMissingCreatesNothing()
{
    const QString folder = path(QStringLiteral("not-there"));
    const QString file = folder + QStringLiteral("/rotor.sqlite");
    for (bool readOnly : {false, true}) {
        Database db(ConnectionSpec::sqlite(file, readOnly));
        QString error;
        QVERIFY(!db.open(Database::OpenMode::OpenExisting, &error));
        QVERIFY2(error.contains(QLatin1String("no database")), qPrintable(error));
        QVERIFY(!QFileInfo::exists(file));
        QVERIFY(!QFileInfo::exists(folder));
        QVERIFY(sideFiles(file).isEmpty());
    }
    // A read-only connection cannot create one either.
    Database db(ConnectionSpec::sqlite(file, true));
    QString error;
    QVERIFY(!db.open(Database::OpenMode::CreateIfMissing, &error));
    QVERIFY(!QFileInfo::exists(folder));
}

void TestSqliteMigrations::folderRefused()
{
    const QString folder = path(QStringLiteral("a-folder"));
    QVERIFY(QDir().mkpath(folder));
    Database db(ConnectionSpec::sqlite(folder));
    QString error;
    QVERIFY(!db.open(Database::OpenMode::CreateIfMissing, &error));
    QVERIFY2(error.contains(QLatin1String("folder")), qPrintable(error));
    QVERIFY(QDir(folder).isEmpty());
}

void TestSqliteMigrations::readOnlyOldVersionRefusesUpgrade()
{
    const QString file = path(QStringLiteral("old.sqlite"));
    QString error;
    QVERIFY2(createRotorFile(file, 1, &error), qPrintable(error));
    const QByteArray before = fileHash(file);
    Database db(ConnectionSpec::sqlite(file, true));
    QVERIFY(!db.open(Database::OpenMode::OpenExisting, &error));
    QVERIFY2(error.contains(QLatin1String("read-only")) && error.contains(QLatin1String("upgrade")), qPrintable(error));
    QVERIFY(!db.isOpen());
    QCOMPARE(fileHash(file), before);
    QVERIFY(sideFiles(file).isEmpty());
    RawSqlite raw(file, true);
    QCOMPARE(raw.value(QStringLiteral("PRAGMA user_version")).toInt(), 1);
}

void TestSqliteMigrations::readOnlyLatestLeavesFileAlone()
{
    const QString file = path(QStringLiteral("latest.sqlite"));
    QString error;
    QVERIFY2(createRotorFile(file, -1, &error), qPrintable(error));
    const QByteArray before = fileHash(file);
    {
        Database db(ConnectionSpec::sqlite(file, true));
        QVERIFY2(db.open(Database::OpenMode::OpenExisting, &error), qPrintable(error));
        QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
        QSqlQuery query(db.handle());
        QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM users")) && query.next());
        QCOMPARE(query.value(0).toInt(), 1);
        QVERIFY(!query.exec(QStringLiteral("DELETE FROM users")));
        QVERIFY(db.refuseIfReadOnly(&error));
    }
    // A read-only session may leave SQLite's (empty) -wal and -shm behind; the database file itself is unchanged.
    QCOMPARE(fileHash(file), before);
}

QTEST_GUILESS_MAIN(TestSqliteMigrations)
#include "tst_sqlitemigrations.moc"
