#include "Crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <memory>

namespace rotor::crypto {

QByteArray sha256(QByteArrayView data)
{
    QByteArray out(32, Qt::Uninitialized);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), size_t(data.size()), reinterpret_cast<unsigned char *>(out.data()), &len, EVP_sha256(),
                   nullptr)
            != 1
        || len != 32)
        return {};
    return out;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    QByteArray out(32, Qt::Uninitialized);
    unsigned int len = 0;
    // HMAC() with a null key pointer is an error in OpenSSL 3, so an empty key gets a valid address.
    static const unsigned char emptyKey = 0;
    const void *keyPtr = key.isEmpty() ? static_cast<const void *>(&emptyKey) : key.data();
    if (!HMAC(EVP_sha256(), keyPtr, int(key.size()), reinterpret_cast<const unsigned char *>(data.data()),
              size_t(data.size()), reinterpret_cast<unsigned char *>(out.data()), &len)
        || len != 32)
        return {};
    return out;
}

QByteArray hkdfSha256(QByteArrayView ikm, QByteArrayView salt, QByteArrayView info, int length)
{
    if (length <= 0 || length > 255 * 32)
        return {};
    std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr),
                                                          &EVP_KDF_free);
    if (!kdf)
        return {};
    std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()), &EVP_KDF_CTX_free);
    if (!ctx)
        return {};
    char digest[] = "SHA256";
    OSSL_PARAM params[5];
    int n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[n++]
        = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char *>(ikm.data()), size_t(ikm.size()));
    // An empty salt is the same as HashLen zero bytes (RFC 5869 2.2), which is OpenSSL's default.
    if (!salt.isEmpty())
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char *>(salt.data()),
                                                        size_t(salt.size()));
    if (!info.isEmpty())
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char *>(info.data()),
                                                        size_t(info.size()));
    params[n] = OSSL_PARAM_construct_end();
    QByteArray out(length, Qt::Uninitialized);
    if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), size_t(length), params) != 1)
        return {};
    return out;
}

QByteArray randomBytes(int count)
{
    QByteArray out(count, Qt::Uninitialized);
    if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), count) != 1)
        return {};
    return out;
}

bool equalConstantTime(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), size_t(a.size())) == 0;
}

QByteArray toBase64Url(QByteArrayView data)
{
    return data.toByteArray().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

bool fromBase64Url(QByteArrayView text, QByteArray *out)
{
    if (text.size() % 4 == 1)
        return false;
    for (char c : text) {
        const bool ok
            = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            return false;
    }
    auto decoded = QByteArray::fromBase64Encoding(text.toByteArray(),
                                                  QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals
                                                      | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return false;
    // Non-canonical encodings (unused trailing bits set) would give two spellings of one token.
    if (toBase64Url(*decoded) != text)
        return false;
    *out = std::move(*decoded);
    return true;
}

} // namespace rotor::crypto
