#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// The crypto a refresh needs, written the way a program without a framework would: OpenSSL one-shot calls on
// stack buffers, std::string for the texts handed back. The floors use it, so a floor does the same crypto as
// Rotor and the ratio to it isolates what the framework adds.
namespace bench::floor {

struct Keys
{
    std::string access; // HS256 key of access tokens
    std::string rotation; // HMAC key that derives a successor from its parent
};

struct Rotation
{
    unsigned char hash[32]; // sha256 of the presented token text: what is looked up
    unsigned char successorHash[32]; // sha256 of the successor text: what is stored
    std::string successor; // the successor token text: what the client gets
    unsigned char claimId[16]; // random, written with the claim (how Rotor's own retry knows its rotation)
};

// Checks the shape of a presented token ("rtr_" + 43 base64url characters, canonical), derives its successor with
// HMAC-SHA256, hashes both and draws the claim id. False for a malformed token.
bool prepareRotation(std::string_view token, const Keys &keys, Rotation *rotation);

// An HS256 JWT with the claims Rotor issues (sub, sid, ver, iat, exp, jti from 16 random bytes), keys in the same
// (sorted) order, so it is the same size and the same work.
std::string signAccessToken(std::int64_t userId, std::int64_t familyId, std::int64_t tokenVersion, std::int64_t nowMs,
                            std::int64_t accessTtlMs, const Keys &keys);

void sha256(const void *data, size_t size, unsigned char out[32]);

} // namespace bench::floor
