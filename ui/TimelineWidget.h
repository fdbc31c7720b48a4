#pragma once

#include <QListWidget>
#include <QVariant>

class QAction;

namespace rotor {

// A session's chain drawn as a timeline: one entry per generation (issued, used, from where), and the security
// events of the session where they happened in time. A replay is drawn in red with both sides (who presented the
// old generation, and who had used it first), and the generation it struck is marked.
class TimelineWidget : public QListWidget
{
    Q_OBJECT

public:
    enum class EntryKind { Generation, Replay, Event };
    enum Role { KindRole = Qt::UserRole + 1, DetailRole, StruckRole, LiveRole };

    explicit TimelineWidget(QWidget *parent = nullptr);

    // tokens: Catalog Tokens rows of one family; events: Catalog Events rows of the same family. sameChain: a fresh
    // read of the chain on screen (a live update), which keeps the selected entry and the scroll position (at the
    // end, it stays at the end as the chain grows).
    void setChain(const QList<QVariantList> &tokens, const QList<QVariantList> &events, bool sameChain = false);

    int entryCount(EntryKind kind) const;
    // Generations a replay presented again (the ones that were stolen).
    QList<int> struckGenerations() const;
    // The generation of the current entry, or -1 when it is not a generation; the newest generation shown (-1: none).
    int currentGeneration() const;
    int newestGeneration() const;
    // "What if this generation were presented...": in the context menu of a generation, enabled while the current
    // entry is one; it emits whatIfRequested with that generation.
    QAction *whatIfAction() const { return m_whatIfAction; }

signals:
    void whatIfRequested(int generation);

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    QAction *m_whatIfAction;
};

} // namespace rotor
