#pragma once

#include "ConnectionSpec.h"
#include "Verdict.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QVariantList>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace rotor {

// A scenario: a short story of sign-ins, refreshes, theft and administration, played through the very API a server
// uses (RotationService, AdminService). Nothing in a step's narration is scripted: what was judged and why comes from
// the decision itself (RefreshResult::explanation()), what changed from what the call returned. The script only says
// what each step should come to (expected), and a run is good when every step did.
struct ScenarioInfo
{
    const char *id; // "stolen-token"
    const char *title;
    const char *summary;
    bool needsGrace; // meaningless without a grace window
};

// In the order a demonstration goes.
const QList<ScenarioInfo> &scenarioCatalog();
const ScenarioInfo *findScenario(const QString &id);

struct ScenarioStep
{
    int number = 0;
    qint64 at = 0; // the scenario's clock, ms since the epoch
    QString actor; // "client", "attacker", "tab A", "administrator", "clock"
    QString action; // what the actor does, one line
    QString presented; // the presented token's fingerprint (refresh_token::fingerprint()); empty when none
    QString outcome; // outcomeName() for a presentation; signed_in, copied, waited, revoked, checked otherwise
    QString expected; // what the script expects; alternatives separated by '|'
    QString explanation; // why: the decision's own words, or what an administrative step did
    QString changed; // what the database holds now that it did not before
    std::optional<VerdictResult> verdict; // a replay's verdict
    qint64 familyId = 0;
    qint64 eventId = 0;
    qint64 waitMs = 0; // a wait: how long
    bool asExpected = true;

    QJsonObject toJson() const;
    QString toText() const;
};

// One run of one scenario. Lives on the thread that started it (its connection does); cancel() alone may be called
// from another thread.
class ScenarioRun
{
public:
    enum class Target {
        // A temporary SQLite file with Rotor's schema, the default policy, keys of its own, and a clock that jumps over
        // waits: instant, and safe anywhere (also next to a read-only connection).
        Scratch,
        // The given database, in real time (waits are waited), as a simulated user (users.simulated) that the
        // simulator creates and no one else is touched. Refused on a read-only connection.
        IntoDatabase,
    };

    // How waits pass: jumped over in a scratch database, waited out in the real one. Tests play into a real database
    // with Jump to reach the end of a wait without waiting for it (racing steps still read the real clock).
    enum class Pace { Natural, Jump };

    ~ScenarioRun();
    static std::unique_ptr<ScenarioRun> start(const QString &scenarioId, Target target, const ConnectionSpec &database,
                                              QString *error, Pace pace = Pace::Natural);
    bool realTime() const { return m_realTime; }

    const ScenarioInfo &info() const { return m_info; }
    Target target() const { return m_target; }
    // Where it runs: the scratch file, or the database it was given.
    const ConnectionSpec &databaseSpec() const;
    int plannedSteps() const;
    int nextStep() const { return m_next; } // 0-based index of the step next() plays
    bool atEnd() const;
    // How long the next step waits (0 if it is no wait): a caller playing in real time shows a countdown.
    qint64 nextWaitMs() const;
    // Plays the next step; one step may play several presentations at once (two tabs). False, with error, when the
    // database failed or the run was cancelled; the run cannot go on then.
    bool next(QList<ScenarioStep> *played, QString *error);
    // Every step so far, and whether each came to what was expected.
    const QList<ScenarioStep> &transcript() const { return m_transcript; }
    bool allAsExpected() const;
    // The session the latest step acted on, and its user.
    qint64 currentFamilyId() const;
    qint64 userId() const;
    // What the database holds now for the run: the current session's tokens and every event of the run's user, as the
    // console's lists read them (Catalog rows of Table::Tokens and Table::Events).
    bool snapshot(QList<QVariantList> *tokens, QList<QVariantList> *events, QString *error);
    // Interrupts a real-time wait (from any thread); the current next() returns false.
    void cancel() { m_cancelled.store(true); }

    QJsonObject toJson() const;
    QString toText() const;

private:
    ScenarioRun();
    struct Context;
    struct Planned
    {
        qint64 waitMs = 0;
        QString waitWhy;
        std::function<bool(QList<ScenarioStep> *, QString *)> play;
    };
    bool prepare(const ConnectionSpec &database, QString *error);
    void plan();

    ScenarioInfo m_info {};
    Target m_target = Target::Scratch;
    bool m_realTime = false;
    std::unique_ptr<Context> m_context;
    QList<Planned> m_plan;
    int m_next = 0;
    bool m_failed = false;
    QList<ScenarioStep> m_transcript;
    std::atomic<bool> m_cancelled {false};
};

} // namespace rotor
