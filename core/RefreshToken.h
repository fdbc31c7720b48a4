#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace rotor {

// A raw refresh token is "rtr_" followed by 256 random bits in base64url without padding (47 characters).
// The prefix makes leaked tokens easy to scan for. Only sha256(token text) is ever stored.
namespace refresh_token {

inline constexpr char prefix[] = "rtr_";
inline constexpr int secretBytes = 32;
inline constexpr int textLength = 4 + 43;

enum class ParseError { None, Empty, TooLong, BadLength, BadPrefix, BadEncoding };

// A fresh token from the CSPRNG; empty if the CSPRNG failed.
QByteArray generate();
// The successor of a token: HMAC-SHA256(rotationKey, parent's secret bytes), formatted as a token. Deterministic,
// so a retry within the grace window gets the byte-identical successor without any raw token being stored.
QByteArray successorOf(QByteArrayView parentText, QByteArrayView rotationKey);
// Checks the shape of presented bytes before anything touches the database.
ParseError parse(QByteArrayView text, QByteArray *secret = nullptr);
// What is stored and looked up: SHA-256 of the token text.
QByteArray hashOf(QByteArrayView text);
const char *describe(ParseError error);
// A short name for a token that can be shown and compared ("fp:1a2b-3c4d"), derived from its stored hash, so it
// reveals nothing a database reader does not already have, and nothing of the token itself.
QByteArray fingerprint(QByteArrayView text);

} // namespace refresh_token
} // namespace rotor
