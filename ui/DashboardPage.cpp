#include "DashboardPage.h"

#include "Clock.h"
#include "DashboardView.h"
#include "DatabaseWorker.h"
#include "Presentation.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTime>
#include <QTimeZone>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace rotor {

namespace {

// What the range selector asks for; made into a DashboardRange on the worker, with the worker's clock.
struct RangeRequest
{
    DashboardPage::Preset preset = DashboardPage::Preset::Last7Days;
    qint64 since = 0; // Custom
    qint64 until = 0;

    DashboardRange make(qint64 now, const QTimeZone &zone, QString *error) const
    {
        switch (preset) {
        case DashboardPage::Preset::Last24Hours:
            return DashboardRange::lastHours(24, now, zone);
        case DashboardPage::Preset::Last7Days:
            return DashboardRange::lastDays(7, now, zone);
        case DashboardPage::Preset::Last30Days:
            return DashboardRange::lastDays(30, now, zone);
        case DashboardPage::Preset::Last90Days:
            return DashboardRange::lastDays(90, now, zone);
        case DashboardPage::Preset::Custom:
            break;
        }
        // A range reaching into the future ends now: nothing has happened there yet.
        return DashboardRange::between(since, qMin(until, now), zone, error);
    }
};

struct Computed
{
    bool ok = false;
    DashboardFigures figures;
    QString error;
    qint64 elapsedMs = 0;
};

} // namespace

DashboardPage::DashboardPage(QObject *parent)
    : ConsolePage(parent)
{ }

DashboardPage::~DashboardPage()
{
    DashboardPage::detach();
}

QIcon DashboardPage::icon() const
{
    return icons::named("dashboard");
}

QWidget *DashboardPage::widget() const
{
    return m_widget;
}

void DashboardPage::attach(const PageContext &context)
{
    detach();
    m_context = context;

    m_widget = new QWidget;
    m_widget->setObjectName(QStringLiteral("dashboardPage"));
    m_widget->installEventFilter(this);
    auto *layout = new QVBoxLayout(m_widget);

    auto *bar = new QHBoxLayout;
    auto *rangeLabel = new QLabel(tr("&Range:"));
    m_presetCombo = new QComboBox;
    m_presetCombo->setObjectName(QStringLiteral("rangeCombo"));
    m_presetCombo->addItem(tr("Last 24 hours"), int(Preset::Last24Hours));
    m_presetCombo->addItem(tr("Last 7 days"), int(Preset::Last7Days));
    m_presetCombo->addItem(tr("Last 30 days"), int(Preset::Last30Days));
    m_presetCombo->addItem(tr("Last 90 days"), int(Preset::Last90Days));
    m_presetCombo->addItem(tr("Custom\u2026"), int(Preset::Custom));
    m_presetCombo->setCurrentIndex(m_presetCombo->findData(int(Preset::Last7Days)));
    rangeLabel->setBuddy(m_presetCombo);
    bar->addWidget(rangeLabel);
    bar->addWidget(m_presetCombo);

    m_customBox = new QWidget;
    auto *customLayout = new QHBoxLayout(m_customBox);
    customLayout->setContentsMargins(0, 0, 0, 0);
    const QDateTime now = QDateTime::currentDateTime();
    m_sinceEdit = new QDateTimeEdit(QDateTime(now.date().addDays(-6), QTime(0, 0)));
    m_sinceEdit->setObjectName(QStringLiteral("dashboardSinceEdit"));
    m_untilEdit = new QDateTimeEdit(now);
    m_untilEdit->setObjectName(QStringLiteral("dashboardUntilEdit"));
    for (QDateTimeEdit *edit : {m_sinceEdit, m_untilEdit}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QLocale().dateTimeFormat(QLocale::ShortFormat));
    }
    auto *fromLabel = new QLabel(tr("fro&m"));
    fromLabel->setBuddy(m_sinceEdit);
    auto *toLabel = new QLabel(tr("&to"));
    toLabel->setBuddy(m_untilEdit);
    customLayout->addWidget(fromLabel);
    customLayout->addWidget(m_sinceEdit);
    customLayout->addWidget(toLabel);
    customLayout->addWidget(m_untilEdit);
    m_customBox->hide();
    bar->addWidget(m_customBox);

    m_recomputeButton = new QToolButton;
    m_recomputeButton->setObjectName(QStringLiteral("recomputeButton"));
    m_recomputeButton->setText(tr("Re&compute"));
    m_recomputeButton->setIcon(icons::named("refresh"));
    m_recomputeButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_recomputeButton->setToolTip(tr("Compute every figure again. Live updates read only what can have changed "
                                     "(the last minutes), and everything every %1 minutes.")
                                      .arg(Dashboard::fullEveryMs / Policy::minute));
    bar->addWidget(m_recomputeButton);
    m_statusLine = new QLabel;
    m_statusLine->setObjectName(QStringLiteral("dashboardStatus"));
    m_statusLine->setForegroundRole(QPalette::PlaceholderText);
    bar->addWidget(m_statusLine, 1);
    layout->addLayout(bar);

    m_errorBar = new QFrame;
    m_errorBar->setObjectName(QStringLiteral("dashboardError"));
    m_errorBar->setStyleSheet(QStringLiteral(
        "#dashboardError { background: #fdecea; border: 1px solid #e57373; } QLabel { color: #8e0000; }"));
    auto *errorLayout = new QHBoxLayout(m_errorBar);
    m_errorLabel = new QLabel;
    m_errorLabel->setObjectName(QStringLiteral("dashboardErrorText"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextFormat(Qt::PlainText);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_retryButton = new QPushButton(tr("R&etry"));
    m_retryButton->setObjectName(QStringLiteral("dashboardRetryButton"));
    errorLayout->addWidget(m_errorLabel, 1);
    errorLayout->addWidget(m_retryButton);
    m_errorBar->hide();
    layout->addWidget(m_errorBar);

    m_loadingLabel = new QLabel(tr("Loading the dashboard\u2026"));
    m_loadingLabel->setObjectName(QStringLiteral("dashboardLoading"));
    m_loadingLabel->hide();
    layout->addWidget(m_loadingLabel);

    m_view = new DashboardView;
    layout->addWidget(m_view, 1);

    m_throttle = new QTimer(m_widget);
    m_throttle->setSingleShot(true);
    m_tick = new QTimer(m_widget);
    m_tick->setInterval(tickMs);
    m_customTimer = new QTimer(m_widget);
    m_customTimer->setSingleShot(true);
    m_customTimer->setInterval(customDelayMs);

    connect(m_presetCombo, &QComboBox::currentIndexChanged, this, &DashboardPage::onPresetChosen);
    for (QDateTimeEdit *edit : {m_sinceEdit, m_untilEdit})
        connect(edit, &QDateTimeEdit::dateTimeChanged, m_customTimer, qOverload<>(&QTimer::start));
    connect(m_customTimer, &QTimer::timeout, this, [this]() { request(Load::Full); });
    connect(m_recomputeButton, &QToolButton::clicked, this, &DashboardPage::recompute);
    connect(m_retryButton, &QPushButton::clicked, this, &DashboardPage::recompute);
    connect(m_throttle, &QTimer::timeout, this, [this]() {
        const Load pending = std::exchange(m_pending, Load::None);
        if (pending != Load::None)
            request(pending);
    });
    connect(m_tick, &QTimer::timeout, this, [this]() { request(Load::Live); });
    connect(m_view, &DashboardView::userActivated, this, &ConsolePage::openUserEventsRequested);
    // The connection is opened by the first computation, when the page is first shown: a console whose dashboard
    // is never opened holds no connection for it.
}

void DashboardPage::detach()
{
    ++m_generation;
    m_receiver.reset();
    m_worker.reset();
    delete m_widget; // its timers with it
    m_widget = nullptr;
    m_view = nullptr;
    m_throttle = m_tick = m_customTimer = nullptr;
    m_figures.reset();
    m_errorText.clear();
    m_inFlight = false;
    m_pending = Load::None;
    m_workerOpen = false;
    m_openError.clear();
    m_lastStart.invalidate();
    m_lastFull.invalidate();
    m_context = {};
}

void DashboardPage::openWorker()
{
    // A worker of its own, so a long aggregate never holds up the lists' detail reads; a new one after a failed open.
    m_receiver = std::make_unique<QObject>();
    m_worker = std::make_unique<DatabaseWorker>(m_context.spec);
    m_workerOpen = false;
    m_openError.clear();
    m_worker->open(Database::OpenMode::OpenExisting, m_receiver.get(), [this](bool ok, const QString &error) {
        if (ok) {
            m_workerOpen = true;
            return;
        }
        // Jobs queued behind a failed open are skipped: nothing else will answer them.
        m_openError = error;
        m_inFlight = false;
        m_pending = Load::None;
        showError(tr("The dashboard could not open the database: %1").arg(error));
        emit loadFinished();
    });
}

bool DashboardPage::isVisible() const
{
    return m_widget && m_widget->isVisible();
}

bool DashboardPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_widget && m_tick) {
        if (event->type() == QEvent::Show)
            m_tick->start();
        else if (event->type() == QEvent::Hide)
            m_tick->stop();
    }
    return ConsolePage::eventFilter(watched, event);
}

void DashboardPage::shown()
{
    if (!m_inFlight && !m_throttle->isActive())
        request(m_figures && m_pending != Load::Full ? Load::Live : Load::Full);
}

void DashboardPage::refresh()
{
    if (!m_widget)
        return;
    if (!isVisible()) {
        markStale(); // reloaded when shown
        return;
    }
    request(m_figures && m_pending != Load::Full ? Load::Live : Load::Full);
}

void DashboardPage::recompute()
{
    request(Load::Full);
}

void DashboardPage::setPreset(Preset preset)
{
    if (m_presetCombo)
        m_presetCombo->setCurrentIndex(m_presetCombo->findData(int(preset)));
}

void DashboardPage::setCustomRange(const QDateTime &since, const QDateTime &until)
{
    if (!m_presetCombo)
        return;
    const QSignalBlocker blockSince(m_sinceEdit);
    const QSignalBlocker blockUntil(m_untilEdit);
    m_sinceEdit->setDateTime(since);
    m_untilEdit->setDateTime(until);
    if (m_presetCombo->currentData().toInt() == int(Preset::Custom))
        request(Load::Full);
    else
        setPreset(Preset::Custom);
}

void DashboardPage::onPresetChosen()
{
    const bool custom = m_presetCombo->currentData().toInt() == int(Preset::Custom);
    m_customBox->setVisible(custom);
    m_customTimer->stop();
    request(Load::Full);
}

void DashboardPage::request(Load load)
{
    if (!m_widget)
        return;
    if (load == Load::Full)
        ++m_generation; // an answer in flight is for what was asked before
    if (!isVisible()) {
        if (load == Load::Full)
            m_pending = Load::Full; // a new range chosen just before the page was left: still owed when shown
        markStale();
        return;
    }
    if (m_inFlight || (load == Load::Live && m_lastStart.isValid() && m_lastStart.elapsed() < liveIntervalMs)) {
        // One computation at a time, and live ones at most every liveIntervalMs: coalesced into the next.
        if (load == Load::Full || m_pending == Load::None)
            m_pending = load;
        if (!m_inFlight && !m_throttle->isActive())
            m_throttle->start(int(liveIntervalMs - m_lastStart.elapsed()));
        return;
    }
    start(load);
}

void DashboardPage::start(Load load)
{
    m_pending = Load::None;
    m_throttle->stop();
    RangeRequest range;
    range.preset = Preset(m_presetCombo->currentData().toInt());
    if (range.preset == Preset::Custom) {
        range.since = m_sinceEdit->dateTime().toMSecsSinceEpoch();
        range.until = m_untilEdit->dateTime().toMSecsSinceEpoch();
        QString problem;
        if (!DashboardRange::between(range.since, range.until, QTimeZone::systemTimeZone(), &problem).isValid()) {
            showError(tr("Not a range the dashboard can show: %1").arg(problem));
            m_retryButton->hide(); // the range needs changing, not another try
            emit loadFinished();
            return;
        }
    }
    if (!m_worker || (!m_workerOpen && !m_openError.isEmpty()))
        openWorker(); // the first computation, or the last open failed: try again (Retry)
    const bool full
        = load == Load::Full || !m_figures || !m_lastFull.isValid() || m_lastFull.elapsed() > Dashboard::fullEveryMs;
    std::shared_ptr<const DashboardFigures> previous = full ? nullptr : m_figures;
    const quint64 generation = m_generation;
    m_inFlight = true;
    m_lastStart.restart();
    m_loadingLabel->setVisible(!m_figures);
    m_statusLine->setText(m_figures ? tr("Updating\u2026") : QString());
    m_worker->run<Computed>(
        m_receiver.get(),
        [range, previous](Database &db) {
            QElapsedTimer timer;
            timer.start();
            SystemClock clock;
            Computed computed;
            const DashboardRange made = range.make(clock.nowMs(), QTimeZone::systemTimeZone(), &computed.error);
            if (made.isValid())
                computed.ok = Dashboard(db, clock).compute(made, previous.get(), &computed.figures, &computed.error);
            computed.elapsedMs = timer.elapsed();
            return computed;
        },
        [this, generation, full](const Computed &computed) {
            finished(generation, full, computed.ok, computed.figures, computed.error, computed.elapsedMs);
        });
}

void DashboardPage::finished(quint64 generation, bool full, bool ok, const DashboardFigures &figures,
                             const QString &error, qint64 elapsedMs)
{
    m_inFlight = false;
    if (generation == m_generation) {
        m_loadingLabel->hide();
        if (ok) {
            m_figures = std::make_shared<const DashboardFigures>(figures);
            if (full)
                m_lastFull.restart();
            m_lastElapsedMs = elapsedMs;
            m_errorText.clear();
            m_errorBar->hide();
            m_view->showFigures(figures);
            emit statusChanged();
            emit updated();
        } else {
            showError(tr("The dashboard could not be computed: %1").arg(error));
        }
        updateStatusLine();
        emit loadFinished();
    }
    if (m_pending != Load::None) {
        const Load pending = std::exchange(m_pending, Load::None);
        request(pending);
    }
}

void DashboardPage::showError(const QString &error)
{
    m_errorText = error;
    if (!m_widget)
        return;
    m_loadingLabel->hide();
    m_errorLabel->setText(error);
    m_retryButton->show();
    m_errorBar->show();
    updateStatusLine();
}

void DashboardPage::updateStatusLine()
{
    if (!m_figures) {
        m_statusLine->clear();
        return;
    }
    const DashboardFigures &figures = *m_figures;
    const bool hourly = figures.range.bucket == DashboardRange::Bucket::Hour;
    QString text = hourly ? tr("Per hour") : tr("Per day");
    text += QStringLiteral(" \u00b7 ")
        + tr("updated %1 in %2 s")
              .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(figures.computedAt).time(), QLocale::LongFormat),
                   QLocale().toString(double(m_lastElapsedMs) / 1000.0, 'f', 2));
    if (!m_errorText.isEmpty())
        text += QStringLiteral(" \u00b7 ") + tr("not current");
    m_statusLine->setText(text);
    m_statusLine->setToolTip(figures.slotsReused > 0
                                 ? tr("Updated incrementally: %1 of %2 hours read again, the others carried over")
                                       .arg(figures.slotsRead)
                                       .arg(figures.slotsRead + figures.slotsReused)
                                 : tr("Computed in full: %1 hours read").arg(figures.slotsRead));
}

QString DashboardPage::statusText() const
{
    if (!m_figures)
        return {};
    return tr("%1 refreshes, %2 replays")
        .arg(Presentation::formatCount(m_figures->totalRefreshes()),
             Presentation::formatCount(m_figures->totalReplays()));
}

} // namespace rotor
