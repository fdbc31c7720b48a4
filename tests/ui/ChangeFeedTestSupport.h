#pragma once

#include "AdminService.h"
#include "ChangeFeed.h"
#include "Clock.h"
#include "Database.h"
#include "Keys.h"
#include "RotationService.h"

#include <QObject>
#include <QSignalSpy>

// Receives a ChangeFeed's signals on the test's thread (queued from the feed's thread), so QSignalSpy and the
// test only ever touch them there.
class FeedRelay : public QObject
{
    Q_OBJECT

public:
    explicit FeedRelay(rotor::ChangeFeed *feed)
        : events(this, &FeedRelay::eventsArrived)
        , changes(this, &FeedRelay::dataChanged)
    {
        connect(feed, &rotor::ChangeFeed::eventsArrived, this, &FeedRelay::eventsArrived);
        connect(feed, &rotor::ChangeFeed::dataChanged, this, &FeedRelay::dataChanged);
    }

    qint64 newestReported() const { return events.isEmpty() ? 0 : events.last().at(0).toLongLong(); }
    int eventsReported() const
    {
        int total = 0;
        for (const QList<QVariant> &arguments : events)
            total += arguments.at(1).toInt();
        return total;
    }

    QSignalSpy events;
    QSignalSpy changes;

signals:
    void eventsArrived(qint64 newestEventId, int count);
    void dataChanged();
};

inline bool signIn(rotor::Database &db, const QString &email, const QString &deviceKey, QString *error)
{
    rotor::Keys keys;
    if (!rotor::Keys::fromMaster(QByteArray(32, 'k'), &keys, error))
        return false;
    const rotor::SystemClock clock;
    rotor::RotationService rotation(db, keys, clock);
    const rotor::LoginResult login = rotation.login(email, {deviceKey, deviceKey, QStringLiteral("10.0.0.2"), {}});
    if (!login.ok())
        *error = login.error;
    return login.ok();
}

// A real replay, recorded by the test's own connection: sign in, refresh twice, then present the first token
// again (not the grace-window predecessor, so it is a replay). Returns the replay event's id, 0 on failure.
inline qint64 recordReplay(rotor::Database &db, const QString &email, QString *error)
{
    rotor::Keys keys;
    if (!rotor::Keys::fromMaster(QByteArray(32, 'k'), &keys, error))
        return 0;
    const rotor::SystemClock clock;
    rotor::RotationService rotation(db, keys, clock);
    const rotor::DeviceInfo phone {QStringLiteral("phone-1"), QStringLiteral("Pixel 8"), QStringLiteral("10.0.0.1"),
                                   QStringLiteral("RotorTest/1.0")};
    const rotor::LoginResult login = rotation.login(email, phone);
    if (!login.ok()) {
        *error = login.error;
        return 0;
    }
    rotor::RefreshResult step = rotation.refresh(login.tokens.refreshToken, phone);
    if (step.ok())
        step = rotation.refresh(step.tokens.refreshToken, phone);
    if (!step.ok()) {
        *error = QStringLiteral("refresh failed: %1").arg(step.error);
        return 0;
    }
    const rotor::DeviceInfo thief {QStringLiteral("phone-1"), QStringLiteral("Pixel 8"), QStringLiteral("203.0.113.9"),
                                   QStringLiteral("curl/8.0")};
    const rotor::RefreshResult replay = rotation.refresh(login.tokens.refreshToken, thief);
    if (replay.outcome != rotor::Outcome::Replay || replay.eventId <= 0) {
        *error = QStringLiteral("expected a replay, got %1 (%2)")
                     .arg(QLatin1String(rotor::outcomeName(replay.outcome)), replay.error);
        return 0;
    }
    return replay.eventId;
}
