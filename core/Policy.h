#pragma once

#include <QtGlobal>

namespace rotor {

struct Policy
{
    static constexpr qint64 second = 1000;
    static constexpr qint64 minute = 60 * second;
    static constexpr qint64 day = 24 * 60 * minute;

    qint64 accessTtlMs = 15 * minute;
    qint64 refreshIdleTtlMs = 30 * day; // a refresh token unused this long expires
    qint64 familyLifetimeMs = 90 * day; // a sign-in lasts at most this long, however often it refreshes
    qint64 graceMs = 10 * second; // 0 disables the grace window
};

} // namespace rotor
