#include "Decision.h"
#include "SecurityEvent.h"

#include <QTest>

using namespace rotor;

Q_DECLARE_METATYPE(rotor::PresentedState)
Q_DECLARE_METATYPE(rotor::Outcome)

namespace {

constexpr qint64 now = 1'700'000'000'000;
constexpr qint64 second = 1000;
constexpr qint64 grace = 10 * second;

// A live, unused token of generation 1 in a live family of an active user: the plain rotation.
PresentedState live(int generation = 1)
{
    PresentedState s;
    s.wellFormed = true;
    s.found = true;
    s.generation = generation;
    s.expiresAt = now + 3600 * second;
    s.familyExpiresAt = now + 86400 * second;
    s.userActive = true;
    return s;
}

// The token was used `ago` ms before now and its successor (generation + 1) is live and the one derived from it.
PresentedState usedWithLiveSuccessor(qint64 ago)
{
    PresentedState s = live();
    s.usedAt = now - ago;
    s.hasSuccessor = true;
    s.successorLive = true;
    s.successorExpiresAt = now + 3600 * second;
    s.successorMatchesDerived = true;
    return s;
}

} // namespace

class TestDecision : public QObject
{
    Q_OBJECT

private slots:
    void decide_data();
    void decide();
    void outcomeNames();
};

void TestDecision::decide_data()
{
    QTest::addColumn<PresentedState>("state");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<qint64>("graceMs");
    QTest::addColumn<Outcome>("expected");

    // Malformed and Unknown come before anything stored can matter.
    {
        PresentedState s = live();
        s.wellFormed = false;
        QTest::newRow("malformed") << s << now << grace << Outcome::Malformed;
        s.found = false;
        s.familyRevokedAt = now - 1;
        s.userActive = false;
        QTest::newRow("malformed beats everything") << s << now << grace << Outcome::Malformed;
    }
    {
        PresentedState s;
        s.found = false;
        QTest::newRow("unknown") << s << now << grace << Outcome::Unknown;
        s.familyRevokedAt = now - 1;
        s.userActive = false;
        QTest::newRow("unknown ignores unrelated state") << s << now << grace << Outcome::Unknown;
    }

    // An unused token of a revoked family: refused, whatever else holds.
    {
        PresentedState s = live();
        s.familyRevokedAt = now - second;
        QTest::newRow("family revoked, live token") << s << now << grace << Outcome::TokenRevoked;
        s.familyRevokedAt = now;
        QTest::newRow("family revoked this instant") << s << now << grace << Outcome::TokenRevoked;
        s.userActive = false;
        QTest::newRow("family revoked beats user inactive") << s << now << grace << Outcome::TokenRevoked;
        s.revokedAt = now - second; // revoked with its family
        QTest::newRow("token revoked with its family") << s << now << grace << Outcome::TokenRevoked;
        s = live();
        s.familyRevokedAt = now - 1;
        s.expiresAt = now - 1;
        s.familyExpiresAt = now - 1;
        QTest::newRow("family revoked beats expired") << s << now << grace << Outcome::TokenRevoked;
    }

    // A used token is a replay in every state its session or user can be in (invariant 8): the family is revoked
    // (again, harmlessly, if it already was) and the replay is recorded as one.
    {
        PresentedState s = usedWithLiveSuccessor(60 * second);
        s.familyRevokedAt = now - 1;
        s.successorLive = false; // revoked with the family
        QTest::newRow("replay in a revoked family") << s << now << grace << Outcome::Replay;
        s = usedWithLiveSuccessor(60 * second);
        s.userActive = false;
        QTest::newRow("replay of a deactivated user") << s << now << grace << Outcome::Replay;
        s.familyRevokedAt = now - second;
        s.successorLive = false;
        QTest::newRow("replay of a deactivated user, session ended") << s << now << grace << Outcome::Replay;
        s = usedWithLiveSuccessor(60 * second);
        s.familyExpiresAt = now;
        QTest::newRow("replay after the family's lifetime") << s << now << grace << Outcome::Replay;
        s.successorExpiresAt = now - 1;
        s.expiresAt = now - 1;
        QTest::newRow("replay of an idle-expired chain") << s << now << grace << Outcome::Replay;
        s = usedWithLiveSuccessor(60 * second);
        s.userActive = false;
        s.familyRevokedAt = now - second;
        s.familyExpiresAt = now - 1;
        QTest::newRow("replay with every other state bad") << s << now << grace << Outcome::Replay;
        s = usedWithLiveSuccessor(0);
        s.familyRevokedAt = now - 1;
        QTest::newRow("replay in a revoked family, no grace") << s << now << qint64(0) << Outcome::Replay;
    }

    // A concurrent presentation (used within the grace window) in a session that cannot go on is refused for what
    // the session is, never taken for a replay.
    {
        PresentedState s = usedWithLiveSuccessor(second);
        s.familyRevokedAt = now - 1;
        s.successorLive = false;
        QTest::newRow("concurrent with a revocation") << s << now << grace << Outcome::TokenRevoked;
        s = usedWithLiveSuccessor(second);
        s.userActive = false;
        QTest::newRow("concurrent with a deactivation") << s << now << grace << Outcome::UserInactive;
        s = usedWithLiveSuccessor(second);
        s.familyExpiresAt = now;
        QTest::newRow("concurrent with the end of the family's lifetime") << s << now << grace << Outcome::Expired;
        s = usedWithLiveSuccessor(second);
        s.usedAt = now + second; // stamped by a caller whose clock was read after this one's
        s.familyRevokedAt = now + 2;
        s.successorLive = false;
        QTest::newRow("concurrent, used after now, family revoked") << s << now << grace << Outcome::TokenRevoked;
    }

    // An inactive user beats expiry and rotation of an unused token.
    {
        PresentedState s = live();
        s.userActive = false;
        QTest::newRow("user inactive, live token") << s << now << grace << Outcome::UserInactive;
        s.expiresAt = now - 1;
        s.familyExpiresAt = now - 1;
        QTest::newRow("user inactive beats expired") << s << now << grace << Outcome::UserInactive;
    }

    // Idle expiry of the token: expiresAt itself is already expired.
    {
        PresentedState s = live();
        s.expiresAt = now;
        QTest::newRow("idle expiry: now == expiresAt") << s << now << grace << Outcome::Expired;
        s.expiresAt = now + 1;
        QTest::newRow("idle expiry: now == expiresAt - 1") << s << now << grace << Outcome::Rotate;
        s.expiresAt = now - 86400 * second;
        QTest::newRow("idle expiry: long past") << s << now << grace << Outcome::Expired;
    }
    // The family's absolute lifetime, however fresh the token is.
    {
        PresentedState s = live();
        s.familyExpiresAt = now;
        QTest::newRow("family lifetime: now == familyExpiresAt") << s << now << grace << Outcome::Expired;
        s.familyExpiresAt = now + 1;
        QTest::newRow("family lifetime: now == familyExpiresAt - 1") << s << now << grace << Outcome::Rotate;
        s = usedWithLiveSuccessor(second);
        s.familyExpiresAt = now;
        QTest::newRow("family lifetime over: a concurrent use is expired, not grace")
            << s << now << grace << Outcome::Expired;
    }

    // Plain rotation at any generation.
    QTest::newRow("rotate generation 0") << live(0) << now << grace << Outcome::Rotate;
    QTest::newRow("rotate generation 1") << live(1) << now << grace << Outcome::Rotate;
    QTest::newRow("rotate generation n") << live(100000) << now << grace << Outcome::Rotate;
    QTest::newRow("rotate with grace disabled") << live(3) << now << qint64(0) << Outcome::Rotate;
    {
        // A stored successor row does not matter to an unused token.
        PresentedState s = live();
        s.hasSuccessor = true;
        QTest::newRow("rotate ignores successor fields") << s << now << grace << Outcome::Rotate;
    }

    // The grace window: |now - usedAt| < graceMs. Before usedAt too: a caller that read its clock and then waited
    // for the lock the winner held, or whose server's clock is a little behind the winner's.
    QTest::newRow("grace: used this instant") << usedWithLiveSuccessor(0) << now << grace << Outcome::GraceRetry;
    QTest::newRow("grace: inside the window")
        << usedWithLiveSuccessor(5 * second) << now << grace << Outcome::GraceRetry;
    QTest::newRow("grace: graceMs - 1 after use")
        << usedWithLiveSuccessor(grace - 1) << now << grace << Outcome::GraceRetry;
    QTest::newRow("grace: exactly graceMs after use is replay")
        << usedWithLiveSuccessor(grace) << now << grace << Outcome::Replay;
    QTest::newRow("grace: long after use is replay")
        << usedWithLiveSuccessor(3600 * second) << now << grace << Outcome::Replay;
    QTest::newRow("grace disabled: used this instant")
        << usedWithLiveSuccessor(0) << now << qint64(0) << Outcome::Replay;
    QTest::newRow("grace disabled: used 1 ms ago") << usedWithLiveSuccessor(1) << now << qint64(0) << Outcome::Replay;
    QTest::newRow("grace 1 ms: used this instant")
        << usedWithLiveSuccessor(0) << now << qint64(1) << Outcome::GraceRetry;
    QTest::newRow("grace 1 ms: used 1 ms ago") << usedWithLiveSuccessor(1) << now << qint64(1) << Outcome::Replay;
    {
        PresentedState s = usedWithLiveSuccessor(0);
        s.usedAt = now + 1;
        QTest::newRow("grace: used 1 ms after now") << s << now << grace << Outcome::GraceRetry;
        s.usedAt = now + 4;
        QTest::newRow("grace: used 4 ms after now (a lock wait)") << s << now << grace << Outcome::GraceRetry;
        s.usedAt = now + 3 * second;
        QTest::newRow("grace: winner's clock 3 s ahead") << s << now << grace << Outcome::GraceRetry;
        s.usedAt = now + grace - 1;
        QTest::newRow("grace: used graceMs - 1 after now") << s << now << grace << Outcome::GraceRetry;
        s.usedAt = now + grace;
        QTest::newRow("grace cap: used graceMs after now is replay") << s << now << grace << Outcome::Replay;
        s.usedAt = now + 3600 * second;
        QTest::newRow("grace cap: a clock an hour ahead widens nothing") << s << now << grace << Outcome::Replay;
        s.usedAt = now + 1;
        QTest::newRow("grace disabled: used 1 ms after now") << s << now << qint64(0) << Outcome::Replay;
        QTest::newRow("grace 1 ms: used 1 ms after now") << s << now << qint64(1) << Outcome::Replay;
    }
    {
        // Grace at other settings than the default: 1 s and 5 minutes.
        const qint64 fiveMinutes = 300 * second;
        QTest::newRow("grace 1 s: used 999 ms ago")
            << usedWithLiveSuccessor(999) << now << second << Outcome::GraceRetry;
        QTest::newRow("grace 1 s: used 1 s ago") << usedWithLiveSuccessor(second) << now << second << Outcome::Replay;
        QTest::newRow("grace 5 min: used 4 min ago")
            << usedWithLiveSuccessor(240 * second) << now << fiveMinutes << Outcome::GraceRetry;
        QTest::newRow("grace 5 min: used 5 min ago")
            << usedWithLiveSuccessor(fiveMinutes) << now << fiveMinutes << Outcome::Replay;
    }

    // The library's own retry after a lost reply finds the token consumed by its own earlier attempt.
    {
        PresentedState s = usedWithLiveSuccessor(60 * second);
        s.claimedByCaller = true;
        QTest::newRow("own claim, reply lost, grace window over") << s << now << grace << Outcome::Rotate;
        QTest::newRow("own claim, grace disabled") << s << now << qint64(0) << Outcome::Rotate;
        s.familyRevokedAt = now - 1;
        s.successorLive = false;
        QTest::newRow("own claim, family revoked since") << s << now << qint64(0) << Outcome::TokenRevoked;
    }

    // Grace is refused unless the successor is the live, unexpired, derived one.
    {
        PresentedState s = usedWithLiveSuccessor(second);
        s.hasSuccessor = false;
        s.successorLive = false;
        QTest::newRow("grace refused: no successor") << s << now << grace << Outcome::Replay;
    }
    {
        PresentedState s = usedWithLiveSuccessor(second);
        s.successorLive = false; // used (or revoked): the family moved on, so this is a replay of an old generation
        QTest::newRow("grace refused: successor used or revoked") << s << now << grace << Outcome::Replay;
    }
    {
        PresentedState s = usedWithLiveSuccessor(second);
        s.successorExpiresAt = now;
        QTest::newRow("grace refused: successor expires this instant") << s << now << grace << Outcome::Replay;
        s.successorExpiresAt = now + 1;
        QTest::newRow("grace: successor expires 1 ms later") << s << now << grace << Outcome::GraceRetry;
    }
    {
        PresentedState s = usedWithLiveSuccessor(second);
        s.successorMatchesDerived = false;
        QTest::newRow("grace refused: successor not derived from the token") << s << now << grace << Outcome::Replay;
    }
    {
        PresentedState s = usedWithLiveSuccessor(second);
        s.revokedAt = now - 1;
        QTest::newRow("grace refused: presented token revoked") << s << now << grace << Outcome::Replay;
    }
    {
        // Generation 0 used, retried in grace, then generation 1 rotated to 2: presenting 0 again, even still inside
        // its own window, is a replay, because its successor is no longer live.
        PresentedState s = usedWithLiveSuccessor(2 * second);
        s.generation = 0;
        s.successorLive = false;
        QTest::newRow("replay of an old generation after a grace retry") << s << now << grace << Outcome::Replay;
        s.usedAt = now - 60 * second;
        QTest::newRow("replay of an old generation, window over") << s << now << grace << Outcome::Replay;
    }

    // A token revoked on its own (its family still live) is a replay when presented: no one should still hold it.
    {
        PresentedState s = live();
        s.revokedAt = now - second;
        QTest::newRow("revoked token in a live family") << s << now << grace << Outcome::Replay;
        s.revokedAt = now;
        QTest::newRow("revoked token in a live family, this instant") << s << now << grace << Outcome::Replay;
        s.userActive = false;
        QTest::newRow("revoked token in a live family, user inactive") << s << now << grace << Outcome::Replay;
    }
}

void TestDecision::decide()
{
    QFETCH(PresentedState, state);
    QFETCH(qint64, nowMs);
    QFETCH(qint64, graceMs);
    QFETCH(Outcome, expected);
    const Outcome actual = rotor::decide(state, nowMs, graceMs);
    QCOMPARE(QLatin1String(outcomeName(actual)), QLatin1String(outcomeName(expected)));
    QCOMPARE(actual, expected);
}

void TestDecision::outcomeNames()
{
    // Public names (JSON, events): one per outcome, and the event a refused or retried token records is named
    // like its outcome.
    QCOMPARE(QLatin1String(outcomeName(Outcome::Rotate)), QLatin1String("rotated"));
    QCOMPARE(QLatin1String(outcomeName(Outcome::GraceRetry)), QLatin1String(event_kind::graceRetry));
    QCOMPARE(QLatin1String(outcomeName(Outcome::Replay)), QLatin1String(event_kind::replayDetected));
    QCOMPARE(QLatin1String(outcomeName(Outcome::Expired)), QLatin1String(event_kind::tokenExpired));
    QCOMPARE(QLatin1String(outcomeName(Outcome::TokenRevoked)), QLatin1String(event_kind::tokenRevoked));
    QCOMPARE(QLatin1String(outcomeName(Outcome::UserInactive)), QLatin1String(event_kind::userInactive));
    QCOMPARE(QLatin1String(outcomeName(Outcome::Unknown)), QLatin1String(event_kind::tokenUnknown));
    QCOMPARE(QLatin1String(outcomeName(Outcome::Malformed)), QLatin1String("token_malformed"));
}

QTEST_GUILESS_MAIN(TestDecision)
#include "tst_decision.moc"
