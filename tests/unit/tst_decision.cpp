#include "Decision.h"

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

    // A revoked family beats everything else once the token is found.
    {
        PresentedState s = live();
        s.familyRevokedAt = now - second;
        QTest::newRow("family revoked, live token") << s << now << grace << Outcome::FamilyRevoked;
        s.familyRevokedAt = now;
        QTest::newRow("family revoked this instant") << s << now << grace << Outcome::FamilyRevoked;
        s.userActive = false;
        QTest::newRow("family revoked beats user inactive") << s << now << grace << Outcome::FamilyRevoked;
    }
    {
        PresentedState s = usedWithLiveSuccessor(second);
        s.familyRevokedAt = now - 1;
        QTest::newRow("family revoked beats grace") << s << now << grace << Outcome::FamilyRevoked;
        s = usedWithLiveSuccessor(60 * second);
        s.familyRevokedAt = now - 1;
        QTest::newRow("family revoked beats replay") << s << now << grace << Outcome::FamilyRevoked;
        s = live();
        s.familyRevokedAt = now - 1;
        s.expiresAt = now - 1;
        s.familyExpiresAt = now - 1;
        QTest::newRow("family revoked beats expired") << s << now << grace << Outcome::FamilyRevoked;
    }

    // An inactive user beats expiry, replay and rotation.
    {
        PresentedState s = live();
        s.userActive = false;
        QTest::newRow("user inactive, live token") << s << now << grace << Outcome::UserInactive;
        s.expiresAt = now - 1;
        s.familyExpiresAt = now - 1;
        QTest::newRow("user inactive beats expired") << s << now << grace << Outcome::UserInactive;
        s = usedWithLiveSuccessor(60 * second);
        s.userActive = false;
        QTest::newRow("user inactive beats replay") << s << now << grace << Outcome::UserInactive;
        s = usedWithLiveSuccessor(second);
        s.userActive = false;
        QTest::newRow("user inactive beats grace") << s << now << grace << Outcome::UserInactive;
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
        QTest::newRow("family lifetime over: a used token is expired, not grace")
            << s << now << grace << Outcome::Expired;
        s = usedWithLiveSuccessor(60 * second);
        s.familyExpiresAt = now;
        QTest::newRow("family lifetime over: an old token is expired, not replay")
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

    // The grace window is [usedAt, usedAt + graceMs).
    QTest::newRow("grace: used this instant") << usedWithLiveSuccessor(0) << now << grace << Outcome::GraceReplay;
    QTest::newRow("grace: inside the window")
        << usedWithLiveSuccessor(5 * second) << now << grace << Outcome::GraceReplay;
    QTest::newRow("grace: graceMs - 1 after use")
        << usedWithLiveSuccessor(grace - 1) << now << grace << Outcome::GraceReplay;
    QTest::newRow("grace: exactly graceMs after use is replay")
        << usedWithLiveSuccessor(grace) << now << grace << Outcome::Replay;
    QTest::newRow("grace: long after use is replay")
        << usedWithLiveSuccessor(3600 * second) << now << grace << Outcome::Replay;
    QTest::newRow("grace disabled: used this instant")
        << usedWithLiveSuccessor(0) << now << qint64(0) << Outcome::Replay;
    QTest::newRow("grace disabled: used 1 ms ago") << usedWithLiveSuccessor(1) << now << qint64(0) << Outcome::Replay;
    QTest::newRow("grace 1 ms: used this instant")
        << usedWithLiveSuccessor(0) << now << qint64(1) << Outcome::GraceReplay;
    QTest::newRow("grace 1 ms: used 1 ms ago") << usedWithLiveSuccessor(1) << now << qint64(1) << Outcome::Replay;
    {
        // A use stamped after now (another server's clock ahead) is not "inside" the window.
        PresentedState s = usedWithLiveSuccessor(0);
        s.usedAt = now + 1;
        QTest::newRow("grace: usedAt in the future is replay") << s << now << grace << Outcome::Replay;
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
        QTest::newRow("grace: successor expires 1 ms later") << s << now << grace << Outcome::GraceReplay;
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

    // A token revoked on its own (its family still live) is a replay when presented.
    {
        PresentedState s = live();
        s.revokedAt = now - second;
        QTest::newRow("revoked token in a live family") << s << now << grace << Outcome::Replay;
        s.revokedAt = now;
        QTest::newRow("revoked token in a live family, this instant") << s << now << grace << Outcome::Replay;
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
    QCOMPARE(QLatin1String(outcomeName(Outcome::Rotate)), QLatin1String("rotate"));
    QCOMPARE(QLatin1String(outcomeName(Outcome::GraceReplay)), QLatin1String("grace_replay"));
    QCOMPARE(QLatin1String(outcomeName(Outcome::Replay)), QLatin1String("replay"));
    QCOMPARE(QLatin1String(outcomeName(Outcome::Expired)), QLatin1String("expired"));
    QCOMPARE(QLatin1String(outcomeName(Outcome::FamilyRevoked)), QLatin1String("family_revoked"));
    QCOMPARE(QLatin1String(outcomeName(Outcome::UserInactive)), QLatin1String("user_inactive"));
    QCOMPARE(QLatin1String(outcomeName(Outcome::Unknown)), QLatin1String("unknown"));
    QCOMPARE(QLatin1String(outcomeName(Outcome::Malformed)), QLatin1String("malformed"));
}

QTEST_GUILESS_MAIN(TestDecision)
#include "tst_decision.moc"
