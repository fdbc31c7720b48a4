#include "Jwt.h"

#include "Crypto.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

namespace rotor::jwt {

namespace {
// Fixed so that the same claims always give the same token (known-answer tests depend on it).
constexpr char headerJson[] = R"({"alg":"HS256","typ":"JWT"})";

QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::jwt", text);
}
} // namespace

QByteArray signHs256(const AccessClaims &claims, QByteArrayView key)
{
    QJsonObject payload; // QJsonObject orders keys, so the serialization is canonical
    payload.insert(QStringLiteral("sub"), claims.subject);
    payload.insert(QStringLiteral("sid"), claims.sessionId);
    payload.insert(QStringLiteral("ver"), claims.version);
    payload.insert(QStringLiteral("iat"), claims.issuedAt);
    payload.insert(QStringLiteral("exp"), claims.expiresAt);
    payload.insert(QStringLiteral("jti"), claims.jwtId);
    const QByteArray signingInput = crypto::toBase64Url(QByteArrayView(headerJson)) + '.'
        + crypto::toBase64Url(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    return signingInput + '.' + crypto::toBase64Url(crypto::hmacSha256(key, signingInput));
}

bool verifyHs256(QByteArrayView token, QByteArrayView key, AccessClaims *claims, QString *error)
{
    const auto fail = [error](const char *why) {
        if (error)
            *error = tr(why);
        return false;
    };
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype lastDot = token.lastIndexOf('.');
    if (firstDot <= 0 || lastDot == firstDot || token.count('.') != 2)
        return fail(QT_TRANSLATE_NOOP("rotor::jwt", "not a JSON Web Token"));
    QByteArray header, payload, signature;
    if (!crypto::fromBase64Url(token.first(firstDot), &header)
        || !crypto::fromBase64Url(token.sliced(firstDot + 1, lastDot - firstDot - 1), &payload)
        || !crypto::fromBase64Url(token.sliced(lastDot + 1), &signature))
        return fail(QT_TRANSLATE_NOOP("rotor::jwt", "the token is not valid base64url"));
    const QJsonObject headerObject = QJsonDocument::fromJson(header).object();
    if (headerObject.value(QStringLiteral("alg")).toString() != QLatin1String("HS256"))
        return fail(QT_TRANSLATE_NOOP("rotor::jwt", "the token is not signed with HS256"));
    if (!crypto::equalConstantTime(signature, crypto::hmacSha256(key, token.first(lastDot))))
        return fail(QT_TRANSLATE_NOOP("rotor::jwt", "the signature does not match"));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return fail(QT_TRANSLATE_NOOP("rotor::jwt", "the claims are not a JSON object"));
    const QJsonObject object = document.object();
    if (claims) {
        claims->subject = object.value(QStringLiteral("sub")).toString();
        claims->sessionId = object.value(QStringLiteral("sid")).toString();
        claims->version = object.value(QStringLiteral("ver")).toInteger();
        claims->issuedAt = object.value(QStringLiteral("iat")).toInteger();
        claims->expiresAt = object.value(QStringLiteral("exp")).toInteger();
        claims->jwtId = object.value(QStringLiteral("jti")).toString();
    }
    return true;
}

} // namespace rotor::jwt
