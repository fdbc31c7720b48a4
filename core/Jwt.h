#pragma once

#include <QByteArray>
#include <QString>

namespace rotor {

struct AccessClaims
{
    QString subject; // user id
    QString sessionId; // token family id
    qint64 version = 0; // the user's token_version
    qint64 issuedAt = 0; // seconds since the epoch
    qint64 expiresAt = 0; // seconds since the epoch
    QString jwtId;
};

// HS256 JSON Web Tokens (RFC 7519), verifiable by any standard JWT library.
namespace jwt {

QByteArray signHs256(const AccessClaims &claims, QByteArrayView key);
// Verifies the signature and the shape; does not judge expiry (the caller has the clock).
bool verifyHs256(QByteArrayView token, QByteArrayView key, AccessClaims *claims, QString *error);

} // namespace jwt
} // namespace rotor
