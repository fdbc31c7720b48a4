#pragma once

#include "ConsolePage.h"
#include "Scenario.h"

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QList>
#include <QThread>
#include <QVariantList>

#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;
class QTextBrowser;
class QTimer;

namespace rotor {

class TimelineWidget;

// The simulator: plays a scenario (core/Scenario.h) step by step or to the end, and narrates each step as the
// decision judged it, beside the session's timeline and the events the run recorded. By default in a scratch
// database (instant; allowed on a read-only connection); on request into the open database in real time, as a
// simulated user, with a countdown over each wait. The run lives on a thread of its own with its own connection
// (one more to the open database while a real-time run is in progress; none for a scratch run). Read-only
// connections never write: the into-database choice is disabled there.
class SimulatorPage : public ConsolePage
{
    Q_OBJECT

public:
    explicit SimulatorPage(QObject *parent = nullptr);
    ~SimulatorPage() override;

    QString id() const override { return QStringLiteral("simulator"); }
    QString displayName() const override { return tr("Simulator"); }
    QIcon icon() const override;
    QKeySequence shortcut() const override { return QKeySequence(tr("Ctrl+8")); }
    void attach(const PageContext &context) override;
    void detach() override;
    QWidget *widget() const override;
    QString statusText() const override;

    // Starts the chosen scenario from its beginning (a run in progress is stopped).
    void restart();
    // Plays the next step.
    void step();
    // Plays every step left, one after the other.
    void runToEnd();
    // Stops a run to the end, and a real-time wait.
    void stop();
    // Chooses a scenario and plays it to the end in a scratch database, now or as soon as a database is attached
    // (rotor-console --simulate). False for an unknown scenario.
    bool play(const QString &scenarioId);

    // What the page shows, for tests and export: the steps played so far and the state after the last one.
    const QList<ScenarioStep> &steps() const { return m_steps; }
    const QList<QVariantList> &tokens() const { return m_tokens; }
    const QList<QVariantList> &events() const { return m_events; }
    bool isBusy() const { return m_busy; }
    bool isFinished() const { return m_atEnd; }

signals:
    // A step (or the start) was played and is on screen.
    void stepShown();

private:
    struct Played
    {
        bool ok = false;
        QString error;
        QList<ScenarioStep> steps;
        QList<QVariantList> tokens;
        QList<QVariantList> events;
        QList<QVariantList> sessionEvents; // the current session's, for its timeline
        QString text; // the transcript so far, as exported
        QJsonObject json;
        ScenarioRun *run = nullptr; // a run just started, for cancel()
        bool atEnd = false;
        qint64 nextWaitMs = 0;
        int planned = 0;
    };
    // Runs job on the run's thread; done(result) back on the GUI thread, unless the page detached meanwhile.
    void onRunThread(std::function<Played()> job, std::function<void(const Played &)> done);
    Played snapshotOf(ScenarioRun &run, Played played);
    void show(const Played &played);
    void updateButtons();
    void updateDescription();
    void tickCountdown();
    void exportTranscript();
    void removeSimulated();
    void appendNarration(const ScenarioStep &step);

    PageContext m_context;
    QThread m_thread;
    QObject *m_runContext = nullptr; // lives in m_thread
    std::unique_ptr<ScenarioRun> m_run; // created, used and destroyed on m_thread only (cancel() excepted)
    ScenarioRun *m_cancellable = nullptr; // the same run, for cancel() from the GUI thread
    quint64 m_generation = 0; // results of an older run are dropped

    QList<ScenarioStep> m_steps;
    QList<QVariantList> m_tokens;
    QList<QVariantList> m_events;
    bool m_busy = false;
    bool m_started = false;
    bool m_atEnd = false;
    bool m_autoRun = false;
    QString m_pendingScenario; // play() before attach()
    qint64 m_nextWaitMs = 0;
    int m_planned = 0;
    QString m_transcriptText;
    QJsonObject m_transcriptJson;
    QDeadlineTimer m_waitDeadline;

    QWidget *m_widget = nullptr;
    QComboBox *m_scenarioCombo = nullptr;
    QComboBox *m_targetCombo = nullptr;
    QLabel *m_summary = nullptr;
    QPushButton *m_startButton = nullptr;
    QPushButton *m_nextButton = nullptr;
    QPushButton *m_runButton = nullptr;
    QPushButton *m_stopButton = nullptr;
    QPushButton *m_exportButton = nullptr;
    QPushButton *m_removeButton = nullptr;
    QLabel *m_status = nullptr;
    QTextBrowser *m_narrative = nullptr;
    TimelineWidget *m_timeline = nullptr;
    QTableWidget *m_eventTable = nullptr;
    QTimer *m_countdown = nullptr;
};

} // namespace rotor
