#pragma once

#include "Dashboard.h"

#include <QWidget>

class QChart;
class QChartView;
class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace rotor {

// What the dashboard shows, drawn from one DashboardFigures: totals as numbers, refreshes and sign-ins per bucket
// (bars), replay detections per bucket stacked by verdict, sessions live at every hour (a line), and the users and
// addresses with the most replays. It computes nothing: DashboardPage hands it the figures.
class DashboardView : public QWidget
{
    Q_OBJECT

public:
    // More labels than this under a bar chart would run into each other: buckets are labelled every few.
    static constexpr int maxBucketLabels = 12;

    explicit DashboardView(QWidget *parent = nullptr);
    ~DashboardView() override;

    void showFigures(const DashboardFigures &figures);
    bool hasFigures() const { return m_hasFigures; }

    QChartView *refreshesChart() const { return m_refreshes; }
    QChartView *replaysChart() const { return m_replays; }
    QChartView *sessionsChart() const { return m_sessions; }
    QTreeWidget *topUsers() const { return m_topUsers; }
    QTreeWidget *topAddresses() const { return m_topAddresses; }

    // A bucket's label under the bar charts, as the user reads it ("14:00", "Tue 3", "3 Dec").
    static QString bucketLabel(const DashboardRange &range, int bucket);

signals:
    // A top user was chosen (Enter, double-click): the window narrows Security events to that user.
    void userActivated(qint64 userId, const QString &email);

private:
    enum TotalTile { Refreshes, SignIns, SecondParty, SameClient, LiveNow, TileCount };

    void showTotals(const DashboardFigures &figures);
    void showRefreshes(const DashboardFigures &figures);
    void showReplays(const DashboardFigures &figures);
    void showSessions(const DashboardFigures &figures);
    void showTopLists(const DashboardFigures &figures);
    // The x axis of a bar chart: one category a bucket, labelled every few buckets.
    void attachBucketAxis(QChart *chart, const DashboardRange &range);

    QLabel *m_totals[TileCount] = {};
    QLabel *m_totalCaptions[TileCount] = {};
    QChartView *m_refreshes = nullptr;
    QChartView *m_replays = nullptr;
    QChartView *m_sessions = nullptr;
    QTreeWidget *m_topUsers = nullptr;
    QTreeWidget *m_topAddresses = nullptr;
    bool m_hasFigures = false;
};

} // namespace rotor
