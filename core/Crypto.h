#pragma once

#include <QByteArray>
#include <QByteArrayView>

// Thin wrappers over OpenSSL. No primitive is implemented here.
namespace rotor::crypto {

QByteArray sha256(QByteArrayView data);
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);
// RFC 5869 HKDF-SHA256; returns an empty array if OpenSSL refuses the parameters.
QByteArray hkdfSha256(QByteArrayView ikm, QByteArrayView salt, QByteArrayView info, int length);
// Bytes from OpenSSL's CSPRNG; empty on failure (the caller must treat that as fatal).
QByteArray randomBytes(int count);
// Constant-time comparison of two byte strings of equal length.
bool equalConstantTime(QByteArrayView a, QByteArrayView b);

QByteArray toBase64Url(QByteArrayView data);
// Strict: rejects padding, '+', '/', whitespace and non-canonical trailing bits. Returns false on error.
bool fromBase64Url(QByteArrayView text, QByteArray *out);

} // namespace rotor::crypto
