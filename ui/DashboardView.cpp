#include "DashboardView.h"

#include "Presentation.h"

#include <QBarSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QSet>
#include <QSplitter>
#include <QStackedBarSeries>
#include <QToolTip>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace rotor {

namespace {

constexpr int userIdRole = Qt::UserRole;
constexpr int emailRole = Qt::UserRole + 1;

const QColor refreshColor(0x1e, 0x88, 0xe5);
const QColor signInColor(0x90, 0xa4, 0xae);
const QColor secondPartyColor(0xc6, 0x28, 0x28);
const QColor sameClientColor(0xf9, 0xa8, 0x25);
const QColor unjudgedColor(0x9e, 0x9e, 0x9e);
const QColor liveColor(0x2e, 0x7d, 0x32);

QChartView *makeChartView(const char *name)
{
    auto *chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation); // redrawn every few seconds: no sliding bars
    chart->setBackgroundRoundness(0);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignTop);
    QFont title = chart->titleFont();
    title.setBold(true);
    chart->setTitleFont(title);
    auto *view = new QChartView(chart);
    view->setObjectName(QLatin1String(name));
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(170);
    return view;
}

// Empties a chart of its series and axes (they are made anew for each figures: their bucket count changes).
void clearChart(QChart *chart)
{
    chart->removeAllSeries();
    const QList<QAbstractAxis *> axes = chart->axes();
    for (QAbstractAxis *axis : axes) {
        chart->removeAxis(axis);
        delete axis;
    }
}

QValueAxis *countAxis(qint64 maximum)
{
    auto *axis = new QValueAxis;
    axis->setLabelFormat(QStringLiteral("%d"));
    axis->setRange(0, qMax<qint64>(maximum, 4));
    axis->applyNiceNumbers();
    axis->setMinorTickCount(0);
    return axis;
}

qint64 maxOf(const QList<qint64> &values)
{
    return values.isEmpty() ? 0 : *std::max_element(values.cbegin(), values.cend());
}

QBarSet *barSet(const QString &label, const QColor &color, const QList<qint64> &values)
{
    auto *set = new QBarSet(label);
    set->setColor(color);
    set->setBorderColor(color);
    for (qint64 value : values)
        set->append(qreal(value));
    return set;
}

QTreeWidget *makeTopList(const char *name, const QStringList &headers)
{
    auto *list = new QTreeWidget;
    list->setObjectName(QLatin1String(name));
    list->setRootIsDecorated(false);
    list->setUniformRowHeights(true);
    list->setAlternatingRowColors(true);
    list->setHeaderLabels(headers);
    list->header()->setStretchLastSection(false);
    list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int column = 1; column < headers.size(); ++column)
        list->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    return list;
}

QTreeWidgetItem *numberItem(QTreeWidgetItem *item, int column, qint64 value)
{
    item->setText(column, Presentation::formatCount(value));
    item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

void showEmpty(QTreeWidget *list, const QString &text)
{
    auto *item = new QTreeWidgetItem(list, {text});
    item->setFlags(Qt::NoItemFlags);
    item->setFirstColumnSpanned(true);
}

QString lastSeen(qint64 ms)
{
    return Presentation::formatTime(ms);
}

} // namespace

DashboardView::DashboardView(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("dashboardView"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    // The totals: what an administrator reads first.
    auto *totals = new QHBoxLayout;
    const char *const names[TileCount]
        = {"totalRefreshes", "totalSignIns", "totalSecondParty", "totalSameClient", "liveSessionsNow"};
    const QString captions[TileCount] = {tr("refreshes"), tr("sign-ins"), tr("replays: second party"),
                                         tr("replays: same client"), tr("sessions live now")};
    const QColor colors[TileCount]
        = {refreshColor, signInColor.darker(140), secondPartyColor, sameClientColor.darker(130), liveColor};
    for (int i = 0; i < TileCount; ++i) {
        auto *tile = new QFrame;
        tile->setFrameShape(QFrame::StyledPanel);
        auto *tileLayout = new QVBoxLayout(tile);
        tileLayout->setContentsMargins(10, 6, 10, 6);
        tileLayout->setSpacing(0);
        m_totals[i] = new QLabel(QStringLiteral("\u2013"));
        m_totals[i]->setObjectName(QLatin1String(names[i]));
        QFont big = m_totals[i]->font();
        big.setPointSizeF(big.pointSizeF() * 1.8);
        big.setBold(true);
        m_totals[i]->setFont(big);
        m_totals[i]->setStyleSheet(QStringLiteral("color: %1;").arg(colors[i].name()));
        m_totals[i]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_totalCaptions[i] = new QLabel(captions[i]);
        m_totalCaptions[i]->setForegroundRole(QPalette::PlaceholderText);
        tileLayout->addWidget(m_totals[i]);
        tileLayout->addWidget(m_totalCaptions[i]);
        totals->addWidget(tile, 1);
    }
    layout->addLayout(totals);

    m_refreshes = makeChartView("refreshesChart");
    m_replays = makeChartView("replaysChart");
    m_sessions = makeChartView("sessionsChart");
    auto *charts = new QWidget;
    auto *chartsLayout = new QVBoxLayout(charts);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->addWidget(m_refreshes, 1);
    chartsLayout->addWidget(m_replays, 1);
    chartsLayout->addWidget(m_sessions, 1);

    m_topUsers = makeTopList("topUsersList", {tr("User"), tr("Replays"), tr("2nd party"), tr("Last")});
    m_topUsers->setToolTip(tr("Enter or double-click: this user's security events"));
    m_topAddresses
        = makeTopList("topAddressesList", {tr("Address"), tr("Replays"), tr("2nd party"), tr("Users"), tr("Last")});
    m_topAddresses->setToolTip(tr("The addresses replayed tokens came from (for a second party: the thief's)"));
    auto *lists = new QWidget;
    auto *listsLayout = new QVBoxLayout(lists);
    listsLayout->setContentsMargins(0, 0, 0, 0);
    auto *usersTitle = new QLabel(tr("<b>Top &users by replays</b>"));
    usersTitle->setBuddy(m_topUsers);
    auto *addressesTitle = new QLabel(tr("<b>Top a&ddresses by replays</b>"));
    addressesTitle->setBuddy(m_topAddresses);
    listsLayout->addWidget(usersTitle);
    listsLayout->addWidget(m_topUsers, 1);
    listsLayout->addWidget(addressesTitle);
    listsLayout->addWidget(m_topAddresses, 1);

    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->setObjectName(QStringLiteral("dashboardSplitter"));
    splitter->addWidget(charts);
    splitter->addWidget(lists);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({3000, 2000}); // in proportion: charts three fifths, lists two
    splitter->setChildrenCollapsible(false);
    layout->addWidget(splitter, 1);

    connect(m_topUsers, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        const qint64 userId = item->data(0, userIdRole).toLongLong();
        if (userId > 0)
            emit userActivated(userId, item->data(0, emailRole).toString());
    });
}

DashboardView::~DashboardView() = default;

void DashboardView::showFigures(const DashboardFigures &figures)
{
    m_hasFigures = true;
    showTotals(figures);
    showRefreshes(figures);
    showReplays(figures);
    showSessions(figures);
    showTopLists(figures);
}

void DashboardView::showTotals(const DashboardFigures &figures)
{
    const qint64 values[TileCount] = {figures.totalRefreshes(), figures.totalSignIns(), figures.totalSecondParty(),
                                      figures.totalSameClient(), figures.liveAtEnd()};
    for (int i = 0; i < TileCount; ++i)
        m_totals[i]->setText(Presentation::formatCount(values[i]));
    const qint64 unjudged = figures.totalReplays() - figures.totalSecondParty() - figures.totalSameClient();
    m_totals[SecondParty]->setToolTip(
        unjudged > 0 ? tr("Replays without a verdict, not counted here: %1").arg(Presentation::formatCount(unjudged))
                     : QString());
}

QString DashboardView::bucketLabel(const DashboardRange &range, int bucket)
{
    const QDateTime start = QDateTime::fromMSecsSinceEpoch(range.bucketStarts.at(bucket));
    const QLocale locale;
    if (range.bucket == DashboardRange::Bucket::Hour)
        return locale.toString(start.time(), QStringLiteral("HH:mm"));
    if (range.until - range.since > 300 * Policy::day)
        return locale.toString(start.date(), QStringLiteral("d MMM yy"));
    if (range.bucketCount() <= 7)
        return locale.toString(start.date(), QStringLiteral("ddd d"));
    return locale.toString(start.date(), QStringLiteral("d MMM"));
}

void DashboardView::attachBucketAxis(QChart *chart, const DashboardRange &range)
{
    const int count = range.bucketCount();
    const bool hourly = range.bucket == DashboardRange::Bucket::Hour;
    // Round steps: every 1, 2, 3, 4, 6 or 12 hours; every 1, 2 days, a week, two, four.
    const QList<int> steps = hourly ? QList<int> {1, 2, 3, 4, 6, 12, 24} : QList<int> {1, 2, 7, 14, 28, 56};
    int step = steps.last();
    for (int candidate : steps) {
        if ((count + candidate - 1) / candidate <= maxBucketLabels) {
            step = candidate;
            break;
        }
    }
    // Bars stand at 0, 1, ... n - 1, each label under its bar.
    auto *axis = new QCategoryAxis;
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    axis->setRange(-0.5, count - 0.5);
    axis->setStartValue(-0.5);
    axis->setGridLineVisible(false);
    QSet<QString> used; // the axis keeps one category per label; a repeated one (a day's second 02:00) is left out
    for (int bucket = 0; bucket < count; bucket += step) {
        QString label = bucketLabel(range, bucket);
        if (hourly && (used.contains(label) || (bucket > 0 && label == QStringLiteral("00:00"))))
            label = QLocale().toString(QDateTime::fromMSecsSinceEpoch(range.bucketStarts.at(bucket)),
                                       QStringLiteral("ddd HH:mm"));
        if (used.contains(label))
            continue;
        used.insert(label);
        axis->append(label, bucket);
    }
    chart->addAxis(axis, Qt::AlignBottom);
    const QList<QAbstractSeries *> series = chart->series();
    for (QAbstractSeries *one : series)
        one->attachAxis(axis);
}

void DashboardView::showRefreshes(const DashboardFigures &figures)
{
    QChart *chart = m_refreshes->chart();
    clearChart(chart);
    const DashboardRange &range = figures.range;
    chart->setTitle(range.bucket == DashboardRange::Bucket::Hour ? tr("Refreshes and sign-ins per hour")
                                                                 : tr("Refreshes and sign-ins per day"));
    auto *series = new QBarSeries;
    series->setBarWidth(0.85);
    QBarSet *refreshes = barSet(tr("Refreshes"), refreshColor, figures.refreshes);
    QBarSet *signIns = barSet(tr("Sign-ins"), signInColor, figures.signIns);
    series->append({refreshes, signIns});
    connect(series, &QAbstractBarSeries::hovered, this, [range](bool on, int bucket, QBarSet *set) {
        if (on)
            QToolTip::showText(QCursor::pos(),
                               tr("%1: %2 %3")
                                   .arg(bucketLabel(range, bucket), Presentation::formatCount(qint64(set->at(bucket))),
                                        set->label().toLower()));
    });
    chart->addSeries(series);
    attachBucketAxis(chart, range);
    QValueAxis *counts = countAxis(qMax(maxOf(figures.refreshes), maxOf(figures.signIns)));
    chart->addAxis(counts, Qt::AlignLeft);
    series->attachAxis(counts);
}

void DashboardView::showReplays(const DashboardFigures &figures)
{
    QChart *chart = m_replays->chart();
    clearChart(chart);
    const DashboardRange &range = figures.range;
    chart->setTitle(range.bucket == DashboardRange::Bucket::Hour ? tr("Replay detections per hour, by verdict")
                                                                 : tr("Replay detections per day, by verdict"));
    auto *series = new QStackedBarSeries;
    series->setBarWidth(0.85);
    series->append(barSet(tr("Second party"), secondPartyColor, figures.replaysSecondParty));
    series->append(barSet(tr("Same client"), sameClientColor, figures.replaysSameClient));
    qint64 most = 0;
    for (int i = 0; i < range.bucketCount(); ++i)
        most = qMax(most,
                    figures.replaysSecondParty.at(i) + figures.replaysSameClient.at(i) + figures.replaysUnjudged.at(i));
    if (maxOf(figures.replaysUnjudged) > 0)
        series->append(barSet(tr("No verdict"), unjudgedColor, figures.replaysUnjudged));
    connect(series, &QAbstractBarSeries::hovered, this, [range](bool on, int bucket, QBarSet *set) {
        if (on)
            QToolTip::showText(QCursor::pos(),
                               tr("%1: %2 replays, %3")
                                   .arg(bucketLabel(range, bucket), Presentation::formatCount(qint64(set->at(bucket))),
                                        set->label().toLower()));
    });
    chart->addSeries(series);
    attachBucketAxis(chart, range);
    QValueAxis *counts = countAxis(most);
    chart->addAxis(counts, Qt::AlignLeft);
    series->attachAxis(counts);
}

void DashboardView::showSessions(const DashboardFigures &figures)
{
    QChart *chart = m_sessions->chart();
    clearChart(chart);
    const DashboardRange &range = figures.range;
    chart->setTitle(tr("Sessions live"));
    chart->legend()->hide();
    auto *series = new QLineSeries;
    series->setName(tr("Sessions live"));
    QPen pen(liveColor);
    pen.setWidthF(2);
    series->setPen(pen);
    QList<QPointF> points;
    points.reserve(figures.liveSessions.size());
    for (int i = 0; i < figures.liveSessions.size(); ++i)
        points.append(QPointF(qreal(figures.liveSessionTimes.at(i)), qreal(figures.liveSessions.at(i))));
    series->replace(points);
    connect(series, &QLineSeries::hovered, this, [](const QPointF &point, bool on) {
        if (on)
            QToolTip::showText(
                QCursor::pos(),
                tr("%1: %2 sessions live")
                    .arg(Presentation::formatTime(qint64(point.x())), Presentation::formatCount(qint64(point.y()))));
    });
    chart->addSeries(series);
    auto *time = new QDateTimeAxis;
    time->setFormat(range.bucket == DashboardRange::Bucket::Hour ? QStringLiteral("HH:mm") : QStringLiteral("d MMM"));
    // Ticks on whole hours or days where that costs little room: the axis then runs to the end of the current
    // bucket (or the next round step), a little past now. Otherwise evenly from since to until.
    const bool hourly = range.bucket == DashboardRange::Bucket::Hour;
    const qint64 bucketMs = hourly ? Policy::hour : Policy::day;
    const QList<int> steps = hourly ? QList<int> {1, 2, 3, 4, 6, 12} : QList<int> {1, 2, 7, 14};
    const int maxIntervals = 8;
    const int count = range.bucketCount();
    const auto step = std::find_if(steps.cbegin(), steps.cend(),
                                   [&](int candidate) { return (count + candidate - 1) / candidate <= maxIntervals; });
    qint64 end = range.until;
    int ticks = qBound(2, count + 1, maxIntervals);
    if (step != steps.cend()) {
        const int intervals = (count + *step - 1) / *step;
        const qint64 rounded = range.since + qint64(intervals) * *step * bucketMs;
        if (rounded - range.until <= (range.until - range.since) / 10) {
            end = rounded;
            ticks = intervals + 1;
        }
    }
    time->setRange(QDateTime::fromMSecsSinceEpoch(range.since), QDateTime::fromMSecsSinceEpoch(end));
    time->setTickCount(ticks);
    time->setGridLineVisible(false);
    chart->addAxis(time, Qt::AlignBottom);
    series->attachAxis(time);
    // A line, not bars: the axis spans what the line does, so a change of a few percent shows.
    auto *counts = new QValueAxis;
    counts->setLabelFormat(QStringLiteral("%d"));
    const qint64 low = figures.liveSessions.isEmpty()
        ? 0
        : *std::min_element(figures.liveSessions.cbegin(), figures.liveSessions.cend());
    const qint64 high = maxOf(figures.liveSessions);
    const qint64 margin = qMax<qint64>((high - low) / 10, 2);
    counts->setRange(qreal(qMax<qint64>(0, low - margin)), qreal(high + margin));
    counts->applyNiceNumbers();
    counts->setMinorTickCount(0);
    chart->addAxis(counts, Qt::AlignLeft);
    series->attachAxis(counts);
}

void DashboardView::showTopLists(const DashboardFigures &figures)
{
    m_topUsers->clear();
    for (const DashboardTopUser &user : figures.topUsers) {
        auto *item = new QTreeWidgetItem(m_topUsers, {user.email});
        item->setData(0, userIdRole, user.userId);
        item->setData(0, emailRole, user.email);
        numberItem(item, 1, user.replays);
        numberItem(item, 2, user.secondParty);
        item->setText(3, lastSeen(user.lastAt));
        item->setToolTip(0,
                         tr("%1 (user %2): Enter shows this user's security events").arg(user.email).arg(user.userId));
    }
    if (figures.topUsers.isEmpty())
        showEmpty(m_topUsers, tr("No replays in this range"));
    m_topAddresses->clear();
    for (const DashboardTopAddress &address : figures.topAddresses) {
        auto *item = new QTreeWidgetItem(m_topAddresses, {address.ip});
        numberItem(item, 1, address.replays);
        numberItem(item, 2, address.secondParty);
        numberItem(item, 3, address.users);
        item->setText(4, lastSeen(address.lastAt));
    }
    if (figures.topAddresses.isEmpty())
        showEmpty(m_topAddresses, tr("No replays in this range"));
}

} // namespace rotor
