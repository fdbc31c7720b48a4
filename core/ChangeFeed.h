#pragma once

#include "ConnectionSpec.h"

#include <QObject>
#include <QThread>

namespace rotor {

// Tells an open console that the database changed under it: new security events (replays, revocations, ...) and
// any other commit by another connection. It watches from a thread of its own over a read-only connection of its
// own, so nothing here ever touches the caller's connection or blocks the caller's thread.
//
// SQLite: polls PRAGMA data_version every 250 ms (cheap; it changes when another connection commits).
// PostgreSQL: LISTENs on notifyChannel (new events and revocations, reported at once; bursts of notifications are
// coalesced into one report), and polls the snapshot's xmax every 250 ms, which moves whenever a writing transaction
// ends anywhere on the server: rotations, which send no notification, are noticed that way. (On a server shared with
// other busy databases this reports changes that are not Rotor's; the console only reloads its visible list, at most
// once a second, so that costs little.) A lost connection is retried until it is back (then dataChanged tells the
// receiver to reload what it missed).
//
// Signals are emitted from the feed's thread; receivers in other threads get them through queued connections
// (the default AutoConnection does this).
class ChangeFeed : public QObject
{
    Q_OBJECT

public:
    // Events with an id above lastSeenEventId are reported, including any that already exist when the feed starts.
    ChangeFeed(const ConnectionSpec &spec, qint64 lastSeenEventId, QObject *parent = nullptr);
    ~ChangeFeed() override;

    // Starts watching. Calling it again does nothing.
    void start();

    static constexpr int sqlitePollMs = 250;
    static constexpr int postgresPollMs = 250;
    static constexpr int coalesceMs = 100;
    static constexpr int retryMs = 2000;

signals:
    // count events arrived since the last report; newestEventId is the highest id among them.
    void eventsArrived(qint64 newestEventId, int count);
    // Something was committed by another connection (or the connection came back after a loss): reload.
    void dataChanged();

private:
    ConnectionSpec m_spec;
    qint64 m_lastSeenEventId;
    QThread m_thread;
};

} // namespace rotor
