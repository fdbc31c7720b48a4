#include "PresentedRow.h"

#include <QSqlQuery>
#include <QVariant>

namespace rotor {

namespace {
std::optional<qint64> optionalTime(const QVariant &value)
{
    return value.isNull() ? std::nullopt : std::optional<qint64>(value.toLongLong());
}
} // namespace

PresentedRow readPresentedRow(const QSqlQuery &query, const Policy &policy)
{
    PresentedRow row;
    PresentedState &state = row.state;
    state.found = true;
    row.tokenId = query.value(0).toLongLong();
    row.familyId = query.value(1).toLongLong();
    state.generation = query.value(2).toInt();
    state.expiresAt = query.value(3).toLongLong();
    state.usedAt = optionalTime(query.value(4));
    state.revokedAt = optionalTime(query.value(5));
    row.userId = query.value(6).toLongLong();
    row.deviceId = query.value(7).toLongLong();
    // The earlier of the end stamped at sign-in and the start plus today's lifetime (Policy.h).
    state.familyExpiresAt = qMin(query.value(8).toLongLong(), query.value(21).toLongLong() + policy.familyLifetimeMs);
    state.familyRevokedAt = optionalTime(query.value(9));
    row.currentGeneration = query.value(10).toInt();
    state.userActive = query.value(11).toBool();
    row.tokenVersion = query.value(12).toLongLong();
    state.hasSuccessor = !query.value(13).isNull();
    if (state.hasSuccessor) {
        row.successorHash = query.value(14).toByteArray();
        state.successorLive = query.value(15).isNull() && query.value(16).isNull();
        state.successorExpiresAt = query.value(17).toLongLong();
        row.originalIp = query.value(18).toString();
        row.originalUserAgent = query.value(19).toString();
    }
    row.claimId = query.value(20).toByteArray();
    return row;
}

} // namespace rotor
