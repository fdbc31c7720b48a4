#include "FloorCrypto.h"

#include "BenchSupport.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace bench::floor {

namespace {
constexpr char tokenPrefix[] = "rtr_";
constexpr size_t prefixLength = 4;
constexpr size_t secretBytes = 32;

void hmacSha256(const std::string &key, const void *data, size_t size, unsigned char out[32])
{
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()), static_cast<const unsigned char *>(data), size, out, &length);
}

const std::string &headerBase64()
{
    static const std::string header = [] {
        constexpr char json[] = R"({"alg":"HS256","typ":"JWT"})";
        return base64UrlEncode(reinterpret_cast<const unsigned char *>(json), sizeof json - 1);
    }();
    return header;
}
} // namespace

void sha256(const void *data, size_t size, unsigned char out[32])
{
    unsigned int length = 0;
    EVP_Digest(data, size, out, &length, EVP_sha256(), nullptr);
}

bool prepareRotation(std::string_view token, const Keys &keys, Rotation *rotation)
{
    if (token.size() != prefixLength + 43 || token.compare(0, prefixLength, tokenPrefix) != 0)
        return false;
    unsigned char secret[secretBytes];
    if (!base64UrlDecode(token.substr(prefixLength), secret, sizeof secret))
        return false;
    unsigned char successorSecret[32];
    hmacSha256(keys.rotation, secret, sizeof secret, successorSecret);
    rotation->successor.assign(tokenPrefix);
    rotation->successor += base64UrlEncode(successorSecret, sizeof successorSecret);
    sha256(token.data(), token.size(), rotation->hash);
    sha256(rotation->successor.data(), rotation->successor.size(), rotation->successorHash);
    return RAND_bytes(rotation->claimId, sizeof rotation->claimId) == 1;
}

std::string signAccessToken(std::int64_t userId, std::int64_t familyId, std::int64_t tokenVersion, std::int64_t nowMs,
                            std::int64_t accessTtlMs, const Keys &keys)
{
    unsigned char jti[16];
    RAND_bytes(jti, sizeof jti);
    const std::string jtiText = base64UrlEncode(jti, sizeof jti);
    char payload[256];
    const int length
        = std::snprintf(payload, sizeof payload,
                        R"({"exp":%)" PRId64 R"(,"iat":%)" PRId64 R"(,"jti":"%s","sid":"%)" PRId64
                        R"(","sub":"%)" PRId64 R"(","ver":%)" PRId64 "}",
                        (nowMs + accessTtlMs) / 1000, nowMs / 1000, jtiText.c_str(), familyId, userId, tokenVersion);
    std::string token = headerBase64();
    token += '.';
    token += base64UrlEncode(reinterpret_cast<const unsigned char *>(payload), size_t(length));
    unsigned char signature[32];
    hmacSha256(keys.access, token.data(), token.size(), signature);
    token += '.';
    token += base64UrlEncode(signature, sizeof signature);
    return token;
}

} // namespace bench::floor
