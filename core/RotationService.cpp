#include "RotationService.h"

#include "Clock.h"
#include "Crypto.h"
#include "Database.h"
#include "Jwt.h"
#include "Keys.h"
#include "PresentedRow.h"
#include "RefreshToken.h"
#include "RotationSql.h"
#include "SecurityEvent.h"

#include <QCoreApplication>
#include <QSqlQuery>
#include <QThread>

namespace rotor {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::RotationService", text);
}

const char findUserSql[] = "SELECT id, active, token_version FROM users WHERE email = :email";
// On PostgreSQL a sign-in holds the user's row while it creates the family, so "revoke all sessions" (which
// updates that row first) cannot miss a family that is being created. SQLite's IMMEDIATE transaction already does.
const char findUserPostgresSql[] = "SELECT id, active, token_version FROM users WHERE email = :email FOR SHARE";
const char upsertDeviceSql[] = R"(
INSERT INTO devices (user_id, device_key, name, user_agent, first_seen_at, last_seen_at, last_ip)
VALUES (:user, :key, :name, :ua, :now, :now, :ip)
ON CONFLICT (user_id, device_key) DO UPDATE SET
    name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE devices.name END,
    user_agent = CASE WHEN excluded.user_agent <> '' THEN excluded.user_agent ELSE devices.user_agent END,
    last_seen_at = excluded.last_seen_at, last_ip = excluded.last_ip
RETURNING id
)";
const char insertFamilySql[] = "INSERT INTO token_families (user_id, device_id, created_at, expires_at, "
                               "idle_expires_at, last_used_at, current_generation) VALUES (:user, :device, :now, "
                               ":expires, :idle, :now, 0) RETURNING id";

// The family a presented token belongs to, for a sign-out. PostgreSQL locks the family first, in the same order as
// rotation and revocation.
const char familyOfTokenSql[] = "SELECT f.id, f.user_id, f.device_id, f.revoked_at, f.current_generation, t.generation "
                                "FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id "
                                "WHERE t.token_hash = :hash";
const char familyOfTokenPostgresSql[]
    = "SELECT f.id, f.user_id, f.device_id, f.revoked_at, f.current_generation, t.generation "
      "FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id WHERE t.token_hash = :hash FOR UPDATE OF f";

// What SQLite's hot path is given (the caller's values, read on the thread that leads the shared transaction) and
// what it found.
struct SqliteRotation
{
    QByteArrayView hash;
    QByteArrayView successorHash;
    QByteArrayView claimId;
    QByteArrayView ip;
    QByteArrayView userAgent;
    const Policy *policy = nullptr;
    const Clock *clock = nullptr;

    bool rotated = false; // a plain rotation, applied; otherwise nothing was written
    qint64 now = 0;
    qint64 userId = 0;
    qint64 familyId = 0;
    qint64 tokenVersion = 0;
    int generation = 0;
    qint64 expiresAt = 0;
};

std::optional<qint64> optionalTime(const Database::SqliteStatement &row, int column)
{
    return row.isNull(column) ? std::nullopt : std::optional<qint64>(row.int64(column));
}

// SQLite's hot path: decide()'s Rotate branch, on writer's connection inside a write transaction shared with this
// process's other callers (Database::writeShared()). It reads the presented token's state as decideAndApply() does and
// lets decide() judge it; a plain rotation is applied here, anything else writes nothing and is left to
// decideAndApply(), which judges it again in a transaction of its own and records what it has to.
bool rotateOn(Database &writer, SqliteRotation *rotation, QString *error)
{
    // Read once SQLite's write lock is held (BEGIN IMMEDIATE), so a wait for it never makes the clock older than what
    // it judges.
    const qint64 now = rotation->clock->nowMs();
    Database::SqliteStatement *query = writer.sqliteStatement(sql::presentedState, error);
    if (!query)
        return false;
    query->bindBlob(":hash", rotation->hash);
    const Database::Fetch fetched = query->next(error);
    if (fetched != Database::Fetch::Row) {
        query->finish();
        return fetched == Database::Fetch::End; // gone since the read before the lock: judged by decideAndApply()
    }
    // The columns of sql::presentedState, as decideAndApply() reads them.
    PresentedState state;
    state.found = true;
    const qint64 tokenId = query->int64(0);
    const qint64 familyId = query->int64(1);
    state.generation = int(query->int64(2));
    state.expiresAt = query->int64(3);
    state.usedAt = optionalTime(*query, 4);
    state.revokedAt = optionalTime(*query, 5);
    const qint64 userId = query->int64(6);
    const qint64 deviceId = query->int64(7);
    state.familyExpiresAt = qMin(query->int64(8), query->int64(21) + rotation->policy->familyLifetimeMs);
    state.familyRevokedAt = optionalTime(*query, 9);
    state.userActive = query->int64(11) != 0;
    const qint64 tokenVersion = query->int64(12);
    state.hasSuccessor = !query->isNull(13);
    if (state.hasSuccessor) {
        state.successorMatchesDerived = crypto::equalConstantTime(query->blob(14), rotation->successorHash);
        state.successorLive = query->isNull(15) && query->isNull(16);
        state.successorExpiresAt = query->int64(17);
    }
    state.claimedByCaller = state.usedAt && query->blob(20) == rotation->claimId;
    query->finish();
    if (decide(state, now, rotation->policy->graceMs) != Outcome::Rotate || state.claimedByCaller)
        return true;

    Database::SqliteStatement *claim = writer.sqliteStatement(sql::claimToken, error);
    if (!claim)
        return false;
    claim->bind(":now", now);
    claim->bindBlob(":claim", rotation->claimId);
    claim->bind(":id", tokenId);
    if (!claim->exec(error))
        return false;
    if (claim->changes() != 1)
        return true; // not claimed, nothing written: judged again by decideAndApply()
    const int generation = state.generation + 1;
    const qint64 expires = qMin(now + rotation->policy->refreshIdleTtlMs, state.familyExpiresAt);
    Database::SqliteStatement *insert = writer.sqliteStatement(sql::insertToken, error);
    if (!insert)
        return false;
    insert->bind(":family", familyId);
    insert->bind(":parent", tokenId);
    insert->bind(":generation", generation);
    insert->bindBlob(":hash", rotation->successorHash);
    insert->bind(":now", now);
    insert->bind(":expires", expires);
    insert->bindText(":ip", rotation->ip);
    insert->bindText(":ua", rotation->userAgent);
    if (!insert->exec(error))
        return false;
    Database::SqliteStatement *family = writer.sqliteStatement(sql::touchFamily, error);
    if (!family)
        return false;
    family->bind(":generation", generation);
    family->bind(":now", now);
    family->bind(":expires", expires);
    family->bind(":family", familyId);
    if (!family->exec(error))
        return false;
    Database::SqliteStatement *device = writer.sqliteStatement(sql::touchDevice, error);
    if (!device)
        return false;
    device->bind(":now", now);
    device->bindText(":ip", rotation->ip);
    device->bind(":device", deviceId);
    if (!device->exec(error))
        return false;
    rotation->rotated = true;
    rotation->now = now;
    rotation->userId = userId;
    rotation->familyId = familyId;
    rotation->tokenVersion = tokenVersion;
    rotation->generation = generation;
    rotation->expiresAt = expires;
    return true;
}

// A rotation applied without decideAndApply() (PostgreSQL's one statement, SQLite's shared transaction) is decide()'s
// Rotate branch: the presented generation was live.
void judgedLive(RefreshResult *result, qint64 now, qint64 graceMs)
{
    result->judgement = {Outcome::Rotate, Reason::Live};
    result->judged = {};
    result->judged.found = true;
    result->judged.generation = result->tokens.generation - 1;
    result->judgedAt = now;
    result->graceMs = graceMs;
}

QString malformedError(refresh_token::ParseError parseError)
{
    return tr("malformed refresh token: %1").arg(tr(refresh_token::describe(parseError)));
}

QString refusalText(Outcome outcome, int generation, qint64 familyId)
{
    switch (outcome) {
    case Outcome::Replay:
        return tr("replay detected: generation %1 of session %2 was already used; the session is revoked")
            .arg(generation)
            .arg(familyId);
    case Outcome::Expired:
        return tr("the refresh token has expired");
    case Outcome::TokenRevoked:
        return tr("the session %1 has been revoked").arg(familyId);
    case Outcome::UserInactive:
        return tr("the user is deactivated");
    case Outcome::Unknown:
        return tr("unknown refresh token");
    case Outcome::Rotate:
    case Outcome::GraceRetry:
    case Outcome::Malformed:
        break;
    }
    return QString();
}

} // namespace

RotationService::RotationService(Database &db, const Keys &keys, const Clock &clock)
    : m_db(db)
    , m_keys(keys)
    , m_clock(clock)
{ }

RotationService::RotationService(Database &db, const Keys &keys, const Clock &clock, const Policy &pinned)
    : m_db(db)
    , m_keys(keys)
    , m_clock(clock)
    , m_pinned(pinned)
{ }

bool RotationService::currentPolicy(Policy *policy, QString *error)
{
    if (m_pinned) {
        *policy = *m_pinned;
        return true;
    }
    return m_db.policy(policy, error);
}

IssuedTokens RotationService::issue(qint64 userId, qint64 familyId, qint64 tokenVersion, int generation, qint64 now,
                                    qint64 refreshExpiresAt, qint64 accessTtlMs, QByteArray refreshToken) const
{
    IssuedTokens tokens;
    tokens.userId = userId;
    tokens.familyId = familyId;
    tokens.generation = generation;
    tokens.accessExpiresAt = now + accessTtlMs;
    tokens.refreshExpiresAt = refreshExpiresAt;
    tokens.refreshToken = std::move(refreshToken);
    AccessClaims claims;
    claims.subject = QString::number(userId);
    claims.sessionId = QString::number(familyId);
    claims.version = tokenVersion;
    claims.issuedAt = now / 1000;
    claims.expiresAt = tokens.accessExpiresAt / 1000;
    claims.jwtId = QString::fromLatin1(crypto::toBase64Url(crypto::randomBytes(16)));
    tokens.accessToken = jwt::signHs256(claims, m_keys.accessKey());
    return tokens;
}

LoginResult RotationService::login(const QString &email, const DeviceInfo &device)
{
    LoginResult result;
    if (device.deviceKey.trimmed().isEmpty()) {
        result.status = LoginResult::Status::InvalidDevice;
        result.error = tr("a device key is required to sign in");
        return result;
    }
    const QByteArray refreshToken = refresh_token::generate();
    if (refreshToken.isEmpty()) {
        result.error = tr("the system's random number generator failed");
        return result;
    }
    const QByteArray hash = refresh_token::hashOf(refreshToken);
    Policy policy;
    if (!currentPolicy(&policy, &result.error))
        return result;
    const bool committed = m_db.transact(
        [&](QString *error) {
            result.status = LoginResult::Status::Failed;
            QSqlQuery *query = m_db.run(m_db.isPostgres() ? findUserPostgresSql : findUserSql,
                                        {{":email", email.trimmed().toLower()}}, error);
            if (!query)
                return Database::Step::Abort;
            const Database::Fetch found = m_db.fetch(query, error);
            if (found != Database::Fetch::Row) {
                query->finish();
                if (found == Database::Fetch::Failed)
                    return Database::Step::Abort;
                result.status = LoginResult::Status::UnknownUser;
                *error = tr("no user with the email %1").arg(email);
                return Database::Step::Abort;
            }
            const qint64 userId = query->value(0).toLongLong();
            const bool active = query->value(1).toBool();
            const qint64 tokenVersion = query->value(2).toLongLong();
            query->finish();
            // Read once the user's row is held (and on SQLite the write lock): a wait for either is not in it.
            const qint64 now = m_clock.nowMs();
            if (!active) {
                result.status = LoginResult::Status::UserInactive;
                SecurityEvent event;
                event.kind = QString::fromLatin1(event_kind::userInactive);
                event.occurredAt = now;
                event.userId = userId;
                event.ip = device.ip;
                event.userAgent = device.userAgent;
                event.deviceKey = device.deviceKey;
                event.detail = QStringLiteral("sign-in refused");
                return store::recordEvent(m_db, event, nullptr, error) ? Database::Step::Commit : Database::Step::Abort;
            }
            const qint64 familyExpires = now + policy.familyLifetimeMs;
            const qint64 tokenExpires = qMin(now + policy.refreshIdleTtlMs, familyExpires);
            query = m_db.run(upsertDeviceSql,
                             {{":user", userId},
                              {":key", device.deviceKey},
                              {":name", device.deviceName},
                              {":ua", device.userAgent},
                              {":now", now},
                              {":ip", device.ip}},
                             error);
            if (!query || m_db.fetch(query, error) != Database::Fetch::Row)
                return Database::Step::Abort;
            const qint64 deviceId = query->value(0).toLongLong();
            query->finish();
            query = m_db.run(insertFamilySql,
                             {{":user", userId},
                              {":device", deviceId},
                              {":now", now},
                              {":expires", familyExpires},
                              {":idle", tokenExpires}},
                             error);
            if (!query || m_db.fetch(query, error) != Database::Fetch::Row)
                return Database::Step::Abort;
            const qint64 familyId = query->value(0).toLongLong();
            query->finish();
            if (!m_db.run(sql::insertToken,
                          {{":family", familyId},
                           {":parent", QVariant(QMetaType::fromType<qint64>())},
                           {":generation", 0},
                           {":hash", hash},
                           {":now", now},
                           {":expires", tokenExpires},
                           {":ip", device.ip},
                           {":ua", device.userAgent}},
                          error))
                return Database::Step::Abort;
            result.status = LoginResult::Status::Ok;
            result.tokens
                = issue(userId, familyId, tokenVersion, 0, now, tokenExpires, policy.accessTtlMs, refreshToken);
            return Database::Step::Commit;
        },
        &result.error);
    if (!committed) {
        // Tokens made inside a transaction that did not commit belong to nothing: never hand them out.
        result.tokens = {};
        if (result.status == LoginResult::Status::Ok || result.status == LoginResult::Status::UserInactive)
            result.status = LoginResult::Status::Failed;
    }
    if (result.status == LoginResult::Status::UserInactive)
        result.error = tr("the user %1 is deactivated").arg(email);
    return result;
}

RefreshResult RotationService::refresh(QByteArrayView rawToken, const DeviceInfo &device)
{
    RefreshResult result;
    const refresh_token::ParseError parseError = refresh_token::parse(rawToken);
    if (parseError != refresh_token::ParseError::None) {
        result.outcome = Outcome::Malformed;
        result.error = malformedError(parseError);
        return result;
    }
    if (m_db.refuseIfReadOnly(&result.error)) {
        result.storageFailed = true;
        return result;
    }
    // The successor is derived, not drawn: computing it before touching the database lets the whole rotation
    // be one statement, and lets a retry in the grace window receive the very same token.
    const QByteArray successor = refresh_token::successorOf(rawToken, m_keys.rotationKey());
    const Presented presented {refresh_token::hashOf(rawToken), refresh_token::hashOf(successor),
                               crypto::randomBytes(16)};
    if (presented.claimId.isEmpty()) {
        result.storageFailed = true;
        result.error = tr("the system's random number generator failed");
        return result;
    }
    Policy policy;
    if (!currentPolicy(&policy, &result.error)) {
        result.storageFailed = true;
        return result;
    }
    if (!m_db.isPostgres()) {
        // Judged from a read before SQLite's writer lock: a flood of unknown tokens never queues behind rotations.
        Database::SqliteStatement *exists = m_db.sqliteStatement(sql::tokenExists, &result.error);
        Database::Fetch found = Database::Fetch::Failed;
        if (exists) {
            exists->bindBlob(":hash", presented.hash);
            found = exists->next(&result.error);
            exists->finish();
        }
        if (found == Database::Fetch::Failed) {
            result.storageFailed = true;
            return result;
        }
        if (found == Database::Fetch::End) {
            result.judged.found = false;
            result.judgedAt = m_clock.nowMs();
            result.graceMs = policy.graceMs;
            result.judgement = judge(result.judged, result.judgedAt, policy.graceMs);
            result.outcome = result.judgement.outcome;
            if (!recordUnknown(device, &result))
                result.storageFailed = true;
            return result;
        }
    }
    bool rotated = false;
    for (int attempt = 0; attempt < 4 && !rotated; ++attempt) {
        rotated = m_db.isPostgres() ? rotateInOneStatement(presented, policy, device, &result)
                                    : rotateInSharedTransaction(presented, policy, device, &result);
        if (rotated)
            break;
        const Database::ErrorKind kind = m_db.recover(m_db.lastError());
        if (kind == Database::ErrorKind::None)
            break; // not a plain rotation: judge it below
        if (kind != Database::ErrorKind::Transient && kind != Database::ErrorKind::ConnectionLost) {
            result.storageFailed = true;
            return result;
        }
        // A lost connection may have lost only the reply: the claim id lets the next attempt recognise it.
    }
    if (rotated) {
        result.outcome = Outcome::Rotate;
        result.tokens.refreshToken = successor;
        result.error.clear(); // an earlier attempt's transient failure is not this result's
        return result;
    }
    if (!decideAndApply(presented, policy, device, &result)) {
        result.storageFailed = true;
        result.tokens = {}; // made inside a transaction that did not commit
        return result;
    }
    if (result.outcome == Outcome::Rotate || result.outcome == Outcome::GraceRetry)
        result.tokens.refreshToken = successor;
    return result;
}

bool RotationService::rotateInOneStatement(const Presented &presented, const Policy &policy, const DeviceInfo &device,
                                           RefreshResult *result)
{
    // The time is bound before the statement waits for the family's lock. That is fine: a token someone else
    // consumed meanwhile gives zero rows, and decideAndApply() then reads the clock again once it holds the lock.
    const qint64 now = m_clock.nowMs();
    // Through libpq itself: this statement is the whole refresh, so QPSQL's per-call cost would be most of ours.
    QList<QList<QByteArray>> rows;
    if (!m_db.runNative(sql::rotatePostgres,
                        {{"lifetime", QByteArray::number(policy.familyLifetimeMs)},
                         {"hash", presented.hash, true},
                         {"now", QByteArray::number(now)},
                         {"claim", presented.claimId, true},
                         {"successor", presented.successorHash, true},
                         {"idle", QByteArray::number(policy.refreshIdleTtlMs)},
                         {"ip", device.ip.toUtf8()},
                         {"ua", device.userAgent.toUtf8()}},
                        &rows, &result->error))
        return false;
    if (rows.isEmpty())
        return false;
    const QList<QByteArray> &row = rows.first();
    result->tokens = issue(row.value(0).toLongLong(), row.value(1).toLongLong(), row.value(2).toLongLong(),
                           row.value(3).toInt(), now, row.value(4).toLongLong(), policy.accessTtlMs, {});
    judgedLive(result, now, policy.graceMs); // the statement is decide()'s Rotate branch in SQL
    return true;
}

bool RotationService::rotateInSharedTransaction(const Presented &presented, const Policy &policy,
                                                const DeviceInfo &device, RefreshResult *result)
{
    // Through SQLite's C API on the connection's own handle, in a transaction shared with this process's other callers:
    // Qt's per-statement cost was most of the distance to the C-API floor, and n callers waiting share one commit.
    const QByteArray ip = device.ip.toUtf8();
    const QByteArray userAgent = device.userAgent.toUtf8();
    SqliteRotation rotation;
    rotation.hash = presented.hash;
    rotation.successorHash = presented.successorHash;
    rotation.claimId = presented.claimId;
    rotation.ip = ip;
    rotation.userAgent = userAgent;
    rotation.policy = &policy;
    rotation.clock = &m_clock;
    // rotateOn() runs on the thread that leads the transaction, with that thread's connection, while this one waits.
    if (!m_db.writeShared([&rotation](Database &writer, QString *error) { return rotateOn(writer, &rotation, error); },
                          &result->error)
        || !rotation.rotated)
        return false;
    result->tokens = issue(rotation.userId, rotation.familyId, rotation.tokenVersion, rotation.generation, rotation.now,
                           rotation.expiresAt, policy.accessTtlMs, {});
    judgedLive(result, rotation.now, policy.graceMs); // rotateOn() applies only what decide() judged Rotate
    return true;
}

bool RotationService::decideAndApply(const Presented &presented, const Policy &policy, const DeviceInfo &device,
                                     RefreshResult *result)
{
    return m_db.transact(
        [&](QString *error) {
            result->eventId = 0;
            result->tokens = {};
            result->error.clear();
            if (m_db.isPostgres()) {
                QSqlQuery *lock = m_db.run(sql::lockFamilyPostgres, {{":hash", presented.hash}}, error);
                if (!lock)
                    return Database::Step::Abort;
                Database::Fetch locked;
                while ((locked = m_db.fetch(lock, error)) == Database::Fetch::Row) { }
                lock->finish();
                if (locked == Database::Fetch::Failed)
                    return Database::Step::Abort;
            }
            // The decision's clock is read once the family (PostgreSQL) or the write lock (SQLite) is held, so a
            // wait for either never makes it older than what it judges.
            const qint64 now = m_clock.nowMs();
            QSqlQuery *query = m_db.run(sql::presentedState, {{":hash", presented.hash}}, error);
            if (!query)
                return Database::Step::Abort;
            PresentedState state;
            const Database::Fetch fetched = m_db.fetch(query, error);
            if (fetched == Database::Fetch::Failed) {
                query->finish();
                return Database::Step::Abort; // a failed read is a storage failure, not an unknown token
            }
            state.found = fetched == Database::Fetch::Row;
            PresentedRow stored;
            if (state.found) {
                stored = readPresentedRow(*query, policy);
                state = stored.state;
                state.successorMatchesDerived
                    = state.hasSuccessor && crypto::equalConstantTime(stored.successorHash, presented.successorHash);
                state.claimedByCaller = state.usedAt && stored.claimId == presented.claimId;
            }
            const qint64 tokenId = stored.tokenId, familyId = stored.familyId, userId = stored.userId,
                         deviceId = stored.deviceId, tokenVersion = stored.tokenVersion;
            const int currentGeneration = stored.currentGeneration;
            const QString &originalIp = stored.originalIp, &originalUserAgent = stored.originalUserAgent;
            query->finish();
            result->judgement = judge(state, now, policy.graceMs);
            result->outcome = result->judgement.outcome;
            result->judged = state;
            result->judgedAt = now;
            result->graceMs = policy.graceMs;
            result->verdict.reset();
            if (result->outcome == Outcome::Unknown) // nothing is locked or written yet
                return insertUnknownEvent(device, now, result, error) ? Database::Step::Commit : Database::Step::Abort;

            if (result->outcome == Outcome::Rotate) {
                if (state.claimedByCaller) {
                    // This call's own earlier attempt rotated the token and only its reply was lost.
                    result->tokens = issue(userId, familyId, tokenVersion, state.generation + 1, now,
                                           state.successorExpiresAt, policy.accessTtlMs, {});
                    return Database::Step::Commit;
                }
                QSqlQuery *claim = m_db.run(sql::claimToken,
                                            {{":now", now}, {":claim", presented.claimId}, {":id", tokenId}}, error);
                if (!claim)
                    return Database::Step::Abort;
                if (claim->numRowsAffected() != 1)
                    return Database::Step::Retry; // someone else claimed it first: judge again
                const int generation = state.generation + 1;
                const qint64 expires = qMin(now + policy.refreshIdleTtlMs, state.familyExpiresAt);
                if (!m_db.run(sql::insertToken,
                              {{":family", familyId},
                               {":parent", tokenId},
                               {":generation", generation},
                               {":hash", presented.successorHash},
                               {":now", now},
                               {":expires", expires},
                               {":ip", device.ip},
                               {":ua", device.userAgent}},
                              error)
                    || !m_db.run(
                        sql::touchFamily,
                        {{":generation", generation}, {":now", now}, {":expires", expires}, {":family", familyId}},
                        error)
                    || !m_db.run(sql::touchDevice, {{":now", now}, {":ip", device.ip}, {":device", deviceId}}, error))
                    return Database::Step::Abort;
                result->tokens
                    = issue(userId, familyId, tokenVersion, generation, now, expires, policy.accessTtlMs, {});
                return Database::Step::Commit;
            }

            if (result->outcome == Outcome::Replay) {
                result->verdict = judgeReplay(state, deviceId, now, device, originalIp, originalUserAgent, error);
                if (!result->verdict)
                    return Database::Step::Abort;
                bool changed = false;
                if (!store::revokeFamily(m_db, familyId, now, QString::fromLatin1(revoke_reason::replay),
                                         QStringLiteral("replay detection"), &changed, error))
                    return Database::Step::Abort;
            }
            if (result->outcome == Outcome::GraceRetry)
                result->tokens = issue(userId, familyId, tokenVersion, state.generation + 1, now,
                                       state.successorExpiresAt, policy.accessTtlMs, {});

            SecurityEvent event;
            event.kind = QString::fromLatin1(outcomeName(result->outcome));
            event.occurredAt = now;
            if (state.found) {
                event.userId = userId;
                event.familyId = familyId;
                event.deviceId = deviceId;
                event.presentedGeneration = state.generation;
                event.currentGeneration = currentGeneration;
                event.originalIp = originalIp;
                event.originalUserAgent = originalUserAgent;
            }
            event.ip = device.ip;
            event.userAgent = device.userAgent;
            event.deviceKey = device.deviceKey;
            event.verdict = result->verdict;
            if (!store::recordEvent(m_db, event, &result->eventId, error))
                return Database::Step::Abort;
            result->error = refusalText(result->outcome, state.generation, familyId);
            return Database::Step::Commit;
        },
        &result->error);
}

std::optional<VerdictResult> RotationService::judgeReplay(const PresentedState &state, qint64 deviceId, qint64 now,
                                                          const DeviceInfo &device, const QString &originalIp,
                                                          const QString &originalUserAgent, QString *error)
{
    static const char deviceKeySql[] = "SELECT device_key FROM devices WHERE id = :device";
    QSqlQuery *query = m_db.run(deviceKeySql, {{":device", deviceId}}, error);
    if (!query)
        return std::nullopt;
    ReplayEvidence evidence;
    const Database::Fetch fetched = m_db.fetch(query, error);
    if (fetched == Database::Fetch::Row)
        evidence.sessionDeviceKey = query->value(0).toString();
    query->finish();
    if (fetched == Database::Fetch::Failed)
        return std::nullopt;
    evidence.ip = device.ip;
    evidence.userAgent = device.userAgent;
    evidence.deviceKey = device.deviceKey;
    evidence.originalIp = originalIp;
    evidence.originalUserAgent = originalUserAgent;
    if (state.usedAt)
        evidence.sinceFirstUseMs = now - *state.usedAt;
    return classifyReplay(evidence);
}

bool RotationService::insertUnknownEvent(const DeviceInfo &device, qint64 now, RefreshResult *result, QString *error)
{
    // A tally of garbage need not wait for the disk: PostgreSQL commits this transaction without waiting for its
    // WAL flush (SQLite's caller relaxes its own setting around it).
    if (m_db.isPostgres() && !m_db.exec(QStringLiteral("SET LOCAL synchronous_commit = off"), error))
        return false;
    QSqlQuery *query = m_db.run(sql::recordUnknown,
                                {{":kind", QString::fromLatin1(event_kind::tokenUnknown)},
                                 {":now", now},
                                 {":bucket", now - now % Policy::minute},
                                 {":ip", device.ip},
                                 {":ua", device.userAgent},
                                 {":key", device.deviceKey}},
                                error);
    if (!query || m_db.fetch(query, error) != Database::Fetch::Row)
        return false;
    result->eventId = query->value(0).toLongLong();
    const bool first = query->value(1).toLongLong() == 1;
    query->finish();
    result->error = refusalText(Outcome::Unknown, 0, 0);
    return !first || store::announceEvent(m_db, result->eventId, error);
}

bool RotationService::recordUnknown(const DeviceInfo &device, RefreshResult *result)
{
    // SQLite: this commit need not be on disk before the answer (FULL again right after).
    static const char relaxed[] = "PRAGMA synchronous = NORMAL";
    static const char durable[] = "PRAGMA synchronous = FULL";
    if (!m_db.exec(QString::fromLatin1(relaxed), &result->error))
        return false;
    const bool ok = m_db.transact(
        [&](QString *error) {
            return insertUnknownEvent(device, m_clock.nowMs(), result, error) ? Database::Step::Commit
                                                                              : Database::Step::Abort;
        },
        &result->error);
    QString ignored;
    const bool restored = m_db.exec(QString::fromLatin1(durable), ok ? &result->error : &ignored);
    if (!ok || !restored) {
        result->eventId = 0;
        return false;
    }
    return true;
}

LogoutResult RotationService::logout(QByteArrayView rawToken, const DeviceInfo &device)
{
    LogoutResult result;
    const refresh_token::ParseError parseError = refresh_token::parse(rawToken);
    if (parseError != refresh_token::ParseError::None) {
        result.status = LogoutResult::Status::Malformed;
        result.error = malformedError(parseError);
        return result;
    }
    const QByteArray hash = refresh_token::hashOf(rawToken);
    const bool committed = m_db.transact(
        [&](QString *error) {
            result = {};
            QSqlQuery *query
                = m_db.run(m_db.isPostgres() ? familyOfTokenPostgresSql : familyOfTokenSql, {{":hash", hash}}, error);
            if (!query)
                return Database::Step::Abort;
            const Database::Fetch found = m_db.fetch(query, error);
            if (found != Database::Fetch::Row) {
                query->finish();
                if (found == Database::Fetch::Failed)
                    return Database::Step::Abort;
                result.status = LogoutResult::Status::Unknown;
                return Database::Step::Commit; // nothing to revoke, nothing written
            }
            SecurityEvent event;
            event.kind = QString::fromLatin1(event_kind::logout);
            event.familyId = result.familyId = query->value(0).toLongLong();
            event.userId = query->value(1).toLongLong();
            event.deviceId = query->value(2).toLongLong();
            const bool alreadyRevoked = !query->value(3).isNull();
            event.currentGeneration = query->value(4).toInt();
            event.presentedGeneration = query->value(5).toInt();
            query->finish();
            if (alreadyRevoked) {
                result.status = LogoutResult::Status::AlreadyRevoked;
                return Database::Step::Commit;
            }
            event.occurredAt = m_clock.nowMs();
            event.ip = device.ip;
            event.userAgent = device.userAgent;
            event.deviceKey = device.deviceKey;
            event.detail = QStringLiteral("signed out by the client");
            bool changed = false;
            if (!store::revokeFamily(m_db, result.familyId, event.occurredAt,
                                     QString::fromLatin1(revoke_reason::logout), QStringLiteral("client"), &changed,
                                     error)
                || !store::recordEvent(m_db, event, &result.eventId, error))
                return Database::Step::Abort;
            result.status = LogoutResult::Status::Revoked;
            return Database::Step::Commit;
        },
        &result.error);
    if (!committed) {
        result.status = LogoutResult::Status::Failed;
        result.eventId = 0;
    }
    return result;
}

} // namespace rotor
