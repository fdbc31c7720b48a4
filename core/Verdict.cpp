#include "Verdict.h"

#include "RowFormat.h"

namespace rotor {

namespace {

// Both known and different.
bool differs(const QString &a, const QString &b)
{
    return !a.isEmpty() && !b.isEmpty() && a != b;
}

QString afterFirstUse(const ReplayEvidence &evidence)
{
    return evidence.sinceFirstUseMs
        ? QStringLiteral("%1 after its first use").arg(row_format::elapsed(*evidence.sinceFirstUseMs))
        : QStringLiteral("at an unknown time after its first use");
}

} // namespace

VerdictResult classifyReplay(const ReplayEvidence &evidence)
{
    const QString when = afterFirstUse(evidence);
    if (differs(evidence.deviceKey, evidence.sessionDeviceKey))
        return {Verdict::SecondParty,
                QStringLiteral("presented by device '%1', but the session belongs to device '%2' (%3)")
                    .arg(evidence.deviceKey, evidence.sessionDeviceKey, when)};
    if (differs(evidence.userAgent, evidence.originalUserAgent)) {
        const QString where = differs(evidence.ip, evidence.originalIp)
            ? QStringLiteral("from %1 instead of %2").arg(evidence.ip, evidence.originalIp)
            : QStringLiteral("from the same address");
        return {Verdict::SecondParty,
                QStringLiteral("another client program ('%1', first used by '%2'), %3, %4")
                    .arg(evidence.userAgent, evidence.originalUserAgent, where, when)};
    }
    const bool known = evidence.sinceFirstUseMs.has_value();
    const qint64 since = known ? qAbs(*evidence.sinceFirstUseMs) : 0;
    if (differs(evidence.ip, evidence.originalIp)) {
        if (known && since <= networkChangeMs)
            return {Verdict::SameClient,
                    QStringLiteral("the same client program from a new address (%1, first used from %2) %3: a "
                                   "device changing networks while it retried")
                        .arg(evidence.ip, evidence.originalIp, when)};
        const QString tooLate = known
            ? QStringLiteral(": longer than a client retries (%1)").arg(row_format::elapsed(networkChangeMs))
            : QString();
        return {Verdict::SecondParty,
                QStringLiteral("the same client program from another address (%1, first used "
                               "from %2) %3%4")
                    .arg(evidence.ip, evidence.originalIp, when, tooLate)};
    }
    if (known && since <= retryHorizonMs)
        return {Verdict::SameClient,
                QStringLiteral("the same address and client program %1: a retry or a race just "
                               "outside the grace window")
                    .arg(when)};
    if (!known)
        return {Verdict::SameClient,
                QStringLiteral("the same address and client program; the first use is no longer on record")};
    return {Verdict::SecondParty,
            QStringLiteral("the same address and client program, but %1: longer than a client "
                           "retries (%2), so a stored copy is in use")
                .arg(when, row_format::elapsed(retryHorizonMs))};
}

const char *verdictName(Verdict verdict)
{
    return verdict == Verdict::SameClient ? "same_client" : "second_party";
}

std::optional<Verdict> verdictFromName(const QString &name)
{
    if (name == QLatin1String("same_client"))
        return Verdict::SameClient;
    if (name == QLatin1String("second_party"))
        return Verdict::SecondParty;
    return std::nullopt;
}

} // namespace rotor
