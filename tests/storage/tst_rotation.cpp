// Sign-in and refresh against a real database: every outcome of decide(), its boundaries, and what is stored.
// Every storage outcome is compared with rotor::decide() on the state read (with the test's own SQL) just before:
// on PostgreSQL the hot path is a single SQL statement, so this proves the SQL and the function agree.
#include "Crypto.h"
#include "Invariants.h"
#include "Jwt.h"
#include "RefreshToken.h"
#include "SecurityEvent.h"
#include "StorageSuite.h"
#include "TestSupport.h"

#include <QSqlQuery>
#include <QtTest>

using namespace rotor;
using namespace rotor::test;

namespace {
constexpr qint64 second = Policy::second;
constexpr qint64 day = Policy::day;
} // namespace

// A helper that used QVERIFY/QCOMPARE leaves the test on failure too.
#define CHECKED(call)                                                                                                  \
    call;                                                                                                              \
    if (QTest::currentTestFailed())                                                                                    \
    return

class TestRotation : public StorageSuite
{
    Q_OBJECT

private:
    void login(const QString &name, LoginResult *result)
    {
        QString error;
        if (count(*m_fx->db, QStringLiteral("SELECT count(*) FROM users WHERE email = ?"),
                  {QString(name + QStringLiteral("@example.org"))})
            == 0)
            QVERIFY2(m_fx->addUser(name + QStringLiteral("@example.org"), &error) > 0, qPrintable(error));
        *result = m_fx->rotation->login(name + QStringLiteral("@example.org"), StorageFixture::device(name));
        QVERIFY2(result->ok(), qPrintable(result->error));
    }

    // Refreshes and proves the outcome is the one decide() gives for the state stored just before.
    void refresh(const QByteArray &token, const DeviceInfo &device, RefreshResult *result)
    {
        PresentedState state;
        QString error;
        QVERIFY2(readPresentedState(*m_fx->db, token, m_fx->keys, &state, &error), qPrintable(error));
        const Outcome expected = decide(state, m_fx->clock.nowMs(), m_fx->policy.graceMs);
        *result = m_fx->rotation->refresh(token, device);
        QVERIFY2(!result->storageFailed, qPrintable(result->error));
        QCOMPARE(outcomeName(result->outcome), outcomeName(expected));
        const bool issued = result->outcome == Outcome::Rotate || result->outcome == Outcome::GraceRetry;
        QCOMPARE(result->ok(), issued);
        QCOMPARE(result->tokens.refreshToken.isEmpty(), !issued);
        QCOMPARE(result->error.isEmpty(), issued);
    }

    void setPolicy(const Policy &policy)
    {
        m_fx->policy = policy;
        m_fx->rotation = std::make_unique<RotationService>(*m_fx->db, m_fx->keys, m_fx->clock, policy);
    }

    qint64 tokenCount() { return count(*m_fx->db, QStringLiteral("SELECT count(*) FROM refresh_tokens")); }

private slots:
    void loginThenRefreshChain()
    {
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("alice"), &signedIn));
        QCOMPARE(signedIn.tokens.generation, 0);
        QByteArray token = signedIn.tokens.refreshToken;
        for (int generation = 1; generation <= 20; ++generation) {
            m_fx->clock.advanceMs(60 * second);
            RefreshResult result;
            CHECKED(refresh(token, StorageFixture::device(QStringLiteral("alice")), &result));
            QCOMPARE(result.outcome, Outcome::Rotate);
            QCOMPARE(result.tokens.generation, generation);
            QCOMPARE(result.tokens.familyId, signedIn.tokens.familyId);
            QCOMPARE(result.tokens.userId, signedIn.tokens.userId);
            QVERIFY(result.tokens.refreshToken != token);
            token = result.tokens.refreshToken;
        }
        const qint64 family = signedIn.tokens.familyId;
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ?"), {family}),
                 21);
        QCOMPARE(scalar(*m_fx->db,
                        QStringLiteral("SELECT token_hash FROM refresh_tokens WHERE family_id = ? AND used_at IS NULL "
                                       "AND revoked_at IS NULL"),
                        {family})
                     .toByteArray(),
                 crypto::sha256(token));
        QCOMPARE(
            count(*m_fx->db, QStringLiteral("SELECT current_generation FROM token_families WHERE id = ?"), {family}),
            20);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM security_events")), 0);
    }

    void rotateIssuesNextGeneration()
    {
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("bob"), &signedIn));
        const QByteArray t0 = signedIn.tokens.refreshToken;
        m_fx->clock.advanceMs(5 * second);
        const qint64 now = m_fx->clock.nowMs();
        const DeviceInfo laptop = StorageFixture::device(QStringLiteral("bob-elsewhere"));
        RefreshResult result;
        CHECKED(refresh(t0, laptop, &result));
        QCOMPARE(result.outcome, Outcome::Rotate);
        QCOMPARE(result.tokens.generation, 1);
        // The successor is derived from its parent: re-deriving it gives the very same bytes.
        QCOMPARE(result.tokens.refreshToken, refresh_token::successorOf(t0, m_fx->keys.rotationKey()));
        QCOMPARE(refresh_token::parse(result.tokens.refreshToken), refresh_token::ParseError::None);

        QList<QVariantList> rows;
        QString error;
        QVERIFY2(queryRows(*m_fx->db,
                           QStringLiteral("SELECT s.generation, s.issued_at, s.expires_at, s.ip, s.user_agent, "
                                          "s.used_at IS NULL, s.revoked_at IS NULL, p.used_at, p.generation "
                                          "FROM refresh_tokens s JOIN refresh_tokens p ON p.id = s.parent_id "
                                          "WHERE s.token_hash = ? AND p.token_hash = ?"),
                           {crypto::sha256(result.tokens.refreshToken), crypto::sha256(t0)}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 1);
        const QVariantList &row = rows.first();
        QCOMPARE(row.at(0).toInt(), 1);
        QCOMPARE(row.at(1).toLongLong(), now);
        QCOMPARE(row.at(2).toLongLong(), now + m_fx->policy.refreshIdleTtlMs);
        QCOMPARE(result.tokens.refreshExpiresAt, now + m_fx->policy.refreshIdleTtlMs);
        QCOMPARE(row.at(3).toString(), laptop.ip);
        QCOMPARE(row.at(4).toString(), laptop.userAgent);
        QVERIFY(row.at(5).toBool());
        QVERIFY(row.at(6).toBool());
        QCOMPARE(row.at(7).toLongLong(), now);
        QCOMPARE(row.at(8).toInt(), 0);

        QVERIFY2(queryRows(*m_fx->db,
                           QStringLiteral("SELECT f.current_generation, f.last_used_at, f.idle_expires_at, "
                                          "d.last_seen_at, d.last_ip FROM token_families f "
                                          "JOIN devices d ON d.id = f.device_id WHERE f.id = ?"),
                           {signedIn.tokens.familyId}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().at(0).toInt(), 1);
        QCOMPARE(rows.first().at(1).toLongLong(), now);
        QCOMPARE(rows.first().at(2).toLongLong(), now + m_fx->policy.refreshIdleTtlMs);
        QCOMPARE(rows.first().at(3).toLongLong(), now);
        QCOMPARE(rows.first().at(4).toString(), laptop.ip);
        // A plain rotation records nothing else.
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM security_events")), 0);

        // The access token is a JWT for this user, session and token version.
        AccessClaims claims;
        QVERIFY2(jwt::verifyHs256(result.tokens.accessToken, m_fx->keys.accessKey(), &claims, &error),
                 qPrintable(error));
        QCOMPARE(claims.subject, QString::number(signedIn.tokens.userId));
        QCOMPARE(claims.sessionId, QString::number(signedIn.tokens.familyId));
        QCOMPARE(
            claims.version,
            count(*m_fx->db, QStringLiteral("SELECT token_version FROM users WHERE id = ?"), {signedIn.tokens.userId}));
        QCOMPARE(claims.issuedAt, now / 1000);
        QCOMPARE(claims.expiresAt, (now + m_fx->policy.accessTtlMs) / 1000);
    }

    void graceReplayReturnsSameSuccessor()
    {
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("carol"), &signedIn));
        const QByteArray t0 = signedIn.tokens.refreshToken;
        m_fx->clock.advanceMs(second);
        RefreshResult first;
        CHECKED(refresh(t0, StorageFixture::device(QStringLiteral("carol")), &first));
        QCOMPARE(first.outcome, Outcome::Rotate);
        const qint64 tokens = tokenCount();

        m_fx->clock.advanceMs(m_fx->policy.graceMs - 1); // the last instant of the window
        RefreshResult retry;
        CHECKED(refresh(t0, StorageFixture::device(QStringLiteral("carol-tab2")), &retry));
        QCOMPARE(retry.outcome, Outcome::GraceRetry);
        QCOMPARE(retry.tokens.refreshToken, first.tokens.refreshToken);
        QCOMPARE(retry.tokens.generation, 1);
        QCOMPARE(retry.tokens.refreshExpiresAt, first.tokens.refreshExpiresAt);
        QVERIFY(!retry.tokens.accessToken.isEmpty());
        QVERIFY(retry.tokens.accessToken != first.tokens.accessToken);
        QCOMPARE(tokenCount(), tokens);
        QVERIFY(retry.eventId > 0);
        QList<QVariantList> rows;
        QString error;
        QVERIFY2(queryRows(*m_fx->db,
                           QStringLiteral("SELECT kind, family_id, presented_generation, current_generation, ip "
                                          "FROM security_events"),
                           {}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().at(0).toString(), QString::fromLatin1(event_kind::graceRetry));
        QCOMPARE(rows.first().at(1).toLongLong(), signedIn.tokens.familyId);
        QCOMPARE(rows.first().at(2).toInt(), 0);
        QCOMPARE(rows.first().at(3).toInt(), 1);
        QCOMPARE(rows.first().at(4).toString(), StorageFixture::device(QStringLiteral("carol-tab2")).ip);

        // The successor handed out twice is still the family's one live token.
        RefreshResult next;
        CHECKED(refresh(retry.tokens.refreshToken, StorageFixture::device(QStringLiteral("carol")), &next));
        QCOMPARE(next.outcome, Outcome::Rotate);
        QCOMPARE(next.tokens.generation, 2);
    }

    void replayRevokesFamily_data()
    {
        QTest::addColumn<int>("rotations"); // how far the chain moves before the replay
        QTest::addColumn<bool>("graceRetryFirst");
        QTest::addColumn<qint64>("delay"); // after the last rotation
        QTest::addColumn<int>("currentGeneration");
        QTest::newRow("after the grace window") << 1 << false << qint64(10 * second) << 1;
        QTest::newRow("an old generation, inside the window") << 3 << false << qint64(second) << 3;
        QTest::newRow("after a grace retry") << 1 << true << qint64(10 * second) << 1;
        QTest::newRow("long after") << 2 << false << qint64(20 * day) << 2;
    }

    void replayRevokesFamily()
    {
        QFETCH(int, rotations);
        QFETCH(bool, graceRetryFirst);
        QFETCH(qint64, delay);
        QFETCH(int, currentGeneration);

        QString error;
        // Opened before the replay: what it reads afterwards was committed, not merely written.
        std::unique_ptr<Database> observer = m_fx->openAnother(&error);
        QVERIFY2(observer, qPrintable(error));

        LoginResult signedIn;
        CHECKED(login(QStringLiteral("dave"), &signedIn));
        const QByteArray t0 = signedIn.tokens.refreshToken;
        const DeviceInfo owner = StorageFixture::device(QStringLiteral("dave-phone"));
        const DeviceInfo thief = StorageFixture::device(QStringLiteral("mallory"));
        QByteArray live = t0;
        for (int i = 0; i < rotations; ++i) {
            m_fx->clock.advanceMs(second);
            RefreshResult result;
            CHECKED(refresh(live, i == 0 ? owner : StorageFixture::device(QStringLiteral("dave")), &result));
            QCOMPARE(result.outcome, Outcome::Rotate);
            live = result.tokens.refreshToken;
        }
        if (graceRetryFirst) {
            m_fx->clock.advanceMs(second);
            RefreshResult retry;
            CHECKED(refresh(t0, StorageFixture::device(QStringLiteral("dave-tab")), &retry));
            QCOMPARE(retry.outcome, Outcome::GraceRetry);
        }
        m_fx->clock.advanceMs(delay);
        const qint64 now = m_fx->clock.nowMs();
        const qint64 tokens = tokenCount();
        RefreshResult replay;
        CHECKED(refresh(t0, thief, &replay));
        QCOMPARE(replay.outcome, Outcome::Replay);
        QVERIFY(replay.eventId > 0);
        QVERIFY(replay.error.contains(QLatin1String("replay")));
        QCOMPARE(tokenCount(), tokens);

        QList<QVariantList> rows;
        QVERIFY2(queryRows(*observer,
                           QStringLiteral("SELECT kind, occurred_at, family_id, presented_generation, "
                                          "current_generation, ip, user_agent, original_ip, original_user_agent "
                                          "FROM security_events WHERE id = ?"),
                           {replay.eventId}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 1);
        const QVariantList &event = rows.first();
        QCOMPARE(event.at(0).toString(), QString::fromLatin1(event_kind::replayDetected));
        QCOMPARE(event.at(1).toLongLong(), now);
        QCOMPARE(event.at(2).toLongLong(), signedIn.tokens.familyId);
        QCOMPARE(event.at(3).toInt(), 0);
        QCOMPARE(event.at(4).toInt(), currentGeneration);
        QCOMPARE(event.at(5).toString(), thief.ip);
        QCOMPARE(event.at(6).toString(), thief.userAgent);
        // The other side: the request that first used the replayed token (and so produced its successor).
        QCOMPARE(event.at(7).toString(), owner.ip);
        QCOMPARE(event.at(8).toString(), owner.userAgent);

        QVERIFY2(queryRows(*observer,
                           QStringLiteral("SELECT revoked_at, revoke_reason FROM token_families WHERE id = ?"),
                           {signedIn.tokens.familyId}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.first().at(0).toLongLong(), now);
        QCOMPARE(rows.first().at(1).toString(), QStringLiteral("replay"));
        QCOMPARE(count(*observer,
                       QStringLiteral("SELECT count(*) FROM refresh_tokens WHERE family_id = ? AND used_at IS NULL "
                                      "AND revoked_at IS NULL"),
                       {signedIn.tokens.familyId}),
                 0);

        // The legitimate holder's token dies with the family.
        m_fx->clock.advanceMs(second);
        RefreshResult after;
        CHECKED(refresh(live, owner, &after));
        QCOMPARE(after.outcome, Outcome::TokenRevoked);
    }

    // The verdict is judged from the evidence and stored with the event, with the rule's version; the result and
    // the explanation say the same.
    void replayVerdictIsStored_data()
    {
        QTest::addColumn<QString>("presenter");
        QTest::addColumn<qint64>("delay");
        QTest::addColumn<QString>("verdict");
        QTest::newRow("the owner's own late retry")
            << QStringLiteral("erin") << qint64(15 * second) << QStringLiteral("same_client");
        QTest::newRow("another device") << QStringLiteral("mallory") << qint64(15 * second)
                                        << QStringLiteral("second_party");
        QTest::newRow("the owner's program, hours later")
            << QStringLiteral("erin") << qint64(3 * Policy::hour) << QStringLiteral("second_party");
    }

    void replayVerdictIsStored()
    {
        QFETCH(QString, presenter);
        QFETCH(qint64, delay);
        QFETCH(QString, verdict);
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("erin"), &signedIn));
        const DeviceInfo owner = StorageFixture::device(QStringLiteral("erin"));
        m_fx->clock.advanceMs(second);
        RefreshResult rotated;
        CHECKED(refresh(signedIn.tokens.refreshToken, owner, &rotated));
        QCOMPARE(rotated.outcome, Outcome::Rotate);
        QCOMPARE(rotated.judgement.reason, Reason::Live);
        QVERIFY2(rotated.explanation().contains(QLatin1String("generation 1 issued")),
                 qPrintable(rotated.explanation()));

        m_fx->clock.advanceMs(delay);
        RefreshResult replay;
        CHECKED(refresh(signedIn.tokens.refreshToken, StorageFixture::device(presenter), &replay));
        QCOMPARE(replay.outcome, Outcome::Replay);
        QCOMPARE(replay.judgement.reason, Reason::UsedOutsideGrace);
        QVERIFY2(replay.explanation().contains(QLatin1String("outside the 10 s grace window")),
                 qPrintable(replay.explanation()));
        QVERIFY(replay.verdict);
        QCOMPARE(QString::fromLatin1(verdictName(replay.verdict->verdict)), verdict);

        QList<QVariantList> rows;
        QString error;
        QVERIFY2(queryRows(*m_fx->db,
                           QStringLiteral("SELECT verdict, verdict_rule, verdict_reason FROM security_events "
                                          "WHERE id = ?"),
                           {replay.eventId}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().at(0).toString(), verdict);
        QCOMPARE(rows.first().at(1).toInt(), replayVerdictRule);
        QCOMPARE(rows.first().at(2).toString(), replay.verdict->reason);
        // Only replays carry a verdict.
        QCOMPARE(count(*m_fx->db,
                       QStringLiteral("SELECT count(*) FROM security_events WHERE verdict IS NOT NULL "
                                      "AND kind <> 'replay_detected'")),
                 0);
    }

    // Replays recorded before schema version 5 get their verdict from the same rule when the schema is upgraded.
    void olderReplaysGetVerdictsOnUpgrade()
    {
        ScratchDatabase scratch;
        QString error;
        QVERIFY2(scratch.create(&error), qPrintable(error));
        const qint64 t = StorageFixture::startMs;
        {
            std::unique_ptr<Database> old = openDatabase(scratch.spec(), &error, 4);
            QVERIFY2(old, qPrintable(error));
            QCOMPARE(old->schemaVersion(), 4);
            QList<QVariantList> rows;
            const QList<QPair<QString, QVariantList>> statements {
                {QStringLiteral("INSERT INTO users (id, email, created_at) VALUES (1, 'old@example.org', ?)"), {t}},
                {QStringLiteral("INSERT INTO devices (id, user_id, device_key, first_seen_at, last_seen_at) "
                                "VALUES (1, 1, 'laptop-1', ?, ?)"),
                 {t, t}},
                {QStringLiteral("INSERT INTO token_families (id, user_id, device_id, created_at, expires_at, "
                                "idle_expires_at, last_used_at, current_generation, revoked_at, revoke_reason) "
                                "VALUES (1, 1, 1, ?, ?, ?, ?, 1, ?, 'replay')"),
                 {t, t + day, t + day, t, t + 20 * second}},
                {QStringLiteral("INSERT INTO refresh_tokens (id, family_id, generation, token_hash, issued_at, "
                                "expires_at, used_at) VALUES (1, 1, 0, ?, ?, ?, ?)"),
                 {QByteArray(32, 'a'), t, t + day, t + second}},
                {QStringLiteral("INSERT INTO refresh_tokens (id, family_id, parent_id, generation, token_hash, "
                                "issued_at, expires_at, revoked_at, ip, user_agent) VALUES (2, 1, 1, 1, ?, ?, ?, ?, "
                                "'10.0.0.1', 'App/1')"),
                 {QByteArray(32, 'b'), t + second, t + day, t + 20 * second}},
                // The owner's own late retry, 19 s after the use, and a thief's copy of the same generation.
                {QStringLiteral("INSERT INTO security_events (id, kind, occurred_at, user_id, family_id, device_id, "
                                "presented_generation, current_generation, ip, user_agent, device_key, original_ip, "
                                "original_user_agent) VALUES (1, 'replay_detected', ?, 1, 1, 1, 0, 1, '10.0.0.1', "
                                "'App/1', 'laptop-1', '10.0.0.1', 'App/1')"),
                 {t + 20 * second}},
                {QStringLiteral("INSERT INTO security_events (id, kind, occurred_at, user_id, family_id, device_id, "
                                "presented_generation, current_generation, ip, user_agent, device_key, original_ip, "
                                "original_user_agent) VALUES (2, 'replay_detected', ?, 1, 1, 1, 0, 1, '192.0.2.66', "
                                "'curl/8', 'stolen', '10.0.0.1', 'App/1')"),
                 {t + 20 * second}},
                {QStringLiteral(
                     "INSERT INTO security_events (id, kind, occurred_at, ip) VALUES (3, 'token_unknown', ?, "
                     "'192.0.2.66')"),
                 {t}}};
            for (const auto &[sql, args] : statements)
                QVERIFY2(queryRows(*old, sql, args, &rows, &error), qPrintable(error));
        }
        std::unique_ptr<Database> upgraded = openDatabase(scratch.spec(), &error);
        QVERIFY2(upgraded, qPrintable(error));
        QCOMPARE(upgraded->schemaVersion(), Database::latestSchemaVersion());
        QList<QVariantList> rows;
        QVERIFY2(queryRows(*upgraded,
                           QStringLiteral("SELECT id, verdict, verdict_rule, verdict_reason FROM security_events "
                                          "ORDER BY id"),
                           {}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(0).at(1).toString(), QStringLiteral("same_client"));
        QCOMPARE(rows.at(0).at(2).toInt(), replayVerdictRule);
        QVERIFY2(rows.at(0).at(3).toString().contains(QLatin1String("19 s after")),
                 qPrintable(rows.at(0).at(3).toString()));
        QCOMPARE(rows.at(1).at(1).toString(), QStringLiteral("second_party"));
        QVERIFY(rows.at(1).at(3).toString().contains(QLatin1String("stolen")));
        QVERIFY(rows.at(2).at(1).isNull());
        QVERIFY(rows.at(2).at(2).isNull());
    }

    void boundaries_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<qint64>("offset"); // from the boundary instant
        QTest::addColumn<qint64>("graceMs");
        QTest::addColumn<Outcome>("expected");
        const qint64 standard = Policy().graceMs;
        QTest::newRow("idle expiry - 1 ms") << QStringLiteral("idle") << qint64(-1) << standard << Outcome::Rotate;
        QTest::newRow("idle expiry, exactly") << QStringLiteral("idle") << qint64(0) << standard << Outcome::Expired;
        QTest::newRow("idle expiry + 1 ms") << QStringLiteral("idle") << qint64(1) << standard << Outcome::Expired;
        QTest::newRow("family lifetime - 1 ms")
            << QStringLiteral("lifetime") << qint64(-1) << standard << Outcome::Rotate;
        QTest::newRow("family lifetime, exactly")
            << QStringLiteral("lifetime") << qint64(0) << standard << Outcome::Expired;
        // The grace window at several settings, after the use and (a caller whose clock reads earlier) before it.
        for (const qint64 grace : {qint64(second), standard, qint64(5 * Policy::minute)}) {
            const QByteArray name = Policy::formatDuration(grace).toLatin1();
            QTest::addRow("grace %s: end - 1 ms", name.constData())
                << QStringLiteral("grace") << qint64(-1) << grace << Outcome::GraceRetry;
            QTest::addRow("grace %s: end, exactly", name.constData())
                << QStringLiteral("grace") << qint64(0) << grace << Outcome::Replay;
            QTest::addRow("grace %s: before the use, start + 1 ms", name.constData())
                << QStringLiteral("grace-before") << qint64(1) << grace << Outcome::GraceRetry;
            QTest::addRow("grace %s: before the use, start", name.constData())
                << QStringLiteral("grace-before") << qint64(0) << grace << Outcome::Replay;
        }
        QTest::newRow("grace disabled") << QStringLiteral("grace") << qint64(-second + 1) << qint64(0)
                                        << Outcome::Replay;
        QTest::newRow("grace disabled, the same instant")
            << QStringLiteral("grace-before") << qint64(0) << qint64(0) << Outcome::Replay;
    }

    void boundaries()
    {
        QFETCH(QString, scenario);
        QFETCH(qint64, offset);
        QFETCH(qint64, graceMs);
        QFETCH(Outcome, expected);
        Policy policy;
        policy.graceMs = graceMs;
        setPolicy(policy);
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("erin"), &signedIn));
        const DeviceInfo device = StorageFixture::device(QStringLiteral("erin"));
        const qint64 loginAt = m_fx->clock.nowMs();
        QByteArray token = signedIn.tokens.refreshToken;
        qint64 boundary = 0;
        if (scenario == QLatin1String("idle")) {
            boundary = signedIn.tokens.refreshExpiresAt;
            QCOMPARE(boundary, loginAt + m_fx->policy.refreshIdleTtlMs);
        } else if (scenario == QLatin1String("lifetime")) {
            // Refresh often enough that idle expiry never strikes: the family's absolute end does.
            for (int step = 1; step <= 3; ++step) {
                m_fx->clock.setNowMs(loginAt + step * 29 * day);
                RefreshResult result;
                CHECKED(refresh(token, device, &result));
                QCOMPARE(result.outcome, Outcome::Rotate);
                token = result.tokens.refreshToken;
            }
            boundary = loginAt + m_fx->policy.familyLifetimeMs;
            QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT expires_at FROM refresh_tokens WHERE token_hash = ?"),
                            {crypto::sha256(token)})
                         .toLongLong(),
                     boundary); // the last token is capped at the family's end
        } else {
            m_fx->clock.advanceMs(second);
            RefreshResult result;
            CHECKED(refresh(token, device, &result));
            QCOMPARE(result.outcome, Outcome::Rotate);
            // After the use the window ends at usedAt + grace; before it, it starts at usedAt - grace.
            boundary = scenario == QLatin1String("grace") ? m_fx->clock.nowMs() + m_fx->policy.graceMs
                                                          : m_fx->clock.nowMs() - m_fx->policy.graceMs;
        }
        m_fx->clock.setNowMs(boundary + offset);
        RefreshResult result;
        CHECKED(refresh(token, StorageFixture::device(QStringLiteral("erin-other")), &result));
        QCOMPARE(outcomeName(result.outcome), outcomeName(expected));
        if (expected == Outcome::Expired) {
            QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM security_events WHERE kind = ?"),
                           {QString::fromLatin1(event_kind::tokenExpired)}),
                     1);
            // Expiry refuses the token; it is not an attack, so the family is not revoked.
            QVERIFY(scalar(*m_fx->db, QStringLiteral("SELECT revoked_at FROM token_families WHERE id = ?"),
                           {signedIn.tokens.familyId})
                        .isNull());
        }
        if (expected == Outcome::Rotate && scenario == QLatin1String("lifetime"))
            QCOMPARE(result.tokens.refreshExpiresAt, boundary); // never beyond the family's end
    }

    void familyRevokedAfterAdminRevoke()
    {
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("frank"), &signedIn));
        m_fx->clock.advanceMs(second);
        RefreshResult rotated;
        CHECKED(refresh(signedIn.tokens.refreshToken, StorageFixture::device(QStringLiteral("frank")), &rotated));
        QString error;
        QVERIFY2(m_fx->admin->revokeFamily(signedIn.tokens.familyId, QStringLiteral("lost phone"), &error),
                 qPrintable(error));
        for (const QByteArray &token : {rotated.tokens.refreshToken, signedIn.tokens.refreshToken}) {
            m_fx->clock.advanceMs(second);
            RefreshResult result;
            CHECKED(refresh(token, StorageFixture::device(QStringLiteral("frank")), &result));
            QCOMPARE(result.outcome, Outcome::TokenRevoked);
            QVERIFY(result.eventId > 0);
            QCOMPARE(
                scalar(*m_fx->db, QStringLiteral("SELECT kind FROM security_events WHERE id = ?"), {result.eventId})
                    .toString(),
                QString::fromLatin1(event_kind::tokenRevoked));
        }
    }

    void deactivationEndsSessions()
    {
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("grace"), &signedIn));
        QString error;
        int revoked = -1;
        QVERIFY2(m_fx->admin->setUserActive(signedIn.tokens.userId, false, QStringLiteral("left"), &error, &revoked),
                 qPrintable(error));
        QCOMPARE(revoked, 1);
        QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT revoke_reason FROM token_families WHERE id = ?"),
                        {signedIn.tokens.familyId})
                     .toString(),
                 QString::fromLatin1(revoke_reason::userDeactivated));
        m_fx->clock.advanceMs(second);
        RefreshResult result;
        CHECKED(refresh(signedIn.tokens.refreshToken, StorageFixture::device(QStringLiteral("grace")), &result));
        QCOMPARE(result.outcome, Outcome::TokenRevoked);
        QCOMPARE(tokenCount(), 1);
        // Sign-in is refused too, and recorded.
        const LoginResult refused = m_fx->rotation->login(QStringLiteral("grace@example.org"),
                                                          StorageFixture::device(QStringLiteral("grace")));
        QCOMPARE(refused.status, LoginResult::Status::UserInactive);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM security_events WHERE kind = ? AND user_id = ?"),
                       {QString::fromLatin1(event_kind::userInactive), signedIn.tokens.userId}),
                 1);
        // Reactivation restores no session: the old token stays dead, a new sign-in works.
        QVERIFY2(m_fx->admin->setUserActive(signedIn.tokens.userId, true, QStringLiteral("back"), &error),
                 qPrintable(error));
        RefreshResult again;
        CHECKED(refresh(signedIn.tokens.refreshToken, StorageFixture::device(QStringLiteral("grace")), &again));
        QCOMPARE(again.outcome, Outcome::TokenRevoked);
        LoginResult back;
        CHECKED(login(QStringLiteral("grace"), &back));
    }

    void inactiveUserWithLiveSession()
    {
        // A user flagged inactive whose session is still live (a database an older Rotor deactivated): refused,
        // nothing revoked, and the session works again once the user is active.
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("ivan"), &signedIn));
        QString error;
        QVERIFY2(execOn(m_fx->scratch.spec(),
                        {QStringLiteral("UPDATE users SET active = %1 WHERE id = %2")
                             .arg(m_fx->db->isPostgres() ? QStringLiteral("false") : QStringLiteral("0"))
                             .arg(signedIn.tokens.userId)},
                        &error),
                 qPrintable(error));
        m_fx->clock.advanceMs(second);
        RefreshResult result;
        CHECKED(refresh(signedIn.tokens.refreshToken, StorageFixture::device(QStringLiteral("ivan")), &result));
        QCOMPARE(result.outcome, Outcome::UserInactive);
        QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT kind FROM security_events WHERE id = ?"), {result.eventId})
                     .toString(),
                 QString::fromLatin1(event_kind::userInactive));
        QCOMPARE(tokenCount(), 1);
        QVERIFY2(execOn(m_fx->scratch.spec(),
                        {QStringLiteral("UPDATE users SET active = %1 WHERE id = %2")
                             .arg(m_fx->db->isPostgres() ? QStringLiteral("true") : QStringLiteral("1"))
                             .arg(signedIn.tokens.userId)},
                        &error),
                 qPrintable(error));
        RefreshResult again;
        CHECKED(refresh(signedIn.tokens.refreshToken, StorageFixture::device(QStringLiteral("ivan")), &again));
        QCOMPARE(again.outcome, Outcome::Rotate);
    }

    // The story from the field: a thief rotates the stolen token, the user is deactivated, the victim presents the
    // old token. It is a replay and is recorded as one, whether deactivation already ended the session or the user
    // was only flagged inactive; after reactivation the thief's token is dead.
    void replayOfDeactivatedUserIsCaught_data()
    {
        QTest::addColumn<bool>("throughAdmin");
        QTest::newRow("deactivated by an administrator") << true;
        QTest::newRow("flagged inactive, session left live") << false;
    }

    void replayOfDeactivatedUserIsCaught()
    {
        QFETCH(bool, throughAdmin);
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("victor"), &signedIn));
        const QByteArray stolen = signedIn.tokens.refreshToken;
        m_fx->clock.advanceMs(60 * second);
        RefreshResult thief;
        CHECKED(refresh(stolen, StorageFixture::device(QStringLiteral("thief")), &thief));
        QCOMPARE(thief.outcome, Outcome::Rotate);
        QString error;
        const auto setActive = [&](bool active) {
            if (throughAdmin)
                return m_fx->admin->setUserActive(signedIn.tokens.userId, active, QStringLiteral("suspicious"), &error);
            const QString value = m_fx->db->isPostgres() ? (active ? QStringLiteral("true") : QStringLiteral("false"))
                                                         : (active ? QStringLiteral("1") : QStringLiteral("0"));
            return execOn(
                m_fx->scratch.spec(),
                {QStringLiteral("UPDATE users SET active = %1 WHERE id = %2").arg(value).arg(signedIn.tokens.userId)},
                &error);
        };
        QVERIFY2(setActive(false), qPrintable(error));
        m_fx->clock.advanceMs(60 * second);
        RefreshResult victim;
        CHECKED(refresh(stolen, StorageFixture::device(QStringLiteral("victor")), &victim));
        QCOMPARE(victim.outcome, Outcome::Replay);
        QCOMPARE(scalar(*m_fx->db, QStringLiteral("SELECT kind FROM security_events WHERE id = ?"), {victim.eventId})
                     .toString(),
                 QString::fromLatin1(event_kind::replayDetected));
        const QVariant revokedAt
            = scalar(*m_fx->db, QStringLiteral("SELECT revoked_at FROM token_families WHERE id = ?"),
                     {signedIn.tokens.familyId});
        QVERIFY(!revokedAt.isNull());
        QVERIFY2(setActive(true), qPrintable(error));
        m_fx->clock.advanceMs(60 * second);
        RefreshResult later;
        CHECKED(refresh(thief.tokens.refreshToken, StorageFixture::device(QStringLiteral("thief")), &later));
        QCOMPARE(later.outcome, Outcome::TokenRevoked);
    }

    // A read that fails half-way is a failure, never "no more rows".
    void failedReadIsNotTheEnd()
    {
        if (m_fx->db->isPostgres())
            QSKIP("Qt's PostgreSQL driver reads a whole result in exec(): a failed read fails there (storage tests "
                  "below)");
        QString error;
        static const char sql[] = "SELECT CASE WHEN x = 2 THEN abs(-9223372036854775807 - 1) ELSE x END FROM "
                                  "(SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3)";
        QSqlQuery *query = m_fx->db->run(sql, {}, &error);
        QVERIFY2(query, qPrintable(error));
        QCOMPARE(m_fx->db->fetch(query, &error), Database::Fetch::Row);
        QCOMPARE(m_fx->db->fetch(query, &error), Database::Fetch::Failed);
        QVERIFY(!error.isEmpty());
        QVERIFY(m_fx->db->lastError().isValid());
        query->finish();
    }

    // A storage failure is reported as one, never as an outcome, and leaves the database as it was.
    void storageFailureWritesNothing_data()
    {
        QTest::addColumn<QString>("failure");
        QTest::newRow("recording the event fails") << QStringLiteral("event");
        QTest::newRow("reading the token's state fails") << QStringLiteral("read");
    }

    void storageFailureWritesNothing()
    {
        QFETCH(QString, failure);
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("stan"), &signedIn));
        QString error;
        QStringList breakIt;
        if (failure == QLatin1String("event")) {
            breakIt = m_fx->db->isPostgres()
                ? QStringList {QStringLiteral("CREATE FUNCTION fail_write() RETURNS trigger LANGUAGE plpgsql AS "
                                              "$$ BEGIN RAISE EXCEPTION 'simulated disk failure'; END $$"),
                               QStringLiteral("CREATE TRIGGER fail_events BEFORE INSERT ON security_events FOR EACH "
                                              "ROW EXECUTE FUNCTION fail_write()")}
                : QStringList {QStringLiteral("CREATE TRIGGER fail_events BEFORE INSERT ON security_events BEGIN "
                                              "SELECT RAISE(ABORT, 'simulated disk failure'); END")};
        } else {
            breakIt = {QStringLiteral("ALTER TABLE users RENAME COLUMN token_version TO token_version_gone")};
        }
        QVERIFY2(execOn(m_fx->scratch.spec(), breakIt, &error), qPrintable(error));
        const QByteArray before = contentDigest(*m_fx->db, &error);
        QVERIFY2(!before.isEmpty(), qPrintable(error));
        m_fx->clock.advanceMs(second);
        // An unknown token records an event; a live one reads the user's token version.
        const QByteArray token
            = failure == QLatin1String("event") ? refresh_token::generate() : signedIn.tokens.refreshToken;
        const RefreshResult result = m_fx->rotation->refresh(token, StorageFixture::device(QStringLiteral("stan")));
        QVERIFY(result.storageFailed);
        QVERIFY(!result.ok());
        QVERIFY(!result.error.isEmpty());
        QVERIFY(result.tokens.refreshToken.isEmpty());
        QCOMPARE(result.eventId, 0);
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
        // The database is repaired for the invariant check at the end.
        const QStringList repair = failure == QLatin1String("event")
            ? QStringList {QStringLiteral("DROP TRIGGER fail_events%1")
                               .arg(m_fx->db->isPostgres() ? QStringLiteral(" ON security_events") : QString())}
            : QStringList {QStringLiteral("ALTER TABLE users RENAME COLUMN token_version_gone TO token_version")};
        QVERIFY2(execOn(m_fx->scratch.spec(), repair, &error), qPrintable(error));
    }

    void logoutRevokesTheSession()
    {
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("lola"), &signedIn));
        m_fx->clock.advanceMs(second);
        RefreshResult rotated;
        CHECKED(refresh(signedIn.tokens.refreshToken, StorageFixture::device(QStringLiteral("lola")), &rotated));
        m_fx->clock.advanceMs(second);
        const LogoutResult out
            = m_fx->rotation->logout(rotated.tokens.refreshToken, StorageFixture::device(QStringLiteral("lola")));
        QCOMPARE(int(out.status), int(LogoutResult::Status::Revoked));
        QCOMPARE(out.familyId, signedIn.tokens.familyId);
        QList<QVariantList> rows;
        QString error;
        QVERIFY2(queryRows(*m_fx->db,
                           QStringLiteral("SELECT e.kind, e.ip, f.revoke_reason, f.revoked_by FROM security_events e "
                                          "JOIN token_families f ON f.id = e.family_id WHERE e.id = ?"),
                           {out.eventId}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().at(0).toString(), QString::fromLatin1(event_kind::logout));
        QCOMPARE(rows.first().at(1).toString(), StorageFixture::device(QStringLiteral("lola")).ip);
        QCOMPARE(rows.first().at(2).toString(), QString::fromLatin1(revoke_reason::logout));
        QCOMPARE(rows.first().at(3).toString(), QStringLiteral("client"));
        RefreshResult after;
        CHECKED(refresh(rotated.tokens.refreshToken, StorageFixture::device(QStringLiteral("lola")), &after));
        QCOMPARE(after.outcome, Outcome::TokenRevoked);

        // Idempotent, and silent for a token never issued; neither writes anything (RFC 7009).
        const QByteArray before = contentDigest(*m_fx->db, &error);
        const LogoutResult again
            = m_fx->rotation->logout(signedIn.tokens.refreshToken, StorageFixture::device(QStringLiteral("lola")));
        QCOMPARE(int(again.status), int(LogoutResult::Status::AlreadyRevoked));
        QCOMPARE(again.familyId, signedIn.tokens.familyId);
        const LogoutResult unknown
            = m_fx->rotation->logout(refresh_token::generate(), StorageFixture::device(QStringLiteral("lola")));
        QCOMPARE(int(unknown.status), int(LogoutResult::Status::Unknown));
        QVERIFY(unknown.ok());
        const LogoutResult malformed
            = m_fx->rotation->logout("rtr_short", StorageFixture::device(QStringLiteral("lola")));
        QCOMPARE(int(malformed.status), int(LogoutResult::Status::Malformed));
        QVERIFY(!malformed.error.isEmpty());
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
    }

    void unknownToken()
    {
        LoginResult signedIn;
        CHECKED(login(QStringLiteral("heidi"), &signedIn));
        const QByteArray neverIssued = refresh_token::generate();
        QCOMPARE(refresh_token::parse(neverIssued), refresh_token::ParseError::None);
        RefreshResult result;
        CHECKED(refresh(neverIssued, StorageFixture::device(QStringLiteral("heidi")), &result));
        QCOMPARE(result.outcome, Outcome::Unknown);
        QCOMPARE(tokenCount(), 1);
        QList<QVariantList> rows;
        QString error;
        QVERIFY2(queryRows(*m_fx->db, QStringLiteral("SELECT kind, family_id FROM security_events WHERE id = ?"),
                           {result.eventId}, &rows, &error),
                 qPrintable(error));
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().at(0).toString(), QString::fromLatin1(event_kind::tokenUnknown));
        QVERIFY(rows.first().at(1).isNull());
    }

    void malformedBeforeAnyDatabaseAccess_data()
    {
        QTest::addColumn<QByteArray>("token");
        const QByteArray valid = refresh_token::generate();
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("prefix only") << QByteArray("rtr_");
        QTest::newRow("wrong prefix") << QByteArray("rtx_") + valid.mid(4);
        QTest::newRow("one character short") << valid.left(valid.size() - 1);
        QTest::newRow("one character long") << valid + 'A';
        QTest::newRow("not base64url") << QByteArray("rtr_") + QByteArray(42, 'A') + '+';
        QTest::newRow("non-canonical last character") << QByteArray("rtr_") + QByteArray(42, 'A') + 'B';
        QTest::newRow("far too long") << QByteArray("rtr_") + QByteArray(5000, 'A');
        QTest::newRow("SQL") << QByteArray("rtr_' OR 1=1; DROP TABLE refresh_tokens; --");
        QTest::newRow("NUL bytes") << QByteArray("rtr_") + QByteArray(43, '\0');
    }

    void malformedBeforeAnyDatabaseAccess()
    {
        QFETCH(QByteArray, token);
        PresentedState state;
        QString error;
        QVERIFY2(readPresentedState(*m_fx->db, token, m_fx->keys, &state, &error), qPrintable(error));
        QCOMPARE(outcomeName(decide(state, m_fx->clock.nowMs(), m_fx->policy.graceMs)), "token_malformed");

        // A database that was never opened: any access would be a storage failure, not Malformed.
        Database neverOpened(ConnectionSpec::sqlite(QStringLiteral("/nonexistent/rotor.db")));
        RotationService offline(neverOpened, m_fx->keys, m_fx->clock, m_fx->policy);
        RefreshResult result = offline.refresh(token, StorageFixture::device(QStringLiteral("ivan")));
        QCOMPARE(outcomeName(result.outcome), "token_malformed");
        QVERIFY(!result.storageFailed);
        QVERIFY(result.error.contains(QLatin1String("malformed")));

        // The fixture's own connection, closed: the same.
        const QByteArray before = contentDigest(*m_fx->db, &error);
        QVERIFY2(!before.isEmpty(), qPrintable(error));
        m_fx->db->close();
        result = m_fx->rotation->refresh(token, StorageFixture::device(QStringLiteral("ivan")));
        QCOMPARE(outcomeName(result.outcome), "token_malformed");
        QVERIFY(!result.storageFailed);
        QVERIFY2(m_fx->db->open(Database::OpenMode::OpenExisting, &error), qPrintable(error));
        QCOMPARE(contentDigest(*m_fx->db, &error), before);
        QCOMPARE(count(*m_fx->db, QStringLiteral("SELECT count(*) FROM security_events")), 0);
    }
};

QTEST_GUILESS_MAIN(TestRotation)
#include "tst_rotation.moc"
