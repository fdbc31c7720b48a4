#include "SimulatorPage.h"

#include "AdminService.h"
#include "Catalog.h"
#include "Clock.h"
#include "Database.h"
#include "Presentation.h"
#include "RowFormat.h"
#include "TimelineWidget.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include <utility>

namespace rotor {

namespace {

QString outcomeColour(const QString &outcome)
{
    if (outcome == QLatin1String("replay_detected"))
        return QStringLiteral("#c62828");
    if (outcome == QLatin1String("rotated") || outcome == QLatin1String("grace_retry")
        || outcome == QLatin1String("signed_in"))
        return QStringLiteral("#2e7d32");
    if (outcome == QLatin1String("waited") || outcome == QLatin1String("copied") || outcome == QLatin1String("checked"))
        return QStringLiteral("#546e7a");
    return QStringLiteral("#e65100");
}

} // namespace

SimulatorPage::SimulatorPage(QObject *parent)
    : ConsolePage(parent)
{ }

SimulatorPage::~SimulatorPage()
{
    SimulatorPage::detach();
}

QIcon SimulatorPage::icon() const
{
    return icons::named("simulator");
}

QWidget *SimulatorPage::widget() const
{
    return m_widget;
}

void SimulatorPage::attach(const PageContext &context)
{
    detach();
    m_context = context;
    m_runContext = new QObject;
    m_runContext->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("rotor-simulator"));
    m_thread.start();

    m_widget = new QWidget;
    m_widget->setObjectName(QStringLiteral("simulatorPage"));
    auto *layout = new QVBoxLayout(m_widget);
    auto *bar = new QHBoxLayout;
    m_scenarioCombo = new QComboBox;
    m_scenarioCombo->setObjectName(QStringLiteral("scenarioCombo"));
    for (const ScenarioInfo &info : scenarioCatalog())
        m_scenarioCombo->addItem(QCoreApplication::translate("rotor::Scenario", info.title), QLatin1String(info.id));
    auto *scenarioLabel = new QLabel(tr("&Scenario:"));
    scenarioLabel->setBuddy(m_scenarioCombo);
    m_targetCombo = new QComboBox;
    m_targetCombo->setObjectName(QStringLiteral("targetCombo"));
    m_targetCombo->addItem(tr("In a scratch database (instant)"), int(ScenarioRun::Target::Scratch));
    m_targetCombo->addItem(tr("Into this database, in real time"), int(ScenarioRun::Target::IntoDatabase));
    if (context.spec.readOnly) {
        // A read-only connection writes nothing, not even a simulated user.
        m_targetCombo->setItemData(1, false, Qt::UserRole - 1);
        m_targetCombo->setToolTip(tr("Opened read-only: scenarios run in a scratch database only."));
    } else {
        m_targetCombo->setToolTip(tr("Into this database: as a simulated user of its own, never touching anyone "
                                     "else; the events appear in Security events like any server's. Remove them "
                                     "with \u201cRemove simulated data\u201d."));
    }
    auto *targetLabel = new QLabel(tr("&Where:"));
    targetLabel->setBuddy(m_targetCombo);
    m_startButton = new QPushButton(icons::named("refresh"), tr("S&tart"));
    m_startButton->setObjectName(QStringLiteral("startButton"));
    m_startButton->setToolTip(tr("Start the scenario from the beginning (F5 in this page)"));
    m_nextButton = new QPushButton(tr("&Next step"));
    m_nextButton->setObjectName(QStringLiteral("nextButton"));
    m_nextButton->setShortcut(QKeySequence(Qt::Key_F10));
    m_nextButton->setToolTip(tr("Play the next step (F10)"));
    m_runButton = new QPushButton(tr("Run to the &end"));
    m_runButton->setObjectName(QStringLiteral("runButton"));
    m_stopButton = new QPushButton(tr("Sto&p"));
    m_stopButton->setObjectName(QStringLiteral("stopButton"));
    m_exportButton = new QPushButton(icons::named("export"), tr("E&xport\u2026"));
    m_exportButton->setObjectName(QStringLiteral("exportTranscriptButton"));
    m_exportButton->setToolTip(tr("Save the transcript as text or JSON"));
    m_removeButton = new QPushButton(tr("Remove simulated data\u2026"));
    m_removeButton->setObjectName(QStringLiteral("removeSimulatedButton"));
    m_removeButton->setToolTip(tr("Delete every user the simulator created in this database, with their sessions "
                                  "and events (the audit log keeps its entries)"));
    bar->addWidget(scenarioLabel);
    bar->addWidget(m_scenarioCombo);
    bar->addWidget(targetLabel);
    bar->addWidget(m_targetCombo);
    bar->addSpacing(12);
    for (QPushButton *button : {m_startButton, m_nextButton, m_runButton, m_stopButton, m_exportButton})
        bar->addWidget(button);
    bar->addStretch();
    bar->addWidget(m_removeButton);
    layout->addLayout(bar);
    // Only once it has a parent: shown without one, a widget becomes a window of its own.
    m_removeButton->setVisible(!context.spec.readOnly);

    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("scenarioSummary"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("simulatorStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    auto *splitter = new QSplitter(Qt::Horizontal);
    m_narrative = new QTextBrowser;
    m_narrative->setObjectName(QStringLiteral("narrative"));
    m_narrative->setOpenLinks(false);
    m_narrative->setPlaceholderText(tr("Choose a scenario and press Start, then Next step (F10) to play it one step "
                                       "at a time, or Run to the end."));
    splitter->addWidget(m_narrative);
    auto *right = new QSplitter(Qt::Vertical);
    auto *timelineBox = new QWidget;
    auto *timelineLayout = new QVBoxLayout(timelineBox);
    timelineLayout->setContentsMargins(0, 0, 0, 0);
    timelineLayout->addWidget(new QLabel(tr("<b>The session's timeline</b>")));
    m_timeline = new TimelineWidget;
    m_timeline->setObjectName(QStringLiteral("simulatorTimeline"));
    timelineLayout->addWidget(m_timeline);
    right->addWidget(timelineBox);
    auto *eventsBox = new QWidget;
    auto *eventsLayout = new QVBoxLayout(eventsBox);
    eventsLayout->setContentsMargins(0, 0, 0, 0);
    eventsLayout->addWidget(new QLabel(tr("<b>Security events of this run</b>")));
    m_eventTable = new QTableWidget(0, 5);
    m_eventTable->setObjectName(QStringLiteral("simulatorEvents"));
    m_eventTable->setHorizontalHeaderLabels(
        {tr("Time"), tr("Kind"), tr("Session"), tr("Presented gen."), tr("Verdict")});
    m_eventTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_eventTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventTable->verticalHeader()->hide();
    m_eventTable->horizontalHeader()->setStretchLastSection(true);
    eventsLayout->addWidget(m_eventTable);
    right->addWidget(eventsBox);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    m_countdown = new QTimer(m_widget);
    m_countdown->setInterval(200);
    connect(m_countdown, &QTimer::timeout, this, &SimulatorPage::tickCountdown);
    connect(m_scenarioCombo, &QComboBox::currentIndexChanged, this, &SimulatorPage::updateDescription);
    connect(m_startButton, &QPushButton::clicked, this, &SimulatorPage::restart);
    connect(m_nextButton, &QPushButton::clicked, this, &SimulatorPage::step);
    connect(m_runButton, &QPushButton::clicked, this, &SimulatorPage::runToEnd);
    connect(m_stopButton, &QPushButton::clicked, this, &SimulatorPage::stop);
    connect(m_exportButton, &QPushButton::clicked, this, &SimulatorPage::exportTranscript);
    connect(m_removeButton, &QPushButton::clicked, this, &SimulatorPage::removeSimulated);
    updateDescription();
    updateButtons();
    if (!m_pendingScenario.isEmpty())
        play(std::exchange(m_pendingScenario, QString()));
}

bool SimulatorPage::play(const QString &scenarioId)
{
    if (!findScenario(scenarioId))
        return false;
    if (!m_widget) {
        m_pendingScenario = scenarioId;
        return true;
    }
    m_scenarioCombo->setCurrentIndex(m_scenarioCombo->findData(scenarioId));
    m_targetCombo->setCurrentIndex(m_targetCombo->findData(int(ScenarioRun::Target::Scratch)));
    m_started = false;
    runToEnd();
    return true;
}

void SimulatorPage::detach()
{
    ++m_generation;
    m_autoRun = false;
    if (m_thread.isRunning()) {
        if (m_cancellable)
            m_cancellable->cancel(); // a real-time wait returns at once
        m_cancellable = nullptr;
        // The run and its connection end on the thread they belong to.
        QMetaObject::invokeMethod(
            m_runContext, [this]() { m_run.reset(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    delete m_runContext;
    m_runContext = nullptr;
    delete m_widget;
    m_widget = nullptr;
    m_steps.clear();
    m_tokens.clear();
    m_events.clear();
    m_busy = m_started = m_atEnd = false;
}

void SimulatorPage::onRunThread(std::function<Played()> job, std::function<void(const Played &)> done)
{
    if (!m_runContext)
        return;
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(
        m_runContext,
        [this, job = std::move(job), done = std::move(done), generation]() {
            Played played = job();
            // Queued to the page's own thread; Qt drops it if the page is gone by then.
            QMetaObject::invokeMethod(
                this,
                [this, done, played = std::move(played), generation]() {
                    if (generation == m_generation)
                        done(played);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

SimulatorPage::Played SimulatorPage::snapshotOf(ScenarioRun &run, Played played)
{
    played.atEnd = run.atEnd();
    played.nextWaitMs = run.realTime() ? run.nextWaitMs() : 0;
    played.planned = run.plannedSteps();
    QString error;
    if (!run.snapshot(&played.tokens, &played.events, &error) && played.error.isEmpty())
        played.error = tr("The step was played, but its result could not be read back: %1").arg(error);
    // Only the current session's events on its timeline; the table shows all of the run's.
    const qint64 family = run.currentFamilyId();
    QList<QVariantList> ofSession;
    for (const QVariantList &event : std::as_const(played.events)) {
        if (event.value(column::EventFamily).toLongLong() == family)
            ofSession.append(event);
    }
    played.sessionEvents = ofSession;
    played.text = run.toText();
    played.json = run.toJson();
    return played;
}

void SimulatorPage::restart()
{
    if (!m_runContext)
        return;
    ++m_generation;
    if (m_cancellable)
        m_cancellable->cancel();
    m_cancellable = nullptr;
    m_autoRun = false;
    m_countdown->stop();
    m_steps.clear();
    m_tokens.clear();
    m_events.clear();
    m_narrative->clear();
    m_timeline->setChain({}, {});
    m_eventTable->setRowCount(0);
    m_started = true;
    m_atEnd = false;
    m_busy = true;
    const QString id = m_scenarioCombo->currentData().toString();
    const auto target = ScenarioRun::Target(m_targetCombo->currentData().toInt());
    const ConnectionSpec spec = m_context.spec;
    m_status->setText(target == ScenarioRun::Target::Scratch ? tr("Preparing a scratch database\u2026")
                                                             : tr("Creating a simulated user in this database\u2026"));
    updateButtons();
    onRunThread(
        [this, id, target, spec]() {
            Played played;
            m_run.reset();
            m_run = ScenarioRun::start(id, target, spec, &played.error);
            if (!m_run)
                return played;
            played.ok = true;
            played.run = m_run.get();
            return snapshotOf(*m_run, played);
        },
        [this](const Played &played) {
            m_cancellable = played.run;
            show(played);
        });
}

void SimulatorPage::step()
{
    if (!m_runContext || m_busy || !m_started || m_atEnd)
        return;
    m_busy = true;
    if (m_nextWaitMs > 0) {
        m_waitDeadline = QDeadlineTimer(m_nextWaitMs);
        m_countdown->start();
        tickCountdown();
    } else {
        m_status->setText(tr("Playing step %1\u2026").arg(m_steps.size() + 1));
    }
    updateButtons();
    onRunThread(
        [this]() {
            Played played;
            if (!m_run) {
                played.error = tr("The scenario was not started.");
                return played;
            }
            played.ok = m_run->next(&played.steps, &played.error);
            return snapshotOf(*m_run, played);
        },
        [this](const Played &played) { show(played); });
}

void SimulatorPage::runToEnd()
{
    if (!m_started || m_atEnd) {
        restart();
        m_autoRun = true;
        return;
    }
    m_autoRun = true;
    step();
}

void SimulatorPage::stop()
{
    m_autoRun = false;
    if (m_busy && m_nextWaitMs > 0 && m_cancellable) {
        // Only a real-time wait can be interrupted; the run cannot go on after that.
        m_cancellable->cancel();
    }
    updateButtons();
}

void SimulatorPage::show(const Played &played)
{
    m_busy = false;
    m_countdown->stop();
    for (const ScenarioStep &step : played.steps) {
        m_steps.append(step);
        appendNarration(step);
    }
    m_tokens = played.tokens;
    m_events = played.events;
    m_atEnd = played.atEnd || (!played.ok && !played.run && m_steps.isEmpty());
    m_nextWaitMs = played.nextWaitMs;
    m_planned = played.planned;
    m_transcriptText = played.text;
    m_transcriptJson = played.json;
    m_timeline->setChain(m_tokens, played.sessionEvents);
    if (m_timeline->count() > 0)
        m_timeline->scrollToBottom();

    m_eventTable->setRowCount(int(m_events.size()));
    for (int row = 0; row < m_events.size(); ++row) {
        const QVariantList &event = m_events.at(row);
        const QString verdict = event.value(column::EventVerdict).toString();
        const QStringList cells {Presentation::formatLongTime(event.value(column::EventTime).toLongLong()),
                                 Presentation::eventKindText(event.value(column::EventKind).toString()),
                                 event.value(column::EventFamily).toString(),
                                 event.value(column::EventPresentedGeneration).toString(),
                                 verdict.isEmpty() ? QString() : Presentation::verdictText(verdict)};
        for (int columnIndex = 0; columnIndex < cells.size(); ++columnIndex) {
            auto *item = new QTableWidgetItem(cells.at(columnIndex));
            if (columnIndex == 4)
                item->setToolTip(event.value(column::EventVerdictReason).toString());
            m_eventTable->setItem(row, columnIndex, item);
        }
    }
    m_eventTable->resizeColumnsToContents();
    m_eventTable->scrollToBottom();

    if (!played.ok) {
        m_autoRun = false;
        m_atEnd = true;
        m_status->setText(tr("Stopped: %1").arg(played.error));
    } else if (m_atEnd) {
        bool good = true;
        for (const ScenarioStep &step : std::as_const(m_steps))
            good = good && step.asExpected;
        m_status->setText(
            good ? tr("Finished: every step came to what was expected (%n step(s)).", nullptr, int(m_steps.size()))
                 : tr("Finished, but some steps did not come to what was expected."));
    } else {
        m_status->setText(tr("Step %1 of %2 played.").arg(m_steps.size()).arg(m_planned)
                          + (m_nextWaitMs > 0 ? QLatin1Char(' ')
                                     + tr("The next step waits %1 in real time.").arg(row_format::elapsed(m_nextWaitMs))
                                              : QString()));
    }
    if (!played.error.isEmpty() && played.ok)
        m_status->setText(m_status->text() + QLatin1Char(' ') + played.error);
    if (m_atEnd)
        m_autoRun = false;
    updateButtons();
    emit statusChanged();
    emit stepShown();
    if (m_autoRun)
        QTimer::singleShot(m_nextWaitMs > 0 ? 0 : 150, this, &SimulatorPage::step);
}

void SimulatorPage::appendNarration(const ScenarioStep &step)
{
    QString html = QStringLiteral("<p><b>%1. %2</b> %3")
                       .arg(step.number)
                       .arg(step.actor.toHtmlEscaped(), step.action.toHtmlEscaped());
    if (!step.presented.isEmpty())
        html += QStringLiteral(" <code>%1</code>").arg(step.presented.toHtmlEscaped());
    html += QStringLiteral("<br>&rarr; <b style=\"color:%1\">%2</b>")
                .arg(outcomeColour(step.outcome), step.outcome.toHtmlEscaped());
    if (!step.asExpected)
        html += QStringLiteral(" <b style=\"color:#c62828\">%1</b>")
                    .arg(tr("(expected %1)").arg(step.expected).toHtmlEscaped());
    html += QStringLiteral("<br><i>%1</i> %2").arg(tr("Why:"), step.explanation.toHtmlEscaped());
    if (step.verdict)
        html += QStringLiteral("<br><i>%1</i> %2 \u2014 %3")
                    .arg(tr("Verdict:"),
                         Presentation::verdictText(QString::fromLatin1(verdictName(step.verdict->verdict)))
                             .toHtmlEscaped(),
                         step.verdict->reason.toHtmlEscaped());
    if (!step.changed.isEmpty())
        html += QStringLiteral("<br><i>%1</i> %2").arg(tr("Changed:"), step.changed.toHtmlEscaped());
    m_narrative->append(html + QStringLiteral("</p>"));
    m_narrative->verticalScrollBar()->setValue(m_narrative->verticalScrollBar()->maximum());
}

void SimulatorPage::tickCountdown()
{
    const qint64 left = qMax<qint64>(0, m_waitDeadline.remainingTime());
    m_status->setText(tr("Waiting in real time: %1 left of %2.")
                          .arg(row_format::elapsed((left + 999) / 1000 * 1000), row_format::elapsed(m_nextWaitMs)));
}

void SimulatorPage::updateDescription()
{
    const ScenarioInfo *info = findScenario(m_scenarioCombo->currentData().toString());
    m_summary->setText(info ? QCoreApplication::translate("rotor::Scenario", info->summary) : QString());
}

void SimulatorPage::updateButtons()
{
    m_startButton->setText(m_started ? tr("Res&tart") : tr("S&tart"));
    m_startButton->setEnabled(true);
    m_nextButton->setEnabled(m_started && !m_atEnd && !m_busy);
    m_runButton->setEnabled(!m_busy && !m_autoRun);
    m_stopButton->setEnabled(m_autoRun || (m_busy && m_nextWaitMs > 0));
    m_exportButton->setEnabled(!m_steps.isEmpty() && !m_busy);
    m_scenarioCombo->setEnabled(!m_busy);
    m_targetCombo->setEnabled(!m_busy);
}

QString SimulatorPage::statusText() const
{
    if (!m_started)
        return tr("No scenario played yet");
    return tr("%1: step %2 of %3").arg(m_scenarioCombo->currentText()).arg(m_steps.size()).arg(m_planned);
}

void SimulatorPage::exportTranscript()
{
    const QString textFilter = tr("Text (*.txt)");
    const QString jsonFilter = tr("JSON (*.json)");
    QString chosenFilter = textFilter;
    QString path = QFileDialog::getSaveFileName(m_widget, tr("Export transcript"),
                                                m_scenarioCombo->currentData().toString() + QStringLiteral(".txt"),
                                                textFilter + QStringLiteral(";;") + jsonFilter, &chosenFilter);
    if (path.isEmpty())
        return;
    const bool json = chosenFilter == jsonFilter || path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    const QByteArray content = json ? QJsonDocument(m_transcriptJson).toJson() : m_transcriptText.toUtf8();
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size()
        || !file.flush()) {
        QMessageBox::warning(m_widget, tr("Export transcript"),
                             tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        return;
    }
    emit statusMessage(tr("Transcript saved to %1").arg(QDir::toNativeSeparators(path)), 5000);
}

void SimulatorPage::removeSimulated()
{
    if (QMessageBox::question(m_widget, tr("Remove simulated data"),
                              tr("Delete every user the simulator created in this database, with their devices, "
                                 "sessions, tokens and events? The audit log keeps its entries, and the removal is "
                                 "audited too."))
        != QMessageBox::Yes)
        return;
    const ConnectionSpec spec = m_context.spec;
    m_busy = true;
    updateButtons();
    onRunThread(
        [this, spec]() {
            Played played;
            m_run.reset(); // a run into the database would lose its user
            Database db(spec);
            if (db.open(Database::OpenMode::OpenExisting, &played.error)) {
                SystemClock clock;
                AdminService admin(db, clock, Actor::forConnection(spec));
                AdminService::SimulatedRemoval removed;
                played.ok = admin.removeSimulatedUsers(&removed, &played.error);
                if (played.ok)
                    played.error = tr("Removed %1 simulated user(s), %2 session(s), %3 event(s).")
                                       .arg(removed.users)
                                       .arg(removed.families)
                                       .arg(removed.events);
                db.close();
            }
            return played;
        },
        [this](const Played &played) {
            m_busy = false;
            m_cancellable = nullptr;
            m_started = false;
            m_atEnd = false;
            m_status->setText(played.ok ? played.error
                                        : tr("Could not remove the simulated data: %1").arg(played.error));
            updateButtons();
            emit statusMessage(m_status->text(), 5000);
        });
}

} // namespace rotor
