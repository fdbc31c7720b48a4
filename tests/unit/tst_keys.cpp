#include "Crypto.h"
#include "Keys.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace rotor;

namespace {
QByteArray masterOf(char fill)
{
    return QByteArray(32, fill);
}

bool writeFile(const QString &path, const QByteArray &content, QFileDevice::Permissions permissions)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        return false;
    file.close();
    // Set explicitly: the umask must not decide what the test means.
    return QFile::setPermissions(path, permissions);
}

constexpr auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

Keys expectedFor(const QByteArray &master)
{
    Keys keys;
    QString error;
    if (!Keys::fromMaster(master, &keys, &error))
        qFatal("fromMaster failed: %s", qPrintable(error));
    return keys;
}

unsigned modeOf(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return 0xffff;
    return unsigned(st.st_mode & 07777);
}
} // namespace

class TestKeys : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void defaultKeyFileFollowsXdg();
    void precedence();
    void environmentOnly();
    void missingFile();
    void exposedKeyFileRefused_data();
    void exposedKeyFileRefused();
    void shortMasterRefused();
    void invalidBase64Refused_data();
    void invalidBase64Refused();
    void createKeyFile();
    void createKeyFileRefusesToOverwrite();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_defaultKeyFile;
};

void TestKeys::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    // The default key file lives under XDG_CONFIG_HOME: point it at the temporary folder, never at the real home.
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_dir->filePath(QStringLiteral("config"))));
    qunsetenv(Keys::environmentVariable);
    m_defaultKeyFile = m_dir->filePath(QStringLiteral("config/rotor/master.key"));
}

void TestKeys::cleanup()
{
    qunsetenv(Keys::environmentVariable);
    m_dir.reset();
}

void TestKeys::defaultKeyFileFollowsXdg()
{
    QCOMPARE(Keys::defaultKeyFile(), m_defaultKeyFile);
}

void TestKeys::precedence()
{
    const QString explicitFile = m_dir->filePath(QStringLiteral("explicit.key"));
    QVERIFY(writeFile(explicitFile, masterOf('A').toBase64() + '\n', ownerOnly));
    QVERIFY(writeFile(m_defaultKeyFile, masterOf('C').toBase64() + '\n', ownerOnly));
    qputenv(Keys::environmentVariable, masterOf('B').toBase64());

    Keys keys;
    QString error;
    // 1. An explicit file wins over the environment and the default file.
    QVERIFY2(Keys::load(explicitFile, &keys, &error), qPrintable(error));
    QCOMPARE(keys.accessKey(), expectedFor(masterOf('A')).accessKey());
    QCOMPARE(keys.rotationKey(), expectedFor(masterOf('A')).rotationKey());
    // 2. Without one, ROTOR_MASTER_KEY wins over the default file.
    QVERIFY2(Keys::load(QString(), &keys, &error), qPrintable(error));
    QCOMPARE(keys.accessKey(), expectedFor(masterOf('B')).accessKey());
    QCOMPARE(keys.rotationKey(), expectedFor(masterOf('B')).rotationKey());
    // 3. Without either, the default file.
    qunsetenv(Keys::environmentVariable);
    QVERIFY2(Keys::load(QString(), &keys, &error), qPrintable(error));
    QCOMPARE(keys.accessKey(), expectedFor(masterOf('C')).accessKey());
    QCOMPARE(keys.rotationKey(), expectedFor(masterOf('C')).rotationKey());

    // An explicit file that is bad is an error, not a reason to fall back to the environment.
    qputenv(Keys::environmentVariable, masterOf('B').toBase64());
    error.clear();
    QVERIFY(!Keys::load(m_dir->filePath(QStringLiteral("missing.key")), &keys, &error));
    QVERIFY2(error.contains(QLatin1String("missing.key")), qPrintable(error));
}

void TestKeys::environmentOnly()
{
    qputenv(Keys::environmentVariable, "  " + masterOf('E').toBase64() + "\n");
    Keys keys;
    QString error;
    QVERIFY2(Keys::load(QString(), &keys, &error), qPrintable(error));
    QCOMPARE(keys.rotationKey(), expectedFor(masterOf('E')).rotationKey());
    QVERIFY(!QFileInfo::exists(m_defaultKeyFile));
}

void TestKeys::missingFile()
{
    Keys keys;
    QString error;
    QVERIFY(!Keys::load(QString(), &keys, &error));
    QVERIFY2(error.contains(m_defaultKeyFile), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("rotorctl init")), qPrintable(error));
    QVERIFY(!keys.isValid());
}

void TestKeys::exposedKeyFileRefused_data()
{
    QTest::addColumn<int>("mode");
    QTest::newRow("0640 group-readable") << 0640;
    QTest::newRow("0604 world-readable") << 0604;
    QTest::newRow("0620 group-writable") << 0620;
    QTest::newRow("0644") << 0644;
    QTest::newRow("0666") << 0666;
}

void TestKeys::exposedKeyFileRefused()
{
    QFETCH(int, mode);
    const QString path = m_dir->filePath(QStringLiteral("exposed.key"));
    QVERIFY(writeFile(path, masterOf('X').toBase64(), ownerOnly));
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), mode_t(mode)), 0);
    Keys keys;
    QString error;
    QVERIFY(!Keys::loadFile(path, &keys, &error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("other users")), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("chmod 600")), qPrintable(error));
    QVERIFY(!keys.isValid());
    // Through the default location as well.
    QVERIFY(writeFile(m_defaultKeyFile, masterOf('X').toBase64(), ownerOnly));
    QCOMPARE(::chmod(QFile::encodeName(m_defaultKeyFile).constData(), mode_t(mode)), 0);
    QVERIFY(!Keys::load(QString(), &keys, &error));
    QVERIFY2(error.contains(QLatin1String("chmod 600")), qPrintable(error));
    // 0600 and 0400 are fine.
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), 0400), 0);
    QVERIFY2(Keys::loadFile(path, &keys, &error), qPrintable(error));
}

void TestKeys::shortMasterRefused()
{
    Keys keys;
    QString error;
    QVERIFY(!Keys::fromMaster(QByteArray(31, 'a'), &keys, &error));
    QVERIFY2(error.contains(QLatin1String("32")) && error.contains(QLatin1String("31")), qPrintable(error));
    QVERIFY(!keys.isValid());
    QVERIFY(!Keys::fromMaster(QByteArray(), &keys, &error));
    QVERIFY(Keys::fromMaster(QByteArray(32, 'a'), &keys, &error));

    const QString path = m_dir->filePath(QStringLiteral("short.key"));
    QVERIFY(writeFile(path, QByteArray(16, 's').toBase64() + '\n', ownerOnly));
    Keys fromFile;
    QVERIFY(!Keys::loadFile(path, &fromFile, &error));
    QVERIFY2(error.contains(QLatin1String("at least 32 bytes")), qPrintable(error));
    QVERIFY(!fromFile.isValid());

    qputenv(Keys::environmentVariable, QByteArray(31, 'e').toBase64());
    Keys fromEnvironment;
    QVERIFY(!Keys::load(QString(), &fromEnvironment, &error));
    QVERIFY2(error.contains(QLatin1String("at least 32 bytes")), qPrintable(error));
    qputenv(Keys::environmentVariable, QByteArray());
    QVERIFY(!Keys::load(QString(), &fromEnvironment, &error));
    QVERIFY(!fromEnvironment.isValid());
}

void TestKeys::invalidBase64Refused_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("punctuation") << QByteArray("this is not base64 at all!!");
    QTest::newRow("binary") << QByteArray("\x01\x02\xff\xfe", 4) + QByteArray(40, '\x80');
    QTest::newRow("base64 with a bad character") << (masterOf('Q').toBase64().insert(10, '*'));
}

void TestKeys::invalidBase64Refused()
{
    QFETCH(QByteArray, content);
    const QString path = m_dir->filePath(QStringLiteral("bad.key"));
    QVERIFY(writeFile(path, content, ownerOnly));
    Keys keys;
    QString error;
    QVERIFY(!Keys::loadFile(path, &keys, &error));
    QVERIFY2(error.contains(QLatin1String("base64")), qPrintable(error));
    QVERIFY(!keys.isValid());

    qputenv(Keys::environmentVariable, content);
    QVERIFY(!Keys::load(QString(), &keys, &error));
    QVERIFY2(error.contains(QLatin1String("ROTOR_MASTER_KEY")) && error.contains(QLatin1String("base64")),
             qPrintable(error));
}

void TestKeys::createKeyFile()
{
    const QString path = m_dir->filePath(QStringLiteral("new/folder/master.key"));
    QString error;
    QVERIFY2(Keys::createKeyFile(path, &error), qPrintable(error));
    QCOMPARE(modeOf(path), 0600u);
    const auto exposed = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
        | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    QVERIFY(!(QFileInfo(path).permissions() & exposed));

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto master
        = QByteArray::fromBase64Encoding(file.readAll().trimmed(), QByteArray::AbortOnBase64DecodingErrors);
    QVERIFY(master);
    QCOMPARE((*master).size(), 32);

    Keys keys;
    QVERIFY2(Keys::loadFile(path, &keys, &error), qPrintable(error));
    QCOMPARE(keys.rotationKey(), expectedFor(*master).rotationKey());

    // Two new key files hold two different secrets.
    const QString other = m_dir->filePath(QStringLiteral("other.key"));
    QVERIFY2(Keys::createKeyFile(other, &error), qPrintable(error));
    Keys otherKeys;
    QVERIFY(Keys::loadFile(other, &otherKeys, &error));
    QVERIFY(otherKeys.rotationKey() != keys.rotationKey());
}

void TestKeys::createKeyFileRefusesToOverwrite()
{
    const QString path = m_dir->filePath(QStringLiteral("existing.key"));
    const QByteArray content = masterOf('K').toBase64() + '\n';
    QVERIFY(writeFile(path, content, ownerOnly));
    QString error;
    QVERIFY(!Keys::createKeyFile(path, &error));
    QVERIFY2(error.contains(QLatin1String("already exists")), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), content);
    QCOMPARE(modeOf(path), 0600u);
}

QTEST_GUILESS_MAIN(TestKeys)
#include "tst_keys.moc"
