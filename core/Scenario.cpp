#include "Scenario.h"

#include "AdminService.h"
#include "Catalog.h"
#include "Clock.h"
#include "Crypto.h"
#include "Database.h"
#include "Keys.h"
#include "Policy.h"
#include "RefreshToken.h"
#include "RotationService.h"
#include "RowFormat.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QThread>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace rotor {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::Scenario", text);
}

const QList<ScenarioInfo> catalog = {
    {"stolen-token", QT_TRANSLATE_NOOP("rotor::Scenario", "Stolen refresh token"),
     QT_TRANSLATE_NOOP("rotor::Scenario",
                       "An attacker copies the client's refresh token. Whoever presents a used copy after the grace "
                       "window gives the theft away: first with the attacker refreshing first, then with the client "
                       "first. Either way the session is revoked and the thief's token dies with it."),
     false},
    {"theft-inside-grace", QT_TRANSLATE_NOOP("rotor::Scenario", "Theft inside the grace window"),
     QT_TRANSLATE_NOOP("rotor::Scenario",
                       "The attacker presents the copy within the grace window of the client's refresh and receives "
                       "the very same successor: inside the window a second party cannot be told from a retry. "
                       "Detection comes one rotation later, when the two copies diverge."),
     true},
    {"lost-response", QT_TRANSLATE_NOOP("rotor::Scenario", "Lost response"),
     QT_TRANSLATE_NOOP("rotor::Scenario",
                       "A refresh succeeds but its reply never reaches the client. The client retries within the grace "
                       "window and receives the identical successor; the session goes on."),
     true},
    {"second-tab", QT_TRANSLATE_NOOP("rotor::Scenario", "Two tabs at once"),
     QT_TRANSLATE_NOOP("rotor::Scenario",
                       "Two tabs of the same browser present the same token at the same moment, on two threads with "
                       "two database connections. One successor is issued and both tabs receive it."),
     true},
    {"expiry", QT_TRANSLATE_NOOP("rotor::Scenario", "Idle and absolute expiry"),
     QT_TRANSLATE_NOOP("rotor::Scenario",
                       "A token left unused longer than the idle lifetime expires; a session refreshed faithfully "
                       "still ends at its absolute lifetime."),
     false},
    {"revoked-while-in-use", QT_TRANSLATE_NOOP("rotor::Scenario", "Revoked while in use"),
     QT_TRANSLATE_NOOP("rotor::Scenario",
                       "An administrator revokes the session while the client keeps refreshing: the client's next "
                       "refresh is refused and it must sign in again."),
     false},
};

struct Party
{
    QString name;
    DeviceInfo device;
    QByteArray token;
};

QString fingerprintOf(const QByteArray &token)
{
    return QString::fromLatin1(refresh_token::fingerprint(token));
}

bool matches(const QString &expected, const QString &outcome)
{
    return expected.split(QLatin1Char('|')).contains(outcome);
}

} // namespace

const QList<ScenarioInfo> &scenarioCatalog()
{
    return catalog;
}

const ScenarioInfo *findScenario(const QString &id)
{
    for (const ScenarioInfo &info : catalog) {
        if (id == QLatin1String(info.id))
            return &info;
    }
    return nullptr;
}

QJsonObject ScenarioStep::toJson() const
{
    QJsonObject object {{QStringLiteral("step"), number},
                        {QStringLiteral("at"), row_format::isoTime(at)},
                        {QStringLiteral("actor"), actor},
                        {QStringLiteral("action"), action},
                        {QStringLiteral("presented"), presented.isEmpty() ? QJsonValue() : QJsonValue(presented)},
                        {QStringLiteral("outcome"), outcome},
                        {QStringLiteral("expected"), expected},
                        {QStringLiteral("as_expected"), asExpected},
                        {QStringLiteral("explanation"), explanation},
                        {QStringLiteral("changed"), changed},
                        {QStringLiteral("session"), familyId ? QJsonValue(familyId) : QJsonValue()},
                        {QStringLiteral("event"), eventId ? QJsonValue(eventId) : QJsonValue()}};
    if (waitMs > 0)
        object.insert(QStringLiteral("wait_ms"), waitMs);
    if (verdict)
        object.insert(QStringLiteral("verdict"),
                      QJsonObject {{QStringLiteral("verdict"), QString::fromLatin1(verdictName(verdict->verdict))},
                                   {QStringLiteral("rule"), replayVerdictRule},
                                   {QStringLiteral("reason"), verdict->reason}});
    return object;
}

QString ScenarioStep::toText() const
{
    QString text = QStringLiteral("%1. [%2] %3 %4").arg(number).arg(row_format::isoTime(at), actor, action);
    if (!presented.isEmpty())
        text += QStringLiteral(" (%1)").arg(presented);
    text += QStringLiteral("\n   -> %1").arg(outcome);
    if (!asExpected)
        text += QStringLiteral("   UNEXPECTED: expected %1").arg(expected);
    text += QStringLiteral("\n   why: %1").arg(explanation);
    if (verdict)
        text += QStringLiteral("\n   verdict: %1 (%2)")
                    .arg(QString::fromLatin1(verdictName(verdict->verdict)), verdict->reason);
    if (!changed.isEmpty())
        text += QStringLiteral("\n   changed: %1").arg(changed);
    return text + QLatin1Char('\n');
}

struct ScenarioRun::Context
{
    std::unique_ptr<QTemporaryDir> scratchDir;
    ConnectionSpec spec;
    JumpingClock clock;
    Keys keys;
    Policy policy;
    std::unique_ptr<Database> db;
    std::unique_ptr<RotationService> rotation;
    std::unique_ptr<AdminService> admin;
    QString email;
    qint64 userId = 0;
    qint64 familyId = 0;
    // A pause between the steps of a story: a minute of scenario time when the clock jumps, a few seconds in real time.
    qint64 pauseMs = Policy::minute;
    Party client {QStringLiteral("client"),
                  {QStringLiteral("sim-laptop"), QStringLiteral("Simulated laptop"), QStringLiteral("198.51.100.23"),
                   QStringLiteral("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")},
                  {}};
    Party attacker {QStringLiteral("attacker"),
                    {QStringLiteral("unknown-device"), QString(), QStringLiteral("203.0.113.66"),
                     QStringLiteral("python-requests/2.31.0")},
                    {}};
};

ScenarioRun::ScenarioRun()
    : m_context(std::make_unique<Context>())
{ }

ScenarioRun::~ScenarioRun()
{
    if (m_context && m_context->db)
        m_context->db->close();
}

std::unique_ptr<ScenarioRun> ScenarioRun::start(const QString &scenarioId, Target target,
                                                const ConnectionSpec &database, QString *error, Pace pace)
{
    const ScenarioInfo *info = findScenario(scenarioId);
    if (!info) {
        QStringList ids;
        for (const ScenarioInfo &known : catalog)
            ids << QLatin1String(known.id);
        *error = tr("no scenario '%1' (known: %2)").arg(scenarioId, ids.join(QLatin1String(", ")));
        return nullptr;
    }
    std::unique_ptr<ScenarioRun> run(new ScenarioRun);
    run->m_info = *info;
    run->m_target = target;
    run->m_realTime = target == Target::IntoDatabase && pace == Pace::Natural;
    if (!run->prepare(database, error))
        return nullptr;
    run->plan();
    return run;
}

bool ScenarioRun::prepare(const ConnectionSpec &database, QString *error)
{
    Context &c = *m_context;
    if (m_target == Target::Scratch) {
        c.scratchDir = std::make_unique<QTemporaryDir>();
        if (!c.scratchDir->isValid()) {
            *error = tr("cannot create a scratch folder: %1").arg(c.scratchDir->errorString());
            return false;
        }
        c.spec = ConnectionSpec::sqlite(c.scratchDir->filePath(QStringLiteral("scenario.sqlite")));
    } else {
        if (database.readOnly) {
            *error = tr("this connection is read-only: a scenario can be played into the database only on a "
                        "connection that may write (or in a scratch database)");
            return false;
        }
        c.spec = database;
    }
    if (m_realTime)
        c.pauseMs = 3 * Policy::second;
    c.db = std::make_unique<Database>(c.spec);
    if (!c.db->open(m_target == Target::Scratch ? Database::OpenMode::CreateIfMissing
                                                : Database::OpenMode::OpenExisting,
                    error))
        return false;
    if (m_target == Target::IntoDatabase && !c.db->policy(&c.policy, error))
        return false;
    if (m_info.needsGrace && c.policy.graceMs <= 0) {
        *error = tr("the scenario '%1' shows the grace window, which this database's policy disables (grace 0)")
                     .arg(QLatin1String(m_info.id));
        return false;
    }
    if (m_realTime && QLatin1String(m_info.id) == QLatin1String("expiry")) {
        // Real time cannot wait out 30 days: this run's sessions get lifetimes of seconds (stamped on them at sign-in,
        // so no other session is affected).
        c.policy.refreshIdleTtlMs = 20 * Policy::second;
        c.policy.familyLifetimeMs = 50 * Policy::second;
        c.policy.accessTtlMs = qMin(c.policy.accessTtlMs, c.policy.refreshIdleTtlMs);
    }
    // Keys of the run's own: its tokens mean nothing to any real server.
    if (!Keys::fromMaster(crypto::randomBytes(32), &c.keys, error))
        return false;
    c.rotation = std::make_unique<RotationService>(*c.db, c.keys, c.clock, c.policy);
    Actor actor = m_target == Target::Scratch ? Actor {QStringLiteral("simulator"), QStringLiteral("scratch database")}
                                              : Actor::forConnection(c.spec);
    c.admin = std::make_unique<AdminService>(*c.db, c.clock, actor);
    const QByteArray tag = crypto::randomBytes(4).toHex();
    if (tag.isEmpty()) {
        *error = tr("the system's random number generator failed");
        return false;
    }
    c.email = QStringLiteral("sim-%1@simulated.invalid").arg(QString::fromLatin1(tag));
    return c.admin->addUser(c.email, tr("Simulated user (%1)").arg(QLatin1String(m_info.id)), &c.userId, error, true);
}

const ConnectionSpec &ScenarioRun::databaseSpec() const
{
    return m_context->spec;
}

int ScenarioRun::plannedSteps() const
{
    return int(m_plan.size());
}

bool ScenarioRun::atEnd() const
{
    return m_failed || m_next >= m_plan.size();
}

qint64 ScenarioRun::nextWaitMs() const
{
    return atEnd() ? 0 : m_plan.at(m_next).waitMs;
}

qint64 ScenarioRun::currentFamilyId() const
{
    return m_context->familyId;
}

qint64 ScenarioRun::userId() const
{
    return m_context->userId;
}

bool ScenarioRun::allAsExpected() const
{
    if (m_failed || m_next < m_plan.size())
        return false;
    for (const ScenarioStep &step : m_transcript) {
        if (!step.asExpected)
            return false;
    }
    return true;
}

bool ScenarioRun::next(QList<ScenarioStep> *played, QString *error)
{
    played->clear();
    if (atEnd()) {
        *error = m_failed ? tr("the scenario stopped after a failure") : tr("the scenario is over");
        return false;
    }
    const Planned &step = m_plan.at(m_next);
    if (!step.play(played, error)) {
        m_failed = true;
        return false;
    }
    ++m_next;
    for (ScenarioStep &one : *played) {
        one.number = int(m_transcript.size()) + 1;
        m_transcript.append(one);
    }
    return true;
}

void ScenarioRun::plan()
{
    Context &c = *m_context;
    const auto add = [this](std::function<bool(QList<ScenarioStep> *, QString *)> play) {
        m_plan.append({0, QString(), std::move(play)});
    };
    const auto stepOf = [&c](const Party &party, const QString &action) {
        ScenarioStep step;
        step.at = c.clock.nowMs();
        step.actor = party.name;
        step.action = action;
        step.familyId = c.familyId;
        return step;
    };

    const auto signIn = [&c, add, stepOf](Party *party) {
        add([&c, party, stepOf](QList<ScenarioStep> *played, QString *error) {
            const LoginResult result = c.rotation->login(c.email, party->device);
            if (!result.ok()) {
                *error = result.error;
                return false;
            }
            party->token = result.tokens.refreshToken;
            c.familyId = result.tokens.familyId;
            ScenarioStep step = stepOf(*party, tr("signs in on %1").arg(party->device.deviceName));
            step.outcome = step.expected = QStringLiteral("signed_in");
            step.explanation = tr("a new session (token family) begins with its first refresh token, generation 0");
            step.changed = tr("session %1 created; generation 0 (%2) issued to the %3")
                               .arg(c.familyId)
                               .arg(fingerprintOf(party->token), party->name);
            played->append(step);
            return true;
        });
    };

    // Presents what the party holds (or the token given), and keeps what it receives.
    const auto presentToken = [&c, stepOf](Party *party, const QByteArray &token, const QString &expected,
                                           const QString &action, bool keep, QList<ScenarioStep> *played,
                                           QString *error) {
        ScenarioStep step = stepOf(*party, action);
        const RefreshResult result = c.rotation->refresh(token, party->device);
        if (result.storageFailed) {
            *error = result.error;
            return false;
        }
        step.presented = fingerprintOf(token);
        step.outcome = QString::fromLatin1(outcomeName(result.outcome));
        step.expected = expected;
        step.asExpected = matches(expected, step.outcome);
        step.explanation = result.explanation();
        step.verdict = result.verdict;
        step.eventId = result.eventId;
        switch (result.outcome) {
        case Outcome::Rotate:
            step.changed = tr("generation %1 is used up; generation %2 (%3) issued to the %4")
                               .arg(result.tokens.generation - 1)
                               .arg(result.tokens.generation)
                               .arg(fingerprintOf(result.tokens.refreshToken), party->name);
            break;
        case Outcome::GraceRetry:
            step.changed = tr("no new token: the %1 receives generation %2 (%3), the one already issued; event %4 "
                              "recorded")
                               .arg(party->name)
                               .arg(result.tokens.generation)
                               .arg(fingerprintOf(result.tokens.refreshToken))
                               .arg(result.eventId);
            break;
        case Outcome::Replay:
            step.changed = tr("session %1 revoked with its live token; event %2 (replay_detected) recorded")
                               .arg(c.familyId)
                               .arg(result.eventId);
            break;
        default:
            step.changed = tr("refused; event %1 (%2) recorded").arg(result.eventId).arg(step.outcome);
            break;
        }
        if (keep && result.ok())
            party->token = result.tokens.refreshToken;
        played->append(step);
        return true;
    };
    const auto present = [add, presentToken](Party *party, const QString &expected, const QString &what) {
        add([party, expected, what, presentToken](QList<ScenarioStep> *played, QString *error) {
            return presentToken(party, party->token, expected,
                                tr("presents %1").arg(what.isEmpty() ? tr("its refresh token") : what), true, played,
                                error);
        });
    };

    const auto wait = [this, &c](qint64 ms, const QString &why) {
        m_plan.append({ms, why, [this, &c, ms, why](QList<ScenarioStep> *played, QString *error) {
                           ScenarioStep step;
                           step.at = c.clock.nowMs();
                           step.actor = tr("clock");
                           step.action = tr("%1 pass (%2)").arg(row_format::elapsed(ms), why);
                           step.outcome = step.expected = QStringLiteral("waited");
                           step.waitMs = ms;
                           step.familyId = c.familyId;
                           if (!m_realTime) {
                               c.clock.jumpMs(ms);
                               step.explanation = tr("the scenario's clock jumps ahead; nothing else happens");
                           } else {
                               QDeadlineTimer deadline(ms);
                               while (!deadline.hasExpired()) {
                                   if (m_cancelled.load()) {
                                       *error = tr("cancelled");
                                       return false;
                                   }
                                   QThread::msleep(quint64(qMin<qint64>(100, deadline.remainingTime())));
                               }
                               step.explanation = tr("waited in real time");
                           }
                           played->append(step);
                           return true;
                       }});
    };

    const auto copy = [add, stepOf, &c]() {
        add([&c, stepOf](QList<ScenarioStep> *played, QString *) {
            c.attacker.token = c.client.token;
            ScenarioStep step = stepOf(c.attacker,
                                       tr("copies the client's current refresh token (malware, a leaked "
                                          "log, a synced backup)"));
            step.presented = fingerprintOf(c.attacker.token);
            step.outcome = step.expected = QStringLiteral("copied");
            step.explanation = tr("nothing reaches the server: a copy stays invisible until it is presented");
            played->append(step);
            return true;
        });
    };

    // A step that checks what a party holds: as expected when holds() is true.
    const auto check = [add, stepOf](const Party *party, const QString &action, std::function<bool()> holds,
                                     const QString &ifSo, const QString &ifNot) {
        add([party, action, holds = std::move(holds), ifSo, ifNot, stepOf](QList<ScenarioStep> *played, QString *) {
            ScenarioStep step = stepOf(*party, action);
            step.outcome = step.expected = QStringLiteral("checked");
            step.asExpected = holds();
            step.presented = fingerprintOf(party->token);
            step.explanation = step.asExpected ? ifSo : ifNot;
            played->append(step);
            return true;
        });
    };

    const qint64 beyondGrace = c.policy.graceMs + Policy::second;
    const QString pastGrace = tr("past the %1 grace window").arg(row_format::elapsed(c.policy.graceMs));
    const QString id = QLatin1String(m_info.id);
    Party *client = &c.client;
    Party *attacker = &c.attacker;

    if (id == QLatin1String("stolen-token")) {
        // The attacker refreshes first; the client's own copy gives the theft away.
        signIn(client);
        wait(c.pauseMs, tr("the client works"));
        present(client, QStringLiteral("rotated"), QString());
        copy();
        wait(c.pauseMs / 2, tr("the attacker gets ready"));
        present(attacker, QStringLiteral("rotated"), tr("the stolen copy"));
        wait(beyondGrace, pastGrace);
        present(client, QStringLiteral("replay_detected"), tr("its copy, which the attacker already used"));
        present(attacker, QStringLiteral("token_revoked"), tr("the token it received"));
        // The other order: the client first, the attacker later.
        signIn(client);
        wait(c.pauseMs, tr("the client works"));
        copy();
        present(client, QStringLiteral("rotated"), QString());
        wait(beyondGrace, pastGrace);
        present(attacker, QStringLiteral("replay_detected"), tr("the stolen copy, which the client already used"));
        present(client, QStringLiteral("token_revoked"), tr("its current token"));
    } else if (id == QLatin1String("theft-inside-grace")) {
        signIn(client);
        wait(c.pauseMs, tr("the client works"));
        copy();
        present(client, QStringLiteral("rotated"), QString());
        wait(c.policy.graceMs / 2, tr("inside the %1 grace window").arg(row_format::elapsed(c.policy.graceMs)));
        present(attacker, QStringLiteral("grace_retry"), tr("the stolen copy"));
        check(
            attacker, tr("compares its token with the client's"), [&c]() { return c.attacker.token == c.client.token; },
            tr("both hold the same token: inside the grace window a second party cannot be told from the client's "
               "own retry. That is the window's known cost; keep it short"),
            tr("the attacker and the client hold different tokens"));
        wait(c.pauseMs, tr("the attacker waits"));
        present(attacker, QStringLiteral("rotated"), tr("the shared token"));
        wait(c.pauseMs, tr("the client works"));
        present(client, QStringLiteral("replay_detected"), tr("the shared token, which the attacker used"));
        present(attacker, QStringLiteral("token_revoked"), tr("the token it received"));
    } else if (id == QLatin1String("lost-response")) {
        auto lost = std::make_shared<QByteArray>();
        signIn(client);
        wait(c.pauseMs, tr("the client works"));
        add([client, lost, presentToken](QList<ScenarioStep> *played, QString *error) {
            const QByteArray held = client->token;
            if (!presentToken(client, held, QStringLiteral("rotated"),
                              tr("presents its refresh token; the reply is lost on the way back"), true, played, error))
                return false;
            *lost = client->token; // what the server sent, and the client never saw
            client->token = held;
            played->last().changed += tr(" (the client never receives it)");
            return true;
        });
        wait(qMin<qint64>(2 * Policy::second, c.policy.graceMs / 2), tr("the client times out and retries"));
        present(client, QStringLiteral("grace_retry"), tr("the same token again"));
        check(
            client, tr("compares the retry's token with the lost reply's"),
            [&c, lost]() { return !lost->isEmpty() && *lost == c.client.token; },
            tr("identical: the successor is derived, not drawn, so a retry receives the very token the lost reply "
               "carried"),
            tr("the retry received a different token from the lost reply"));
        wait(c.pauseMs, tr("the client works"));
        present(client, QStringLiteral("rotated"), tr("the token it received on retry"));
    } else if (id == QLatin1String("second-tab")) {
        signIn(client);
        wait(c.pauseMs, tr("the client works"));
        add([this, &c](QList<ScenarioStep> *played, QString *error) {
            // Two threads, two connections, released together by a barrier: a real race, each on its own clock read.
            const QByteArray token = c.client.token;
            struct Tab
            {
                RefreshResult result;
                QString error;
                qint64 at = 0;
            } tabs[2];
            std::mutex mutex;
            std::condition_variable changed;
            int ready = 0;
            bool go = false;
            const auto runTab = [&](int index) {
                Database db(c.spec);
                const bool opened = db.open(Database::OpenMode::OpenExisting, &tabs[index].error);
                {
                    std::unique_lock<std::mutex> lock(mutex);
                    ++ready;
                    changed.notify_all();
                    changed.wait(lock, [&] { return go; });
                }
                if (opened) {
                    RotationService service(db, c.keys, c.clock, c.policy);
                    tabs[index].at = c.clock.nowMs();
                    tabs[index].result = service.refresh(token, c.client.device);
                    if (tabs[index].result.storageFailed)
                        tabs[index].error = tabs[index].result.error;
                }
                db.close();
            };
            std::thread first(runTab, 0);
            std::thread second(runTab, 1);
            {
                std::unique_lock<std::mutex> lock(mutex);
                changed.wait(lock, [&] { return ready == 2; });
                go = true;
            }
            changed.notify_all();
            first.join();
            second.join();
            for (const Tab &tab : tabs) {
                if (!tab.error.isEmpty()) {
                    *error = tab.error;
                    return false;
                }
            }
            QStringList outcomes;
            for (int index = 0; index < 2; ++index) {
                const RefreshResult &result = tabs[index].result;
                ScenarioStep step;
                step.at = tabs[index].at;
                step.actor = index == 0 ? tr("tab A") : tr("tab B");
                step.action = tr("presents the session's token, released together with the other tab");
                step.presented = fingerprintOf(token);
                step.outcome = QString::fromLatin1(outcomeName(result.outcome));
                step.expected = QStringLiteral("rotated|grace_retry");
                step.asExpected = matches(step.expected, step.outcome);
                step.explanation = result.explanation();
                step.eventId = result.eventId;
                step.familyId = c.familyId;
                step.changed = result.ok() ? tr("holds generation %1 (%2)")
                                                 .arg(result.tokens.generation)
                                                 .arg(fingerprintOf(result.tokens.refreshToken))
                                           : tr("refused");
                outcomes << step.outcome;
                played->append(step);
            }
            ScenarioStep comparison;
            comparison.at = c.clock.nowMs();
            comparison.actor = tr("server");
            comparison.action = tr("compares what the two tabs received");
            comparison.outcome = comparison.expected = QStringLiteral("checked");
            comparison.familyId = c.familyId;
            const bool oneEach
                = outcomes.contains(QLatin1String("rotated")) && outcomes.contains(QLatin1String("grace_retry"));
            const bool same
                = tabs[0].result.ok() && tabs[0].result.tokens.refreshToken == tabs[1].result.tokens.refreshToken;
            comparison.asExpected = oneEach && same;
            comparison.presented = same ? fingerprintOf(tabs[0].result.tokens.refreshToken) : QString();
            comparison.explanation = comparison.asExpected
                ? tr("one rotation and one grace retry: a single successor, held by both tabs; the session has one "
                     "live token")
                : tr("the tabs did not end up with one shared successor (%1)").arg(outcomes.join(QLatin1String(", ")));
            played->append(comparison);
            if (same)
                c.client.token = tabs[0].result.tokens.refreshToken;
            return true;
        });
        wait(c.pauseMs, tr("the client works"));
        present(client, QStringLiteral("rotated"), tr("the shared token, from tab A"));
    } else if (id == QLatin1String("expiry")) {
        const qint64 idle = c.policy.refreshIdleTtlMs;
        const qint64 lifetime = c.policy.familyLifetimeMs;
        signIn(client);
        wait(idle + Policy::second, tr("longer than the %1 idle lifetime").arg(row_format::elapsed(idle)));
        present(client, QStringLiteral("token_expired"), tr("its token, unused all that time"));
        signIn(client);
        const qint64 interval = idle * 2 / 3;
        qint64 elapsed = 0;
        while (elapsed + interval < lifetime) {
            wait(interval, tr("well inside the idle lifetime"));
            present(client, QStringLiteral("rotated"), QString());
            elapsed += interval;
        }
        wait(lifetime - elapsed + Policy::second,
             tr("past the session's %1 absolute lifetime").arg(row_format::elapsed(lifetime)));
        present(client, QStringLiteral("token_expired"), tr("its token, refreshed faithfully until now"));
    } else if (id == QLatin1String("revoked-while-in-use")) {
        signIn(client);
        wait(c.pauseMs, tr("the client works"));
        present(client, QStringLiteral("rotated"), QString());
        add([this, &c](QList<ScenarioStep> *played, QString *error) {
            ScenarioStep step;
            step.at = c.clock.nowMs();
            step.actor = tr("administrator");
            step.action = tr("revokes the session (a lost laptop reported)");
            step.familyId = c.familyId;
            if (!c.admin->revokeFamily(
                    c.familyId, tr("[simulated] scenario %1: a lost laptop reported").arg(QLatin1String(m_info.id)),
                    error))
                return false;
            step.outcome = step.expected = QStringLiteral("revoked");
            step.explanation = tr("an administrator's revocation: the session and its live token end now, and the "
                                  "audit log records who and why");
            step.changed = tr("session %1 revoked (reason: administrator)").arg(c.familyId);
            played->append(step);
            return true;
        });
        wait(c.pauseMs, tr("the client has not noticed"));
        present(client, QStringLiteral("token_revoked"), tr("its current token"));
        signIn(client);
    }
}

bool ScenarioRun::snapshot(QList<QVariantList> *tokens, QList<QVariantList> *events, QString *error)
{
    Catalog catalog(*m_context->db, m_context->clock);
    ListRequest chain;
    chain.table = Table::Tokens;
    chain.familyId = m_context->familyId;
    chain.sortColumn = column::TokenGeneration;
    chain.limit = -1;
    ListRequest happened;
    happened.table = Table::Events;
    happened.userId = m_context->userId;
    happened.sortColumn = column::EventId;
    happened.limit = -1;
    tokens->clear();
    return (m_context->familyId == 0 || catalog.list(chain, tokens, error)) && catalog.list(happened, events, error);
}

QJsonObject ScenarioRun::toJson() const
{
    QJsonArray steps;
    for (const ScenarioStep &step : m_transcript)
        steps.append(step.toJson());
    const Policy &policy = m_context->policy;
    return {{QStringLiteral("scenario"), QLatin1String(m_info.id)},
            {QStringLiteral("title"), tr(m_info.title)},
            {QStringLiteral("target"),
             m_target == Target::Scratch ? QStringLiteral("scratch") : QStringLiteral("database")},
            {QStringLiteral("user"), m_context->email},
            {QStringLiteral("policy"),
             QJsonObject {{QStringLiteral("grace_ms"), policy.graceMs},
                          {QStringLiteral("idle_ms"), policy.refreshIdleTtlMs},
                          {QStringLiteral("lifetime_ms"), policy.familyLifetimeMs}}},
            {QStringLiteral("complete"), atEnd() && !m_failed},
            {QStringLiteral("as_expected"), allAsExpected()},
            {QStringLiteral("steps"), steps}};
}

QString ScenarioRun::toText() const
{
    QString text
        = QStringLiteral("%1 (%2)\n%3\n\n").arg(tr(m_info.title), QLatin1String(m_info.id), tr(m_info.summary));
    for (const ScenarioStep &step : m_transcript)
        text += step.toText();
    text += QLatin1Char('\n');
    if (m_failed || !atEnd())
        text += QCoreApplication::translate("rotor::Scenario", "Stopped after %n step(s).", nullptr,
                                            int(m_transcript.size()));
    else
        text += allAsExpected() ? tr("Every step came to what was expected.")
                                : tr("Some steps did not come to what was expected.");
    return text + QLatin1Char('\n');
}

} // namespace rotor
