#include "RefreshToken.h"

#include "Crypto.h"

namespace rotor::refresh_token {

namespace {
QByteArray format(QByteArrayView secret)
{
    QByteArray text(prefix);
    text += crypto::toBase64Url(secret);
    return text;
}
} // namespace

QByteArray generate()
{
    const QByteArray secret = crypto::randomBytes(secretBytes);
    return secret.isEmpty() ? QByteArray() : format(secret);
}

QByteArray successorOf(QByteArrayView parentText, QByteArrayView rotationKey)
{
    QByteArray secret;
    if (parse(parentText, &secret) != ParseError::None)
        return {};
    return format(crypto::hmacSha256(rotationKey, secret));
}

ParseError parse(QByteArrayView text, QByteArray *secret)
{
    if (text.isEmpty())
        return ParseError::Empty;
    if (text.size() > 1024)
        return ParseError::TooLong;
    if (!text.startsWith(QByteArrayView(prefix)))
        return ParseError::BadPrefix;
    if (text.size() != textLength)
        return ParseError::BadLength;
    QByteArray decoded;
    if (!crypto::fromBase64Url(text.sliced(4), &decoded) || decoded.size() != secretBytes)
        return ParseError::BadEncoding;
    if (secret)
        *secret = std::move(decoded);
    return ParseError::None;
}

QByteArray hashOf(QByteArrayView text)
{
    return crypto::sha256(text);
}

const char *describe(ParseError error)
{
    switch (error) {
    case ParseError::None:
        return QT_TRANSLATE_NOOP("rotor::RotationService", "well-formed");
    case ParseError::Empty:
        return QT_TRANSLATE_NOOP("rotor::RotationService", "the token is empty");
    case ParseError::TooLong:
        return QT_TRANSLATE_NOOP("rotor::RotationService", "the token is far too long");
    case ParseError::BadLength:
        return QT_TRANSLATE_NOOP("rotor::RotationService", "the token has the wrong length");
    case ParseError::BadPrefix:
        return QT_TRANSLATE_NOOP("rotor::RotationService", "the token does not start with rtr_");
    case ParseError::BadEncoding:
        return QT_TRANSLATE_NOOP("rotor::RotationService", "the token is not valid base64url");
    }
    return "malformed token";
}

QByteArray fingerprint(QByteArrayView token)
{
    // Of the stored hash, hashed again: a prefix of the stored hash would do too, but this keeps the fingerprint
    // from being a lookup key into the tokens table.
    const QByteArray hex = crypto::sha256(hashOf(token)).left(4).toHex();
    QByteArray text("fp:");
    text.append(hex.left(4)).append('-').append(hex.mid(4));
    return text;
}

} // namespace rotor::refresh_token
