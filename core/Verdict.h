#pragma once

#include <QString>

#include <optional>

namespace rotor {

// What a replay most likely was. Rotor revokes the session either way; the verdict tells an administrator whether
// to look for a thief or for a client that retries badly.
enum class Verdict {
    SameClient, // "same_client": likely the same client, a retry or a race just outside the grace window
    SecondParty, // "second_party": likely a second party holds a copy of the session (theft)
};

// The version of the rule below, stored with every verdict: a later rule never silently relabels old events.
inline constexpr int replayVerdictRule = 1;

// What is known when a replay is detected: who presented the used token now, and who used it first (the party that
// received its successor), with the session's own device key.
struct ReplayEvidence
{
    QString ip;
    QString userAgent;
    QString deviceKey; // as presented now
    QString originalIp;
    QString originalUserAgent;
    QString sessionDeviceKey; // the device the session was signed in on
    std::optional<qint64> sinceFirstUseMs; // how long after the first use the token came back; unknown if purged
};

struct VerdictResult
{
    Verdict verdict = Verdict::SecondParty;
    QString reason; // one sentence of evidence, in English (stored with the event)
};

// The rule, version replayVerdictRule. Pure. An empty value is unknown and never counts as a difference.
//  1. A device key other than the session's: a second party.
//  2. Another user agent (whatever the address): a second party.
//  3. The same user agent from another address: the same client changing networks if it came back within
//     networkChangeMs of the first use, a second party otherwise.
//  4. Nothing differs: the same client if it came back within retryHorizonMs (clients retry within seconds to
//     minutes), a second party otherwise (a stored copy in use long after).
VerdictResult classifyReplay(const ReplayEvidence &evidence);

inline constexpr qint64 networkChangeMs = 60 * 1000;
inline constexpr qint64 retryHorizonMs = 5 * 60 * 1000;

const char *verdictName(Verdict verdict);
std::optional<Verdict> verdictFromName(const QString &name);

} // namespace rotor
