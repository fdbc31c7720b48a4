#pragma once

#include "Decision.h"
#include "Policy.h"
#include "Verdict.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace rotor {

class Clock;
class Database;
class Keys;

// What a client says about itself when it signs in or refreshes.
struct DeviceInfo
{
    QString deviceKey;
    QString deviceName;
    QString ip;
    QString userAgent;
};

struct IssuedTokens
{
    QByteArray accessToken; // JWT, HS256
    QByteArray refreshToken; // raw; handed out once and never stored
    qint64 userId = 0;
    qint64 familyId = 0;
    int generation = 0;
    qint64 accessExpiresAt = 0; // ms since the epoch
    qint64 refreshExpiresAt = 0;
};

struct LoginResult
{
    enum class Status { Ok, UnknownUser, UserInactive, InvalidDevice, Failed };
    Status status = Status::Failed;
    IssuedTokens tokens;
    QString error;
    bool ok() const { return status == Status::Ok; }
};

struct RefreshResult
{
    Outcome outcome = Outcome::Malformed;
    // True when the database could not be read or written; outcome is then meaningless.
    bool storageFailed = false;
    IssuedTokens tokens; // set for Rotate and GraceRetry
    qint64 eventId = 0; // the security event recorded, if any
    QString error;
    // What was judged, as the decision saw it: the rule, the stored state and the instant (explanation() says it in
    // words). A rotation in PostgreSQL's one statement knows only that the token was live and its generation.
    Judgement judgement;
    PresentedState judged;
    qint64 judgedAt = 0;
    qint64 graceMs = 0;
    std::optional<VerdictResult> verdict; // for a replay: what it most likely was (classifyReplay())
    bool ok() const { return !storageFailed && (outcome == Outcome::Rotate || outcome == Outcome::GraceRetry); }
    QString explanation() const { return explain(judgement, judged, judgedAt, graceMs); }
};

// A client's own sign-out (RFC 7009's revocation of a refresh token): the token's whole family is revoked. Asking
// twice, or with a token that was never issued, is not an error.
struct LogoutResult
{
    enum class Status { Revoked, AlreadyRevoked, Unknown, Malformed, Failed };
    Status status = Status::Failed;
    qint64 familyId = 0; // 0 when Unknown
    qint64 eventId = 0; // the logout event, when Revoked
    QString error; // why, for Malformed and Failed
    bool ok() const { return status != Status::Malformed && status != Status::Failed; }
};

// Sign-in, refresh and sign-out over one Database (and so one thread). No token, family or user state is cached between
// calls: a stale cache would be a revocation that did not happen.
class RotationService
{
public:
    // Under the deployment's policy as stored in the database (re-read within Policy::policyRefreshMs of a change).
    RotationService(Database &db, const Keys &keys, const Clock &clock);
    // Under a policy of the caller's, whatever is stored (tests, benchmarks, what-if).
    RotationService(Database &db, const Keys &keys, const Clock &clock, const Policy &pinned);

    LoginResult login(const QString &email, const DeviceInfo &device);
    RefreshResult refresh(QByteArrayView rawToken, const DeviceInfo &device);
    LogoutResult logout(QByteArrayView rawToken, const DeviceInfo &device);

private:
    // What one refresh call presents and claims with, fixed before its first attempt.
    struct Presented
    {
        QByteArray hash;
        QByteArray successorHash;
        QByteArray claimId; // random, the same for every internal retry of this call
    };
    bool currentPolicy(Policy *policy, QString *error);
    bool rotateInOneStatement(const Presented &presented, const Policy &policy, const DeviceInfo &device,
                              RefreshResult *result);
    bool rotateInSharedTransaction(const Presented &presented, const Policy &policy, const DeviceInfo &device,
                                   RefreshResult *result);
    bool decideAndApply(const Presented &presented, const Policy &policy, const DeviceInfo &device,
                        RefreshResult *result);
    // Inside the caller's transaction: the evidence of a replay, judged (nullopt with error when it cannot be read).
    std::optional<VerdictResult> judgeReplay(const PresentedState &state, qint64 deviceId, qint64 now,
                                             const DeviceInfo &device, const QString &originalIp,
                                             const QString &originalUserAgent, QString *error);
    // An unknown token: one event per source address and minute, written without waiting for a disk flush.
    bool recordUnknown(const DeviceInfo &device, RefreshResult *result);
    // Inside the caller's transaction.
    bool insertUnknownEvent(const DeviceInfo &device, qint64 now, RefreshResult *result, QString *error);
    IssuedTokens issue(qint64 userId, qint64 familyId, qint64 tokenVersion, int generation, qint64 now,
                       qint64 refreshExpiresAt, qint64 accessTtlMs, QByteArray refreshToken) const;

    Database &m_db;
    const Keys &m_keys;
    const Clock &m_clock;
    std::optional<Policy> m_pinned;
};

} // namespace rotor
