#pragma once

#include "ConsolePage.h"
#include "Dashboard.h"

#include <QElapsedTimer>

#include <memory>

class QComboBox;
class QDateTimeEdit;
class QFrame;
class QLabel;
class QPushButton;
class QTimer;
class QToolButton;

namespace rotor {

class DashboardView;
class DatabaseWorker;

// The dashboard: refreshes, sign-ins and replays per hour or day, sessions live over time, the users and addresses
// with the most replays, over a chosen range (the last 24 hours, 7 days (the default), 30 or 90 days, or any range).
// Figures are computed by rotor::Dashboard on a worker thread with a connection of its own (one more than the
// window's four, opened when the page is first shown, so that a long aggregate never holds up the lists) and applied
// on the GUI thread; a newer request makes an older answer stale (a generation counter), and one computation runs at a
// time.
//
// Live while visible: a change reported by the window's change feed (refresh()) and the passing of time (a tick)
// reload it, at most every liveIntervalMs and incrementally (only the slots that can have changed are read again);
// a change of range, Recompute and Retry compute everything, and so does a live reload once the last full one is
// older than Dashboard::fullEveryMs. Hidden, it does nothing, and reloads when shown.
class DashboardPage : public ConsolePage
{
    Q_OBJECT

public:
    static constexpr int liveIntervalMs = 3000;
    static constexpr int tickMs = 60 * 1000; // time passes: sessions expire, the current hour moves on
    static constexpr int customDelayMs = 500; // a custom range is applied once its edits rest

    enum class Preset { Last24Hours, Last7Days, Last30Days, Last90Days, Custom };

    explicit DashboardPage(QObject *parent = nullptr);
    ~DashboardPage() override;

    QString id() const override { return QStringLiteral("dashboard"); }
    QString displayName() const override { return tr("Dashboard"); }
    QIcon icon() const override;
    QKeySequence shortcut() const override { return QKeySequence(tr("Ctrl+7")); }
    void attach(const PageContext &context) override;
    void detach() override;
    QWidget *widget() const override;
    void refresh() override;
    QString statusText() const override;

    void setPreset(Preset preset);
    // A custom range, in local time; applied at once.
    void setCustomRange(const QDateTime &since, const QDateTime &until);
    // Computes everything again (Recompute, Retry).
    void recompute();

    // What is on screen; figures() is valid once hasFigures().
    bool hasFigures() const { return m_figures != nullptr; }
    const DashboardFigures &figures() const { return *m_figures; }
    DashboardView *view() const { return m_view; }
    bool isLoading() const { return m_inFlight; }
    // The last failure shown (empty when the last load worked).
    QString errorText() const { return m_errorText; }

signals:
    // Figures were computed and are on screen (or a computation failed: errorText() says why).
    void loadFinished();

protected:
    void shown() override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    enum class Load { None, Live, Full };
    void openWorker();
    void request(Load load);
    void start(Load load);
    void finished(quint64 generation, bool full, bool ok, const DashboardFigures &figures, const QString &error,
                  qint64 elapsedMs);
    void showError(const QString &error);
    void updateStatusLine();
    bool isVisible() const;
    void onPresetChosen();

    PageContext m_context;
    std::unique_ptr<DatabaseWorker> m_worker;
    std::unique_ptr<QObject> m_receiver; // answers for a detached page (or a replaced worker) are dropped with it
    bool m_workerOpen = false;
    QString m_openError;

    QWidget *m_widget = nullptr;
    DashboardView *m_view = nullptr;
    QComboBox *m_presetCombo = nullptr;
    QWidget *m_customBox = nullptr;
    QDateTimeEdit *m_sinceEdit = nullptr;
    QDateTimeEdit *m_untilEdit = nullptr;
    QToolButton *m_recomputeButton = nullptr;
    QLabel *m_statusLine = nullptr;
    QLabel *m_loadingLabel = nullptr;
    QFrame *m_errorBar = nullptr;
    QLabel *m_errorLabel = nullptr;
    QPushButton *m_retryButton = nullptr;
    QTimer *m_throttle = nullptr;
    QTimer *m_tick = nullptr;
    QTimer *m_customTimer = nullptr;

    std::shared_ptr<const DashboardFigures> m_figures; // on screen; also what an incremental load starts from
    QString m_errorText;
    quint64 m_generation = 0; // bumped by every request that makes answers in flight stale
    bool m_inFlight = false;
    Load m_pending = Load::None;
    bool m_reloadWhenShown = false;
    QElapsedTimer m_lastStart; // of the last computation (the throttle)
    QElapsedTimer m_lastFull;
    qint64 m_lastElapsedMs = 0;
};

} // namespace rotor
