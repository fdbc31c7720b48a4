// rotor-test-driver: a separate process for the multi-process suites. Talks only through rotor_core.
//
//   rotor-test-driver serve DB [CLOCK_OFFSET_MS]   reads commands on stdin, one answer line each on stdout:
//       refresh TOKEN GRACE_MS IP UA -> OUTCOME SUCCESSOR|- EVENT_ID STORAGE_FAILED(0|1) [error]
//       quit
//     prints "ready" once the database is open. Like a server, it reads its own system clock for every call; no
//     time crosses the pipe. CLOCK_OFFSET_MS skews that clock, as a server whose clock is off by so much.
//   rotor-test-driver chaos DB SEED START_MS
//     signs in, refreshes, replays and revokes at random, forever (until killed), printing "op N" after every
//     operation that returned; "fail ..." for anything a healthy database must not produce.
//   rotor-test-driver rotate DB EMAIL RATE
//     signs EMAIL in (a new session), prints "family ID", then refreshes that session's token RATE times a second,
//     forever (until killed), as a busy auth server would; "fail ..." if a refresh does not
//     rotate.
// The master secret comes from ROTOR_MASTER_KEY.
#include "AdminService.h"
#include "Clock.h"
#include "Database.h"
#include "Decision.h"
#include "Keys.h"
#include "RotationService.h"
#include "TestSupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QThread>

#include <cstdio>
#include <iostream>
#include <string>

using namespace rotor;

namespace {

void say(const QByteArray &line)
{
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

int usage()
{
    std::fputs("usage: rotor-test-driver serve DB [CLOCK_OFFSET_MS] | chaos DB SEED START_MS | rotate DB EMAIL RATE\n",
               stderr);
    return 2;
}

std::unique_ptr<Database> open(const QString &location)
{
    ConnectionSpec spec;
    QString error;
    if (!ConnectionSpec::parse(location, &spec, &error)) {
        say("fail " + error.toUtf8());
        return nullptr;
    }
    auto db = std::make_unique<Database>(spec);
    if (!db->open(Database::OpenMode::OpenExisting, &error)) {
        say("fail " + error.toUtf8());
        return nullptr;
    }
    return db;
}

// The system clock, off by a fixed amount.
class SkewedClock final : public Clock
{
public:
    explicit SkewedClock(qint64 offsetMs)
        : m_offsetMs(offsetMs)
    { }
    qint64 nowMs() const override { return m_system.nowMs() + m_offsetMs; }

private:
    SystemClock m_system;
    qint64 m_offsetMs;
};

int serve(const QString &location, const Keys &keys, qint64 clockOffsetMs)
{
    auto db = open(location);
    if (!db)
        return 1;
    const SkewedClock clock(clockOffsetMs);
    say("ready");
    std::string line;
    while (std::getline(std::cin, line)) {
        const QList<QByteArray> words = QByteArray::fromStdString(line).split(' ');
        if (words.value(0) == "quit")
            break;
        if (words.value(0) != "refresh" || words.size() != 5) {
            say("fail bad command");
            continue;
        }
        Policy policy;
        policy.graceMs = words.at(2).toLongLong();
        RotationService service(*db, keys, clock, policy);
        const RefreshResult result = service.refresh(
            words.at(1),
            {QStringLiteral("driver"), QString(), QString::fromUtf8(words.at(3)), QString::fromUtf8(words.at(4))});
        QByteArray answer = QByteArray(outcomeName(result.outcome)) + ' '
            + (result.tokens.refreshToken.isEmpty() ? QByteArray("-") : result.tokens.refreshToken) + ' '
            + QByteArray::number(result.eventId) + ' ' + (result.storageFailed ? '1' : '0');
        if (!result.error.isEmpty())
            answer += ' ' + result.error.toUtf8().replace('\n', ' ');
        say(answer);
    }
    return 0;
}

struct Held
{
    qint64 familyId = 0;
    QByteArray current;
    QByteArray previous;
};

int chaos(const QString &location, const Keys &keys, quint32 seed, qint64 startMs)
{
    auto db = open(location);
    if (!db)
        return 1;
    QRandomGenerator random(seed);
    ManualClock clock(startMs);
    Policy policy;
    RotationService rotation(*db, keys, clock, policy);
    AdminService admin(*db, clock, {QStringLiteral("chaos"), QStringLiteral("driver")});
    QList<Held> held;
    QString error;
    const auto ids = [&](const QString &sql) {
        QList<qint64> list;
        QSqlQuery query(db->handle());
        if (!query.exec(sql))
            say("fail " + Database::describe(query.lastError()).toUtf8());
        while (query.next())
            list.append(query.value(0).toLongLong());
        return list;
    };
    for (qint64 op = 1;; ++op) {
        clock.advanceMs(random.bounded(12000));
        const int dice = int(random.bounded(100));
        if (dice < 25 || held.isEmpty()) {
            QStringList emails;
            QSqlQuery query(db->handle());
            if (!query.exec(QStringLiteral("SELECT email FROM users WHERE active ORDER BY id")))
                say("fail " + Database::describe(query.lastError()).toUtf8());
            while (query.next())
                emails << query.value(0).toString();
            query.finish();
            if (!emails.isEmpty()) {
                const QString email = emails.at(int(random.bounded(qsizetype(emails.size()))));
                const LoginResult login
                    = rotation.login(email,
                                     {QStringLiteral("dev%1").arg(random.bounded(4)), QStringLiteral("Device"),
                                      QStringLiteral("10.1.0.1"), QStringLiteral("Chaos/1")});
                if (login.ok())
                    held.append({login.tokens.familyId, login.tokens.refreshToken, {}});
                else if (login.status != LoginResult::Status::UserInactive)
                    say("fail login: " + login.error.toUtf8());
            } else {
                const QList<qint64> inactive = ids(QStringLiteral("SELECT id FROM users ORDER BY id LIMIT 1"));
                if (!inactive.isEmpty()
                    && !admin.setUserActive(inactive.first(), true, QStringLiteral("chaos"), &error))
                    say("fail activate: " + error.toUtf8());
            }
        } else if (dice < 65) {
            Held &family = held[int(random.bounded(qsizetype(held.size())))];
            const RefreshResult result = rotation.refresh(
                family.current,
                {QStringLiteral("dev"), QString(), QStringLiteral("10.1.0.2"), QStringLiteral("Chaos/2")});
            if (result.storageFailed)
                say("fail refresh: " + result.error.toUtf8());
            else if (result.outcome == Outcome::Rotate) {
                family.previous = family.current;
                family.current = result.tokens.refreshToken;
            }
        } else if (dice < 75) {
            Held &family = held[int(random.bounded(qsizetype(held.size())))];
            if (!family.previous.isEmpty()) {
                clock.advanceMs(policy.graceMs);
                const RefreshResult result = rotation.refresh(
                    family.previous,
                    {QStringLiteral("thief"), QString(), QStringLiteral("10.6.6.6"), QStringLiteral("Thief/1")});
                if (result.storageFailed)
                    say("fail replay: " + result.error.toUtf8());
            }
        } else if (dice < 88) {
            const QList<qint64> live = ids(QStringLiteral("SELECT id FROM token_families WHERE revoked_at IS NULL"));
            if (!live.isEmpty()
                && !admin.revokeFamily(live.at(int(random.bounded(qsizetype(live.size())))), QStringLiteral("chaos"),
                                       &error))
                say("fail revoke family: " + error.toUtf8());
        } else if (dice < 94) {
            const QList<qint64> users = ids(QStringLiteral("SELECT id FROM users ORDER BY id"));
            int revoked = 0;
            if (!users.isEmpty()
                && !admin.revokeUser(users.at(int(random.bounded(qsizetype(users.size())))), QStringLiteral("chaos"),
                                     &revoked, &error))
                say("fail revoke user: " + error.toUtf8());
        } else {
            const QList<qint64> users = ids(QStringLiteral("SELECT id FROM users ORDER BY id"));
            if (!users.isEmpty()) {
                const qint64 user = users.at(int(random.bounded(qsizetype(users.size()))));
                QSqlQuery query(db->handle());
                const bool active = query.exec(QStringLiteral("SELECT active FROM users WHERE id = %1").arg(user))
                    && query.next() && query.value(0).toBool();
                query.finish();
                if (!admin.setUserActive(user, !active, QStringLiteral("chaos"), &error))
                    say("fail set active: " + error.toUtf8());
            }
        }
        if (held.size() > 20)
            held.removeFirst();
        say("op " + QByteArray::number(op));
    }
}

int rotate(const QString &location, const Keys &keys, const QString &email, int perSecond)
{
    auto db = open(location);
    if (!db)
        return 1;
    const SystemClock clock;
    RotationService rotation(*db, keys, clock);
    const DeviceInfo device {QStringLiteral("writer-device"), QStringLiteral("Writer"), QStringLiteral("10.9.0.1"),
                             QStringLiteral("RotorWriter/1")};
    const LoginResult login = rotation.login(email, device);
    if (!login.ok()) {
        say("fail login: " + login.error.toUtf8());
        return 1;
    }
    say("family " + QByteArray::number(login.tokens.familyId));
    QByteArray token = login.tokens.refreshToken;
    const qint64 intervalNs = 1'000'000'000LL / qMax(1, perSecond);
    QElapsedTimer paced;
    paced.start();
    for (qint64 done = 1;; ++done) {
        const RefreshResult result = rotation.refresh(token, device);
        if (result.outcome != Outcome::Rotate) {
            say("fail refresh: " + QByteArray(outcomeName(result.outcome)) + ' ' + result.error.toUtf8());
            return 1;
        }
        token = result.tokens.refreshToken;
        // A steady rate, as a server under load; the schedule is kept from the start, not from each refresh.
        const qint64 ahead = done * intervalNs - paced.nsecsElapsed();
        if (ahead > 0)
            QThread::usleep(quint64(ahead / 1000));
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    Keys keys;
    QString error;
    if (!Keys::load(QString(), &keys, &error)) {
        say("fail " + error.toUtf8());
        return 1;
    }
    if ((args.size() == 3 || args.size() == 4) && args.at(1) == QLatin1String("serve"))
        return serve(args.at(2), keys, args.value(3).toLongLong());
    if (args.size() == 5 && args.at(1) == QLatin1String("chaos"))
        return chaos(args.at(2), keys, args.at(3).toUInt(), args.at(4).toLongLong());
    if (args.size() == 5 && args.at(1) == QLatin1String("rotate"))
        return rotate(args.at(2), keys, args.at(3), args.at(4).toInt());
    return usage();
}
