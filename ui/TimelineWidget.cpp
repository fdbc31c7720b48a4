#include "TimelineWidget.h"

#include "Catalog.h"
#include "Presentation.h"
#include "SecurityEvent.h"

#include <QAction>
#include <QContextMenuEvent>
#include <QMenu>
#include <QPainter>
#include <QScrollBar>
#include <QStyledItemDelegate>

namespace rotor {

namespace {

constexpr int railX = 16;
constexpr int textX = 34;
constexpr int dotRadius = 6;
constexpr int padding = 6;

const QColor replayColor(0xc6, 0x28, 0x28);
const QColor liveColor(0x2e, 0x7d, 0x32);
const QColor usedColor(0x54, 0x6e, 0x7a);
const QColor eventColor(0xef, 0x6c, 0x00);

// Paints the rail, a dot per entry and two kinds of text: a bold title line and the detail lines under it.
class TimelineDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        const QRect rect = option.rect;
        const auto kind = TimelineWidget::EntryKind(index.data(TimelineWidget::KindRole).toInt());
        const bool struck = index.data(TimelineWidget::StruckRole).toBool();
        if (option.state & QStyle::State_Selected)
            painter->fillRect(rect, option.palette.highlight().color().lighter(170));
        else if (kind == TimelineWidget::EntryKind::Replay)
            painter->fillRect(rect, QColor(0xff, 0xeb, 0xee));

        const bool first = index.row() == 0;
        const bool last = index.row() == index.model()->rowCount() - 1;
        const int dotY = rect.top() + padding + option.fontMetrics.height() / 2;
        painter->setPen(QPen(option.palette.mid().color(), 2));
        painter->drawLine(rect.left() + railX, first ? dotY : rect.top(), rect.left() + railX,
                          last ? dotY : rect.bottom());

        QColor dot = usedColor;
        if (kind == TimelineWidget::EntryKind::Replay || struck)
            dot = replayColor;
        else if (kind == TimelineWidget::EntryKind::Event)
            dot = eventColor;
        else if (index.data(TimelineWidget::LiveRole).toBool())
            dot = liveColor;
        painter->setPen(QPen(dot, 2));
        painter->setBrush(kind == TimelineWidget::EntryKind::Generation && !struck ? option.palette.base().color()
                                                                                   : dot);
        painter->drawEllipse(QPoint(rect.left() + railX, dotY), dotRadius, dotRadius);

        const int width = rect.width() - textX - padding;
        QFont titleFont = option.font;
        titleFont.setBold(true);
        painter->setFont(titleFont);
        painter->setPen(kind == TimelineWidget::EntryKind::Replay ? replayColor : option.palette.text().color());
        const QFontMetrics titleMetrics(titleFont);
        int y = rect.top() + padding;
        painter->drawText(QRect(rect.left() + textX, y, width, titleMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                          titleMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, width));
        y += titleMetrics.height();
        painter->setFont(option.font);
        painter->setPen(option.palette.text().color());
        for (const QString &line : index.data(TimelineWidget::DetailRole).toStringList()) {
            painter->drawText(QRect(rect.left() + textX, y, width, option.fontMetrics.height()),
                              Qt::AlignLeft | Qt::AlignVCenter,
                              option.fontMetrics.elidedText(line, Qt::ElideMiddle, width));
            y += option.fontMetrics.height();
        }
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const int lines = 1 + int(index.data(TimelineWidget::DetailRole).toStringList().size());
        return QSize(textX + 200, lines * option.fontMetrics.height() + 2 * padding + 2);
    }
};

struct Entry
{
    qint64 time = 0;
    int order = 0; // generations before events at the same moment
    QListWidgetItem *item = nullptr;
};

QString orDash(const QString &text)
{
    return text.isEmpty() ? QStringLiteral("\u2014") : text;
}

} // namespace

TimelineWidget::TimelineWidget(QWidget *parent)
    : QListWidget(parent)
    , m_whatIfAction(new QAction(tr("What if this generation were presented\u2026"), this))
{
    setObjectName(QStringLiteral("timeline"));
    setItemDelegate(new TimelineDelegate(this));
    setSelectionMode(QAbstractItemView::SingleSelection);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setUniformItemSizes(false);
    setWordWrap(false);
    m_whatIfAction->setObjectName(QStringLiteral("whatIfAction"));
    m_whatIfAction->setEnabled(false);
    connect(m_whatIfAction, &QAction::triggered, this, [this]() {
        if (currentGeneration() >= 0)
            emit whatIfRequested(currentGeneration());
    });
    connect(this, &QListWidget::currentItemChanged, this,
            [this]() { m_whatIfAction->setEnabled(currentGeneration() >= 0); });
}

int TimelineWidget::currentGeneration() const
{
    const QListWidgetItem *item = currentItem();
    if (!item || item->data(KindRole).toInt() != int(EntryKind::Generation))
        return -1;
    return item->data(Qt::UserRole).toInt();
}

int TimelineWidget::newestGeneration() const
{
    int newest = -1;
    for (int row = 0; row < count(); ++row) {
        if (item(row)->data(KindRole).toInt() == int(EntryKind::Generation))
            newest = qMax(newest, item(row)->data(Qt::UserRole).toInt());
    }
    return newest;
}

void TimelineWidget::contextMenuEvent(QContextMenuEvent *event)
{
    QListWidgetItem *item = itemAt(event->pos());
    if (!item || item->data(KindRole).toInt() != int(EntryKind::Generation)) {
        QListWidget::contextMenuEvent(event);
        return;
    }
    setCurrentItem(item);
    QMenu menu(this);
    menu.addAction(m_whatIfAction);
    menu.exec(event->globalPos());
}

void TimelineWidget::setChain(const QList<QVariantList> &tokens, const QList<QVariantList> &events, bool sameChain)
{
    QScrollBar *scroll = verticalScrollBar();
    const bool atEnd = scroll->value() > 0 && scroll->value() == scroll->maximum();
    const int scrolledTo = scroll->value();
    QPair<int, QVariant> selected {-1, QVariant()}; // kind and id of the selected entry
    if (QListWidgetItem *current = currentItem(); current && current->isSelected())
        selected = {current->data(KindRole).toInt(), current->data(Qt::UserRole)};
    clear();
    QHash<int, QString> firstUseFrom; // generation -> where its successor was asked for
    QSet<int> struck;
    for (const QVariantList &event : events) {
        if (event.value(column::EventKind).toString() == QLatin1String(event_kind::replayDetected)
            && !event.value(column::EventPresentedGeneration).isNull())
            struck.insert(event.value(column::EventPresentedGeneration).toInt());
    }

    QList<Entry> entries;
    for (const QVariantList &token : tokens) {
        const int generation = token.value(column::TokenGeneration).toInt();
        const bool used = !token.value(column::TokenUsedAt).isNull();
        const bool revoked = !token.value(column::TokenRevokedAt).isNull();
        QStringList lines;
        lines << tr("Issued %1 to %2")
                     .arg(Presentation::formatTime(token.value(column::TokenIssuedAt).toLongLong()),
                          orDash(token.value(column::TokenIp).toString()));
        lines << tr("User agent: %1").arg(orDash(token.value(column::TokenUserAgent).toString()));
        if (used)
            lines << tr("Used %1 (rotated to generation %2)")
                         .arg(Presentation::formatTime(token.value(column::TokenUsedAt).toLongLong()))
                         .arg(generation + 1);
        if (revoked)
            lines << tr("Revoked %1").arg(Presentation::formatTime(token.value(column::TokenRevokedAt).toLongLong()));
        if (!used && !revoked)
            lines << tr("Expires %1").arg(Presentation::formatTime(token.value(column::TokenExpiresAt).toLongLong()));
        const bool isStruck = struck.contains(generation);
        QString title = tr("Generation %1").arg(generation);
        if (isStruck)
            title = tr("Generation %1 \u2014 presented again after use (replay)").arg(generation);
        else if (!used && !revoked)
            title = tr("Generation %1 \u2014 current").arg(generation);
        auto *item = new QListWidgetItem(title);
        item->setData(KindRole, int(EntryKind::Generation));
        item->setData(DetailRole, lines);
        item->setData(StruckRole, isStruck);
        item->setData(LiveRole, !used && !revoked);
        item->setData(Qt::UserRole, generation);
        item->setToolTip(lines.join(QLatin1Char('\n')));
        entries.append({token.value(column::TokenIssuedAt).toLongLong(), 0, item});
    }

    for (const QVariantList &event : events) {
        const QString kind = event.value(column::EventKind).toString();
        const bool replay = kind == QLatin1String(event_kind::replayDetected);
        const qint64 at = event.value(column::EventTime).toLongLong();
        QStringList lines;
        QString title;
        if (replay) {
            title = tr("Replay detected %1").arg(Presentation::formatTime(at));
            lines << tr("Generation %1 presented again while generation %2 was current")
                         .arg(event.value(column::EventPresentedGeneration).toString(),
                              event.value(column::EventCurrentGeneration).toString());
            lines << tr("Presented from %1, %2")
                         .arg(orDash(event.value(column::EventIp).toString()),
                              orDash(event.value(column::EventUserAgent).toString()));
            lines << tr("Originally used from %1, %2")
                         .arg(orDash(event.value(column::EventOriginalIp).toString()),
                              orDash(event.value(column::EventOriginalUserAgent).toString()));
            if (!event.value(column::EventVerdict).isNull())
                lines << tr("Verdict: %1 \u2014 %2")
                             .arg(Presentation::verdictText(event.value(column::EventVerdict).toString()),
                                  event.value(column::EventVerdictReason).toString());
            lines << tr("The whole session was revoked.");
        } else {
            title = tr("%1 %2").arg(Presentation::eventKindText(kind), Presentation::formatTime(at));
            if (!event.value(column::EventIp).toString().isEmpty())
                lines << tr("From %1, %2")
                             .arg(event.value(column::EventIp).toString(),
                                  orDash(event.value(column::EventUserAgent).toString()));
            if (!event.value(column::EventDetail).toString().isEmpty())
                lines << event.value(column::EventDetail).toString();
        }
        auto *item = new QListWidgetItem(title);
        item->setData(KindRole, int(replay ? EntryKind::Replay : EntryKind::Event));
        item->setData(DetailRole, lines);
        item->setData(Qt::UserRole, event.value(column::EventId));
        item->setToolTip(lines.join(QLatin1Char('\n')));
        entries.append({at, 1, item});
    }

    std::stable_sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
        return a.time != b.time ? a.time < b.time : a.order < b.order;
    });
    for (const Entry &entry : std::as_const(entries))
        addItem(entry.item);
    for (int row = 0; sameChain && row < count() && selected.first >= 0; ++row) {
        if (item(row)->data(KindRole).toInt() == selected.first && item(row)->data(Qt::UserRole) == selected.second) {
            setCurrentRow(row, QItemSelectionModel::ClearAndSelect);
            break;
        }
    }
    if (sameChain) {
        doItemsLayout(); // the scroll range of the new entries, before the position is put back
        scroll->setValue(atEnd ? scroll->maximum() : scrolledTo);
    }
    m_whatIfAction->setEnabled(currentGeneration() >= 0);
}

int TimelineWidget::entryCount(EntryKind kind) const
{
    int total = 0;
    for (int row = 0; row < count(); ++row)
        total += item(row)->data(KindRole).toInt() == int(kind) ? 1 : 0;
    return total;
}

QList<int> TimelineWidget::struckGenerations() const
{
    QList<int> generations;
    for (int row = 0; row < count(); ++row) {
        if (item(row)->data(StruckRole).toBool())
            generations.append(item(row)->data(Qt::UserRole).toInt());
    }
    return generations;
}

} // namespace rotor
