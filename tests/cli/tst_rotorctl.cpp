#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

// rotorctl as a user runs it: a separate process, judged only by its exit code, stdout and stderr.
// HOME and the XDG folders point into a temporary folder and ROTOR_MASTER_KEY is unset, so nothing touches the
// real home: the default key file and demo database are created inside the temporary folder.

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return QStringLiteral("exit %1\n--- stdout:\n%2--- stderr:\n%3")
            .arg(exitCode)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

enum Exit {
    Ok = 0,
    Failed = 1,
    Usage = 2,
    BadToken = 3,
    Expired = 4,
    Revoked = 5,
    Replay = 6,
    DatabaseError = 7,
    KeyError = 8
};

// Exactly one line on stderr, from rotorctl itself, with nothing of Qt's own diagnostics.
bool isOneErrorLine(const QByteArray &err)
{
    return err.startsWith("rotorctl: ") && err.endsWith('\n') && err.count('\n') == 1 && !err.contains("QSql")
        && !err.contains("QObject") && !err.contains("Warning") && !err.contains("QStandardPaths");
}

} // namespace

class TestRotorctl : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void initCreatesKeyFileAndDatabase();
    void loginAndRefresh();
    void replayOfAnOldGeneration();
    void graceRetryGetsTheSameToken();
    void tokenFromStandardInput();
    void usageErrors_data();
    void usageErrors();
    void badTokens();
    void revokedUser();
    void deactivatedUser();
    void logout();
    void storageFailure();
    void policy();
    void purgeAndErase();
    void simulate();
    void databaseErrors();
    void keyErrors();
    void globalOptionsAnywhere();
    void helpForEveryCommand_data();
    void helpForEveryCommand();
    void auditVerify();
    void seedDemoCountsAgree();
    void whatIf();
    void whatIfErrors_data();
    void whatIfErrors();
    void familySaysWhyRevoked();

private:
    Run rotorctl(const QStringList &arguments, const QByteArray &input = {});
    // Runs, expects `code`, and for a failure exactly one line on stderr and nothing on stdout.
    Run expect(const QStringList &arguments, int code);
    QJsonObject jsonObject(const Run &run);
    QJsonArray jsonArray(const Run &run);
    void initialize();
    QJsonObject login(const QString &email, const QString &deviceKey = QStringLiteral("laptop"));

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_keyFile;
    QString m_database;
};

void TestRotorctl::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    for (const char *folder : {"home", "config", "data", "cache", "runtime"})
        QVERIFY(QDir().mkpath(m_dir->filePath(QLatin1String(folder))));
    QFile::setPermissions(m_dir->filePath(QStringLiteral("runtime")),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_keyFile = m_dir->filePath(QStringLiteral("config/rotor/master.key"));
    m_database = m_dir->filePath(QStringLiteral("data/rotor/demo.sqlite"));
}

void TestRotorctl::cleanup()
{
    m_dir.reset();
}

Run TestRotorctl::rotorctl(const QStringList &arguments, const QByteArray &input)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), m_dir->filePath(QStringLiteral("home")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir->filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir->filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_dir->filePath(QStringLiteral("cache")));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_dir->filePath(QStringLiteral("runtime")));
    env.remove(QStringLiteral("ROTOR_MASTER_KEY"));
    env.remove(QStringLiteral("ROTORCTL_DEBUG"));
    env.remove(QStringLiteral("QT_LOGGING_RULES"));
    QProcess process;
    process.setProcessEnvironment(env);
    process.setWorkingDirectory(m_dir->path());
    process.start(QStringLiteral(ROTORCTL_PATH), arguments);
    Run run;
    if (!process.waitForStarted(30000)) {
        run.err = "could not start " ROTORCTL_PATH;
        return run;
    }
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(120000) || process.exitStatus() != QProcess::NormalExit) {
        process.kill();
        process.waitForFinished();
        run.err = "rotorctl did not finish normally";
        return run;
    }
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

Run TestRotorctl::expect(const QStringList &arguments, int code)
{
    const Run run = rotorctl(arguments);
    const QByteArray context = (arguments.join(QLatin1Char(' ')) + QStringLiteral("\n") + run.describe()).toUtf8();
    [&] {
        QVERIFY2(run.exitCode == code, context.constData());
        if (code == Ok) {
            QVERIFY2(run.err.isEmpty(), context.constData());
        } else {
            QVERIFY2(isOneErrorLine(run.err), context.constData());
            QVERIFY2(run.out.isEmpty(), context.constData());
        }
    }();
    return run;
}

QJsonObject TestRotorctl::jsonObject(const Run &run)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(run.out, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        QTest::qFail(qPrintable(QStringLiteral("stdout is not a JSON object: ") + error.errorString() + run.describe()),
                     __FILE__, __LINE__);
        return {};
    }
    return document.object();
}

QJsonArray TestRotorctl::jsonArray(const Run &run)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(run.out, &error);
    if (error.error != QJsonParseError::NoError || !document.isArray()) {
        QTest::qFail(qPrintable(QStringLiteral("stdout is not a JSON array: ") + error.errorString() + run.describe()),
                     __FILE__, __LINE__);
        return {};
    }
    return document.array();
}

void TestRotorctl::initialize()
{
    expect({QStringLiteral("init")}, Ok);
}

QJsonObject TestRotorctl::login(const QString &email, const QString &deviceKey)
{
    const Run run
        = expect({QStringLiteral("login"), QStringLiteral("--user"), email, QStringLiteral("--device-key"), deviceKey,
                  QStringLiteral("--ip"), QStringLiteral("198.51.100.7"), QStringLiteral("--json")},
                 Ok);
    return jsonObject(run);
}

void TestRotorctl::initCreatesKeyFileAndDatabase()
{
    QVERIFY(!QFileInfo::exists(m_keyFile));
    const Run run = expect({QStringLiteral("init")}, Ok);
    QVERIFY(QFileInfo::exists(m_keyFile));
    QVERIFY(QFileInfo::exists(m_database));
    struct stat st;
    QCOMPARE(::stat(QFile::encodeName(m_keyFile).constData(), &st), 0);
    QCOMPARE(unsigned(st.st_mode & 07777), 0600u);
    QVERIFY2(run.out.contains("created"), run.out.constData());
    // Nothing outside the temporary folder: the real home was never the target.
    QVERIFY(run.out.contains(m_dir->path().toUtf8()));

    // A second init keeps the key.
    QFile key(m_keyFile);
    QVERIFY(key.open(QIODevice::ReadOnly));
    const QByteArray secret = key.readAll();
    key.close();
    const Run again = expect({QStringLiteral("init")}, Ok);
    QVERIFY2(again.out.contains("kept"), again.out.constData());
    QVERIFY(key.open(QIODevice::ReadOnly));
    QCOMPARE(key.readAll(), secret);
}

void TestRotorctl::loginAndRefresh()
{
    initialize();
    const Run added = expect({QStringLiteral("add-user"), QStringLiteral("Alice@Example.com"), QStringLiteral("--name"),
                              QStringLiteral("Alice"), QStringLiteral("--json")},
                             Ok);
    QCOMPARE(jsonObject(added).value(QStringLiteral("email")).toString(), QStringLiteral("alice@example.com"));

    const QJsonObject first = login(QStringLiteral("alice@example.com"));
    QCOMPARE(first.value(QStringLiteral("access_token")).toString().count(QLatin1Char('.')), 2);
    const QString token0 = first.value(QStringLiteral("refresh_token")).toString();
    QVERIFY2(token0.startsWith(QLatin1String("rtr_")) && token0.size() == 47, qPrintable(token0));
    const qint64 family = first.value(QStringLiteral("family_id")).toInteger();
    QVERIFY(family > 0);
    QVERIFY(first.value(QStringLiteral("generation")).isDouble());
    QCOMPARE(first.value(QStringLiteral("generation")).toInt(-1), 0);
    const QDateTime expires
        = QDateTime::fromString(first.value(QStringLiteral("refresh_expires_at")).toString(), Qt::ISODateWithMs);
    QVERIFY(expires.isValid());
    QVERIFY(expires > QDateTime::currentDateTimeUtc());

    const Run refreshed
        = expect({QStringLiteral("refresh"), QStringLiteral("--token"), token0, QStringLiteral("--json")}, Ok);
    const QJsonObject second = jsonObject(refreshed);
    QCOMPARE(second.value(QStringLiteral("outcome")).toString(), QStringLiteral("rotated"));
    QCOMPARE(second.value(QStringLiteral("family_id")).toInteger(), family);
    QCOMPARE(second.value(QStringLiteral("generation")).toInt(-1), 1);
    const QString token1 = second.value(QStringLiteral("refresh_token")).toString();
    QVERIFY(token1.startsWith(QLatin1String("rtr_")) && token1.size() == 47);
    QVERIFY(token1 != token0);
    QVERIFY(second.value(QStringLiteral("access_token")).toString()
            != first.value(QStringLiteral("access_token")).toString());

    // The raw token is never stored: the database file does not contain it.
    QFile file(m_database);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll() + [&] {
        QFile wal(m_database + QStringLiteral("-wal"));
        return wal.open(QIODevice::ReadOnly) ? wal.readAll() : QByteArray();
    }();
    QVERIFY(!bytes.contains(token0.toLatin1()));
    QVERIFY(!bytes.contains(token1.toLatin1()));
}

void TestRotorctl::replayOfAnOldGeneration()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("bob@example.com")}, Ok);
    const QJsonObject session = login(QStringLiteral("bob@example.com"));
    const QString token0 = session.value(QStringLiteral("refresh_token")).toString();
    const qint64 family = session.value(QStringLiteral("family_id")).toInteger();
    const QString token1
        = jsonObject(
              expect({QStringLiteral("refresh"), QStringLiteral("--token"), token0, QStringLiteral("--json")}, Ok))
              .value(QStringLiteral("refresh_token"))
              .toString();
    const QJsonObject third = jsonObject(
        expect({QStringLiteral("refresh"), QStringLiteral("--token"), token1, QStringLiteral("--json")}, Ok));
    QCOMPARE(third.value(QStringLiteral("generation")).toInt(-1), 2);
    const QString token2 = third.value(QStringLiteral("refresh_token")).toString();

    // Generation 0 is not the immediate predecessor of the live token (generation 2): a replay at once,
    // however soon after its use.
    const Run replay
        = expect({QStringLiteral("refresh"), QStringLiteral("--token"), token0, QStringLiteral("--ip"),
                  QStringLiteral("203.0.113.9"), QStringLiteral("--device-key"), QStringLiteral("attacker")},
                 Replay);
    QVERIFY2(replay.err.contains("replay"), replay.err.constData());

    const QJsonArray families = jsonArray(expect({QStringLiteral("families"), QStringLiteral("--json")}, Ok));
    QCOMPARE(families.size(), 1);
    const QJsonObject revoked = families.at(0).toObject();
    QCOMPARE(revoked.value(QStringLiteral("id")).toInteger(), family);
    QCOMPARE(revoked.value(QStringLiteral("state")).toString(), QStringLiteral("revoked"));
    QCOMPARE(revoked.value(QStringLiteral("revoke_reason")).toString(), QStringLiteral("replay"));
    QVERIFY(revoked.value(QStringLiteral("revoked_at")).isString());

    const QJsonArray events = jsonArray(expect({QStringLiteral("events"), QStringLiteral("--json"),
                                                QStringLiteral("--kind"), QStringLiteral("replay_detected")},
                                               Ok));
    QCOMPARE(events.size(), 1);
    const QJsonObject event = events.at(0).toObject();
    for (const char *key : {"id", "kind", "family_id", "user", "occurred_at", "ip"})
        QVERIFY2(event.contains(QLatin1String(key)), key);
    QVERIFY(event.value(QStringLiteral("id")).toInteger() > 0);
    QCOMPARE(event.value(QStringLiteral("kind")).toString(), QStringLiteral("replay_detected"));
    QCOMPARE(event.value(QStringLiteral("family_id")).toInteger(), family);
    QCOMPARE(event.value(QStringLiteral("user")).toString(), QStringLiteral("bob@example.com"));
    QCOMPARE(event.value(QStringLiteral("ip")).toString(), QStringLiteral("203.0.113.9"));
    QCOMPARE(event.value(QStringLiteral("presented_generation")).toInt(-1), 0);
    QCOMPARE(event.value(QStringLiteral("current_generation")).toInt(-1), 2);
    QVERIFY(QDateTime::fromString(event.value(QStringLiteral("occurred_at")).toString(), Qt::ISODateWithMs).isValid());

    // The family is dead: its newest token is refused too, and no other kind of event was filtered in.
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token2}, Revoked);
    const QJsonArray grace = jsonArray(expect(
        {QStringLiteral("events"), QStringLiteral("--json"), QStringLiteral("--kind"), QStringLiteral("grace_retry")},
        Ok));
    QCOMPARE(grace.size(), 0);
}

// "--token -" keeps the token out of the process list and the shell history.
void TestRotorctl::tokenFromStandardInput()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("dana@example.com")}, Ok);
    const QString token0 = login(QStringLiteral("dana@example.com")).value(QStringLiteral("refresh_token")).toString();
    const Run piped = rotorctl(
        {QStringLiteral("refresh"), QStringLiteral("--token"), QStringLiteral("-"), QStringLiteral("--json")},
        token0.toLatin1() + "\n");
    QVERIFY2(piped.exitCode == Ok, qPrintable(piped.describe()));
    const QJsonObject rotated = jsonObject(piped);
    QCOMPARE(rotated.value(QStringLiteral("outcome")).toString(), QStringLiteral("rotated"));
    QCOMPARE(rotated.value(QStringLiteral("generation")).toInt(-1), 1);
    const Run empty = rotorctl({QStringLiteral("refresh"), QStringLiteral("--token"), QStringLiteral("-")});
    QCOMPARE(empty.exitCode, int(BadToken));
}

void TestRotorctl::graceRetryGetsTheSameToken()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("carol@example.com")}, Ok);
    const QString token0 = login(QStringLiteral("carol@example.com")).value(QStringLiteral("refresh_token")).toString();
    const QJsonObject first = jsonObject(
        expect({QStringLiteral("refresh"), QStringLiteral("--token"), token0, QStringLiteral("--json")}, Ok));
    // Presented again at once (a lost response): well inside the 10 s window.
    const QJsonObject retry = jsonObject(
        expect({QStringLiteral("refresh"), QStringLiteral("--token"), token0, QStringLiteral("--json")}, Ok));
    QCOMPARE(first.value(QStringLiteral("outcome")).toString(), QStringLiteral("rotated"));
    QCOMPARE(retry.value(QStringLiteral("outcome")).toString(), QStringLiteral("grace_retry"));
    QCOMPARE(retry.value(QStringLiteral("refresh_token")).toString(),
             first.value(QStringLiteral("refresh_token")).toString());
    QCOMPARE(retry.value(QStringLiteral("generation")).toInt(-1), 1);
    QCOMPARE(retry.value(QStringLiteral("family_id")).toInteger(),
             first.value(QStringLiteral("family_id")).toInteger());

    const QJsonArray families = jsonArray(expect({QStringLiteral("families"), QStringLiteral("--json")}, Ok));
    QCOMPARE(families.size(), 1);
    QCOMPARE(families.at(0).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("active"));
    const QJsonArray events = jsonArray(expect({QStringLiteral("events"), QStringLiteral("--json")}, Ok));
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("grace_retry"));
    // The re-issued token is the live one: it rotates normally.
    const QJsonObject next
        = jsonObject(expect({QStringLiteral("refresh"), QStringLiteral("--token"),
                             first.value(QStringLiteral("refresh_token")).toString(), QStringLiteral("--json")},
                            Ok));
    QCOMPARE(next.value(QStringLiteral("generation")).toInt(-1), 2);
}

void TestRotorctl::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("no command") << QStringList {};
    QTest::newRow("unknown command") << QStringList {QStringLiteral("frobnicate")};
    QTest::newRow("unknown flag") << QStringList {QStringLiteral("users"), QStringLiteral("--bogus")};
    QTest::newRow("unknown flag with value") << QStringList {QStringLiteral("users"), QStringLiteral("--bogus=1")};
    QTest::newRow("missing value") << QStringList {QStringLiteral("login"), QStringLiteral("--user")};
    QTest::newRow("missing value of --db") << QStringList {QStringLiteral("users"), QStringLiteral("--db")};
    QTest::newRow("missing value of --key-file") << QStringList {QStringLiteral("users"), QStringLiteral("--key-file")};
    QTest::newRow("bad --since") << QStringList {QStringLiteral("events"), QStringLiteral("--since"),
                                                 QStringLiteral("yesterday")};
    QTest::newRow("bad --limit") << QStringList {QStringLiteral("users"), QStringLiteral("--limit"),
                                                 QStringLiteral("many")};
    QTest::newRow("missing argument") << QStringList {QStringLiteral("add-user")};
    QTest::newRow("extra argument") << QStringList {QStringLiteral("users"), QStringLiteral("extra")};
    QTest::newRow("login without --device-key")
        << QStringList {QStringLiteral("login"), QStringLiteral("--user"), QStringLiteral("a@example.com")};
    QTest::newRow("refresh without --token") << QStringList {QStringLiteral("refresh")};
    QTest::newRow("revoke-user without --reason")
        << QStringList {QStringLiteral("revoke-user"), QStringLiteral("a@example.com")};
    QTest::newRow("revoke-family with a bad id") << QStringList {QStringLiteral("revoke-family"), QStringLiteral("abc"),
                                                                 QStringLiteral("--reason"), QStringLiteral("x")};
    QTest::newRow("unknown state") << QStringList {QStringLiteral("families"), QStringLiteral("--state"),
                                                   QStringLiteral("zombie")};
}

void TestRotorctl::usageErrors()
{
    QFETCH(QStringList, arguments);
    initialize();
    expect(arguments, Usage);
}

void TestRotorctl::badTokens()
{
    initialize();
    // Malformed tokens are refused before the database is touched.
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), QStringLiteral("garbage")}, BadToken);
    expect(
        {QStringLiteral("refresh"), QStringLiteral("--token"), QStringLiteral("rtr_") + QString(43, QLatin1Char('+'))},
        BadToken);
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), QString()}, BadToken);
    // Well-formed, but never issued.
    const Run unknown = expect({QStringLiteral("refresh"), QStringLiteral("--token"),
                                QStringLiteral("rtr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")},
                               BadToken);
    QVERIFY2(unknown.err.contains("unknown"), unknown.err.constData());
    const QJsonArray events = jsonArray(expect({QStringLiteral("events"), QStringLiteral("--json")}, Ok));
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("token_unknown"));
}

void TestRotorctl::revokedUser()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("dave@example.com")}, Ok);
    const QString phone = login(QStringLiteral("dave@example.com"), QStringLiteral("phone"))
                              .value(QStringLiteral("refresh_token"))
                              .toString();
    const QString laptop = login(QStringLiteral("dave@example.com"), QStringLiteral("laptop"))
                               .value(QStringLiteral("refresh_token"))
                               .toString();
    const Run revoked = expect({QStringLiteral("revoke-user"), QStringLiteral("dave@example.com"),
                                QStringLiteral("--reason"), QStringLiteral("lost phone"), QStringLiteral("--json")},
                               Ok);
    QVERIFY(jsonObject(revoked).value(QStringLiteral("ok")).toBool());
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), phone}, Revoked);
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), laptop}, Revoked);
    const QJsonArray families = jsonArray(expect(
        {QStringLiteral("families"), QStringLiteral("--state"), QStringLiteral("revoked"), QStringLiteral("--json")},
        Ok));
    QCOMPARE(families.size(), 2);
    // Nothing to revoke: not done, exit 1; no such user: exit 1.
    expect({QStringLiteral("revoke-user"), QStringLiteral("nobody@example.com"), QStringLiteral("--reason"),
            QStringLiteral("x")},
           Failed);
}

void TestRotorctl::deactivatedUser()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("erin@example.com")}, Ok);
    const QString token = login(QStringLiteral("erin@example.com")).value(QStringLiteral("refresh_token")).toString();
    const Run deactivated = expect({QStringLiteral("deactivate-user"), QStringLiteral("erin@example.com")}, Ok);
    QVERIFY2(deactivated.out.contains("1 session(s) revoked"), deactivated.out.constData());
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token}, Revoked);
    expect({QStringLiteral("login"), QStringLiteral("--user"), QStringLiteral("erin@example.com"),
            QStringLiteral("--device-key"), QStringLiteral("laptop")},
           Revoked);
    const QJsonArray inactive = jsonArray(expect(
        {QStringLiteral("users"), QStringLiteral("--state"), QStringLiteral("inactive"), QStringLiteral("--json")},
        Ok));
    QCOMPARE(inactive.size(), 1);
    QCOMPARE(inactive.at(0).toObject().value(QStringLiteral("active")).toBool(true), false);
    // Reactivation restores no session: the old one stays revoked, a new sign-in works.
    expect({QStringLiteral("activate-user"), QStringLiteral("erin@example.com")}, Ok);
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token}, Revoked);
    login(QStringLiteral("erin@example.com"));
}

void TestRotorctl::policy()
{
    initialize();
    const QJsonObject shown = jsonObject(expect({QStringLiteral("policy"), QStringLiteral("--json")}, Ok));
    QCOMPARE(shown.value(QStringLiteral("grace_seconds")).toInteger(), 10);
    QCOMPARE(shown.value(QStringLiteral("idle_seconds")).toInteger(), 30 * 86400);
    QCOMPARE(shown.value(QStringLiteral("lifetime_seconds")).toInteger(), 90 * 86400);
    QCOMPARE(shown.value(QStringLiteral("access_ttl_seconds")).toInteger(), 900);
    const QJsonObject changed = jsonObject(
        expect({QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("--grace"), QStringLiteral("2s"),
                QStringLiteral("--idle"), QStringLiteral("7d"), QStringLiteral("--access-ttl"), QStringLiteral("300"),
                QStringLiteral("--reason"), QStringLiteral("tighter"), QStringLiteral("--json")},
               Ok));
    QCOMPARE(changed.value(QStringLiteral("grace_seconds")).toInteger(), 2);
    QCOMPARE(changed.value(QStringLiteral("idle_seconds")).toInteger(), 7 * 86400);
    QCOMPARE(changed.value(QStringLiteral("access_ttl_seconds")).toInteger(), 300);
    const QJsonArray audit = jsonArray(expect({QStringLiteral("audit"), QStringLiteral("--json")}, Ok));
    QCOMPARE(audit.last().toObject().value(QStringLiteral("action")).toString(), QStringLiteral("set-policy"));
    QCOMPARE(audit.last().toObject().value(QStringLiteral("reason")).toString(), QStringLiteral("tighter"));
    // Refused with a clear message, nothing changed.
    for (const QStringList &bad : {QStringList {QStringLiteral("--grace"), QStringLiteral("6m")},
                                   QStringList {QStringLiteral("--idle"), QStringLiteral("100d")},
                                   QStringList {QStringLiteral("--grace"), QStringLiteral("soon")},
                                   QStringList {QStringLiteral("--lifetime"), QStringLiteral("-3d")}, QStringList {}})
        expect(QStringList {QStringLiteral("policy"), QStringLiteral("set")} + bad, Usage);
    expect({QStringLiteral("policy"), QStringLiteral("--grace"), QStringLiteral("1s")}, Usage);
    expect({QStringLiteral("policy"), QStringLiteral("reset")}, Usage);
    expect({QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("--grace"), QStringLiteral("2s")}, Failed);
    QCOMPARE(jsonObject(expect({QStringLiteral("policy"), QStringLiteral("--json")}, Ok)), changed);
}

void TestRotorctl::purgeAndErase()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("pia@example.com")}, Ok);
    const QString token = login(QStringLiteral("pia@example.com")).value(QStringLiteral("refresh_token")).toString();
    // Nothing is old enough yet: a live session is never purged.
    const QJsonObject dry
        = jsonObject(expect({QStringLiteral("purge"), QStringLiteral("--dry-run"), QStringLiteral("--json")}, Ok));
    QCOMPARE(dry.value(QStringLiteral("dry_run")).toBool(), true);
    QCOMPARE(dry.value(QStringLiteral("tokens")).toInteger(), 0);
    const Run purged = expect({QStringLiteral("purge")}, Ok);
    QVERIFY2(purged.out.contains("removed 0 tokens, 0 events, 0 sessions, 0 devices"), purged.out.constData());
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token}, Ok);

    expect({QStringLiteral("erase-user"), QStringLiteral("pia@example.com")}, Usage); // a reason is required
    const Run erased = expect({QStringLiteral("erase-user"), QStringLiteral("pia@example.com"),
                               QStringLiteral("--reason"), QStringLiteral("erasure request")},
                              Ok);
    QVERIFY2(erased.out.contains("1 session(s) revoked"), erased.out.constData());
    expect({QStringLiteral("erase-user"), QStringLiteral("pia@example.com"), QStringLiteral("--reason"),
            QStringLiteral("again")},
           Failed); // the email is gone
    const QJsonArray users = jsonArray(expect({QStringLiteral("users"), QStringLiteral("--json")}, Ok));
    QCOMPARE(users.size(), 1);
    QVERIFY(users.at(0).toObject().value(QStringLiteral("email")).toString().startsWith(QStringLiteral("erased-")));
    expect({QStringLiteral("audit"), QStringLiteral("--verify")}, Ok);
}

void TestRotorctl::simulate()
{
    // By default a scratch database: nothing is created or written where --db points.
    const QJsonObject story = jsonObject(
        expect({QStringLiteral("simulate"), QStringLiteral("stolen-token"), QStringLiteral("--json")}, Ok));
    QVERIFY(!QFileInfo::exists(m_database));
    QCOMPARE(story.value(QStringLiteral("scenario")).toString(), QStringLiteral("stolen-token"));
    QCOMPARE(story.value(QStringLiteral("target")).toString(), QStringLiteral("scratch"));
    QCOMPARE(story.value(QStringLiteral("as_expected")).toBool(), true);
    QStringList outcomes;
    const QJsonArray steps = story.value(QStringLiteral("steps")).toArray();
    for (const QJsonValue &value : steps) {
        const QJsonObject step = value.toObject();
        for (const char *key : {"step", "presented", "outcome", "explanation"})
            QVERIFY2(step.contains(QLatin1String(key)), key);
        QCOMPARE(step.value(QStringLiteral("step")).toInt(), outcomes.size() + 1);
        outcomes << step.value(QStringLiteral("outcome")).toString();
        // A fingerprint, never the token: no "rtr_" anywhere in what is printed.
        QVERIFY(!step.value(QStringLiteral("presented")).toString().contains(QLatin1String("rtr_")));
    }
    QCOMPARE(outcomes.count(QStringLiteral("replay_detected")), 2);
    QCOMPARE(outcomes.count(QStringLiteral("token_revoked")), 2);
    const Run text = expect({QStringLiteral("simulate"), QStringLiteral("lost-response")}, Ok);
    QVERIFY2(text.out.contains("grace_retry") && text.out.contains("identical"), text.out.constData());
    QVERIFY(!text.out.contains("rtr_"));

    expect({QStringLiteral("simulate"), QStringLiteral("no-such-story")}, Usage);
    expect({QStringLiteral("simulate")}, Usage);
    expect({QStringLiteral("simulate"), QStringLiteral("expiry"), QStringLiteral("--into-database")}, DatabaseError);

    // Into the database, in real time, as a simulated user; then removed again, the audit log intact.
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("real@example.com")}, Ok);
    const QJsonObject played = jsonObject(expect({QStringLiteral("simulate"), QStringLiteral("revoked-while-in-use"),
                                                  QStringLiteral("--into-database"), QStringLiteral("--json")},
                                                 Ok));
    QCOMPARE(played.value(QStringLiteral("target")).toString(), QStringLiteral("database"));
    const QString simulatedUser = played.value(QStringLiteral("user")).toString();
    const QJsonArray events = jsonArray(
        expect({QStringLiteral("events"), QStringLiteral("--user"), simulatedUser, QStringLiteral("--json")}, Ok));
    QStringList kinds;
    for (const QJsonValue &event : events)
        kinds << event.toObject().value(QStringLiteral("kind")).toString();
    QVERIFY2(kinds.contains(QStringLiteral("family_revoked")) && kinds.contains(QStringLiteral("token_revoked")),
             qPrintable(kinds.join(QLatin1Char(' '))));
    const Run removed = expect({QStringLiteral("remove-simulated")}, Ok);
    QVERIFY2(removed.out.contains("removed 1 simulated users, 2 sessions"), removed.out.constData());
    const QJsonArray users = jsonArray(expect({QStringLiteral("users"), QStringLiteral("--json")}, Ok));
    QCOMPARE(users.size(), 1);
    QCOMPARE(users.at(0).toObject().value(QStringLiteral("email")).toString(), QStringLiteral("real@example.com"));
    expect({QStringLiteral("audit"), QStringLiteral("--verify")}, Ok);
}

void TestRotorctl::storageFailure()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("sam@example.com")}, Ok);
    const QString token = login(QStringLiteral("sam@example.com")).value(QStringLiteral("refresh_token")).toString();
    {
        // The disk refuses the write the refusal of an unknown token needs.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("breaker"));
        db.setDatabaseName(m_database);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("CREATE TRIGGER fail_events BEFORE INSERT ON security_events BEGIN "
                                          "SELECT RAISE(ABORT, 'simulated disk failure'); END")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("breaker"));
    const Run failed = expect({QStringLiteral("refresh"), QStringLiteral("--token"),
                               QStringLiteral("rtr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")},
                              DatabaseError);
    QVERIFY2(failed.err.contains("simulated disk failure"), failed.err.constData());
    QVERIFY2(!failed.err.contains("unknown refresh token"), failed.err.constData());
    const QJsonArray events = jsonArray(expect({QStringLiteral("events"), QStringLiteral("--json")}, Ok));
    QCOMPARE(events.size(), 0);
    // The real token still works: nothing was written, nothing was decided.
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token}, Ok);
}

void TestRotorctl::logout()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("lou@example.com")}, Ok);
    const QJsonObject session = login(QStringLiteral("lou@example.com"));
    const QString token = session.value(QStringLiteral("refresh_token")).toString();
    const qint64 family = session.value(QStringLiteral("family_id")).toInteger();
    // Read from standard input, like refresh.
    const Run first = rotorctl({QStringLiteral("logout"), QStringLiteral("--token"), QStringLiteral("-"),
                                QStringLiteral("--json"), QStringLiteral("--ip"), QStringLiteral("192.0.2.7")},
                               token.toLatin1() + '\n');
    QVERIFY2(first.exitCode == Ok, qPrintable(first.describe()));
    QCOMPARE(jsonObject(first).value(QStringLiteral("status")).toString(), QStringLiteral("revoked"));
    QCOMPARE(jsonObject(first).value(QStringLiteral("family_id")).toInteger(), family);
    // Idempotent: again, and with a token that was never issued, no error (RFC 7009).
    const Run again
        = expect({QStringLiteral("logout"), QStringLiteral("--token"), token, QStringLiteral("--json")}, Ok);
    QCOMPARE(jsonObject(again).value(QStringLiteral("status")).toString(), QStringLiteral("already_revoked"));
    const Run unknown
        = expect({QStringLiteral("logout"), QStringLiteral("--token"),
                  QStringLiteral("rtr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), QStringLiteral("--json")},
                 Ok);
    QCOMPARE(jsonObject(unknown).value(QStringLiteral("status")).toString(), QStringLiteral("unknown_token"));
    expect({QStringLiteral("logout"), QStringLiteral("--token"), QStringLiteral("not-a-token")}, BadToken);
    expect({QStringLiteral("logout")}, Usage);
    // The session is over, and the sign-out is on record once, with where it came from.
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token}, Revoked);
    const QJsonArray events = jsonArray(expect(
        {QStringLiteral("events"), QStringLiteral("--kind"), QStringLiteral("logout"), QStringLiteral("--json")}, Ok));
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.at(0).toObject().value(QStringLiteral("ip")).toString(), QStringLiteral("192.0.2.7"));
    const QJsonObject shown
        = jsonObject(expect({QStringLiteral("family"), QString::number(family), QStringLiteral("--json")}, Ok));
    QCOMPARE(shown.value(QStringLiteral("revoke_reason")).toString(), QStringLiteral("logout"));
}

void TestRotorctl::databaseErrors()
{
    initialize();
    // Missing: refused, and nothing is created.
    const QString missing = m_dir->filePath(QStringLiteral("nowhere/rotor.sqlite"));
    expect({QStringLiteral("users"), QStringLiteral("--db"), missing}, DatabaseError);
    QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("nowhere"))));

    // Not a Rotor database: another program's SQLite file, and a text file.
    const QString foreign = m_dir->filePath(QStringLiteral("music.db"));
    const QString newer = m_dir->filePath(QStringLiteral("newer.sqlite"));
    expect({QStringLiteral("init"), QStringLiteral("--db"), newer}, Ok);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("setup"));
        db.setDatabaseName(foreign);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT)")));
        db.close();
        db.setDatabaseName(newer);
        QVERIFY(db.open());
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version = 999")));
        query = QSqlQuery();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("setup"));
    const Run notRotor = expect({QStringLiteral("users"), QStringLiteral("--db"), foreign}, DatabaseError);
    QVERIFY2(notRotor.err.contains("not a Rotor database"), notRotor.err.constData());
    const Run tooNew = expect({QStringLiteral("families"), QStringLiteral("--db"), newer}, DatabaseError);
    QVERIFY2(tooNew.err.contains("newer"), tooNew.err.constData());
    expect({QStringLiteral("add-user"), QStringLiteral("x@example.com"), QStringLiteral("--db"), newer}, DatabaseError);
    const QString text = m_dir->filePath(QStringLiteral("notes.txt"));
    {
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a database\n");
    }
    expect({QStringLiteral("users"), QStringLiteral("--db"), text}, DatabaseError);
    expect({QStringLiteral("users"), QStringLiteral("--db"), QStringLiteral("mysql://u@h/db")}, Usage);
}

void TestRotorctl::keyErrors()
{
    // No key file anywhere yet: the database exists (created without keys by seed-demo's path), the key does not.
    expect({QStringLiteral("seed-demo"), QStringLiteral("--users"), QStringLiteral("1")}, Ok);
    QVERIFY(!QFileInfo::exists(m_keyFile));
    const Run missing = expect({QStringLiteral("login"), QStringLiteral("--user"), QStringLiteral("a@example.com"),
                                QStringLiteral("--device-key"), QStringLiteral("k")},
                               KeyError);
    QVERIFY2(missing.err.contains("rotorctl init"), missing.err.constData());
    expect({QStringLiteral("refresh"), QStringLiteral("--token"),
            QStringLiteral("rtr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), QStringLiteral("--key-file"),
            m_dir->filePath(QStringLiteral("absent.key"))},
           KeyError);

    initialize();
    QVERIFY(
        QFile::setPermissions(m_keyFile, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup));
    const Run exposed = expect({QStringLiteral("refresh"), QStringLiteral("--token"),
                                QStringLiteral("rtr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")},
                               KeyError);
    QVERIFY2(exposed.err.contains("chmod 600"), exposed.err.constData());
    // init does not paper over it either.
    expect({QStringLiteral("init")}, KeyError);
}

void TestRotorctl::globalOptionsAnywhere()
{
    const QString db = m_dir->filePath(QStringLiteral("elsewhere.sqlite"));
    expect({QStringLiteral("--db"), db, QStringLiteral("init")}, Ok);
    expect({QStringLiteral("add-user"), QStringLiteral("frank@example.com"), QStringLiteral("--db"), db}, Ok);
    const QList<QStringList> spellings = {
        {QStringLiteral("--json"), QStringLiteral("--db"), db, QStringLiteral("users")},
        {QStringLiteral("users"), QStringLiteral("--db"), db, QStringLiteral("--json")},
        {QStringLiteral("--db=") + db, QStringLiteral("users"), QStringLiteral("--json")},
        {QStringLiteral("users"), QStringLiteral("--json"), QStringLiteral("--db=") + db, QStringLiteral("--limit=5")},
    };
    QByteArray first;
    for (const QStringList &arguments : spellings) {
        const Run run = expect(arguments, Ok);
        const QJsonArray users = jsonArray(run);
        QCOMPARE(users.size(), 1);
        QCOMPARE(users.at(0).toObject().value(QStringLiteral("email")).toString(), QStringLiteral("frank@example.com"));
        if (first.isEmpty())
            first = run.out;
        QCOMPARE(run.out, first);
    }
    // The default database was never created: --db was honoured everywhere.
    QVERIFY(!QFileInfo::exists(m_database));
}

void TestRotorctl::helpForEveryCommand_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("--help") << QStringList {QStringLiteral("--help")};
    QTest::newRow("-h") << QStringList {QStringLiteral("-h")};
    QTest::newRow("help login") << QStringList {QStringLiteral("help"), QStringLiteral("login")};
    const char *commands[] = {"init",          "seed-demo",   "add-user",        "login",         "refresh", "logout",
                              "revoke-family", "revoke-user", "deactivate-user", "activate-user", "users",   "policy",
                              "devices",       "families",    "family",          "events",        "audit",   "what-if"};
    for (const char *command : commands) {
        QTest::addRow("%s --help", command) << QStringList {QLatin1String(command), QStringLiteral("--help")};
        QTest::addRow("--help %s", command) << QStringList {QStringLiteral("--help"), QLatin1String(command)};
    }
}

void TestRotorctl::helpForEveryCommand()
{
    QFETCH(QStringList, arguments);
    const Run run = expect(arguments, Ok);
    QVERIFY2(run.out.startsWith("usage: rotorctl"), run.out.constData());
    if (arguments.size() > 1) {
        const QString command = arguments.at(0).startsWith(QLatin1Char('-')) || arguments.at(0) == QLatin1String("help")
            ? arguments.at(1)
            : arguments.at(0);
        QVERIFY2(run.out.contains(command.toUtf8()), run.out.constData());
    }
    // Help needs nothing: no key, no database was created for it.
    QVERIFY(!QFileInfo::exists(m_database));
    QVERIFY(!QFileInfo::exists(m_keyFile));
}

void TestRotorctl::auditVerify()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("gina@example.com")}, Ok);
    login(QStringLiteral("gina@example.com"));
    expect({QStringLiteral("revoke-user"), QStringLiteral("gina@example.com"), QStringLiteral("--reason"),
            QStringLiteral("test")},
           Ok);
    const QJsonArray entries = jsonArray(expect({QStringLiteral("audit"), QStringLiteral("--json")}, Ok));
    QVERIFY(entries.size() >= 2);
    const QJsonObject verification
        = jsonObject(expect({QStringLiteral("audit"), QStringLiteral("--verify"), QStringLiteral("--json")}, Ok));
    QCOMPARE(verification.value(QStringLiteral("intact")).toBool(false), true);
    QCOMPARE(verification.value(QStringLiteral("entries_checked")).toInteger(), qint64(entries.size()));
    const Run text = expect({QStringLiteral("audit"), QStringLiteral("--verify")}, Ok);
    QVERIFY2(text.out.contains("intact"), text.out.constData());
}

void TestRotorctl::seedDemoCountsAgree()
{
    const QJsonObject stats = jsonObject(expect(
        {QStringLiteral("seed-demo"), QStringLiteral("--users"), QStringLiteral("200"), QStringLiteral("--json")}, Ok));
    QCOMPARE(stats.value(QStringLiteral("users")).toInteger(), 200);

    const QJsonArray users = jsonArray(expect(
        {QStringLiteral("users"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("0")}, Ok));
    QCOMPARE(users.size(), 200);
    const QJsonArray families = jsonArray(expect(
        {QStringLiteral("families"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("0")}, Ok));
    QCOMPARE(qint64(families.size()), stats.value(QStringLiteral("families")).toInteger());
    const QJsonArray devices = jsonArray(expect(
        {QStringLiteral("devices"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("0")}, Ok));
    QCOMPARE(qint64(devices.size()), stats.value(QStringLiteral("devices")).toInteger());

    int revokedCount = 0, activeCount = 0;
    for (const QJsonValue &family : families) {
        const QString state = family.toObject().value(QStringLiteral("state")).toString();
        revokedCount += state == QLatin1String("revoked");
        activeCount += state == QLatin1String("active");
    }
    QVERIFY(revokedCount > 0);
    const QJsonArray revoked
        = jsonArray(expect({QStringLiteral("families"), QStringLiteral("--state"), QStringLiteral("revoked"),
                            QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("0")},
                           Ok));
    QCOMPARE(revoked.size(), revokedCount);
    for (const QJsonValue &family : revoked) {
        QCOMPARE(family.toObject().value(QStringLiteral("state")).toString(), QStringLiteral("revoked"));
        QVERIFY(!family.toObject().value(QStringLiteral("revoke_reason")).toString().isEmpty());
    }

    // Per user: the devices listed for them and their live sessions agree with the users list.
    qint64 totalDevices = 0, totalLive = 0;
    int checked = 0;
    for (const QJsonValue &value : users) {
        const QJsonObject user = value.toObject();
        totalDevices += user.value(QStringLiteral("devices")).toInteger();
        totalLive += user.value(QStringLiteral("live_sessions")).toInteger();
        if (checked >= 3 || user.value(QStringLiteral("devices")).toInteger() == 0)
            continue;
        ++checked;
        const QString email = user.value(QStringLiteral("email")).toString();
        const QJsonArray own
            = jsonArray(expect({QStringLiteral("devices"), QStringLiteral("--user"), email, QStringLiteral("--json"),
                                QStringLiteral("--limit"), QStringLiteral("0")},
                               Ok));
        QCOMPARE(qint64(own.size()), user.value(QStringLiteral("devices")).toInteger());
        qint64 live = 0;
        for (const QJsonValue &device : own) {
            QCOMPARE(device.toObject().value(QStringLiteral("user")).toString(), email);
            live += device.toObject().value(QStringLiteral("live_sessions")).toInteger();
        }
        QCOMPARE(live, user.value(QStringLiteral("live_sessions")).toInteger());
    }
    QVERIFY(checked > 0);
    QCOMPARE(totalDevices, qint64(devices.size()));
    QCOMPARE(totalLive, qint64(activeCount));
    expect({QStringLiteral("devices"), QStringLiteral("--user"), QStringLiteral("nobody@example.com")}, Failed);
}

namespace {
// The bytes of the database file and of its write-ahead log. A read-only SQLite connection to a database that no one
// has open leaves an empty -wal (and -shm) behind, which it may not remove: an absent log and an empty one both hold
// no frame, so both count as empty here; any byte written to either shows.
QByteArray filesOf(const QString &database)
{
    QByteArray all;
    for (const QString &path : QStringList {database, database + QStringLiteral("-wal")}) {
        QFile file(path);
        const QByteArray bytes = file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        all += QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex() + '/';
    }
    return all;
}
} // namespace

void TestRotorctl::whatIf()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("wendy@example.com")}, Ok);
    const QJsonObject session = login(QStringLiteral("wendy@example.com"));
    const QString family = QString::number(session.value(QStringLiteral("family_id")).toInteger());
    QString token = session.value(QStringLiteral("refresh_token")).toString();
    const QString token0 = token;
    for (int i = 0; i < 2; ++i)
        token = jsonObject(
                    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token, QStringLiteral("--json")}, Ok))
                    .value(QStringLiteral("refresh_token"))
                    .toString();
    const QByteArray before = filesOf(m_database);
    const auto whatIf = [&](const QString &generation, const QStringList &more = {}) {
        return expect(QStringList {QStringLiteral("what-if"), QStringLiteral("--session"), family,
                                   QStringLiteral("--generation"), generation, QStringLiteral("--json")}
                          + more,
                      Ok);
    };

    const QJsonObject live = jsonObject(whatIf(QStringLiteral("2")));
    for (const char *key : {"family_id", "generation", "current_generation", "at", "outcome", "explanation",
                            "consequence", "revokes_session", "records_event", "grace_seconds", "token"})
        QVERIFY2(live.contains(QLatin1String(key)), key);
    QCOMPARE(live.value(QStringLiteral("outcome")).toString(), QStringLiteral("rotated"));
    QCOMPARE(live.value(QStringLiteral("generation")).toInt(-1), 2);
    QCOMPARE(live.value(QStringLiteral("current_generation")).toInt(-1), 2);
    QVERIFY(live.value(QStringLiteral("records_event")).isNull());
    QCOMPARE(live.value(QStringLiteral("revokes_session")).toBool(true), false);
    QVERIFY2(live.value(QStringLiteral("explanation")).toString().contains(QStringLiteral("generation 2 was live")),
             qPrintable(live.value(QStringLiteral("explanation")).toString()));
    const QDateTime at = QDateTime::fromString(live.value(QStringLiteral("at")).toString(), Qt::ISODateWithMs);
    QVERIFY(at.isValid());
    QVERIFY(qAbs(at.secsTo(QDateTime::currentDateTimeUtc())) < 60);

    // Generation 0's successor has moved on: presenting it is a replay, and would end the session.
    const QJsonObject replay = jsonObject(whatIf(QStringLiteral("0")));
    QCOMPARE(replay.value(QStringLiteral("outcome")).toString(), QStringLiteral("replay_detected"));
    QCOMPARE(replay.value(QStringLiteral("revokes_session")).toBool(false), true);
    QCOMPARE(replay.value(QStringLiteral("records_event")).toString(), QStringLiteral("replay_detected"));
    QVERIFY(replay.value(QStringLiteral("token")).toObject().value(QStringLiteral("used_at")).isString());

    // --at: the live generation a month from now has expired by then (the idle lifetime is 30 days).
    const QString later = QDateTime::currentDateTimeUtc().addDays(31).toString(Qt::ISODateWithMs);
    const QJsonObject expired = jsonObject(whatIf(QStringLiteral("2"), {QStringLiteral("--at"), later}));
    QCOMPARE(expired.value(QStringLiteral("outcome")).toString(), QStringLiteral("token_expired"));
    QCOMPARE(QDateTime::fromString(expired.value(QStringLiteral("at")).toString(), Qt::ISODateWithMs),
             QDateTime::fromString(later, Qt::ISODateWithMs));

    const Run text = expect({QStringLiteral("what-if"), QStringLiteral("--session"), family,
                             QStringLiteral("--generation"), QStringLiteral("0")},
                            Ok);
    QVERIFY2(text.out.contains("outcome:      replay_detected\n"), text.out.constData());
    QVERIFY2(text.out.contains("nothing was written"), text.out.constData());

    // Asking wrote nothing: the file and its log are byte-identical, and the session is as it was.
    QCOMPARE(filesOf(m_database), before);
    const QJsonObject shown = jsonObject(expect({QStringLiteral("family"), family, QStringLiteral("--json")}, Ok));
    QCOMPARE(shown.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
    QCOMPARE(jsonArray(expect({QStringLiteral("events"), QStringLiteral("--json")}, Ok)).size(), 0);

    // And it was right: presenting generation 0 now is that replay.
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token0}, Replay);
    const QJsonObject after = jsonObject(whatIf(QStringLiteral("2")));
    QCOMPARE(after.value(QStringLiteral("outcome")).toString(), QStringLiteral("token_revoked"));
    expect({QStringLiteral("refresh"), QStringLiteral("--token"), token}, Revoked);
}

void TestRotorctl::whatIfErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("code");
    QTest::newRow("no --session") << QStringList {QStringLiteral("--generation"), QStringLiteral("0")} << int(Usage);
    QTest::newRow("no --generation") << QStringList {QStringLiteral("--session"), QStringLiteral("1")} << int(Usage);
    QTest::newRow("bad --session") << QStringList {QStringLiteral("--session"), QStringLiteral("one"),
                                                   QStringLiteral("--generation"), QStringLiteral("0")}
                                   << int(Usage);
    QTest::newRow("bad --generation") << QStringList {QStringLiteral("--session"), QStringLiteral("1"),
                                                      QStringLiteral("--generation"), QStringLiteral("-1")}
                                      << int(Usage);
    QTest::newRow("bad --at") << QStringList {QStringLiteral("--session"),    QStringLiteral("1"),
                                              QStringLiteral("--generation"), QStringLiteral("0"),
                                              QStringLiteral("--at"),         QStringLiteral("tomorrow")}
                              << int(Usage);
    QTest::newRow("no such session") << QStringList {QStringLiteral("--session"), QStringLiteral("99"),
                                                     QStringLiteral("--generation"), QStringLiteral("0")}
                                     << int(Failed);
    QTest::newRow("past the chain") << QStringList {QStringLiteral("--session"), QStringLiteral("1"),
                                                    QStringLiteral("--generation"), QStringLiteral("5")}
                                    << int(Failed);
}

void TestRotorctl::whatIfErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, code);
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("xavier@example.com")}, Ok);
    QCOMPARE(login(QStringLiteral("xavier@example.com")).value(QStringLiteral("family_id")).toInteger(), 1);
    const QByteArray before = filesOf(m_database);
    const Run run = expect(QStringList {QStringLiteral("what-if")} + arguments, code);
    if (code == Failed)
        QVERIFY2(run.err.contains("no session with id 99") || run.err.contains("has no generation 5"),
                 run.err.constData());
    QCOMPARE(filesOf(m_database), before);
}

void TestRotorctl::familySaysWhyRevoked()
{
    initialize();
    expect({QStringLiteral("add-user"), QStringLiteral("yara@example.com")}, Ok);
    const QJsonObject session = login(QStringLiteral("yara@example.com"));
    const QString family = QString::number(session.value(QStringLiteral("family_id")).toInteger());
    const QJsonObject active = jsonObject(expect({QStringLiteral("family"), family, QStringLiteral("--json")}, Ok));
    QCOMPARE(
        active.value(QStringLiteral("revocation")).toString(),
        QStringLiteral("Session %1 (yara@example.com, device laptop) is not revoked: it is active, at generation 0.")
            .arg(family));

    expect({QStringLiteral("revoke-family"), family, QStringLiteral("--reason"), QStringLiteral("stolen bag")}, Ok);
    const QJsonObject revoked = jsonObject(expect({QStringLiteral("family"), family, QStringLiteral("--json")}, Ok));
    const QString sentence = revoked.value(QStringLiteral("revocation")).toString();
    QVERIFY2(
        sentence.startsWith(QStringLiteral("Session %1 (yara@example.com, device laptop) was revoked on ").arg(family)),
        qPrintable(sentence));
    QVERIFY2(sentence.contains(QStringLiteral("by the administrator ")), qPrintable(sentence));
    QVERIFY2(sentence.contains(QStringLiteral("giving the reason \u201cstolen bag\u201d (event ")),
             qPrintable(sentence));
    QVERIFY2(sentence.contains(QStringLiteral("audit entry ")), qPrintable(sentence));
    // The time is the revocation's, in UTC.
    const QString revokedAt
        = QDateTime::fromString(revoked.value(QStringLiteral("revoked_at")).toString(), Qt::ISODateWithMs)
              .toUTC()
              .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
    QVERIFY2(sentence.contains(revokedAt), qPrintable(sentence));

    const Run text = expect({QStringLiteral("family"), family}, Ok);
    QVERIFY2(text.out.contains(sentence.toUtf8()), text.out.constData());
}

QTEST_GUILESS_MAIN(TestRotorctl)
#include "tst_rotorctl.moc"
